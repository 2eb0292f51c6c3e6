"""The forwarding pipeline: normalise → dedupe → add context → filter per destination → deliver → report.

For each DQ event :meth:`Forwarder.forward`

1. normalises it (:func:`~openevent.quality.result.normalise`) and adds the console link;
2. claims the event id in the state store (``add_once("dq:event:<id>")``): a redelivered event
   is reported as ``duplicate`` and nothing is sent again;
3. remembers a finished check (table, partition, rule, result) under its check id, so that a
   later feedback event on that check (``ruleCheckId``) can name the table and the rule;
4. runs every enabled destination in config order: when its filter rejects the result the row
   says ``filtered`` and why; otherwise a chat destination renders one message
   (:mod:`openevent.quality.render`) and sends it to each of its receivers, a webhook
   destination posts the normalised JSON, an SLS destination puts one log;
5. returns ``{event_id, event_type, level, blocking, forwarded: [{destination, kind, status,
   reason, receiver?}]}`` where ``status`` is ``sent``, ``retry_after`` (a transient failure that
   outlived the retries or the time budget), ``permanent`` or ``filtered``.

All destinations share the time budget (the invocation's remaining time); transient failures
are retried inside it. A destination failing never stops the others.

Example:
    >>> from openevent.events import parse, sample_event
    >>> from openevent.state import open_store
    >>> from openevent.quality.config import QualityConfig
    >>> fwd = Forwarder(QualityConfig(), open_store("memory://"))
    >>> ev = parse(sample_event("dataworks:DqcCheck:DqcCheckFinishedEvent"))
    >>> fwd.forward(ev, budget_s=5)["forwarded"]
    []
    >>> fwd.forward(ev, budget_s=5)["duplicate"]  # doctest: +ELLIPSIS
    {...dq.duplicate...}
    True
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from openevent.events.envelope import Event
from openevent.notify.channels.base import Channel
from openevent.notify.receivers import build_channels
from openevent.notify.transport import Transport
from openevent.quality.config import (
    ChatDestination,
    DestinationConfig,
    QualityConfig,
    WebhookDestination,
)
from openevent.quality.links import console_link
from openevent.quality.render import render_message
from openevent.quality.result import (
    EVENT_TYPES,
    CheckOutcome,
    DqResult,
    Partition,
    Rule,
    Table,
    log_contents,
    normalise,
)
from openevent.quality.sls import SlsWriter
from openevent.quality.webhook import DocumentWebhook
from openevent.runtime.credentials import Credentials
from openevent.runtime.logging import get_logger
from openevent.state import StateStore

Row = dict[str, Any]
SAFETY_MARGIN_S = 2.0
"""Seconds kept back from the invocation's remaining time (to log and return the result)."""


def event_key(event_id: str) -> str:
    """The dedup key of an event.

    Example:
        >>> event_key("bd0da009")
        'dq:event:bd0da009'
    """
    return f"dq:event:{event_id}"


def check_key(workspace_id: int | str | None, check_id: int | str | None) -> str:
    """The key a finished check is remembered under (for the feedback events on it).

    Example:
        >>> check_key(10001, 521771452)
        'dq:check:10001:521771452'
    """
    return f"dq:check:{workspace_id}:{check_id}"


class Forwarder:
    """Forwards DQ results to the destinations of ``config``; build once per FC instance."""

    def __init__(self, config: QualityConfig, store: StateStore, *, credentials: Credentials | None = None,
                 transport: Transport | None = None, clock: Callable[[], float] | None = None,
                 sleep: Callable[[float], Any] = time.sleep) -> None:
        self.config = config
        self.store = store
        self._retry: dict[str, Any] = {"sleep": sleep}
        self._log = get_logger("openevent.quality")
        self._destinations = config.enabled_destinations()
        self._chat: dict[str, dict[str, Channel]] = {}
        self._hooks: dict[str, DocumentWebhook] = {}
        self._sls: dict[str, SlsWriter] = {}
        for name, dest in self._destinations.items():
            if isinstance(dest, ChatDestination):
                self._chat[name] = build_channels(config.chat_receivers(dest), transport=transport, clock=clock)
            elif isinstance(dest, WebhookDestination):
                assert dest.url is not None
                self._hooks[name] = DocumentWebhook(name, dest.url, secret=dest.secret, headers=dest.headers,
                                                    transport=transport, clock=clock)
            else:
                self._sls[name] = SlsWriter(name, dest, credentials, sleep=sleep)

    @property
    def destinations(self) -> dict[str, DestinationConfig]:
        """The enabled destinations, in config order."""
        return dict(self._destinations)

    def set_credentials(self, credentials: Credentials | None) -> None:
        """Credentials for SLS (FC hands out fresh STS credentials with every invocation)."""
        for writer in list(self._sls.values()):
            if writer.credentials != credentials:
                self._sls[writer.name] = SlsWriter(writer.name, writer.destination, credentials,
                                                   sleep=self._retry["sleep"])

    def handle(self, raw: bytes | str | dict[str, Any], context: Any = None) -> dict[str, Any]:
        """What the FC handler does: parse, bind logging, forward within the remaining time.

        A batched delivery (a JSON array of events) gives ``{"events": [<result per event>]}``.
        """
        from openevent.events import parse
        from openevent.runtime.context import remaining_seconds
        from openevent.runtime.credentials import resolve_credentials
        from openevent.runtime.logging import bind_invocation

        parsed = parse(raw)
        deadline = time.monotonic() + max(1.0, remaining_seconds(context) - SAFETY_MARGIN_S)
        if self._sls:
            self.set_credentials(resolve_credentials(context))
        events = parsed if isinstance(parsed, list) else [parsed]
        results = []
        for event in events:
            bind_invocation(context, event)
            results.append(self.forward(event, budget_s=max(0.0, deadline - time.monotonic())))
        return {"events": results} if isinstance(parsed, list) else results[0]

    def forward(self, event: Event, *, budget_s: float = 20.0) -> dict[str, Any]:
        """Forward one event; the result dict of the handler contract."""
        if event.type not in EVENT_TYPES:
            self._log.warning("dq.ignored", event_id=event.id, event_type=event.type)
            return {"event_id": event.id, "event_type": event.type, "forwarded": [],
                    "ignored": f"not a Data Quality result event: {event.type}"}
        deadline = time.monotonic() + budget_s
        result = normalise(event)
        head: dict[str, Any] = {"event_id": event.id, "event_type": event.type}
        if not self.store.add_once(event_key(event.id), ttl_s=self.config.dedup_ttl_s):
            self._log.info("dq.duplicate", event_id=event.id)
            return {**head, "duplicate": True, "forwarded": []}
        result = self._with_check_context(result)
        result = result.model_copy(update={"link": console_link(result, self.config.link_template)})
        rows: list[Row] = []
        for name, dest in self._destinations.items():
            skip = dest.filter.reason_to_skip(result)
            if skip is not None:
                rows.append({"destination": name, "kind": dest.kind, "status": "filtered", "reason": skip})
                continue
            rows.extend(self._deliver(name, dest, result, max(0.0, deadline - time.monotonic())))
        for row in rows:
            level = self._log.warning if row["status"] in ("retry_after", "permanent") else self._log.info
            level("dq.forwarded", event_id=event.id, **row)
        return {**head, "level": result.level, "blocking": result.blocking, "forwarded": rows}

    def _deliver(self, name: str, dest: DestinationConfig, result: DqResult, budget_s: float) -> list[Row]:
        if isinstance(dest, ChatDestination):
            from openevent.notify.sender import send_all

            message = render_message(result, lang=dest.lang)
            sent = send_all(self._chat[name], message, budget_s=budget_s, **self._retry)
            return [{"destination": name, "kind": "chat", "receiver": r["receiver"], "channel": r["kind"],
                     "status": r["status"], "reason": r["reason"]} for r in sent]
        if isinstance(dest, WebhookDestination):
            outcome = self._hooks[name].deliver(result.to_json(), budget_s=budget_s, **self._retry)
        else:
            outcome = self._sls[name].put([(_log_time(result), log_contents(result))], budget_s=budget_s)
        return [{"destination": name, "kind": dest.kind, "status": outcome.status, "reason": outcome.reason}]

    def _with_check_context(self, result: DqResult) -> DqResult:
        """Remember a finished check; give a feedback event the table/rule/result of its check."""
        key = check_key(result.workspace.id, result.check_id)
        ttl = self.config.remember_checks_s
        if result.check_id is None or ttl <= 0:
            return result
        if result.event.kind == "finished":
            self.store.put(key, {"table": result.table.model_dump(), "partition": result.partition.model_dump(),
                                 "rule": result.rule.model_dump(),
                                 "result": result.result.model_dump() if result.result else None,
                                 "entity_id": result.entity_id}, ttl_s=ttl)
            return result
        known = self.store.get(key)
        if known is None:
            return result
        return result.model_copy(update={
            "table": Table.model_validate({**known["table"], "env_type": result.table.env_type
                                           or known["table"].get("env_type")}),
            "partition": Partition.model_validate(known["partition"]),
            "rule": Rule.model_validate(known["rule"]),
            "result": CheckOutcome.model_validate(known["result"]) if known.get("result") else None,
            "entity_id": known.get("entity_id"),
        })


def _log_time(result: DqResult) -> int:
    """Epoch seconds of the check end (or start, or the event time); now when none parses."""
    from openevent.events.fields import stamp_to_datetime

    for value in (result.times.end, result.times.begin, result.feedback.at if result.feedback else None,
                  result.event.time):
        moment = stamp_to_datetime(value) if value else None
        if moment is not None:
            return int(moment.timestamp())
    return int(time.time())


def build_forwarder(*, config_path: str | None = None, env: Mapping[str, str] | None = None,
                    transport: Transport | None = None) -> Forwarder:
    """The forwarder of the FC function: config from ``OPENEVENT_CONFIG`` (or the environment alone)
    and the state store from ``OPENEVENT_STATE_URL``. Build it once per FC instance.

    Example:
        >>> build_forwarder(env={"OPENEVENT_STATE_URL": "memory://"}).destinations
        {}
    """
    from openevent.quality.config import load_quality_config
    from openevent.state import open_store

    return Forwarder(load_quality_config(config_path, env=env), open_store(env=env), transport=transport)
