"""The always-answer guard runner: parse → facts → policy → callback, on every path.

DataWorks holds the user's operation in *Checking* until every enabled extension answers,
so once a message id is known the runner answers on every path:

* a payload that fails its model (but has a readable id), a policy file that does not load,
  an enrichment API that is down, or a rule that raises is *the guard's own trouble*: the
  answer follows the policy's ``failure_policy`` (``fail-closed`` → FAIL, ``fail-open`` → OK
  with a warning; a policy that failed to load uses ``OPENEVENT_FAILURE_POLICY``, default
  fail-closed), under the rule name ``failure-policy``;
* the callback goes through the API the registry names for the event type, retried inside
  the invocation's remaining time; if it still fails, the runner raises so FC's asynchronous
  retry delivers the event again — deciding again gives the same answer (the decision id is
  a hash of the message id and the policy revision);
* an event already answered is not answered again (a done-marker per message id in the
  state store), so a redelivery never sends a second, different answer;
* in the Function Compute extension shape (``messageId``/``messageBody``) the decision is
  the function's return value and no callback is sent.

One structured ``guard.decision`` log line per event is the guard's audit trail.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from openevent.errors import ConfigError, EventParseError, OpenEventError
from openevent.events import Event, parse
from openevent.events.registry import spec_for
from openevent.runtime.context import remaining_seconds
from openevent.runtime.logging import bind_invocation, get_logger

if TYPE_CHECKING:  # imported lazily at run time: importing a function's index stays cheap
    from openevent.guard.decision import Evaluation
    from openevent.guard.policy import LoadedPolicy, Policy

FAILURE_RULE = "failure-policy"
FAILURE_POLICY_ENV = "OPENEVENT_FAILURE_POLICY"
CALLBACK_MARGIN_S = 0.5

FactsFn = Callable[[Event, "GuardContext"], dict[str, Any]]
ConfirmFn = Callable[[Event, "GuardContext"], dict[str, Any]]


class GuardCallbackError(OpenEventError):
    """The answer could not be delivered to DataWorks after retries (FC should retry the event)."""


@dataclass
class GuardContext:
    """What a guard's fact collector may use: the policy, the FC context, clients, the clock."""

    policy: Policy
    context: Any
    now: datetime
    _client: Any = None
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def dataworks(self) -> Any:
        """A DataWorks OpenAPI client for this invocation (created on first use)."""
        if self._client is None:
            from openevent.dataworks import DataWorksClient

            self._client = DataWorksClient.from_environment(self.context)
        return self._client


class GuardRunner:
    """One guard function: its name, its fact collector, its policy, its state.

    Example (a function's ``index.py``)::

        RUNNER = GuardRunner("workspace_delete_guard", collect_facts, config_dir=HERE)

        def handler(event, context):
            return RUNNER.handle(event, context)
    """

    def __init__(self, name: str, facts: FactsFn, *, config_dir: str | None = None,
                 confirm: Mapping[str, ConfirmFn] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.name = name
        self.collect_facts = facts
        self.confirm = dict(confirm or {})
        self.config_dir = config_dir
        self.clock = clock
        self._loaded: LoadedPolicy | None = None
        self._load_error: ConfigError | None = None
        self._ready = False
        self._store: Any = None
        self.log = get_logger(f"guard.{name}")

    def initialize(self) -> None:
        """Load the policy now (FC's instance initializer calls this; otherwise the first event does).

        Loading lazily keeps importing the function cheap (YAML and the policy models are not
        needed to import ``index``); a bad policy is logged here, once per instance.
        """
        if not self._ready:
            self.reload()

    # -- configuration ------------------------------------------------------------------------
    def reload(self) -> None:
        """(Re)load the policy; a bad policy is remembered and answered per the failure policy."""
        from openevent.guard.policy import default_config_path, load_policy

        path = os.environ.get("OPENEVENT_CONFIG") or (
            default_config_path(self.config_dir) if self.config_dir else None)
        try:
            self._loaded, self._load_error = load_policy(path), None
        except ConfigError as exc:
            self._loaded, self._load_error = None, exc
            self.log.error("guard.policy_invalid", error=str(exc), path=path)
        self._ready = True

    @property
    def load_error(self) -> ConfigError | None:
        """Why the policy did not load (``None`` when it did)."""
        self.initialize()
        return self._load_error

    @property
    def policy(self) -> Policy:
        self.initialize()
        if self._loaded is not None:
            return self._loaded.policy
        from openevent.guard.policy import Policy

        fallback = os.environ.get(FAILURE_POLICY_ENV, "fail-closed")
        return Policy(failure_policy="fail-open" if fallback == "fail-open" else "fail-closed")

    @property
    def revision(self) -> str:
        self.initialize()
        return self._loaded.revision if self._loaded is not None else "invalid"

    @property
    def store(self) -> Any:
        if self._store is None:
            from openevent.state import open_store

            self._store = open_store()
        return self._store

    # -- the handler --------------------------------------------------------------------------
    def handle(self, raw: Any, context: Any) -> dict[str, Any]:
        """Decide and answer one delivery (or each event of a batch)."""
        started = time.perf_counter()
        self.initialize()
        try:
            parsed = parse(raw)
        except EventParseError as exc:
            return self._unparseable(exc, context, started)
        if isinstance(parsed, list):
            return {"results": [self._one(ev, context, time.perf_counter()) for ev in parsed]}
        return self._one(parsed, context, started)

    def _one(self, event: Event, context: Any, started: float) -> dict[str, Any]:
        bind_invocation(context, event, guard=self.name)
        if not event.is_extension:
            return self._confirmation(event, context)
        previous = self._answered(event.message_id)
        if previous is not None:
            self.log.info("guard.duplicate", message_id=event.message_id, decision=previous.get("decision"))
            return {**previous, "duplicate": True, "callback": {**previous.get("callback", {}), "sent": False}}
        from openevent.guard.decision import evaluate

        policy = self.policy
        facts: dict[str, Any] = {}
        trouble: str | None = None
        evaluation: Evaluation | None = None
        if self._load_error is not None:
            trouble = f"the policy could not be loaded ({self._load_error})"
        else:
            gctx = GuardContext(policy=policy, context=context, now=self._now(policy))
            try:
                facts = self.collect_facts(event, gctx)
                evaluation = evaluate(policy, facts, event.type)
            except Exception as exc:  # the guard's own trouble: answer per failure policy, never crash
                trouble = f"{type(exc).__name__}: {exc}"
        if evaluation is None:
            evaluation = self._failure_evaluation(policy, trouble or "unknown trouble")
        return self._answer(event.type, event.message_id, event, evaluation, facts, context, started, trouble)

    # -- answering ----------------------------------------------------------------------------
    def _answer(self, event_type: str, message_id: str, event: Event | None, evaluation: Evaluation,
                facts: Mapping[str, Any], context: Any, started: float, trouble: str | None) -> dict[str, Any]:
        spec = spec_for(event_type)
        api = spec.callback_api if spec is not None else "CallbackExtension"
        decision_id = "dec-" + hashlib.sha256(f"{message_id}|{self.revision}".encode()).hexdigest()[:16]
        result: dict[str, Any] = {
            "message_id": message_id, "event_type": event_type, "decision": evaluation.result,
            "rule": evaluation.rule, "message": evaluation.message, "mode": evaluation.mode,
            "decision_id": decision_id, "policy_revision": self.revision,
            "failure_policy": self.policy.failure_policy,
        }
        if evaluation.dry_run:
            result["dry_run"] = [{"rule": m.rule, "action": m.action, "message": m.message}
                                 for m in evaluation.dry_run]
        would = evaluation.would
        if would is not None:
            result["would"] = {"decision": would.result, "rule": would.rule, "message": would.message}
        if trouble:
            result["trouble"] = trouble
        fc_shape = event is not None and event.delivery == "fc-extension"
        error: Exception | None = None
        if fc_shape:
            # a direct FC extension call: DataWorks reads the answer from the return value
            result["callback"] = {"api": None, "sent": False, "delivery": "fc-extension"}
            result.update({"CheckResult": evaluation.result, "CheckMessage": evaluation.message})
        else:
            try:
                result["callback"] = self._send(api, message_id, evaluation, context)
            except Exception as exc:
                error = exc
                result["callback"] = {"api": api, "sent": False, "error": str(exc)}
        latency_ms = round((time.perf_counter() - started) * 1000, 2)
        result["latency_ms"] = latency_ms
        self._record(result, event, facts)
        if error is not None:
            raise GuardCallbackError(
                f"{api} for message {message_id} failed after retries: {error}; FC will retry the event") from error
        if result["callback"].get("sent") or fc_shape:
            self._remember(message_id, result, event)
        return result

    def _send(self, api: str | None, message_id: str, evaluation: Evaluation, context: Any) -> dict[str, Any]:
        from openevent.dataworks import DataWorksClient, send_callback

        client = DataWorksClient.from_environment(context)
        budget = remaining_seconds(context) - CALLBACK_MARGIN_S
        code = self.policy.extension_code or os.environ.get("DATAWORKS_EXTENSION_CODE")
        if not code and not client.can_send:
            code = "<DATAWORKS_EXTENSION_CODE is not set>"  # dry mode only prints what it would send
        receipt = send_callback(api or "CallbackExtension", message_id, code,
                                evaluation.result, evaluation.message, client=client, context=context)
        out: dict[str, Any] = {"api": receipt.api, "sent": receipt.sent, "result": receipt.sent_result}
        if receipt.dry_run:
            out["would_send"] = receipt.params
            out["reason"] = client.dry_reason
        else:
            out.update({"request_id": receipt.request_id, "attempts": receipt.attempts})
        out["budget_s"] = round(budget, 2)
        return out

    def _failure_evaluation(self, policy: Policy, trouble: str) -> Evaluation:
        from openevent.guard.decision import Evaluation

        closed = policy.failure_policy == "fail-closed"
        outcome = "blocked" if closed else "allowed"
        text = (f"[{FAILURE_RULE}] the guard could not evaluate its policy ({_short(trouble)}); the operation is "
                f"{outcome} because failure_policy is {policy.failure_policy}. Ask {policy.contact}.")
        if not closed:
            self.log.warning("guard.fail_open", trouble=trouble)
        return Evaluation(result="FAIL" if closed else "OK", rule=FAILURE_RULE, message=text)

    def _unparseable(self, exc: EventParseError, context: Any, started: float) -> dict[str, Any]:
        bind_invocation(context, None, guard=self.name)
        if not exc.message_id or not exc.event_type:
            self.log.error("guard.unanswerable", error=str(exc))
            return {"message_id": None, "event_type": exc.event_type, "decision": None, "rule": None,
                    "message": f"cannot answer: {exc}", "mode": "enforce", "decision_id": None,
                    "callback": {"api": None, "sent": False}}
        spec = spec_for(exc.event_type)
        if spec is not None and not spec.is_extension:
            self.log.error("guard.invalid_regular_event", error=str(exc), message_id=exc.message_id)
            return {"message_id": exc.message_id, "event_type": exc.event_type, "decision": None, "rule": None,
                    "message": f"invalid event: {exc}", "mode": "enforce", "decision_id": None,
                    "callback": {"api": None, "sent": False}}
        previous = self._answered(exc.message_id)
        if previous is not None:
            return {**previous, "duplicate": True, "callback": {**previous.get("callback", {}), "sent": False}}
        evaluation = self._failure_evaluation(self.policy, f"invalid event: {exc}")
        return self._answer(exc.event_type, exc.message_id, None, evaluation, {}, context, started, str(exc))

    # -- regular events (confirmations) -------------------------------------------------------
    def _confirmation(self, event: Event, context: Any) -> dict[str, Any]:
        handler = self.confirm.get(event.type)
        info: dict[str, Any] = {}
        if handler is not None:
            gctx = GuardContext(policy=self.policy, context=context, now=self._now(self.policy))
            try:
                info = handler(event, gctx)
            except Exception as exc:
                info = {"error": f"{type(exc).__name__}: {exc}"}
        linked = self.linked_decision(event.workspace_id)
        self.log.info("guard.confirmation", event_id=event.id, event_type=event.type,
                      workspace_id=event.workspace_id, operator=event.operator, linked_decision=linked,
                      confirmation=info)
        return {"message_id": event.id, "event_type": event.type, "decision": None, "rule": None, "message": "",
                "mode": "enforce", "decision_id": None, "callback": {"api": None, "sent": False},
                "confirmation": info, "linked_decision": linked}

    # -- state --------------------------------------------------------------------------------
    def _answered(self, message_id: str) -> dict[str, Any] | None:
        try:
            doc = self.store.get(f"guard:{self.name}:answer:{message_id}")
        except Exception as exc:  # the state store is an optimisation here; answering matters more
            self.log.warning("guard.state_unavailable", error=str(exc))
            return None
        return dict(doc) if doc else None

    def _remember(self, message_id: str, result: dict[str, Any], event: Event | None) -> None:
        try:
            ttl = self.policy.dedup_ttl_s
            self.store.put(f"guard:{self.name}:answer:{message_id}", result, ttl_s=ttl)
            if event is not None and event.workspace_id is not None:
                link = {k: result.get(k) for k in ("decision_id", "decision", "rule", "message_id")}
                self.store.put(f"guard:{self.name}:workspace:{event.workspace_id}", link, ttl_s=ttl)
        except Exception as exc:
            self.log.warning("guard.state_unavailable", error=str(exc))

    def linked_decision(self, workspace_id: Any) -> dict[str, Any] | None:
        """The last decision this guard made for a workspace (to link a post-event to it)."""
        if workspace_id is None:
            return None
        try:
            doc = self.store.get(f"guard:{self.name}:workspace:{workspace_id}")
        except Exception:
            return None
        return dict(doc) if doc else None

    def _record(self, result: Mapping[str, Any], event: Event | None, facts: Mapping[str, Any]) -> None:
        self.log.info(
            "guard.decision", decision_id=result["decision_id"], event_id=result["message_id"],
            event_type=result["event_type"], workspace_id=event.workspace_id if event else None,
            operator=event.operator if event else None, facts=_loggable(facts), rule=result["rule"],
            result=result["decision"], mode=result["mode"], dry_run=result.get("dry_run"),
            would=result.get("would"), callback=result.get("callback"), latency_ms=result.get("latency_ms"),
            policy_revision=result["policy_revision"], trouble=result.get("trouble"),
        )

    def _now(self, policy: Policy) -> datetime:
        from zoneinfo import ZoneInfo

        return datetime.fromtimestamp(self.clock(), ZoneInfo(policy.timezone))


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _loggable(facts: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in facts.items():
        if isinstance(value, datetime):
            out[key] = value.isoformat()
        elif isinstance(value, Mapping):
            out[key] = _loggable(value)
        elif isinstance(value, str) and len(value) > 500:
            out[key] = value[:500] + "…"
        else:
            out[key] = value
    return out
