"""``Notifier``: the notifier's stages, Alertmanager-style, on a shared state store.

For one event::

    select ─► claim event id ─► enrich ─► include/exclude ─► route ─► repeat window ─► daily cap
        └─► per receiver: quiet hours (hold) ─► rate budget (digest) ─► render ─► send with retry ─► record

then every due digest is flushed. A recovery (SUCCESS after an alerted FAILURE) goes to the
receivers the failure went to and skips the repeat window and the daily cap. An FC timer
trigger event (``{"triggerTime", "triggerName", "payload"}``) only flushes digests.

Each receiver of the event yields one row ``{receiver, kind, status, reason}`` with status
``sent`` | ``suppressed`` | ``digested`` | ``held`` | ``failed``.

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
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from openevent.alerting.alert import Alert
from openevent.alerting.config import NotifierConfig
from openevent.alerting.digest import LANES, Lane, claim_due, digest_messages, queue, requeue
from openevent.alerting.enrich import Enricher
from openevent.alerting.match import matches
from openevent.alerting.noise import (
    claim_event,
    complete_event,
    count_today,
    first_in_window,
    in_quiet_hours,
    receiver_limits,
    release_event,
    remember_failure,
    take_alert_budget,
    take_digest_budget,
    take_failure,
)
from openevent.alerting.render import render_alert
from openevent.alerting.route import Hit, route
from openevent.alerting.select import select
from openevent.events import Event, parse_batch
from openevent.notify.channels.base import Channel
from openevent.notify.message import Message
from openevent.notify.outcome import Outcome
from openevent.notify.sender import send_with_retry
from openevent.runtime.context import remaining_seconds
from openevent.runtime.logging import get_logger
from openevent.state import StateStore

Row = dict[str, Any]
Clock = Callable[[], float]
_TIMER_KEYS = ("triggerTime", "triggerName")


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


class Notifier:
    """The notifier, built once per FC instance and reused across invocations."""

    def __init__(self, config: NotifierConfig, store: StateStore, *, channels: Mapping[str, Channel] | None = None,
                 enricher: Enricher | None = None, clock: Clock = time.time, transport: Any = None) -> None:
        from openevent.notify.receivers import build_channels

        self.config = config
        self.store = store
        self.clock = clock
        self.channels: dict[str, Channel] = dict(channels) if channels is not None else build_channels(
            config.receivers, transport=transport, clock=clock)
        self.enricher = enricher or Enricher(config.enrichment)
        self.log = get_logger("openevent.alerting")

    @classmethod
    def from_environment(cls, *, config_path: str | Path | None = None, default_config: str | Path | None = None,
                         env: Mapping[str, str] | None = None, clock: Clock = time.time,
                         store: StateStore | None = None) -> Notifier:
        """Config from ``config_path``, ``OPENEVENT_CONFIG`` or ``default_config``; store from ``OPENEVENT_STATE_URL``.

        Example:
            >>> Notifier.from_environment(env={"OPENEVENT_STATE_URL": "memory://"}).channels
            {}
        """
        import os

        from openevent.runtime.config import load_config
        from openevent.state import open_store

        environ = os.environ if env is None else env
        path = config_path or environ.get("OPENEVENT_CONFIG") or default_config
        config = load_config(NotifierConfig, path, env=environ)
        return cls(config, store if store is not None else open_store(env=environ), clock=clock)

    # -- entry points ------------------------------------------------------------------------
    def handle_raw(self, raw: bytes | str | Mapping[str, Any] | list[Any], context: Any = None) -> dict[str, Any]:
        """One invocation: a timer trigger flushes digests; otherwise one event or a batch is handled."""
        if is_timer_event(raw):
            return {"event_id": None, "trigger": "timer", "notifications": self.flush(context)}
        events = parse_batch(raw)
        results = [self.handle(e, context, flush=False) for e in events]
        digests = self.flush(context)
        result = dict(results[0]) if len(results) == 1 else {
            "event_id": events[0].id, "notifications": [r for res in results for r in res["notifications"]],
            "events": results}
        if digests:
            result["digests"] = digests
        return result

    def handle(self, event: Event, context: Any = None, *, flush: bool = True) -> dict[str, Any]:
        """Handle one parsed event; ``flush`` also sends the digests that are due."""
        cfg = self.config
        now = self.clock()
        result: dict[str, Any] = {"event_id": event.id, "notifications": []}
        selection = select(event, cfg.select)
        alert = selection.alert
        if alert is None:
            result["skipped"] = selection.reason
        elif not claim_event(self.store, event.id, now=now, in_progress_s=cfg.noise.in_progress_s,
                             ttl_s=cfg.noise.event_ttl_s):
            result["skipped"] = "duplicate event (already delivered)"
        else:
            try:
                rows, skipped = self._process(alert, context, now)
            except Exception:
                release_event(self.store, event.id)  # let EventBridge/FC redeliver it
                raise
            complete_event(self.store, event.id, now=now, ttl_s=cfg.noise.event_ttl_s)
            result["notifications"] = rows
            if skipped:
                result["skipped"] = skipped
        self.log.info("notifier.event", event_id=event.id, event_type=event.type,
                      skipped=result.get("skipped"), notifications=result["notifications"])
        if flush:
            digests = self.flush(context)
            if digests:
                result["digests"] = digests
        return result

    # -- stages ------------------------------------------------------------------------------
    def _process(self, alert: Alert, context: Any, now: float) -> tuple[list[Row], str | None]:
        cfg = self.config
        if alert.is_recovery:
            receivers = take_failure(self.store, alert.subject)
            if receivers is None:
                return [], f"no alerted failure of {alert.subject} to recover from"
            self.enricher.enrich(alert, context)
            hits = [Hit(r, "recovery") for r in receivers if r in self.channels]
            return [self._deliver(alert, h, context, now) for h in hits], None
        self.enricher.enrich(alert, context)
        sel = cfg.select
        if sel.include is not None and not matches(alert, sel.include, cfg.owners):
            return [], "filtered out (select.include)"
        if any(matches(alert, m, cfg.owners) for m in sel.exclude):
            return [], "filtered out (select.exclude)"
        hits = route(alert, cfg.routes, cfg.default_receivers, enabled=list(self.channels), owners=cfg.owners)
        if not hits:
            return [], "no enabled receiver for this alert"
        if not first_in_window(self.store, alert.state_key, cfg.noise.repeat_window_s):
            reason = f"repeat of {alert.state_key} within {cfg.noise.repeat_window_s:g}s"
            return [self._suppressed(h, reason) for h in hits], None
        count = count_today(self.store, alert.subject, now=now, quiet=cfg.quiet_hours)
        if count > cfg.noise.max_per_instance_per_day:
            reason = f"daily cap: alert {count} of {alert.subject} today (max {cfg.noise.max_per_instance_per_day})"
            return [self._suppressed(h, reason) for h in hits], None
        rows = [self._deliver(alert, h, context, now) for h in hits]
        reached = [r["receiver"] for r in rows if r["status"] in ("sent", "digested", "held")]
        if reached and alert.kind in ("instance_failure", "workflow_failure"):
            remember_failure(self.store, alert.subject, reached, now=now, ttl_s=cfg.noise.recovery_memory_s)
        return rows, None

    def _suppressed(self, hit: Hit, reason: str) -> Row:
        return _row(hit.receiver, self.channels[hit.receiver].kind, "suppressed", reason)

    def _deliver(self, alert: Alert, hit: Hit, context: Any, now: float) -> Row:
        cfg = self.config
        channel = self.channels[hit.receiver]
        quiet = cfg.quiet_hours
        if quiet is not None and in_quiet_hours(now, quiet) and not matches(alert, quiet.bypass, cfg.owners):
            queue(self.store, hit.receiver, "quiet", alert.summary(), now=now, list_ttl_s=cfg.digest.list_ttl_s)
            return _row(hit.receiver, channel.kind, "held", f"quiet hours {quiet.start}-{quiet.end}; digest follows")
        limits = receiver_limits(channel.kind, hit.receiver, cfg.noise.rate_limits)
        if not take_alert_budget(self.store, hit.receiver, limits, reserve=cfg.noise.digest_reserve):
            queue(self.store, hit.receiver, "overflow", alert.summary(), now=now, list_ttl_s=cfg.digest.list_ttl_s)
            budget = ", ".join(f"{n}/{w:g}s" for n, w in limits)
            return _row(hit.receiver, channel.kind, "digested",
                        f"rate budget ({budget}) used up; collapsed into the next digest")
        message = render_alert(alert, lang=cfg.lang, links=cfg.links, owners=cfg.owners,
                               mention_owner=hit.mention_owner)
        outcome = self._send(channel, message, context)
        if outcome.ok:
            return _row(hit.receiver, channel.kind, "sent", f"sent (route {hit.route})")
        if outcome.status == "retry_after":
            queue(self.store, hit.receiver, "overflow", alert.summary(), now=now, list_ttl_s=cfg.digest.list_ttl_s)
            return _row(hit.receiver, channel.kind, "digested", f"{outcome.reason}; queued for the next digest")
        return _row(hit.receiver, channel.kind, "failed", outcome.reason)

    def _send(self, channel: Channel, message: Message, context: Any) -> Outcome:
        s = self.config.send
        budget = min(s.budget_s, max(0.5, remaining_seconds(context, s.budget_s + 1.0) - 1.0))
        return send_with_retry(channel, message, budget_s=budget, max_attempts=s.max_attempts, timeout_s=s.timeout_s)

    # -- digests -----------------------------------------------------------------------------
    def flush(self, context: Any = None) -> list[Row]:
        """Send every digest that is due (overflow after its window, quiet-hours holds after them)."""
        cfg = self.config
        now = self.clock()
        quiet_now = in_quiet_hours(now, cfg.quiet_hours)
        rows: list[Row] = []
        for name, channel in self.channels.items():
            for lane in LANES:
                if lane == "quiet" and quiet_now:
                    continue
                window = cfg.digest.window_s if lane == "overflow" else 1e-9
                items = claim_due(self.store, name, lane, now=now, window_s=window)
                if items:
                    rows.extend(self._send_digest(name, channel, lane, items, context, now))
        return rows

    def _send_digest(self, name: str, channel: Channel, lane: Lane, items: list[Any], context: Any,
                     now: float) -> list[Row]:
        cfg = self.config
        limits = receiver_limits(channel.kind, name, cfg.noise.rate_limits)
        rows: list[Row] = []
        parts = digest_messages(items, lane=lane, lang=cfg.lang, channel_kind=channel.kind, links=cfg.links)
        for i, (message, carried) in enumerate(parts):
            if not take_digest_budget(self.store, name, limits):
                rest = [it for _m, c in parts[i:] for it in c]
                requeue(self.store, name, lane, [dict(x) for x in rest], opened_at=now - cfg.digest.window_s,
                        list_ttl_s=cfg.digest.list_ttl_s)
                rows.append(_row(name, channel.kind, "digested",
                                 f"digest of {len(rest)} alerts waits for the rate budget"))
                break
            outcome = self._send(channel, message, context)
            if outcome.ok:
                rows.append(_row(name, channel.kind, "sent", f"digest of {len(carried)} alerts ({lane})"))
            elif outcome.status == "retry_after":
                requeue(self.store, name, lane, [dict(x) for x in carried], opened_at=now - cfg.digest.window_s,
                        list_ttl_s=cfg.digest.list_ttl_s)
                rows.append(_row(name, channel.kind, "digested", f"{outcome.reason}; digest requeued"))
            else:
                self.log.error("notifier.digest_failed", receiver=name, reason=outcome.reason,
                               subjects=[str(x.get("subject")) for x in carried])
                rows.append(_row(name, channel.kind, "failed", f"digest of {len(carried)} alerts: {outcome.reason}"))
        return rows
