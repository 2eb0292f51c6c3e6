"""Delivering records to every sink exactly once: done-marks, retries, and a failure that makes FC retry.

For each sink, the records it has not stored yet (no done-mark ``audit:sent:<sink>:<audit_id>`` in
the state store) are written; a transient :class:`~openevent.audit.sinks.base.SinkError` is retried
``attempts`` times with exponential backoff. After a success each record gets its done-mark (a
failed sink's error names what it stored before failing, and those get marked too). Sinks are
independent: one failing does not keep the others from their records. When a sink still fails,
:func:`deliver` raises :class:`AuditDeliveryError` after the others are done, so FC retries the
invocation, and the retry writes only what is missing (no duplicates in any sink).

Example:
    >>> from openevent.state import open_store
    >>> from openevent.audit.record import AuditRecord, Resource
    >>> class ListSink:
    ...     name = "list"
    ...     def __init__(self): self.items = []
    ...     def write(self, records): self.items.extend(records)
    >>> store, sink = open_store("memory://"), ListSink()
    >>> rec = AuditRecord(audit_id="a", event_id="e", event_type="t", action="kill",
    ...                   resource=Resource(kind="instance", id="1"), recorded_at="x")
    >>> deliver([rec], [sink], store), deliver([rec], [sink], store), len(sink.items)
    ({'list': 'written'}, {'list': 'already-written'}, 1)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from openevent.audit.record import AuditRecord
from openevent.audit.sinks.base import Sink, SinkError
from openevent.errors import OpenEventError
from openevent.runtime.logging import get_logger
from openevent.state import StateStore

DEFAULT_MARK_TTL_S = 7 * 86400.0


class AuditDeliveryError(OpenEventError):
    """At least one sink did not store its records after retries (the invocation must be retried)."""

    def __init__(self, failures: dict[str, str], statuses: dict[str, str] | None = None) -> None:
        detail = "; ".join(f"{name}: {reason}" for name, reason in failures.items())
        super().__init__(f"audit records not delivered to {', '.join(failures)} ({detail})")
        self.failures = failures
        self.statuses = dict(statuses or {})


def mark_key(sink: str, audit_id: str) -> str:
    """The state-store key of the done-mark of one record in one sink.

    Example:
        >>> mark_key("sls", "6d0c…")
        'audit:sent:sls:6d0c…'
    """
    return f"audit:sent:{sink}:{audit_id}"


def pending_for(store: StateStore, sink: str, records: Sequence[AuditRecord]) -> list[AuditRecord]:
    """The records ``sink`` has not stored yet."""
    return [r for r in records if store.get(mark_key(sink, r.audit_id)) is None]


def write_with_retry(sink: Sink, records: Sequence[AuditRecord], *, attempts: int = 3, backoff_s: float = 0.2,
                     sleep: Callable[[float], Any] = time.sleep,
                     on_stored: Callable[[Sequence[str]], None] | None = None) -> None:
    """``sink.write(records)``, retrying transient errors; raises the last :class:`SinkError`.

    ``on_stored`` receives the ids of records a failed attempt did store (they are not sent again).
    """
    remaining = list(records)
    for attempt in range(1, attempts + 1):
        try:
            sink.write(remaining)
            return
        except SinkError as exc:
            if exc.stored:
                if on_stored is not None:
                    on_stored(exc.stored)
                done = set(exc.stored)
                remaining = [r for r in remaining if r.audit_id not in done]
            get_logger("openevent.audit").warning("audit.sink_failed", sink=sink.name, attempt=attempt,
                                                  transient=exc.transient, error=str(exc))
            if not exc.transient or attempt >= attempts:
                raise
            sleep(backoff_s * (2 ** (attempt - 1)))


def deliver(records: Sequence[AuditRecord], sinks: Sequence[Sink], store: StateStore, *, attempts: int = 3,
            backoff_s: float = 0.2, mark_ttl_s: float = DEFAULT_MARK_TTL_S,
            sleep: Callable[[float], Any] = time.sleep) -> dict[str, str]:
    """Write ``records`` to every sink that lacks them; ``{sink: status}`` or :class:`AuditDeliveryError`.

    Statuses: ``written`` (records stored now), ``already-written`` (every record had been stored
    before), ``no-records``; a failed sink is named in the raised error.
    """
    statuses: dict[str, str] = {}
    failures: dict[str, str] = {}
    for sink in sinks:
        if not records:
            statuses[sink.name] = "no-records"
            continue
        todo = pending_for(store, sink.name, records)
        if not todo:
            statuses[sink.name] = "already-written"
            continue

        def mark(ids: Sequence[str], _sink: str = sink.name) -> None:
            for audit_id in ids:
                store.put(mark_key(_sink, audit_id), {"sink": _sink, "at": time.time()}, ttl_s=mark_ttl_s)

        try:
            write_with_retry(sink, todo, attempts=attempts, backoff_s=backoff_s, sleep=sleep, on_stored=mark)
        except SinkError as exc:
            failures[sink.name] = str(exc)
            statuses[sink.name] = "failed"
            continue
        mark([r.audit_id for r in todo])
        statuses[sink.name] = "written"
    if failures:
        raise AuditDeliveryError(failures, statuses)
    return statuses
