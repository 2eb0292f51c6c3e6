"""Writing DQ results to an SLS logstore through the audit package's SLS sink.

:class:`~openevent.audit.sinks.sls.SlsSink` owns the SLS client (aliyun-log-python-sdk
``LogClient``, AccessKey or STS credentials, endpoint, timeout) and the error vocabulary
(:class:`~openevent.audit.sinks.base.SinkError`, transient codes such as
``WriteQuotaExceed``). Its ``write`` takes audit records, so this thin adapter builds the
``PutLogs`` request for generic JSON records (one log per result, contents from
:func:`~openevent.quality.result.log_contents`, ``topic``/``source`` from the destination)
and sends it with the sink's client. Transient failures are retried ``attempts`` times inside
the time budget (the SDK itself already retries 5xx answers and connection errors).

The audit sink is imported on first use: a forwarder without an SLS destination never loads
it, nor the SDK.

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

from openevent.notify.outcome import Outcome
from openevent.quality.config import SlsDestination
from openevent.runtime.credentials import Credentials
from openevent.runtime.redact import redact_text

LogRecord = tuple[int, Mapping[str, str]]
"""``(epoch seconds, contents)`` of one log."""


class SlsWriter:
    """``PutLogs`` of generic records to one logstore, with the audit SLS sink's client."""

    kind = "sls"

    def __init__(self, name: str, destination: SlsDestination, credentials: Credentials | None, *,
                 sleep: Callable[[float], Any] = time.sleep, clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.destination = destination
        self.credentials = credentials
        self._sink: Any = None
        self._sleep = sleep
        self._clock = clock

    def _audit_sink(self) -> Any:
        if self._sink is None:
            from openevent.audit.config import SlsSinkConfig
            from openevent.audit.sinks.sls import SlsSink

            d = self.destination
            config = SlsSinkConfig(endpoint=d.endpoint or "", project=d.project or "", logstore=d.logstore or "",
                                   topic=d.topic, source=d.source)
            self._sink = SlsSink(config, self.credentials)
        return self._sink

    def put_once(self, records: Sequence[LogRecord]) -> Outcome:
        """One ``PutLogs`` call with every record; the classified answer."""
        from aliyun.log import LogException, LogItem, PutLogsRequest

        from openevent.audit.sinks.sls import TRANSIENT_CODES

        if self.credentials is None:
            return Outcome.permanent(self.kind, code="MissingCredentials",
                                     text="no credentials (ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET or the FC role)")
        sink = self._audit_sink()
        cfg = sink.config
        items = [LogItem(timestamp=ts, contents=sorted(contents.items())) for ts, contents in records]
        request = PutLogsRequest(project=cfg.project, logstore=cfg.logstore, topic=cfg.topic,
                                 source=cfg.source or "openevent", logitems=items, compress=cfg.compress)
        try:
            sink._get_client().put_logs(request)
        except LogException as exc:
            code = str(exc.get_error_code())
            text = redact_text(str(exc.get_error_message()))[:300]
            if code in TRANSIENT_CODES:
                return Outcome.retry(self.kind, code=code, text=text)
            return Outcome.permanent(self.kind, code=code, text=text)
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
