"""Delivering records to every sink exactly once: per-sink parts of the event's claim, the core retry loop.

An event's records go to every sink that has not stored them yet. What a sink stored is a
*part* of the event's idempotency claim (:meth:`Idempotency.complete_part
<openevent.delivery.idempotency.Idempotency.complete_part>`, part = the sink's name), recorded
right after the sink stored the records — one mechanism for the auditor's dedup, shared with
every other function. Each write goes through the one retry loop
(:func:`openevent.delivery.retry.retry_call`): a transient
:class:`~openevent.audit.sinks.base.SinkError` is retried with jittered backoff inside the
invocation's budget, never sleeping past it; the records a failed attempt did store (the SLS
sink's earlier batches) are not sent again. Sinks are independent: one failing does not keep
the others from their records. When a sink still fails, :func:`deliver` raises
:class:`AuditDeliveryError` (an :class:`~openevent.delivery.retry.Undelivered`) after the others
are done, so FC retries the invocation, and the retry writes only what is missing.

Example:
    >>> from openevent.audit.record import AuditRecord, Resource
    >>> class ListSink:
    ...     name = "list"
    ...     def __init__(self): self.items = []
    ...     def write(self, records): self.items.extend(records)
    >>> sink = ListSink()
    >>> rec = AuditRecord(audit_id="a", event_id="e", event_type="t", action="kill",
    ...                   resource=Resource(kind="instance", id="1"), recorded_at="x")
    >>> todo = [EventRecords("e", [rec])]
    >>> deliver(todo, [sink]), deliver(todo, [sink]), len(sink.items)
    ({'list': 'written'}, {'list': 'already-written'}, 1)
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from openevent.audit.record import AuditRecord
from openevent.audit.sinks.base import Sink, SinkError
from openevent.delivery.budget import Budget, current_budget
from openevent.delivery.idempotency import Idempotency
from openevent.delivery.retry import Attempt, RetryPolicy, Undelivered, retry_call
from openevent.runtime.logging import get_logger

DEFAULT_POLICY = RetryPolicy(max_attempts=3, base_delay_s=0.2, max_delay_s=2.0, min_attempt_s=0.3,
                             attempt_timeout_s=10.0, max_wait_s=2.0)


class AuditDeliveryError(Undelivered):
    """At least one sink did not store its records after retries (the invocation must be retried).

    ``failures`` is ``{sink: reason}``, ``statuses`` what every sink did.
    """

    def __init__(self, failures: dict[str, str], statuses: dict[str, str] | None = None) -> None:
        super().__init__("audit records", failures)
        self.failures = dict(failures)
        self.statuses = dict(statuses or {})


@dataclass
class EventRecords:
    """The records of one event and the sinks (parts of its claim) that already stored them."""

    key: str
    records: list[AuditRecord]
    done: set[str] = field(default_factory=set)


def policy_of(attempts: int = 3, backoff_s: float = 0.2) -> RetryPolicy:
    """The retry policy of the auditor's ``retry:`` config section.

    Example:
        >>> policy_of(5, 0.1).max_attempts
        5
    """
    return RetryPolicy(max_attempts=attempts, base_delay_s=backoff_s, max_delay_s=DEFAULT_POLICY.max_delay_s,
                       min_attempt_s=DEFAULT_POLICY.min_attempt_s, attempt_timeout_s=DEFAULT_POLICY.attempt_timeout_s,
                       max_wait_s=DEFAULT_POLICY.max_wait_s)


def classify(exc: BaseException) -> Attempt[None]:
    """A sink's failure for the retry loop: a transient :class:`SinkError` is retried, anything else not.

    Example:
        >>> classify(SinkError("sls", "quota", transient=True)).status
        'retry_after'
        >>> classify(ValueError("bug")).error.transient
        False
    """
    if isinstance(exc, SinkError):
        return Attempt.retry(exc) if exc.transient else Attempt.permanent(exc)
    return Attempt.permanent(SinkError("sink", f"{type(exc).__name__}: {exc}", transient=False))


def write_with_retry(sink: Sink, records: Sequence[AuditRecord], *, budget: Budget | None = None,
                     policy: RetryPolicy | None = None, sleep: Callable[[float], Any] = time.sleep,
                     rng: Callable[[], float] = random.random,
                     on_stored: Callable[[Sequence[str]], None] | None = None) -> int:
    """``sink.write(records)`` through the core retry loop; the attempts made, or the last :class:`SinkError`.

    ``on_stored`` receives the ids of records a failed attempt did store (they are not sent again).
    The budget defaults to the invocation's current one.
    """
    remaining = list(records)
    log = get_logger("openevent.audit")

    def attempt(_timeout_s: float) -> None:
        nonlocal remaining
        try:
            sink.write(remaining)
        except SinkError as exc:
            if exc.stored:
                if on_stored is not None:
                    on_stored(exc.stored)
                done = set(exc.stored)
                remaining = [r for r in remaining if r.audit_id not in done]
            log.warning("audit.sink_failed", sink=sink.name, transient=exc.transient, error=str(exc))
            raise

    budget = budget or current_budget() or Budget(timeout_s=30.0, margin_s=0.0)
    _, attempts = retry_call(attempt, classify, budget=budget, policy=policy or DEFAULT_POLICY, sleep=sleep,
                             rng=rng)
    return attempts


def deliver(items: Sequence[EventRecords], sinks: Sequence[Sink], idempotency: Idempotency | None = None, *,
            budget: Budget | None = None, policy: RetryPolicy | None = None,
            sleep: Callable[[float], Any] = time.sleep, rng: Callable[[], float] = random.random) -> dict[str, str]:
    """Write every event's records to every sink lacking them; ``{sink: status}`` or :class:`AuditDeliveryError`.

    Statuses: ``written`` (records stored now), ``already-written`` (every record had been stored
    before), ``no-records``; a failed sink is ``failed`` and named in the raised error. What a
    sink stored is recorded in ``item.done`` and, with ``idempotency``, as a part of the item's claim.
    """
    statuses: dict[str, str] = {}
    failures: dict[str, str] = {}
    with_records = [item for item in items if item.records]
    for sink in sinks:
        if not with_records:
            statuses[sink.name] = "no-records"
            continue
        todo = [item for item in with_records if sink.name not in item.done]
        if not todo:
            statuses[sink.name] = "already-written"
            continue
        stored: set[str] = set()

        def finished(ids: Sequence[str], _todo: list[EventRecords] = todo, _sink: str = sink.name,
                     _stored: set[str] = stored) -> None:
            _stored.update(ids)
            for item in _todo:
                if _sink not in item.done and all(r.audit_id in _stored for r in item.records):
                    item.done.add(_sink)
                    if idempotency is not None:
                        idempotency.complete_part(item.key, _sink, {"status": "written", "at": time.time()})

        try:
            write_with_retry(sink, [r for item in todo for r in item.records], budget=budget, policy=policy,
                             sleep=sleep, rng=rng, on_stored=finished)
        except SinkError as exc:
            failures[sink.name] = str(exc)
            statuses[sink.name] = "failed"
            continue
        finished([r.audit_id for item in todo for r in item.records])
        statuses[sink.name] = "written"
    if failures:
        raise AuditDeliveryError(failures, statuses)
    return statuses
