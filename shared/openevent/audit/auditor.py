"""The node-change auditor: parse → build (or reuse) records → keep node state → deliver → summarise.

:meth:`Auditor.handle` is what ``functions/node_change_auditor`` delegates to. Per event:

1. **Reuse or build.** The records of an event are kept in the state store
   (``audit:records:<event id>``) the first time they are built, and a redelivery reuses them
   as they are (same ``audit_id``, same ``before``/``diff``), even though the node state has
   moved on since. Concurrent deliveries agree on one version (first writer wins).
2. **Node state.** For node changes the last known state (``audit:node:<node id>``) is the
   ``before``; with ``get_node.enabled`` the current definition from ``GetNode`` completes it
   (a failing ``GetNode`` is noted in ``details.get_node_error``, never fatal). The new state is
   stored after the records (a delete leaves a tombstone); an older event never overwrites a
   newer state. A short per-node lock keeps two changes of one node from reading the same state.
3. **Deliver** to every sink once (:mod:`openevent.audit.delivery`); a sink failing after its
   retries raises :class:`~openevent.audit.delivery.AuditDeliveryError` so FC retries.
4. **Summarise** selected changes in chat (:mod:`openevent.audit.summary`), once per receiver.

Example:
    >>> from openevent.runtime.logging import configure_logging; configure_logging(stream="stderr")
    >>> from openevent.state import open_store
    >>> from openevent.audit.config import AuditConfig
    >>> from openevent.events import sample_event
    >>> auditor = Auditor(AuditConfig(), store=open_store("memory://"), sinks=[])
    >>> auditor.handle(sample_event("dataworks:InstanceChange:KillInstance"))["records"][0]["action"]
    'kill'
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from openevent.audit.builder import NodeStates, build_record, is_audited, is_node_event, node_id_of
from openevent.audit.config import DAY_S, AuditConfig
from openevent.audit.delivery import AuditDeliveryError, deliver
from openevent.audit.record import AuditRecord, Origin, record_from_dict
from openevent.audit.sinks.base import Sink
from openevent.events import Event, parse_batch
from openevent.runtime.context import function_name_of, request_id_of
from openevent.runtime.logging import get_logger
from openevent.state import StateStore

NodeFetcher = Callable[[str, Any], "tuple[dict[str, Any] | None, str | None]"]
"""``(node_id, context) -> (state from GetNode or None, error text or None)``."""
SinkFactory = Callable[[Any], Sequence[Sink]]
"""``context -> sinks`` (the SLS sink takes the FC role's credentials from the context)."""
Summariser = Callable[[Sequence[AuditRecord], StateStore], Mapping[str, str]]

LOCK_TTL_S = 30.0
LOCK_WAIT_S = 5.0


def records_key(event_id: str) -> str:
    return f"audit:records:{event_id}"


def node_key(node_id: str) -> str:
    return f"audit:node:{node_id}"


def _now_iso(clock: Callable[[], float]) -> str:
    return datetime.fromtimestamp(clock(), timezone.utc).isoformat().replace("+00:00", "Z")


def _epoch(iso: str | None) -> float | None:
    if not iso:
        return None
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


class Auditor:
    """Audits events into records and delivers them. Build once per FC instance and reuse."""

    def __init__(self, config: AuditConfig, *, store: StateStore, sinks: Sequence[Sink] | SinkFactory,
                 node_fetcher: NodeFetcher | None = None, summariser: Summariser | None = None,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], Any] = time.sleep,
                 version: str | None = None) -> None:
        self.config = config
        self.store = store
        self._sinks = sinks
        self.node_fetcher = node_fetcher
        self.summariser = summariser
        self.clock = clock
        self.sleep = sleep
        self.version = version
        self.log = get_logger("openevent.audit")

    # -- the handler's entry point -------------------------------------------------------------
    def handle(self, raw: bytes | str | Mapping[str, Any] | list[Any], context: Any = None) -> dict[str, Any]:
        """Audit one event (or a batch) and return ``{event_id, records, sinks}``.

        ``event_id`` is a list for a batch. Events of types the auditor does not audit produce no
        record. Raises :class:`AuditDeliveryError` when a sink still fails after its retries.
        """
        events = parse_batch(raw)
        sinks = list(self._sinks(context) if callable(self._sinks) else self._sinks)
        records: list[AuditRecord] = []
        for event in events:
            records.extend(self.records_for(event, context))
        cfg = self.config
        statuses = deliver(records, sinks, self.store, attempts=cfg.retry.attempts, backoff_s=cfg.retry.backoff_s,
                           mark_ttl_s=cfg.state.dedup_ttl_days * DAY_S, sleep=self.sleep)
        if self.summariser is not None and records:
            statuses.update(self.summariser(records, self.store))
        for record in records:
            self.log.info("audit.recorded", audit_id=record.audit_id, action=record.action,
                          resource_kind=record.resource.kind, resource_id=record.resource.id,
                          changed=record.changed_fields, baseline=record.baseline)
        event_id: Any = events[0].id if len(events) == 1 else [e.id for e in events]
        return {"event_id": event_id, "records": [r.to_json_dict() for r in records], "sinks": statuses}

    # -- records ---------------------------------------------------------------------------------
    def records_for(self, event: Event, context: Any = None) -> list[AuditRecord]:
        """The records of ``event``: the stored ones on a redelivery, else newly built and stored."""
        if not is_audited(event):
            self.log.info("audit.ignored", event_type=event.type, reason="not an audited event type")
            return []
        stored = self.store.get(records_key(event.id))
        if stored is not None:
            records = [record_from_dict(r) for r in stored.get("records", [])]
            self._apply_node_state(event, records)  # in case the first attempt stopped before it
            return records
        node_id = node_id_of(event)
        if node_id is None:
            return self._save(event, [self._build(event, context, None)])
        with self._node_lock(node_id):
            return self._build_node(event, context, node_id)

    @contextmanager
    def _node_lock(self, node_id: str) -> Iterator[None]:
        """Hold the node's lock while reading and writing its state (after ``LOCK_WAIT_S``, go on without)."""
        waited = 0.0
        while True:
            with self.store.lock(f"audit:node:{node_id}", ttl_s=LOCK_TTL_S) as held:
                if held or waited >= LOCK_WAIT_S:
                    if not held:
                        self.log.warning("audit.node_lock_timeout", node_id=node_id)
                    yield
                    return
            self.sleep(0.05)
            waited += 0.05

    def _build_node(self, event: Event, context: Any, node_id: str) -> list[AuditRecord]:
        stored = self.store.get(records_key(event.id))
        if stored is not None:  # another delivery of this event got here first
            return [record_from_dict(r) for r in stored.get("records", [])]
        doc = self.store.get(node_key(node_id))
        last = None if doc is None or doc.get("deleted") else doc.get("state")
        fetched, error = None, None
        if self.config.get_node.enabled and self.node_fetcher is not None and event.spec.name != "NodeChangeDeleted":
            fetched, error = self.node_fetcher(node_id, context)
        record = self._build(event, context, NodeStates(last_known=last, fetched=fetched, fetch_error=error))
        records = self._save(event, [record])
        self._apply_node_state(event, records)
        return records

    def _build(self, event: Event, context: Any, node: NodeStates | None) -> AuditRecord:
        origin = Origin(function=function_name_of(context), version=self.version, request_id=request_id_of(context))
        return build_record(event, recorded_at=_now_iso(self.clock), node=node, origin=origin)

    def _save(self, event: Event, records: list[AuditRecord]) -> list[AuditRecord]:
        doc = {"records": [r.to_json_dict() for r in records]}
        kept = self.store.update(records_key(event.id), lambda current: current or doc,
                                 ttl_s=self.config.state.dedup_ttl_days * DAY_S)
        return [record_from_dict(r) for r in (kept or doc).get("records", [])]

    def _apply_node_state(self, event: Event, records: list[AuditRecord]) -> None:
        if not is_node_event(event) or not records:
            return
        record = records[0]
        node_id = record.resource.id
        if node_id is None:
            return
        deleted = record.action == "delete"
        new = {"node_id": node_id, "workspace_id": record.where.workspace_id, "event_id": record.event_id,
               "occurred_ts": _epoch(record.occurred_at), "deleted": deleted,
               "state": record.before if deleted else record.after}

        def apply(current: dict[str, Any] | None) -> dict[str, Any] | None:
            if current is not None:
                if current.get("event_id") == new["event_id"]:
                    return current
                seen, ours = current.get("occurred_ts"), new["occurred_ts"]
                if isinstance(seen, int | float) and isinstance(ours, int | float) and seen > ours:
                    return current  # a newer change is already recorded
            return new

        ttl_days = self.config.state.node_ttl_days
        ttl = ttl_days * DAY_S if ttl_days else (self.config.state.dedup_ttl_days * DAY_S if deleted else None)
        self.store.update(node_key(node_id), apply, ttl_s=ttl)


__all__ = ["AuditDeliveryError", "Auditor", "NodeFetcher", "records_key"]
