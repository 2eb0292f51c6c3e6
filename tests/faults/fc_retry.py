"""FC's asynchronous invocation, as the functions see it: an invocation that raises is retried.

EventBridge hands an event to FC asynchronously; when the handler raises, FC invokes it again,
up to ``maxAsyncRetryAttempts`` more times (3 unless s.yaml sets it), then gives the event to the
async destination (a dead-letter queue) if one is configured. :func:`fc_retry` plays that: it calls
the handler, and while it raises calls it again, at most :data:`FC_ASYNC_RETRIES` more times, with
an optional wait before each retry (FC's backoff) and a hook that changes the world in between (an
outage ends, a new STS token comes with the next invocation, a fix is deployed).

Example::

    run = fc_retry(lambda: invoke(event), before_retry=lambda n: fake.heal())
    assert run.answered and run.attempts == 2 and isinstance(run.errors[0], Undelivered)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

FC_ASYNC_RETRIES = 3
"""FC's default ``maxAsyncRetryAttempts``: the first invocation and at most three retries."""


@dataclass
class FcRun:
    """What FC's invocations of one event came to."""

    result: dict[str, Any] | None = None
    errors: list[BaseException] = field(default_factory=list)

    @property
    def attempts(self) -> int:
        return len(self.errors) + (1 if self.result is not None else 0)

    @property
    def answered(self) -> bool:
        """An invocation returned (FC stops retrying)."""
        return self.result is not None

    @property
    def dead_lettered(self) -> bool:
        """Every invocation raised: FC gives the event to the async destination."""
        return self.result is None

    def error_types(self) -> list[str]:
        return [type(e).__name__ for e in self.errors]

    def __repr__(self) -> str:
        state = "answered" if self.answered else "dead-lettered"
        return f"FcRun({state} after {self.attempts} invocation(s), errors={self.error_types()})"


def fc_retry(call: Callable[[], dict[str, Any]], *, retries: int = FC_ASYNC_RETRIES,
             backoff_s: float | Sequence[float] = 0.0,
             before_retry: Callable[[int], Any] | None = None) -> FcRun:
    """Invoke ``call()``, and again while it raises, up to ``retries`` more times.

    ``backoff_s`` is the wait before each retry (one value, or one per retry); ``before_retry(n)``
    runs before retry ``n`` (1-based). Exceptions other than :class:`Exception` (a test's own
    assertion failing inside ``call``) are not retried.
    """
    waits = [backoff_s] * retries if isinstance(backoff_s, int | float) else list(backoff_s)
    run = FcRun()
    for attempt in range(retries + 1):
        if attempt:
            wait = waits[attempt - 1] if attempt - 1 < len(waits) else (waits[-1] if waits else 0.0)
            if wait:
                time.sleep(wait)
            if before_retry is not None:
                before_retry(attempt)
        try:
            run.result = call()
            return run
        except AssertionError:
            raise
        except Exception as exc:
            run.errors.append(exc)
    return run
