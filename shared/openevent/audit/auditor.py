"""The node-change auditor: parse → claim → build (or reuse) records → keep node state → deliver → summarise.

:meth:`Auditor.handle` is what ``functions/node_change_auditor`` runs. Per audited event:

1. **Claim** the event id (:class:`~openevent.delivery.idempotency.Idempotency`, namespace
   ``audit``). Another live invocation holding it makes the handler raise
   :class:`~openevent.delivery.idempotency.InProgressError` (FC retries later; the claim expires
   at that invocation's deadline, so a retry after a crash proceeds).
2. **Reuse or build.** The records built for an event are saved with its claim
   (:meth:`~openevent.delivery.idempotency.Idempotency.save`, first writer wins) and a
   redelivery reuses them as they are (same ``audit_id``, same ``before``/``diff``), even though
   the node state has moved on since.
3. **Node state.** For node changes the last known state (``audit:node:<node id>``) is the
   ``before``; with ``get_node.enabled`` the current definition from ``GetNode`` completes it
   (a failing ``GetNode`` is noted in ``details.get_node_error``, never fatal). The new state is
   stored after the records (a delete leaves a tombstone); an older event never overwrites a
   newer state. A short per-node lock keeps two changes of one node from reading the same
   state; waiting for it is bounded by the invocation's budget, and a store that does not
   answer is worked around with a warning, never waited for.
4. **Deliver** to every sink once (:mod:`openevent.audit.delivery`): each sink that stored the
   records is a finished part of the claim; a sink failing after its retries raises
   :class:`~openevent.audit.delivery.AuditDeliveryError` (an
   :class:`~openevent.delivery.retry.Undelivered`) after the other sinks are written, and the
   claim is released so FC's retry writes only what is missing.
5. **Summarise** selected changes in chat (:mod:`openevent.audit.summary`), once per receiver,
   then complete the claim.

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
from openevent.audit.delivery import AuditDeliveryError, EventRecords, deliver, policy_of
from openevent.audit.record import AuditRecord, Origin, record_from_dict
from openevent.audit.sinks.base import Sink
from openevent.delivery.budget import Budget, activate, current_budget
from openevent.delivery.idempotency import Idempotency, InProgressError, payload_hash
from openevent.events import Event, parse_batch
from openevent.runtime.context import function_name_of, request_id_of
from openevent.runtime.logging import get_logger
from openevent.state import StateStore
from openevent.state.base import StateError

NodeFetcher = Callable[[str, Any], "tuple[dict[str, Any] | None, str | None]"]
"""``(node_id, context) -> (state from GetNode or None, error text or None)``."""
SinkFactory = Callable[[Any], Sequence[Sink]]
"""``context -> sinks`` (the SLS sink takes the FC role's credentials from the context)."""
Summariser = Callable[[Sequence[EventRecords], Idempotency], Mapping[str, str]]
"""``(events' records, idempotency) -> {chat:<receiver>: status}`` (:class:`~openevent.audit.summary.ChatSummary`)."""

NAMESPACE = "audit"
"""The idempotency namespace of the auditor's claims (``idem:audit:<event id>``)."""
LOCK_TTL_S = 30.0
LOCK_WAIT_S = 5.0
"""The longest wait for a node's lock — and never more than :data:`LOCK_SHARE` of the budget left."""
LOCK_SHARE = 0.25
LOCK_POLL_S = 0.05
STATE_ERRORS = (StateError, OSError, TimeoutError)


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


@contextmanager
def _current(budget: Budget) -> Iterator[Budget]:
    if current_budget() is budget:
        yield budget
        return
    with activate(budget):
        yield budget


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
        self.idempotency = Idempotency(store, NAMESPACE, ttl_s=config.state.dedup_ttl_days * DAY_S, clock=clock)
        self.log = get_logger("openevent.audit")

    def close(self) -> None:
        """Release the state store's connections (the function template calls it on reset)."""
        self.store.close()

    # -- the handler's entry point -------------------------------------------------------------
    def handle(self, raw: bytes | str | Mapping[str, Any] | list[Any], context: Any = None,
               budget: Budget | None = None) -> dict[str, Any]:
        """Audit one event (or a batch) and return ``{event_id, records, sinks}``.

        ``event_id`` is a list for a batch. Events of types the auditor does not audit produce no
        record. Raises :class:`AuditDeliveryError` when a sink still fails after its retries (after
        writing every other sink), :class:`InProgressError` when another live invocation holds an
        event. The time is ``budget`` (default: the invocation's current one, else one started
        from ``context``).
        """
        if budget is None:
            from openevent.delivery.app import CONSUMER_RESERVE_S

            budget = current_budget() or Budget.start(context, reserve_s=CONSUMER_RESERVE_S)
        with _current(budget):
            return self._handle(raw, context, budget)

    def _handle(self, raw: Any, context: Any, budget: Budget) -> dict[str, Any]:
        events = parse_batch(raw)
        sinks = list(self._sinks(context) if callable(self._sinks) else self._sinks)
        claimed: list[str] = []
        try:
            return self._audit(events, sinks, context, budget, claimed)
        except AuditDeliveryError:
            raise
        except BaseException:
            for key in claimed:  # a crash must not hold the events until the deadline
                self.idempotency.release(key)
            raise

    def _audit(self, events: list[Event], sinks: list[Sink], context: Any, budget: Budget,
               claimed: list[str]) -> dict[str, Any]:
        items: list[EventRecords] = []
        busy: list[str] = []
        for event in events:
            if not is_audited(event):
                self.log.info("audit.ignored", event_type=event.type, reason="not an audited event type")
                continue
            claim = self.idempotency.claim(event.id, until=budget.wall_deadline,
                                           payload=payload_hash(event.model_dump(mode="json")))
            if claim.state == "in_progress":
                self.log.info("audit.in_progress", event_id=event.id, effect="FC retries the event later")
                busy.append(event.id)
                continue
            if claim.state == "new":
                claimed.append(event.id)
            records = self.records_for(event, context, saved=claim.data.get("records"), budget=budget)
            items.append(EventRecords(event.id, records, set(claim.parts)))
        records = [r for item in items for r in item.records]
        cfg = self.config
        failure: AuditDeliveryError | None = None
        try:
            statuses = deliver(items, sinks, self.idempotency, budget=budget,
                               policy=policy_of(cfg.retry.attempts, cfg.retry.backoff_s), sleep=self.sleep)
        except AuditDeliveryError as exc:
            failure, statuses = exc, exc.statuses
        if self.summariser is not None and records:
            statuses.update(self.summariser(items, self.idempotency))
        for record in records:
            self.log.info("audit.recorded", audit_id=record.audit_id, action=record.action,
                          resource_kind=record.resource.kind, resource_id=record.resource.id,
                          changed=record.changed_fields, baseline=record.baseline)
        event_id: Any = events[0].id if len(events) == 1 else [e.id for e in events]
        result = {"event_id": event_id, "records": [r.to_json_dict() for r in records], "sinks": statuses}
        if failure is not None:
            for key in claimed:
                self.idempotency.release(key)  # FC's retry proceeds at once; the finished sinks stay
            failure.statuses = dict(statuses)
            raise failure
        for item in items:
            self.idempotency.complete(item.key, {"records": len(item.records), "sinks": statuses})
        claimed.clear()
        if busy:
            raise InProgressError(busy[0])
        return result

    # -- records ---------------------------------------------------------------------------------
    def records_for(self, event: Event, context: Any = None, *, saved: list[dict[str, Any]] | None = None,
                    budget: Budget | None = None) -> list[AuditRecord]:
        """The records of ``event``: ``saved`` ones (an earlier attempt's) as they are, else newly built and saved."""
        if not is_audited(event):
            self.log.info("audit.ignored", event_type=event.type, reason="not an audited event type")
            return []
        if saved is not None:
            records = [record_from_dict(r) for r in saved]
            self._apply_node_state(event, records)  # in case the first attempt stopped before it
            return records
        node_id = node_id_of(event)
        if node_id is None:
            return self._save(event, [self._build(event, context, None)])
        budget = budget or current_budget() or Budget(timeout_s=30.0, margin_s=0.0)
        with self._node_lock(node_id, budget):
            return self._build_node(event, context, node_id)

    @contextmanager
    def _node_lock(self, node_id: str, budget: Budget) -> Iterator[bool]:
        """Hold the node's lock while reading and writing its state; yields whether it is held.

        Waits at most ``LOCK_WAIT_S`` and never more than ``LOCK_SHARE`` of the budget left (then
        goes on without it); a store that fails or does not answer is not waited for at all. The
        lock expires with the invocation (at most ``LOCK_TTL_S``), so a crashed holder frees it.
        """
        patience = min(LOCK_WAIT_S, budget.available() * LOCK_SHARE)
        ttl = max(1.0, min(LOCK_TTL_S, budget.remaining()))
        waited = 0.0
        while True:
            lock = self.store.lock(node_key(node_id), ttl_s=ttl)
            try:
                held = lock.__enter__()
            except STATE_ERRORS as exc:
                self.log.warning("audit.node_lock_unavailable", node_id=node_id, error=str(exc),
                                 effect="building the record without the node lock")
                yield False
                return
            if held:
                try:
                    yield True
                finally:
                    try:
                        lock.__exit__(None, None, None)
                    except STATE_ERRORS as exc:
                        self.log.warning("audit.node_unlock_failed", node_id=node_id, error=str(exc),
                                         effect="the lock expires on its own")
                return
            lock.__exit__(None, None, None)  # not held: nothing to release
            if waited >= patience or budget.available() <= LOCK_POLL_S:
                self.log.warning("audit.node_lock_timeout", node_id=node_id, waited_s=round(waited, 2),
                                 effect="building the record without the node lock")
                yield False
                return
            self.sleep(LOCK_POLL_S)
            waited += LOCK_POLL_S

    def _build_node(self, event: Event, context: Any, node_id: str) -> list[AuditRecord]:
        state_error = None
        try:
            doc = self.store.get(node_key(node_id))
        except STATE_ERRORS as exc:
            self.log.warning("audit.node_state_unavailable", node_id=node_id, error=str(exc),
                             effect="the record has no before/diff")
            doc, state_error = None, f"node state unavailable: {exc}"
        last = None if doc is None or doc.get("deleted") else doc.get("state")
        fetched, error = None, None
        if self.config.get_node.enabled and self.node_fetcher is not None and event.spec.name != "NodeChangeDeleted":
            fetched, error = self.node_fetcher(node_id, context)
        record = self._build(event, context, NodeStates(last_known=last, fetched=fetched, fetch_error=error))
        if state_error is not None:  # said in the record: its baseline is a guess, not a first sighting
            record = record.model_copy(update={"details": {**record.details, "node_state_error": state_error}})
        records = self._save(event, [record])
        self._apply_node_state(event, records)
        return records

    def _build(self, event: Event, context: Any, node: NodeStates | None) -> AuditRecord:
        origin = Origin(function=function_name_of(context), version=self.version, request_id=request_id_of(context))
        return build_record(event, recorded_at=_now_iso(self.clock), node=node, origin=origin)

    def _save(self, event: Event, records: list[AuditRecord]) -> list[AuditRecord]:
        """Save the records with the event's claim; the saved ones (another delivery's, if it was first)."""
        data = self.idempotency.save(event.id, records=[r.to_json_dict() for r in records])
        return [record_from_dict(r) for r in data.get("records") or []]

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
        try:
            self.store.update(node_key(node_id), apply, ttl_s=ttl)
        except STATE_ERRORS as exc:
            self.log.warning("audit.node_state_not_saved", node_id=node_id, error=str(exc),
                             effect="the next change of this node may show this one in its diff too")


__all__ = ["NAMESPACE", "AuditDeliveryError", "Auditor", "NodeFetcher", "node_key"]
