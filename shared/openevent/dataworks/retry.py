"""Retries with jittered exponential backoff inside a deadline.

:func:`call_with_retry` calls ``attempt(timeout_s)`` until it succeeds, raises a permanent
:class:`DataWorksApiError`, the attempt budget is spent, or the next attempt could not start
before the deadline (the function's remaining time). Each attempt is given the time left as its
timeout. Clock, sleep and randomness are injectable so tests never wait.

Example:
    >>> calls = []
    >>> def attempt(timeout_s: float) -> str:
    ...     calls.append(timeout_s)
    ...     if len(calls) < 2:
    ...         raise DataWorksApiError("ServiceUnavailable", http_status=503)
    ...     return "ok"
    >>> clock = FakeClock()
    >>> call_with_retry(attempt, deadline=clock() + 10, clock=clock, sleep=clock.sleep)
    'ok'
    >>> len(calls)
    2
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from openevent.dataworks.errors import DataWorksApiError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry.

    ``min_attempt_s`` is the least time worth starting an attempt with: no attempt (first or
    retry) starts when less than that is left before the deadline.
    """

    max_attempts: int = 4
    base_delay_s: float = 0.2
    max_delay_s: float = 2.0
    min_attempt_s: float = 0.3

    def delay(self, retry_number: int, rng: Callable[[], float]) -> float:
        """Full-jitter backoff before retry ``retry_number`` (1-based).

        Example:
            >>> RetryPolicy(base_delay_s=0.2).delay(3, rng=lambda: 1.0)
            0.8
        """
        cap = min(self.max_delay_s, self.base_delay_s * 2.0 ** (retry_number - 1))
        return round(float(cap * rng()), 6)


@dataclass
class FakeClock:
    """A monotonic clock whose ``sleep`` only advances it (for tests and doctests)."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def call_with_retry(
    attempt: Callable[[float], T],
    *,
    deadline: float,
    policy: RetryPolicy | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    rng: Callable[[], float] = random.random,
    on_retry: Callable[[DataWorksApiError, int, float], None] | None = None,
) -> T:
    """Run ``attempt(timeout_s)`` with retries of transient :class:`DataWorksApiError` before ``deadline``.

    ``deadline`` is a value of ``clock()``. The error of the last attempt is raised, with
    ``attempts`` set to the number of attempts made. ``on_retry(error, attempt_no, delay)`` is
    called before each backoff sleep.
    """
    pol = policy or RetryPolicy()
    attempts = 0
    while True:
        left = deadline - clock()
        if left < pol.min_attempt_s and attempts == 0:
            raise DataWorksApiError("DeadlineExceeded", f"{max(left, 0.0):.2f}s left before the deadline",
                                    transient=True, attempts=0)
        attempts += 1
        try:
            return attempt(max(left, pol.min_attempt_s))
        except DataWorksApiError as exc:
            exc.attempts = attempts
            if not exc.transient or attempts >= pol.max_attempts:
                raise
            delay = pol.delay(attempts, rng)
            if clock() + delay + pol.min_attempt_s > deadline:
                raise
            if on_retry is not None:
                on_retry(exc, attempts, delay)
            sleep(delay)
