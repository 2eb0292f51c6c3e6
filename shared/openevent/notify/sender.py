"""Delivery with retries inside a time budget (the function's remaining time).

:func:`send_with_retry` sends once, and while the outcome is ``retry_after`` waits (the
vendor's ``Retry-After`` / throttling hint, else exponential backoff) and tries again, but
never sleeps past the deadline: when the next attempt could not start (plus
``min_attempt_s`` for the request itself) before the budget ends, it stops and returns the
last transient outcome. Each attempt's HTTP timeout is capped by the time left. Clock and
sleep are injectable so tests run on a fake clock.

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


def send_with_retry(channel: Sendable, message: Message, *, budget_s: float,
                    max_attempts: int = 4, timeout_s: float = 10.0, min_attempt_s: float = 1.0,
                    backoff_s: float = DEFAULT_BACKOFF_S,
                    clock: Callable[[], float] = time.monotonic,
                    sleep: Callable[[float], Any] = time.sleep) -> Outcome:
    """Deliver ``message`` through ``channel``, retrying transient failures within ``budget_s`` seconds."""
    deadline = clock() + budget_s
    attempt = 0
    outcome: Outcome | None = None
    while True:
        attempt += 1
        left = deadline - clock()
        if left <= 0 and outcome is None:
            return Outcome.retry(channel.kind, code="budget_exhausted",
                                 text="no time left to send").with_(receiver=channel.name, attempts=0)
        outcome = channel.send(message, timeout=max(0.1, min(timeout_s, left)))
        outcome = outcome.with_(receiver=channel.name, attempts=attempt)
        if outcome.status != "retry_after" or attempt >= max_attempts:
            return outcome
        wait = outcome.retry_after
        if wait is None:
            wait = min(MAX_BACKOFF_S, backoff_s * (2 ** (attempt - 1)))
        if clock() + wait + min_attempt_s > deadline:
            return outcome  # the next try could not finish in time: report the transient failure
        sleep(float(wait))


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
