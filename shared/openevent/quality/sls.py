"""Writing DQ results to an SLS logstore (one log per result) with :class:`openevent.sls.SlsWriter`.

Contents come from :func:`~openevent.quality.result.log_contents`, ``topic``/``source`` from the
destination. Transient failures are retried ``attempts`` times inside the time budget (the SDK
itself already retries 5xx answers and connection errors), and every answer is classified as an
:class:`~openevent.notify.outcome.Outcome` like the other destinations'.

The SDK is imported on the first write: a forwarder without an SLS destination never loads it.

Example:
    >>> from openevent.quality.config import SlsDestination
    >>> w = SlsWriter("dashboard", SlsDestination(kind="sls", endpoint="http://127.0.0.1:9", project="p",
    ...                                              logstore="dq"), credentials=None)
    >>> w.put([(0, {"a": "1"})], budget_s=1).reason
    'code MissingCredentials: no credentials (ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET or the FC role)'
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from openevent import sls
from openevent.notify.outcome import Outcome
from openevent.quality.config import SlsDestination
from openevent.runtime.credentials import Credentials

LogRecord = tuple[int, Mapping[str, str]]
"""``(epoch seconds, contents)`` of one log."""


class SlsWriter:
    """``PutLogs`` of generic records to one logstore, classified as notify outcomes."""

    kind = "sls"

    def __init__(self, name: str, destination: SlsDestination, credentials: Credentials | None, *,
                 sleep: Callable[[float], Any] = time.sleep, clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.destination = destination
        self.credentials = credentials
        d = destination
        self._writer = sls.SlsWriter(sls.SlsTarget(endpoint=d.endpoint or "", project=d.project or "",
                                                   logstore=d.logstore or "", topic=d.topic, source=d.source),
                                     credentials)
        self._sleep = sleep
        self._clock = clock

    def put_once(self, records: Sequence[LogRecord]) -> Outcome:
        """One ``PutLogs`` call with every record; the classified answer."""
        try:
            self._writer.put([(ts, sorted(contents.items())) for ts, contents in records])
        except sls.SlsError as exc:
            text = str(exc).split(": ", 1)[-1]
            if exc.transient:
                return Outcome.retry(self.kind, code=exc.code, text=text)
            return Outcome.permanent(self.kind, code=exc.code, text=text)
        return Outcome.sent(self.kind)

    def put(self, records: Sequence[LogRecord], *, budget_s: float, attempts: int = 3,
            backoff_s: float = 0.5) -> Outcome:
        """:meth:`put_once`, retrying transient failures while the budget allows."""
        deadline = self._clock() + budget_s
        outcome = self.put_once(records)
        for attempt in range(1, attempts):
            if outcome.status != "retry_after":
                break
            wait = backoff_s * (2 ** (attempt - 1))
            if self._clock() + wait >= deadline:
                break
            self._sleep(wait)
            outcome = self.put_once(records).with_(attempts=attempt + 1)
        return outcome.with_(receiver=self.name)
