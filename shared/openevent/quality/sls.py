"""Writing DQ results to an SLS logstore (one log per result) with :class:`openevent.sls.SlsWriter`.

Contents come from :func:`~openevent.quality.result.log_contents`, ``topic``/``source`` from the
destination. Each ``PutLogs`` is one attempt (the SDK's own retries are off); transient failures
are retried by the one retry loop (:func:`openevent.delivery.retry.retry_call`) inside the
invocation's budget, and every answer is classified as an
:class:`~openevent.notify.outcome.Outcome` like the other destinations'.

The SDK is imported on the first write: a forwarder without an SLS destination never loads it.

Example:
    >>> from openevent.quality.config import SlsDestination
    >>> w = SlsWriter("dashboard", SlsDestination(kind="sls", endpoint="http://127.0.0.1:9", project="p",
    ...                                              logstore="dq"), credentials=None)
    >>> w.put([(0, {"a": "1"})]).reason
    'code MissingCredentials: no credentials (ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET or the FC role)'
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from openevent import sls
from openevent.delivery.budget import Budget, current_budget
from openevent.delivery.retry import RetryPolicy, retry_call
from openevent.notify.outcome import Outcome
from openevent.quality.config import SlsDestination
from openevent.runtime.credentials import Credentials

LogRecord = tuple[int, Mapping[str, str]]
"""``(epoch seconds, contents)`` of one log."""
DEFAULT_POLICY = RetryPolicy(max_attempts=3, base_delay_s=0.2, max_delay_s=1.0, min_attempt_s=0.5,
                             attempt_timeout_s=10.0, max_wait_s=1.0)


class SlsWriter:
    """``PutLogs`` of generic records to one logstore, classified as notify outcomes."""

    kind = "sls"

    def __init__(self, name: str, destination: SlsDestination, credentials: Credentials | None) -> None:
        self.name = name
        self.destination = destination
        self.credentials = credentials
        d = destination
        self._writer = sls.SlsWriter(sls.SlsTarget(endpoint=d.endpoint or "", project=d.project or "",
                                                   logstore=d.logstore or "", topic=d.topic, source=d.source),
                                     credentials)

    def put(self, records: Sequence[LogRecord], *, budget: Budget | None = None, policy: RetryPolicy | None = None,
            sleep: Callable[[float], Any] = time.sleep, rng: Callable[[], float] = random.random) -> Outcome:
        """One ``PutLogs`` with every record, transient failures retried inside ``budget``; the outcome.

        ``budget`` defaults to the invocation's current one (30 s outside an invocation).
        """
        logs = [(ts, sorted(contents.items())) for ts, contents in records]
        budget = budget or current_budget() or Budget(timeout_s=30.0, margin_s=0.0)
        try:
            _, attempts = retry_call(lambda timeout: self._writer.put(logs, timeout_s=timeout), sls.classify,
                                     budget=budget, policy=policy or DEFAULT_POLICY, sleep=sleep, rng=rng)
        except sls.SlsError as exc:
            text = str(exc).split(": ", 1)[-1]
            count = int(getattr(exc, "attempts", 1) or 1)
            # refused credentials are FC's to retry: its next invocation brings the role's rotated token
            make = Outcome.retry if exc.transient or exc.credentials else Outcome.permanent
            return make(self.kind, code=exc.code, text=text).with_(receiver=self.name, attempts=count)
        return Outcome.sent(self.kind).with_(receiver=self.name, attempts=attempts)
