"""The forwarding pipeline: normalise → claim → add context → filter per destination → deliver → report.

For each DQ event :meth:`Forwarder.forward`

1. normalises it (:func:`~openevent.quality.result.normalise`) and adds the console link;
2. claims the event id (:class:`~openevent.delivery.idempotency.Idempotency`, namespace ``dq``):
   an event whose every destination was delivered is reported ``duplicate`` and nothing is sent
   again; an event another live invocation is forwarding raises
   :class:`~openevent.delivery.idempotency.InProgressError` (FC retries it later);
3. remembers a finished check (table, partition, rule, result) under its check id, so that a
   later feedback event on that check (``ruleCheckId``) can name the table and the rule;
4. runs every enabled destination in config order: when its filter rejects the result the row
   says ``filtered`` and why; a destination an earlier attempt delivered (for chat: each
   receiver) says ``already-sent`` and is not sent again; otherwise its payload is built — a chat
   destination renders one message (:mod:`openevent.quality.render`) for its receivers, a
   webhook destination posts the normalised JSON, an SLS destination puts one log — and
   delivered, and recorded as done (``complete_part``) right after that happened;
5. completes the claim when nothing is left undone; otherwise releases it (the finished
   destinations stay recorded) and the handler raises
   :class:`~openevent.delivery.retry.Undelivered` *after* every other destination was
   delivered, so FC retries the event and the retry delivers only what is missing.

Rows: ``{destination, kind, status, reason, receiver?, channel?}`` with ``status`` one of
``sent``, ``already-sent``, ``filtered``, ``retry_after`` (undone: a transient failure that
outlived the retries or the budget, or a vendor asking to wait longer than
:data:`THROTTLE_WAIT_S`) or ``permanent`` (retrying cannot help — a bad signature, a payload
that cannot be built; reported and logged, never retried in a loop).

Time: all destinations share the invocation's one :class:`~openevent.delivery.budget.Budget`.
Plain transient errors are retried with short jittered backoff inside it; throttling is never
slept out: a ``Retry-After`` (or DingTalk's 60 s for errcode 130101) longer than
:data:`THROTTLE_WAIT_S` leaves that destination undone for FC's retry. A destination failing
never stops the others; neither does one whose payload cannot be built.

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

import os
import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from openevent.delivery.budget import Budget, activate, current_budget
from openevent.delivery.idempotency import Claim, Idempotency, InProgressError, payload_hash
from openevent.delivery.retry import Undelivered
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
from openevent.state.base import StateError

if TYPE_CHECKING:
    from openevent.delivery.app import FunctionApp

Row = dict[str, Any]
DIGEST_RESERVE = 0.25
"""The share of a robot's minute budget left to the notifier's digests (its default ``noise.digest_reserve``)."""
NAMESPACE = "dq"
"""The idempotency namespace of the forwarder's claims (``idem:dq:<event id>``)."""
THROTTLE_WAIT_S = 1.0
"""The longest wait worth sleeping inside the handler; a vendor asking for more leaves the destination undone."""
SEND_ATTEMPTS = 3
BACKOFF_S = 0.2
ATTEMPT_TIMEOUT_S = 10.0
MIN_ATTEMPT_S = 0.5
DEFAULT_BUDGET_S = 20.0
"""The budget of :meth:`Forwarder.forward` called outside an invocation without ``budget``/``budget_s``."""
ALREADY_SENT = {"status": "already-sent", "reason": "delivered by an earlier attempt"}
UNDONE = "retry_after"


def event_key(event_id: str) -> str:
    """The idempotency key of an event (its claim document is ``idem:dq:<event id>``).

    Example:
        >>> event_key("bd0da009")
        'bd0da009'
    """
    return event_id


def part_name(destination: str, receiver: str | None = None) -> str:
    """The name a destination (a chat destination: each receiver) is recorded as done under.

    Example:
        >>> part_name("webhook"), part_name("chat", "dingtalk")
        ('webhook', 'chat:dingtalk')
    """
    return destination if receiver is None else f"{destination}:{receiver}"


def check_key(workspace_id: int | str | None, check_id: int | str | None) -> str:
    """The key a finished check is remembered under (for the feedback events on it).

    Example:
        >>> check_key(10001, 521771452)
        'dq:check:10001:521771452'
    """
    return f"dq:check:{workspace_id}:{check_id}"


def undone_rows(result: Mapping[str, Any]) -> dict[str, str]:
    """``{part: reason}`` of the rows of a forward result left for FC's retry.

    Example:
        >>> undone_rows({"forwarded": [{"destination": "webhook", "status": "retry_after", "reason": "HTTP 502"},
        ...                            {"destination": "sls", "status": "sent", "reason": "sent"}]})
        {'webhook': 'HTTP 502'}
    """
    return {part_name(row["destination"], row.get("receiver")): str(row.get("reason"))
            for row in result.get("forwarded") or [] if row.get("status") == UNDONE}


@contextmanager
def _current(budget: Budget) -> Iterator[Budget]:
    """``budget`` as the current one (clients below bound their calls by it)."""
    if current_budget() is budget:
        yield budget
        return
    with activate(budget):
        yield budget


class Forwarder:
    """Forwards DQ results to the destinations of ``config``; build once per FC instance."""

    def __init__(self, config: QualityConfig, store: StateStore, *, credentials: Credentials | None = None,
                 transport: Transport | None = None, clock: Callable[[], float] | None = None,
                 sleep: Callable[[float], Any] = time.sleep, rng: Callable[[], float] = random.random) -> None:
        self.config = config
        self.store = store
        self.sleep = sleep
        self.rng = rng
        self.idempotency = Idempotency(store, NAMESPACE, ttl_s=config.dedup_ttl_s)
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
                self._sls[name] = SlsWriter(name, dest, credentials)

    @property
    def destinations(self) -> dict[str, DestinationConfig]:
        """The enabled destinations, in config order."""
        return dict(self._destinations)

    def set_credentials(self, credentials: Credentials | None) -> None:
        """Credentials for SLS (FC hands out fresh STS credentials with every invocation)."""
        for writer in list(self._sls.values()):
            if writer.credentials != credentials:
                self._sls[writer.name] = SlsWriter(writer.name, writer.destination, credentials)

    def close(self) -> None:
        """Release the state store's connections (the function template calls it on reset)."""
        self.store.close()

    # -- the handler --------------------------------------------------------------------------
    def handle(self, raw: bytes | str | dict[str, Any] | list[Any], context: Any = None,
               budget: Budget | None = None) -> dict[str, Any]:
        """What the FC handler does: parse, forward every event inside the budget, raise if anything is undone.

        A batched delivery (a JSON array of events) gives ``{"events": [<result per event>]}``.
        Raises :class:`~openevent.delivery.retry.Undelivered` (after delivering everything else)
        when a destination is left for FC's retry, :class:`InProgressError` when another live
        invocation holds an event.
        """
        if budget is None:
            from openevent.delivery.app import CONSUMER_RESERVE_S

            budget = current_budget() or Budget.start(context, reserve_s=CONSUMER_RESERVE_S)
        with _current(budget):
            return self._handle(raw, context, budget)

    def _handle(self, raw: Any, context: Any, budget: Budget) -> dict[str, Any]:
        from structlog.contextvars import bind_contextvars

        from openevent.events import parse
        from openevent.runtime.credentials import resolve_credentials
        from openevent.runtime.logging import event_log_fields

        parsed = parse(raw)
        if self._sls:
            self.set_credentials(resolve_credentials(context))
        events = parsed if isinstance(parsed, list) else [parsed]
        batch = isinstance(parsed, list)
        results: list[dict[str, Any]] = []
        undone: dict[str, str] = {}
        busy: list[InProgressError] = []
        for event in events:
            bind_contextvars(**event_log_fields(event))
            try:
                result = self.forward(event, budget=budget)
            except InProgressError as exc:
                busy.append(exc)
                continue
            results.append(result)
            for part, reason in undone_rows(result).items():
                undone[f"{event.id}:{part}" if batch else part] = reason
        if undone:
            what = "DQ results" if batch else f"DQ result of event {events[0].id}"
            raise Undelivered(what, undone)
        if busy:
            raise busy[0]
        return {"events": results} if batch else results[0]

    def forward(self, event: Event, *, budget: Budget | None = None, budget_s: float | None = None) -> dict[str, Any]:
        """Forward one event; the result dict of the handler contract (undone rows say ``retry_after``).

        The time is ``budget`` (default: the invocation's current one, else ``budget_s`` seconds).
        """
        if event.type not in EVENT_TYPES:
            self._log.warning("dq.ignored", event_id=event.id, event_type=event.type)
            return {"event_id": event.id, "event_type": event.type, "forwarded": [],
                    "ignored": f"not a Data Quality result event: {event.type}"}
        if budget is None:
            budget = current_budget() if budget_s is None else None
            if budget is None:
                budget = Budget(timeout_s=DEFAULT_BUDGET_S if budget_s is None else budget_s, margin_s=0.0)
        with _current(budget):
            return self._forward(event, budget)

    def _forward(self, event: Event, budget: Budget) -> dict[str, Any]:
        result = normalise(event)
        head: dict[str, Any] = {"event_id": event.id, "event_type": event.type}
        key = event_key(event.id)
        claim = self.idempotency.claim(key, until=budget.wall_deadline, payload=payload_hash(result.to_json()))
        if claim.state == "completed":
            self._log.info("dq.duplicate", event_id=event.id)
            return {**head, "duplicate": True, "forwarded": []}
        if claim.state == "in_progress":
            self._log.info("dq.in_progress", event_id=event.id, effect="FC retries the event later")
            raise InProgressError(key)
        if claim.parts:
            self._log.info("dq.resumed", event_id=event.id, done=sorted(claim.parts))
        try:
            out = self._destinations_of(key, head, result, claim, budget)
        except BaseException:
            self.idempotency.release(key)  # a crash must not hold the event until the deadline
            raise
        if any(row["status"] == UNDONE for row in out["forwarded"]):
            self.idempotency.release(key)  # FC's retry proceeds at once; the finished parts stay
        else:
            self.idempotency.complete(key, out)
        return out

    def _destinations_of(self, key: str, head: dict[str, Any], result: DqResult, claim: Claim,
                         budget: Budget) -> dict[str, Any]:
        result = self._with_check_context(result)
        result = result.model_copy(update={"link": console_link(result, self.config.link_template)})
        rows: list[Row] = []
        for name, dest in self._destinations.items():
            skip = dest.filter.reason_to_skip(result)
            if skip is not None:
                rows.append({"destination": name, "kind": dest.kind, "status": "filtered", "reason": skip})
                continue
            rows.extend(self._deliver(key, name, dest, result, claim, budget))
        for row in rows:
            # permanent: this destination will never get the result (retrying cannot help) — an error
            level = {UNDONE: self._log.warning, "permanent": self._log.error}.get(row["status"], self._log.info)
            level("dq.forwarded", event_id=head["event_id"], **row)
        return {**head, "level": result.level, "blocking": result.blocking, "forwarded": rows}

    # -- destinations ---------------------------------------------------------------------------
    def _send_options(self) -> dict[str, Any]:
        return {"max_attempts": SEND_ATTEMPTS, "timeout_s": ATTEMPT_TIMEOUT_S, "min_attempt_s": MIN_ATTEMPT_S,
                "backoff_s": BACKOFF_S, "max_wait_s": THROTTLE_WAIT_S, "sleep": self.sleep, "rng": self.rng}

    def _done(self, key: str, part: str) -> None:
        self.idempotency.complete_part(key, part, {"status": "sent", "at": time.time()})

    def _unbuildable(self, row: Row, name: str, exc: Exception) -> Row:
        self._log.error("dq.payload_failed", destination=name, error=f"{type(exc).__name__}: {exc}",
                        effect="this destination is skipped; the others are delivered", exc_info=True)
        return {**row, "status": "permanent", "reason": f"payload cannot be built: {type(exc).__name__}: {exc}"}

    def _deliver(self, key: str, name: str, dest: DestinationConfig, result: DqResult, claim: Claim,
                 budget: Budget) -> list[Row]:
        if isinstance(dest, ChatDestination):
            return self._deliver_chat(key, name, dest, result, claim)
        row: Row = {"destination": name, "kind": dest.kind}
        if claim.part_done(name):
            return [{**row, **ALREADY_SENT}]
        try:
            if isinstance(dest, WebhookDestination):
                document = result.to_json()
            else:
                log = (_log_time(result), log_contents(result))
        except Exception as exc:  # an absurd value must not cost the other destinations their result
            return [self._unbuildable(row, name, exc)]
        try:
            if isinstance(dest, WebhookDestination):
                outcome = self._hooks[name].deliver(document, **self._send_options())
            else:
                outcome = self._sls[name].put([log], budget=budget, sleep=self.sleep, rng=self.rng)
        except Exception as exc:  # a bug below must not cost the other destinations their result
            self._log.error("dq.destination_error", destination=name, error=f"{type(exc).__name__}: {exc}",
                            exc_info=True)
            return [{**row, "status": "permanent", "reason": f"{type(exc).__name__}: {exc}"}]
        if outcome.ok:
            self._done(key, name)
        return [{**row, "status": outcome.status, "reason": outcome.reason}]

    def _deliver_chat(self, key: str, name: str, dest: ChatDestination, result: DqResult,
                      claim: Claim) -> list[Row]:
        from openevent.notify.sender import send_with_retry

        rows: list[Row] = []
        message: Any = None
        failure: Exception | None = None
        for receiver, channel in self._chat[name].items():
            part = part_name(name, receiver)
            row: Row = {"destination": name, "kind": "chat", "receiver": receiver, "channel": channel.kind}
            if claim.part_done(part):
                rows.append({**row, **ALREADY_SENT})
                continue
            if message is None and failure is None:
                try:
                    message = render_message(result, lang=dest.lang)
                except Exception as exc:  # the webhook and SLS still get the result
                    failure = exc
            if failure is not None:
                rows.append(self._unbuildable(row, name, failure))
                continue
            if not self._take_budget(receiver, channel):
                rows.append({**row, "status": "retry_after",
                             "reason": "the robot's rate budget, shared with the notifier, is used up"})
                continue
            outcome = send_with_retry(channel, message, **self._send_options())
            if outcome.ok:
                self._done(key, part)
            rows.append({**row, "status": outcome.status, "reason": outcome.reason})
        return rows

    def _take_budget(self, receiver: str, channel: Channel) -> bool:
        """One unit of the receiver's rate budget, the same budget the notifier counts in the store.

        A receiver named alike in both functions' configs is one robot: its vendor limit
        (DingTalk: 20 a minute) is shared, and the notifier's digest reserve is left alone.
        A store that cannot answer does not hold the result back.
        """
        from openevent.alerting.noise import receiver_limits, take_alert_budget

        limits = receiver_limits(channel.kind, receiver, {})
        try:
            return take_alert_budget(self.store, receiver, limits, reserve=DIGEST_RESERVE)
        except (StateError, OSError, TimeoutError) as exc:
            self._log.warning("dq.rate_budget_unavailable", receiver=receiver, error=str(exc),
                              effect="sent without the shared rate budget")
            return True

    def _with_check_context(self, result: DqResult) -> DqResult:
        """Remember a finished check; give a feedback event the table/rule/result of its check."""
        key = check_key(result.workspace.id, result.check_id)
        ttl = self.config.remember_checks_s
        if result.check_id is None or ttl <= 0:
            return result
        try:
            if result.event.kind == "finished":
                self.store.put(key, {"table": result.table.model_dump(), "partition": result.partition.model_dump(),
                                     "rule": result.rule.model_dump(),
                                     "result": result.result.model_dump() if result.result else None,
                                     "entity_id": result.entity_id}, ttl_s=ttl)
                return result
            known = self.store.get(key)
        except (StateError, OSError, TimeoutError) as exc:
            self._log.warning("dq.check_context_unavailable", check_id=result.check_id, error=str(exc),
                              effect="forwarded without the context of its check")
            return result
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


def _open_store(env: Mapping[str, str] | None = None) -> StateStore:
    """The bounded state store of ``OPENEVENT_STATE_URL``; one that cannot be opened degrades to none."""
    from openevent.delivery.app import open_bounded_store

    try:
        store: StateStore = open_bounded_store(env)
    except Exception as exc:  # forwarding without dedup beats not forwarding
        from openevent.state.bounded import unavailable_store

        get_logger("openevent.quality").error("dq.state_unavailable", error=str(exc),
                                              effect="forwarding without deduplication")
        store = unavailable_store(str(exc))
    return store


def build_forwarder(*, config_path: str | None = None, env: Mapping[str, str] | None = None,
                    transport: Transport | None = None) -> Forwarder:
    """A forwarder: config from ``config_path`` or ``OPENEVENT_CONFIG`` (or the environment alone)
    and the (bounded) state store from ``OPENEVENT_STATE_URL``.

    Example:
        >>> build_forwarder(env={"OPENEVENT_STATE_URL": "memory://"}).destinations
        {}
    """
    from openevent.quality.config import load_quality_config

    return Forwarder(load_quality_config(config_path, env=env), _open_store(env), transport=transport)


def build(app: FunctionApp) -> Forwarder:
    """The worker of ``functions/dq_result_forwarder`` (the function template's factory).

    With ``OPENEVENT_CONFIG`` set, that file; without it the **environment-only mode**
    (:func:`~openevent.quality.config.config_from_env`), which the shipped ``config.yaml``
    mirrors and extends with e-mail (``SMTP_*``) and ``DQ_LINK_TEMPLATE``.
    """
    from openevent.runtime.config import CONFIG_ENV

    explicit = os.environ.get(CONFIG_ENV, "").strip()
    return build_forwarder(config_path=app.config_path() if explicit else None)
