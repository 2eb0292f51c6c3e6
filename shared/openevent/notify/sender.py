"""Delivery with retries inside a time budget (the function's remaining time).

:func:`send_with_retry` runs the one retry loop of :mod:`openevent.delivery.retry`: it
sends once, and while the outcome is ``retry_after`` waits (the vendor's ``Retry-After`` /
throttling hint, else jittered exponential backoff) and tries again, but never sleeps past
the budget, and never longer than ``max_wait_s``: the last transient outcome is returned
instead. Each attempt's HTTP timeout is capped by the time left. Clock, sleep and
randomness are injectable so tests run on a fake clock.

:func:`send_all` delivers one message to several channels and returns the result rows of the
notifier contract (``{receiver, kind, status, reason}``), logging each outcome.

Example:
    >>> from openevent.notify.message import Message
    >>> from openevent.notify.outcome import Outcome
    >>> class Flaky:
    ...     kind, name, calls = "demo", "d", 0
    ...     def send(self, message, *, timeout=10.0):
    ...         self.calls += 1
    ...         return Outcome.sent("demo") if self.calls > 1 else Outcome.retry("demo", after=2)
    >>> slept = []
    >>> send_with_retry(Flaky(), Message(kind="test", title="t"), budget_s=30, sleep=slept.append).status
    'sent'
    >>> slept
    [2.0]
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from openevent.notify.message import Message
from openevent.notify.outcome import Outcome

DEFAULT_BACKOFF_S = 1.0
MAX_BACKOFF_S = 60.0


class Sendable(Protocol):
    """What the retry loop needs of a channel (any :class:`~openevent.notify.channels.base.Channel`)."""

    @property
    def kind(self) -> str: ...

    @property
    def name(self) -> str: ...

    def send(self, message: Message, *, timeout: float = ...) -> Outcome: ...


def send_with_retry(channel: Sendable, message: Message, *, budget_s: float | None = None,
                    max_attempts: int = 4, timeout_s: float = 10.0, min_attempt_s: float = 1.0,
                    backoff_s: float = DEFAULT_BACKOFF_S, max_wait_s: float | None = None,
                    use_reserve: bool = False, clock: Callable[[], float] = time.monotonic,
                    sleep: Callable[[float], Any] = time.sleep,
                    rng: Callable[[], float] = random.random) -> Outcome:
    """Deliver ``message`` through ``channel``, retrying transient failures (:func:`openevent.delivery.retry`).

    The time comes from ``budget_s`` seconds on ``clock`` when given, else from the
    invocation's current budget. ``max_wait_s`` is the longest vendor wait worth sleeping here
    (a longer ``Retry-After`` is returned as ``retry_after`` for the caller to digest or raise).
    """
    from openevent.delivery.budget import Budget, current_budget
    from openevent.delivery.retry import RetryPolicy, retry

    budget = current_budget() if budget_s is None else None
    if budget is None:
        budget = Budget(timeout_s=float(budget_s if budget_s is not None else 30.0), margin_s=0.0, clock=clock)
    policy = RetryPolicy(max_attempts=max_attempts, base_delay_s=backoff_s, max_delay_s=MAX_BACKOFF_S,
                         min_attempt_s=min_attempt_s, attempt_timeout_s=timeout_s, max_wait_s=max_wait_s)
    count = 0

    def attempt(timeout: float) -> Outcome:
        nonlocal count
        count += 1
        return channel.send(message, timeout=max(0.1, timeout)).with_(receiver=channel.name, attempts=count)

    def no_time() -> Outcome:
        return Outcome.retry(channel.kind, code="budget_exhausted",
                             text="no time left to send").with_(receiver=channel.name, attempts=0)

    if budget.left(use_reserve=use_reserve) <= 0:
        return no_time()
    return retry(attempt, budget=budget, policy=policy, use_reserve=use_reserve, sleep=sleep, rng=rng)


def send_all(channels: Mapping[str, Sendable], message: Message, *, budget_s: float,
             **retry: Any) -> list[dict[str, Any]]:
    """Send ``message`` to every channel in turn (sharing the budget); one result row per receiver.

    Example:
        >>> send_all({}, Message(kind="test", title="t"), budget_s=5)
        []
    """
    from openevent.runtime.logging import get_logger

    log = get_logger("openevent.notify")
    clock: Callable[[], float] = retry.get("clock", time.monotonic)
    deadline = clock() + budget_s
    rows = []
    for name, channel in channels.items():
        outcome = send_with_retry(channel, message, budget_s=max(0.0, deadline - clock()), **retry)
        level = log.info if outcome.ok else log.warning
        level("notify.outcome", receiver=name, channel=outcome.channel, status=outcome.status,
              code=outcome.code, reason=outcome.reason, attempts=outcome.attempts,
              truncated=outcome.truncated)
        rows.append({"receiver": name, "kind": outcome.channel, "status": outcome.status,
                     "reason": outcome.reason})
    return rows
