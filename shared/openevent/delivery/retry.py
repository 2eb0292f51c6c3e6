"""One retry loop for every outbound call: one classification, backoff with jitter, inside the budget.

Every attempt is classified as ``sent`` (done), ``retry_after`` (transient: another attempt
may succeed, optionally after the service's own hint in seconds) or ``permanent`` (retrying
cannot help). :func:`retry` runs ``attempt(timeout_s)`` until it is not ``retry_after``, the
policy's attempts are spent, or the next attempt could not start before the budget ends —
it never sleeps past the budget, and it returns the last outcome for the caller to act on
(a consumer raises so FC retries the invocation; see :class:`Undelivered`).

Outcomes are anything with ``status`` and ``retry_after`` (the chat channels'
:class:`~openevent.notify.outcome.Outcome`); calls that raise instead (the DataWorks SDK, SLS,
audit sinks) go through :func:`retry_call` with a ``classify(exc)`` function.

Example:
    >>> from openevent.delivery.budget import Budget
    >>> t = [0.0]
    >>> budget = Budget(timeout_s=10, margin_s=0, clock=lambda: t[0])
    >>> answers = iter([Attempt.retry("busy"), Attempt.ok("done")])
    >>> def sleep(s):
    ...     t[0] += s
    >>> retry(lambda timeout: next(answers), budget=budget, sleep=sleep, rng=lambda: 1.0).value
    'done'
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, Protocol, TypeVar

from openevent.delivery.budget import Budget
from openevent.errors import OpenEventError

Status = Literal["sent", "retry_after", "permanent"]
T = TypeVar("T")
O = TypeVar("O", bound="Classified")  # noqa: E741


class Classified(Protocol):
    """What :func:`retry` reads of an outcome."""

    @property
    def status(self) -> str: ...

    @property
    def retry_after(self) -> float | None: ...


@dataclass(frozen=True)
class Attempt(Generic[T]):
    """The classified result of one call: its value, or the error and whether a retry can help.

    Example:
        >>> Attempt.ok(1).status, Attempt.retry(TimeoutError()).status, Attempt.permanent("no").status
        ('sent', 'retry_after', 'permanent')
    """

    status: Status
    value: T | None = None
    error: Any = None
    retry_after: float | None = None

    @classmethod
    def ok(cls, value: T) -> Attempt[T]:
        return cls("sent", value=value)

    @classmethod
    def retry(cls, error: Any, after: float | None = None) -> Attempt[T]:
        return cls("retry_after", error=error, retry_after=after)

    @classmethod
    def permanent(cls, error: Any) -> Attempt[T]:
        return cls("permanent", error=error)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry.

    ``min_attempt_s`` is the least time worth starting an attempt with; ``attempt_timeout_s``
    caps each attempt; ``max_wait_s`` is the longest wait worth sleeping inside the handler
    (a service asking for a longer wait — throttling — is answered by returning the outcome, so
    the caller can digest it or let FC retry later, never by sleeping it out).

    Example:
        >>> RetryPolicy(base_delay_s=0.2).delay(3, rng=lambda: 1.0)
        0.8
    """

    max_attempts: int = 4
    base_delay_s: float = 0.2
    max_delay_s: float = 2.0
    min_attempt_s: float = 0.3
    attempt_timeout_s: float = 10.0
    max_wait_s: float | None = None

    def delay(self, retry_number: int, rng: Callable[[], float]) -> float:
        """Full-jitter exponential backoff before retry ``retry_number`` (1-based)."""
        cap = min(self.max_delay_s, self.base_delay_s * 2.0 ** (retry_number - 1))
        return round(float(cap * rng()), 6)


class Undelivered(OpenEventError):
    """Work was left undone when the budget or the attempts ran out: FC must retry the invocation.

    ``undone`` names what is missing (destinations, receivers, sinks); a consumer raises it
    after doing everything else it could, and the redelivery repeats only what failed.
    """

    def __init__(self, what: str, undone: dict[str, str]) -> None:
        self.undone = dict(undone)
        detail = "; ".join(f"{k}: {v}" for k, v in undone.items())
        super().__init__(f"{what}: not delivered to {', '.join(undone)} ({detail}); FC will retry the event")


def retry(attempt: Callable[[float], O], *, budget: Budget, policy: RetryPolicy | None = None,
          use_reserve: bool = False, sleep: Callable[[float], Any] = time.sleep,
          rng: Callable[[], float] = random.random, on_retry: Callable[[O, int, float], None] | None = None,
          no_time: Callable[[], O] | None = None) -> O:
    """Call ``attempt(timeout_s)`` until its outcome is not ``retry_after`` or the budget/policy ends.

    ``no_time()`` gives the outcome when not even the first attempt can start (by default the
    first attempt runs with the least timeout). ``on_retry(outcome, attempt_no, wait)`` is
    called before each wait.
    """
    pol = policy or RetryPolicy()
    attempts = 0
    while True:
        left = budget.left(use_reserve=use_reserve)
        if attempts == 0 and left < pol.min_attempt_s and no_time is not None:
            return no_time()
        attempts += 1
        outcome = attempt(max(pol.min_attempt_s if attempts == 1 else 0.05, min(pol.attempt_timeout_s, left)))
        if outcome.status != "retry_after" or attempts >= pol.max_attempts:
            return outcome
        hint = outcome.retry_after
        wait = pol.delay(attempts, rng) if hint is None else float(hint)
        if pol.max_wait_s is not None and wait > pol.max_wait_s:
            return outcome  # throttled for longer than is worth waiting here
        if wait + pol.min_attempt_s > budget.left(use_reserve=use_reserve):
            return outcome  # the next attempt could not finish in time
        if on_retry is not None:
            on_retry(outcome, attempts, wait)
        sleep(wait)


def retry_call(fn: Callable[[float], T], classify: Callable[[BaseException], Attempt[T]], *, budget: Budget,
               policy: RetryPolicy | None = None, use_reserve: bool = False,
               sleep: Callable[[float], Any] = time.sleep, rng: Callable[[], float] = random.random,
               on_retry: Callable[[Attempt[T], int, float], None] | None = None,
               no_time: Callable[[], BaseException] | None = None) -> tuple[T, int]:
    """:func:`retry` for a call that raises: ``(value, attempts)``, or the last error raised.

    ``classify(exc)`` says whether an error is transient (``Attempt.retry``) or not.

    Example:
        >>> from openevent.delivery.budget import Budget
        >>> calls = []
        >>> def fn(timeout):
        ...     calls.append(timeout)
        ...     if len(calls) < 3:
        ...         raise ConnectionError("reset")
        ...     return "ok"
        >>> retry_call(fn, lambda e: Attempt.retry(e), budget=Budget(timeout_s=30), sleep=lambda s: None)
        ('ok', 3)
    """
    count = 0

    def attempt(timeout_s: float) -> Attempt[T]:
        nonlocal count
        count += 1
        try:
            return Attempt.ok(fn(timeout_s))
        except Exception as exc:
            return classify(exc)

    def nothing() -> Attempt[T]:
        return Attempt.permanent(no_time() if no_time is not None else TimeoutError("no time left in the budget"))

    outcome = retry(attempt, budget=budget, policy=policy, use_reserve=use_reserve, sleep=sleep, rng=rng,
                    on_retry=on_retry, no_time=nothing if no_time is not None else None)
    if outcome.status == "sent":
        return outcome.value, count  # type: ignore[return-value]
    error = outcome.error
    if isinstance(error, BaseException):
        setattr_safe(error, "attempts", count)
        raise error
    raise OpenEventError(str(error))


def setattr_safe(obj: Any, name: str, value: Any) -> None:
    with contextlib.suppress(AttributeError, TypeError):  # an exception with slots: the count is only informative
        setattr(obj, name, value)
