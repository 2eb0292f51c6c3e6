"""``Notifier``: the notifier's stages, Alertmanager-style, on the delivery core and a shared state store.

For one event::

    select ─► claim event id ─► enrich ─► include/exclude ─► route ─► repeat window? ─► daily cap?
        └─► per receiver not done yet: quiet hours (hold) ─► rate budget (digest) ─► render
                ─► send with retry ─► record the receiver as done ─► commit repeat window + daily cap

then every due digest is flushed. A recovery (SUCCESS after an alerted FAILURE) goes to the
receivers the failure went to and skips the repeat window and the daily cap. An FC timer
trigger event (``{"triggerTime", "triggerName", "payload"}``) only flushes digests.

Each receiver of the event yields one row ``{receiver, kind, status, reason}`` with status
``sent`` | ``suppressed`` | ``digested`` | ``held`` | ``failed``.

**At-least-once delivery** (EventBridge and FC redeliver; an invocation can be killed at any
point). The event id is claimed with :class:`~openevent.delivery.idempotency.Idempotency`:

* the claim expires at the claiming invocation's deadline (``budget.wall_deadline``). A
  redelivery while it is live raises :class:`~openevent.delivery.idempotency.InProgressError`
  (FC retries later); one after it expired proceeds and repeats only what was not done;
* each receiver's outcome is recorded (``complete_part``) right *after* its effect — the
  message sent, the alert queued into a digest or a quiet-hours hold, or a permanent
  failure — so a redelivery skips those receivers and reports them as ``already delivered
  (redelivery)``;
* nothing that would suppress a later delivery is written before the effect it guards: the
  repeat window and the daily cap are only *read* before sending and committed (naming the
  event) once a receiver was reached; the rate-budget unit taken for a receiver is noted on
  the claim so the event's redelivery is not charged for it twice;
* a receiver still failing transiently after its retries (or left without time) is queued
  into the next digest — that is its effect; when even that is impossible the handler raises
  :class:`~openevent.delivery.retry.Undelivered` *after* every other receiver was handled,
  so FC retries and the retry sends only to that receiver;
* a permanent failure (bad token or secret, a rejected message) is logged at error level,
  reported ``failed`` and recorded: it is **not** retried, since no retry can fix it;
* any other error in one receiver is logged, the other receivers still go out, and the
  handler raises ``Undelivered`` for that receiver.

**When the state store is down or hung** (every call is bounded by
:func:`~openevent.delivery.app.open_bounded_store`), the notifier degrades instead of
raising: it delivers without deduplication, repeat window, daily cap or shared rate budget
(each degraded step logs a warning), sends a quiet-hours alert at once rather than losing
it, and skips the digest flush. It only raises where delivering is not possible without the
store: a receiver that could be neither sent nor queued (``Undelivered``; without the store
the retry may repeat the messages other receivers already got). A recovery whose failure
memory cannot be read is skipped (the store is what says a failure was alerted).

Sending never sleeps out a vendor's long throttling: a ``Retry-After`` beyond
``send.max_wait_s`` (2 s) makes the alert wait in the digest instead, and every send draws on
the invocation's :class:`~openevent.delivery.budget.Budget`.

Example:
    >>> from openevent.alerting.config import NotifierConfig
    >>> from openevent.state import open_store
    >>> n = Notifier(NotifierConfig(), open_store("memory://"), channels={})
    >>> n.handle_raw({"triggerTime": "2024-05-01T00:00:00Z", "triggerName": "flush", "payload": ""})
    {'event_id': None, 'trigger': 'timer', 'notifications': []}
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from openevent.alerting.alert import Alert
from openevent.alerting.config import NotifierConfig
from openevent.alerting.digest import (
    LANES,
    DueDigest,
    Lane,
    claim_due,
    compact,
    digest_messages,
    progress,
    queue,
    settle,
)
from openevent.alerting.enrich import Enricher
from openevent.alerting.match import matches
from openevent.alerting.noise import (
    commit_daily,
    commit_repeat,
    daily_count,
    forget_failure,
    in_quiet_hours,
    receiver_limits,
    remember_failure,
    repeat_blocked,
    take_alert_budget,
    take_digest_budget,
    take_failure,
)
from openevent.alerting.render import render_alert
from openevent.alerting.route import Hit, route
from openevent.alerting.select import select
from openevent.delivery.budget import Budget, activate, current_budget
from openevent.delivery.idempotency import Claim, Idempotency, InProgressError, payload_hash
from openevent.delivery.retry import Undelivered
from openevent.events import Event, parse_batch
from openevent.notify.channels.base import Channel
from openevent.notify.message import Message
from openevent.notify.outcome import Outcome
from openevent.notify.sender import send_with_retry
from openevent.runtime.logging import get_logger
from openevent.state import StateError, StateStore

if TYPE_CHECKING:
    from openevent.delivery.app import FunctionApp

Row = dict[str, Any]
Clock = Callable[[], float]
T = TypeVar("T")
_TIMER_KEYS = ("triggerTime", "triggerName")
REACHED = ("sent", "digested", "held")
"""Statuses that mean the alert reached the receiver (sent, or durably queued to be sent)."""
IDEMPOTENCY_NAMESPACE = "notifier"
CONSUMER_RESERVE_S = 1.0
MIN_FLUSH_S = 1.0
"""Least ordinary time left worth starting a digest flush with (otherwise the next invocation does it)."""
DIGEST_RETRY_S = 10.0
"""How soon a digest refused by the receiver's rate budget is tried again (at most its shortest window)."""


def is_timer_event(raw: Any) -> bool:
    """True for the event of an FC timer trigger (``triggerTime``, ``triggerName``, ``payload``).

    Example:
        >>> is_timer_event(b'{"triggerTime":"2024-05-01T00:00:00Z","triggerName":"t","payload":""}')
        True
    """
    if isinstance(raw, bytes | bytearray | str):
        text = raw if isinstance(raw, str) else bytes(raw).decode("utf-8", "replace")
        if '"triggerTime"' not in text:
            return False
        try:
            raw = json.loads(text)
        except ValueError:
            return False
    return isinstance(raw, Mapping) and all(k in raw for k in _TIMER_KEYS) and "type" not in raw


def _row(receiver: str, kind: str, status: str, reason: str) -> Row:
    return {"receiver": receiver, "kind": kind, "status": status, "reason": reason}


@dataclass
class _Run:
    """One event being handled: its claim, what is done, what is left undone."""

    key: str
    claim: Claim
    alert: Alert
    now: float
    admit: bool = True
    """Whether reaching a receiver commits the repeat window and the daily cap (not for recoveries)."""
    committed: bool = False
    undone: dict[str, str] = field(default_factory=dict)

    @property
    def tracked(self) -> bool:
        return self.claim.state == "new"


@dataclass
class EventOutcome:
    """What handling one event gave: its result, the receivers left undone, whether another invocation holds it."""

    result: dict[str, Any]
    undone: dict[str, str] = field(default_factory=dict)
    in_progress: bool = False


class Notifier:
    """The notifier, built once per FC instance and reused across invocations.

    ``clock`` (epoch seconds) drives quiet hours, days, windows and digests; the event claim
    always uses wall time, like the invocation's deadline it expires at.
    """

    def __init__(self, config: NotifierConfig, store: StateStore, *, channels: Mapping[str, Channel] | None = None,
                 enricher: Enricher | None = None, clock: Clock = time.time, transport: Any = None) -> None:
        from openevent.notify.receivers import build_channels

        self.config = config
        self.clock = clock
        self._store = store
        self._idem: Idempotency | None = None
        self.channels: dict[str, Channel] = dict(channels) if channels is not None else build_channels(
            config.receivers, transport=transport, clock=clock)
        self.enricher = enricher or Enricher(config.enrichment)
        self.log = get_logger("openevent.alerting")

    @classmethod
    def from_environment(cls, *, config_path: str | Path | None = None, default_config: str | Path | None = None,
                         env: Mapping[str, str] | None = None, clock: Clock = time.time,
                         store: StateStore | None = None) -> Notifier:
        """Config from ``config_path``, ``OPENEVENT_CONFIG`` or ``default_config``; store from ``OPENEVENT_STATE_URL``.

        The store's every call is bounded by the invocation's budget; a store URL that cannot
        be opened degrades to none (logged as an error): alerts still go out, undeduplicated.

        Example:
            >>> Notifier.from_environment(env={"OPENEVENT_STATE_URL": "memory://"}).channels
            {}
        """
        import os

        from openevent.runtime.config import load_config

        environ = os.environ if env is None else env
        path = config_path or environ.get("OPENEVENT_CONFIG") or default_config
        config = load_config(NotifierConfig, path, env=environ)
        return cls(config, store if store is not None else _open_store(environ), clock=clock)

    # -- state ---------------------------------------------------------------------------------
    @property
    def store(self) -> StateStore:
        return self._store

    @store.setter
    def store(self, store: StateStore) -> None:
        self._store, self._idem = store, None

    @property
    def idempotency(self) -> Idempotency:
        """Claims on event ids (namespace ``notifier``), kept ``noise.event_ttl_s`` after completion."""
        if self._idem is None:
            self._idem = Idempotency(self._store, IDEMPOTENCY_NAMESPACE, ttl_s=self.config.noise.event_ttl_s)
        return self._idem

    def close(self) -> None:
        """Release the store's connections (FunctionApp.reset calls it)."""
        self._store.close()

    def _degrade(self, op: str, fn: Callable[[], T], default: T, effect: str) -> T:
        """``fn()``, or ``default`` with a warning when the state store fails."""
        try:
            return fn()
        except StateError as exc:
            self.log.warning("notifier.state_degraded", op=op, error=str(exc), effect=effect)
            return default

    # -- entry points ------------------------------------------------------------------------
    def handle(self, raw: Any, context: Any = None, budget: Budget | None = None) -> dict[str, Any]:
        """One invocation (the FC worker's entry point): a timer trigger flushes digests; otherwise
        one event or a batch is handled, then due digests are flushed.

        Raises :class:`~openevent.delivery.retry.Undelivered` when a receiver could be neither
        reached nor queued, and :class:`~openevent.delivery.idempotency.InProgressError` when
        another live invocation holds the event — after everything else was done, so FC's
        retry repeats only that.
        """
        if budget is None:
            budget = current_budget() or Budget.start(context, reserve_s=CONSUMER_RESERVE_S)
        if current_budget() is not budget:
            with activate(budget):
                return self._handle(raw, context, budget)
        return self._handle(raw, context, budget)

    def handle_raw(self, raw: bytes | str | Mapping[str, Any] | list[Any], context: Any = None) -> dict[str, Any]:
        """:meth:`handle` with the budget of ``context`` (for callers outside an FC handler)."""
        return self.handle(raw, context)

    def _handle(self, raw: Any, context: Any, budget: Budget) -> dict[str, Any]:
        if is_timer_event(raw):
            return {"event_id": None, "trigger": "timer", "notifications": self.flush(context)}
        events = parse_batch(raw)
        outcomes = [self.handle_event(e, context, budget) for e in events]
        digests = self.flush(context)
        results = [o.result for o in outcomes]
        result = dict(results[0]) if len(results) == 1 else {
            "event_id": events[0].id, "notifications": [r for res in results for r in res["notifications"]],
            "events": results}
        if digests:
            result["digests"] = digests
        self._raise_if_undone(outcomes, result)
        return result

    def _raise_if_undone(self, outcomes: Sequence[EventOutcome], result: dict[str, Any]) -> None:
        single = len(outcomes) == 1
        undone: dict[str, str] = {}
        busy = [str(o.result["event_id"]) for o in outcomes if o.in_progress]
        for o in outcomes:
            for receiver, reason in o.undone.items():
                undone[receiver if single else f"{o.result['event_id']}/{receiver}"] = reason
        if undone:
            for event_id in busy:
                undone[event_id] = "in progress in another invocation"
            self.log.warning("notifier.undelivered", undone=undone, result=result)
            what = f"event {outcomes[0].result['event_id']}" if single else f"batch of {len(outcomes)} events"
            raise Undelivered(what, undone)
        if busy:
            raise InProgressError(busy[0])

    def handle_event(self, event: Event, context: Any = None, budget: Budget | None = None) -> EventOutcome:
        """Handle one parsed event (no digest flush); see the module docstring for what a redelivery does."""
        budget = budget or current_budget() or Budget.start(context, reserve_s=CONSUMER_RESERVE_S)
        result: dict[str, Any] = {"event_id": event.id, "notifications": []}
        out = EventOutcome(result)
        selection = select(event, self.config.select)
        alert = selection.alert
        if alert is None:
            result["skipped"] = selection.reason
            self._log_event(event, result)
            return out
        key = str(event.id)
        claim = self.idempotency.claim(key, until=budget.wall_deadline, payload=_payload(event))
        if claim.state == "completed":
            result["skipped"] = "duplicate event (already delivered)"
        elif claim.state == "in_progress":
            result["skipped"] = "in progress in another invocation (FC retries it later)"
            out.in_progress = True
        else:
            run = _Run(key, claim, alert, self.clock())
            try:
                rows, skipped = self._process(run, context)
            except Exception:
                self.idempotency.release(key)  # FC retries; the receivers already done stay done
                raise
            result["notifications"] = rows
            if skipped:
                result["skipped"] = skipped
            if claim.resumed or claim.parts:
                result["redelivery"] = True
            out.undone = dict(run.undone)
            if run.undone:
                self.idempotency.release(key)
            else:
                self.idempotency.complete(key, result)
        self._log_event(event, result)
        return out

    def _log_event(self, event: Event, result: dict[str, Any]) -> None:
        self.log.info("notifier.event", event_id=event.id, event_type=event.type,
                      skipped=result.get("skipped"), notifications=result["notifications"])

    # -- stages ------------------------------------------------------------------------------
    def _process(self, run: _Run, context: Any) -> tuple[list[Row], str | None]:
        cfg = self.config
        alert = run.alert
        if alert.is_recovery:
            run.admit = False
            receivers = self._degrade("take_failure", lambda: take_failure(self.store, alert.subject, run.key), None,
                                      "cannot tell whether a failure was alerted: no recovery message")
            if receivers is None:
                return [], f"no alerted failure of {alert.subject} to recover from"
            self.enricher.enrich(alert, context)
            hits = [Hit(r, "recovery") for r in receivers if r in self.channels]
            rows = self._fan_out(run, hits, context)
            if not run.undone:
                self._degrade("forget_failure", lambda: forget_failure(self.store, alert.subject, run.key), None,
                              "the failure memory expires on its own")
            return rows, None
        self.enricher.enrich(alert, context)
        sel = cfg.select
        if sel.include is not None and not matches(alert, sel.include, cfg.owners):
            return [], "filtered out (select.include)"
        if any(matches(alert, m, cfg.owners) for m in sel.exclude):
            return [], "filtered out (select.exclude)"
        hits = route(alert, cfg.routes, cfg.default_receivers, enabled=list(self.channels), owners=cfg.owners)
        if not hits and not run.claim.parts:
            return [], "no enabled receiver for this alert"
        if not run.claim.parts:  # this alert has reached no one yet: is it a repeat, or over the cap?
            reason = self._suppression(run)
            if reason is not None:
                return [self._suppressed(h, reason) for h in hits], None
        rows = self._fan_out(run, hits, context)
        reached = [r["receiver"] for r in rows if r["status"] in REACHED]
        if reached:
            self._commit(run)
            if alert.kind in ("instance_failure", "workflow_failure"):
                self._degrade("remember_failure", lambda: remember_failure(
                    self.store, alert.subject, reached, now=run.now, ttl_s=cfg.noise.recovery_memory_s), None,
                    "no recovery message will follow this failure")
        return rows, None

    def _suppression(self, run: _Run) -> str | None:
        """Why the alert is not sent (repeat window, daily cap) — read-only; ``None`` to send it."""
        cfg, alert = self.config, run.alert
        effect = "sending without the repeat window and the daily cap"
        if self._degrade("repeat_blocked", lambda: repeat_blocked(self.store, alert.state_key, run.key, now=run.now),
                         False, effect):
            return f"repeat of {alert.state_key} within {cfg.noise.repeat_window_s:g}s"
        count, counted = self._degrade("daily_count", lambda: daily_count(
            self.store, alert.subject, run.key, now=run.now, quiet=cfg.quiet_hours), (0, False), effect)
        cap = cfg.noise.max_per_instance_per_day
        if not counted and count >= cap:
            return f"daily cap: alert {count + 1} of {alert.subject} today (max {cap})"
        return None

    def _commit(self, run: _Run) -> None:
        """Open the repeat window and count the alert today — once the alert reached a receiver."""
        if not run.admit or run.committed:
            return
        run.committed = True
        cfg, alert = self.config, run.alert
        effect = "a repeat of this alert may not be suppressed"
        self._degrade("commit_repeat", lambda: commit_repeat(
            self.store, alert.state_key, run.key, now=run.now, window_s=cfg.noise.repeat_window_s), None, effect)
        self._degrade("commit_daily", lambda: commit_daily(
            self.store, alert.subject, run.key, now=run.now, quiet=cfg.quiet_hours), None, effect)

    def _fan_out(self, run: _Run, hits: Sequence[Hit], context: Any) -> list[Row]:
        rows: list[Row] = []
        for hit in hits:
            done = run.claim.parts.get(hit.receiver)
            if isinstance(done, Mapping):
                rows.append(_redelivered(hit.receiver, done))
                continue
            try:
                rows.append(self._deliver(run, hit, context))
            except Exception as exc:
                self.log.exception("notifier.receiver_error", event_id=run.key, receiver=hit.receiver,
                                   error=f"{type(exc).__name__}: {exc}")
                rows.append(self._undone(run, hit, f"error: {type(exc).__name__}: {exc}"))
        routed = {h.receiver for h in hits}
        rows += [_redelivered(name, part) for name, part in run.claim.parts.items()
                 if name not in routed and isinstance(part, Mapping)]  # done before the routes changed
        return rows

    def _suppressed(self, hit: Hit, reason: str) -> Row:
        return _row(hit.receiver, self.channels[hit.receiver].kind, "suppressed", reason)

    def _done(self, run: _Run, hit: Hit, row: Row) -> Row:
        """Record a receiver's outcome after its effect (a redelivery skips it)."""
        if run.tracked:
            self.idempotency.complete_part(run.key, hit.receiver, row)
        if row["status"] in REACHED:
            self._commit(run)
        return row

    def _undone(self, run: _Run, hit: Hit, reason: str) -> Row:
        """A receiver neither reached nor queued: FC retries the event for it."""
        run.undone[hit.receiver] = reason
        self.log.warning("notifier.receiver_undone", event_id=run.key, receiver=hit.receiver, reason=reason)
        return _row(hit.receiver, self.channels[hit.receiver].kind, "failed", f"{reason}; FC retries the event")

    def _queue(self, run: _Run, receiver: str, lane: Lane) -> bool:
        """Queue the alert into a digest lane; ``False`` when the state store is unavailable."""
        cfg = self.config
        try:
            length = queue(self.store, receiver, lane, run.alert.summary(), now=run.now,
                           list_ttl_s=cfg.digest.list_ttl_s)
        except StateError as exc:
            self.log.warning("notifier.state_degraded", op="queue", lane=lane, receiver=receiver, error=str(exc),
                             effect="the alert cannot wait in a digest")
            return False
        bound = cfg.digest.max_items
        if bound is not None and length > 2 * bound:  # no flush for a while (quiet hours): fold it now
            hold_s = _hold_s(current_budget())
            self._degrade("digest_compact", lambda: compact(self.store, receiver, lane, now=run.now, hold_s=hold_s,
                                                             max_items=bound, list_ttl_s=cfg.digest.list_ttl_s),
                          False, "the next flush folds the lane")
        return True

    def _deliver(self, run: _Run, hit: Hit, context: Any) -> Row:
        cfg, alert = self.config, run.alert
        channel = self.channels[hit.receiver]
        quiet = cfg.quiet_hours
        note = ""
        if quiet is not None and in_quiet_hours(run.now, quiet) and not matches(alert, quiet.bypass, cfg.owners):
            if self._queue(run, hit.receiver, "quiet"):
                return self._done(run, hit, _row(hit.receiver, channel.kind, "held",
                                                 f"quiet hours {quiet.start}-{quiet.end}; digest follows"))
            note = " (quiet hours, but it could not be held: state store unavailable)"
        limits = receiver_limits(channel.kind, hit.receiver, cfg.noise.rate_limits)
        if not self._take_alert_budget(run, hit.receiver, limits):
            budget = ", ".join(f"{n}/{w:g}s" for n, w in limits)
            if self._queue(run, hit.receiver, "overflow"):
                return self._done(run, hit, _row(hit.receiver, channel.kind, "digested",
                                                 f"rate budget ({budget}) used up; collapsed into the next digest"))
            return self._undone(run, hit, f"rate budget ({budget}) used up and the digest could not be queued")
        message = render_alert(alert, lang=cfg.lang, links=cfg.links, owners=cfg.owners,
                               mention_owner=hit.mention_owner)
        outcome = self._send(channel, message)
        if outcome.ok:
            return self._done(run, hit, _row(hit.receiver, channel.kind, "sent", f"sent (route {hit.route}){note}"))
        if outcome.status == "retry_after":
            if self._queue(run, hit.receiver, "overflow"):
                self.log.warning("notifier.send_deferred", event_id=run.key, receiver=hit.receiver,
                                 reason=outcome.reason, attempts=outcome.attempts, effect="queued for the next digest")
                return self._done(run, hit, _row(hit.receiver, channel.kind, "digested",
                                                 f"{outcome.reason}; queued for the next digest"))
            return self._undone(run, hit, f"{outcome.reason}; the digest could not be queued")
        self.log.error("notifier.send_failed", event_id=run.key, receiver=hit.receiver, channel=channel.kind,
                       code=outcome.code, reason=outcome.reason, effect="not retried: the failure is permanent")
        return self._done(run, hit, _row(hit.receiver, channel.kind, "failed", outcome.reason))

    def _take_alert_budget(self, run: _Run, receiver: str, limits: Sequence[tuple[int, float]]) -> bool:
        """One unit of the receiver's rate budget — unless this event's earlier attempt took one still counted."""
        if not limits:
            return True
        marker = f"rate:{receiver}"
        taken = run.claim.data.get(marker)
        if isinstance(taken, int | float) and run.now - float(taken) < min(w for _n, w in limits):
            return True
        ok = self._degrade("take_alert_budget", lambda: take_alert_budget(
            self.store, receiver, limits, reserve=self.config.noise.digest_reserve), True,
            "sending without the shared rate budget")
        if ok and run.tracked:
            self.idempotency.save(run.key, **{marker: run.now})
        return ok

    def _send(self, channel: Channel, message: Message) -> Outcome:
        """Send with retries inside the invocation's budget (at most ``send.budget_s`` of it)."""
        s = self.config.send
        budget = current_budget()
        left = budget.available() if budget is not None else s.budget_s
        return send_with_retry(channel, message, budget_s=min(s.budget_s, left), max_attempts=s.max_attempts,
                               timeout_s=s.timeout_s, max_wait_s=s.max_wait_s)

    # -- digests -----------------------------------------------------------------------------
    def flush(self, context: Any = None) -> list[Row]:
        """Send every digest that is due (overflow after its window, quiet-hours holds after them)."""
        cfg = self.config
        budget = current_budget()
        if budget is not None and budget.available() < MIN_FLUSH_S:
            return []  # the next invocation (or the timer) flushes; nothing is lost by waiting
        hold_s = _hold_s(budget)
        now = self.clock()
        quiet_now = in_quiet_hours(now, cfg.quiet_hours)
        rows: list[Row] = []
        for name, channel in self.channels.items():
            for lane in LANES:
                if lane == "quiet" and quiet_now:
                    continue
                window = cfg.digest.window_s if lane == "overflow" else 1e-9
                try:
                    due = claim_due(self.store, name, lane, now=now, window_s=window, hold_s=hold_s,
                                    max_items=cfg.digest.max_items)
                except StateError as exc:
                    self.log.warning("notifier.state_degraded", op="flush", error=str(exc),
                                     effect="digests wait for the state store")
                    return rows
                if due is not None:
                    rows.extend(self._send_digest(name, channel, due, now))
        return rows

    def _send_digest(self, name: str, channel: Channel, due: DueDigest, now: float) -> list[Row]:
        cfg = self.config
        lane = due.lane
        limits = receiver_limits(channel.kind, name, cfg.noise.rate_limits)
        rows: list[Row] = []
        parts = digest_messages(due.items, lane=lane, lang=cfg.lang, channel_kind=channel.kind, links=cfg.links)
        window = cfg.digest.window_s if lane == "overflow" else 0.0
        unsent: list[Any] = []
        due_in = 0.0
        for i, (message, carried) in enumerate(parts):
            rest = [it for _m, c in parts[i:] for it in c]
            if not self._degrade("take_digest_budget", lambda: take_digest_budget(self.store, name, limits), False,
                                 "the digest waits for the state store"):
                unsent = rest
                due_in = min([DIGEST_RETRY_S, *(w for _n, w in limits)])
                rows.append(_row(name, channel.kind, "digested",
                                 f"digest of {len(rest)} alerts waits for the rate budget"))
                break
            outcome = self._send(channel, message)
            if outcome.ok:
                rows.append(_row(name, channel.kind, "sent", f"digest of {len(carried)} alerts ({lane})"))
                later = [it for _m, c in parts[i + 1:] for it in c]
                self._degrade("digest_progress", partial(progress, self.store, due, later), None,
                              "a flush cut off now may repeat this digest")
            elif outcome.status == "retry_after":  # throttled or out of time: all of it waits, nothing is hammered
                unsent = rest
                due_in = float(outcome.retry_after or 0.0)
                self.log.warning("notifier.digest_deferred", receiver=name, lane=lane, alerts=len(rest),
                                 reason=outcome.reason, retry_in_s=due_in)
                rows.append(_row(name, channel.kind, "digested", f"{outcome.reason}; digest of {len(rest)} alerts "
                                 "requeued"))
                break
            else:
                self.log.error("notifier.digest_failed", receiver=name, reason=outcome.reason,
                               subjects=[str(x.get("subject")) for x in carried])
                rows.append(_row(name, channel.kind, "failed", f"digest of {len(carried)} alerts: {outcome.reason}"))
        self._degrade("digest_settle", lambda: settle(self.store, due, unsent, opened_at=now - window + due_in,
                                                       list_ttl_s=cfg.digest.list_ttl_s), None,
                      "the digest in flight is taken over by a later flush")
        return rows


def _hold_s(budget: Budget | None) -> float:
    """How long a lane this invocation claims stays in flight: until just past its deadline."""
    return (budget.remaining() if budget is not None else 30.0) + 1.0


def _redelivered(receiver: str, part: Mapping[str, Any]) -> Row:
    """The row of a receiver an earlier attempt at this event already dealt with."""
    status = str(part.get("status", "sent"))
    if status == "failed":
        reason = f"{part.get('reason', 'failed')} (permanent: not retried)"
    else:
        reason = "already delivered (redelivery)"
    return _row(receiver, str(part.get("kind", "")), status, reason)


def _payload(event: Event) -> str | None:
    try:
        return payload_hash(event.model_dump(mode="json"))
    except Exception:
        return None


def _open_store(env: Mapping[str, str]) -> StateStore:
    from openevent.delivery.app import open_bounded_store

    try:
        return open_bounded_store(env)  # type: ignore[no-any-return]
    except Exception as exc:
        from openevent.state.bounded import unavailable_store

        get_logger("openevent.alerting").error("notifier.state_unavailable", error=str(exc),
                                               effect="alerting without deduplication")
        return unavailable_store(str(exc))


def build(app: FunctionApp) -> Notifier:
    """The worker of ``functions/instance_status_notifier``: its config file and the bounded state store.

    Example:
        >>> from openevent.delivery.app import FunctionApp
        >>> app = FunctionApp("n", handles=(), factory=build)
        >>> type(app.worker).__name__
        'Notifier'
    """
    return Notifier.from_environment(config_path=app.config_path())
