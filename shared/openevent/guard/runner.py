"""The always-answer guard runner: parse → facts → policy → decision (stored once) → callback.

DataWorks holds the user's operation in *Checking* until every enabled extension answers,
so once a message id is known the runner answers on every path, inside the invocation's
:class:`~openevent.delivery.budget.Budget`:

* enrichment and state calls draw only on the budget's ordinary share; the reserve is kept
  for the callback, so a hung GetProject or a hung Redis still leaves time to answer;
* a payload that fails its model (but has a readable id), a policy file that does not load,
  an enrichment API that is down, or a rule that raises is *the guard's own trouble*: the
  answer follows the policy's ``failure_policy`` (``fail-closed`` → FAIL, ``fail-open`` → OK
  with a warning; a policy that failed to load uses ``OPENEVENT_FAILURE_POLICY``, one that loaded
  but does not fit the guard — an unknown fact, event or operator — its own ``failure_policy``),
  under the rule name ``failure-policy``;
* the decision is made **once per message** (:class:`~openevent.delivery.idempotency.Idempotency`):
  stored before it is sent (first writer wins), resent as stored on a redelivery after a lost
  callback, and never sent again once a callback succeeded; a redelivery that arrives while
  another live invocation holds the message waits for that one's answer (polling the claim)
  while its own ordinary time lasts, and answers itself — the same stored decision — only
  when just its reserve is left;
* every event of a batch whose id can be read is answered; an event that cannot be answered
  (no readable id, a callback that still fails after retries, no credentials on FC) makes the
  handler raise *after* the others are answered, so FC retries the invocation;
* in the Function Compute extension shape (``messageId``/``messageBody``) the answer is the
  return value (``CheckResult``/``CheckMessage`` per the failure policy on every path) and no
  callback API is called;
* the guard's own extension registration (``GetExtension`` with its extension code, cached per
  instance for ``extension.refresh_s``) is honoured before any rule: an event from a workspace or
  extension point switched off there, or from a workspace other than the test workspace while the
  extension is testing, is answered OK under the rule ``extension-disabled`` / ``extension-testing``
  (:mod:`openevent.guard.extension`); a failing ``GetExtension`` is logged and never blocks the
  answer; ``extension.options.*`` facts are asked for (``GetOptionValueForProject``) only when a rule
  applying to the event names them;
* the policy is loaded for this guard (:class:`~openevent.guard.policy.PolicySchema`: its declared
  facts and the events it handles), so a misspelt fact, event or operator is a policy that does not
  load — logged at start and answered per the failure policy, never a rule silently switched off.

One structured ``guard.decision`` log line per event is the guard's audit trail.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pydantic_core

from openevent.delivery.budget import DEFAULT_MARGIN_S, Budget, activate, current_budget
from openevent.errors import ConfigError, EventParseError, OpenEventError
from openevent.events import Event, parse
from openevent.events.parse import max_event_bytes, parse_object, scan_head
from openevent.events.registry import spec_for
from openevent.guard.result import Decision, GuardResult, decision_id, facts_digest
from openevent.runtime.logging import get_logger

if TYPE_CHECKING:  # imported lazily at run time: importing a function's index stays cheap
    from openevent.dataworks.client import DataWorksClient
    from openevent.delivery.app import FunctionApp
    from openevent.delivery.idempotency import Claim, Idempotency
    from openevent.guard.decision import Evaluation
    from openevent.guard.extension import ExtensionSource, Gate
    from openevent.guard.policy import LoadedPolicy, Policy, PolicySchema

FAILURE_RULE = "failure-policy"
SETTINGS_SHARE = 1 / 3
SETTINGS_CAP_S = 2.0
CLAIM_POLL_S = 0.1
"""How often a redelivery looks whether the invocation holding its message has answered."""
"""GetExtension may use at most a third of the ordinary share and 2 s: rules and enrichment need the rest."""
FAILURE_POLICY_ENV = "OPENEVENT_FAILURE_POLICY"
EXTENSION_CODE_ENV = "DATAWORKS_EXTENSION_CODE"
_FC_KEYS = ("messageId", "messageBody")

FactsFn = Callable[[Event, "GuardContext"], dict[str, Any]]
ConfirmFn = Callable[[Event, "GuardContext"], dict[str, Any]]
Item = Event | EventParseError


class GuardCallbackError(OpenEventError):
    """An event could not be answered (callback failed after retries, no id, no credentials): FC retries."""


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


def extension_code_env(function: str) -> str:
    """The per-guard extension code variable (it wins over ``DATAWORKS_EXTENSION_CODE``).

    Example:
        >>> extension_code_env("change_guard")
        'DATAWORKS_EXTENSION_CODE_CHANGE_GUARD'
    """
    return f"{EXTENSION_CODE_ENV}_{function.upper()}"


class GuardRunner:
    """One guard function: its name, its fact collector, its policy, its state.

    Example (what a guard module's ``build`` factory returns)::

        def build(app):
            return GuardRunner(app.name, collect_facts, config_dir=app.directory, handles=app.handles)
    """

    def __init__(self, name: str, facts: FactsFn, *, config_dir: str | None = None,
                 confirm: Mapping[str, ConfirmFn] | None = None, handles: Sequence[str] | None = None,
                 clock: Callable[[], float] = time.time, reserve_s: float | None = None,
                 fact_types: Mapping[str, str] | None = None, enriched: Mapping[str, str] | None = None) -> None:
        self.name = name
        self.collect_facts = facts
        self.fact_types = dict(fact_types) if fact_types is not None else None
        self.enriched = dict(enriched or {})
        self._extensions: ExtensionSource | None = None
        self.confirm = dict(confirm or {})
        self.config_dir = config_dir
        self.handles = tuple(handles) if handles is not None else None
        self.clock = clock
        self.reserve_s = reserve_s
        self._loaded: LoadedPolicy | None = None
        self._load_error: ConfigError | None = None
        self.env_error: Exception | None = None
        """A bad environment found at start: every event is answered per the failure policy."""
        self._unfit: Policy | None = None
        self._ready = False
        self._store: Any = None
        self._idem: Idempotency | None = None
        self.log = get_logger(f"guard.{name}")

    @classmethod
    def for_app(cls, app: FunctionApp, facts: FactsFn, *, confirm: Mapping[str, ConfirmFn] | None = None,
                fact_types: Mapping[str, str] | None = None,
                enriched: Mapping[str, str] | None = None) -> GuardRunner:
        """The runner of a declared guard function (what its factory returns).

        ``fact_types`` (the guard's ``FACTS``: name → type) and ``enriched`` (fact → the API only
        enrichment gets it from) let the policy be checked against what the guard really offers.
        """
        runner = cls(app.name, facts, config_dir=app.directory, confirm=confirm, handles=app.handles,
                     reserve_s=app.reserve_s, fact_types=fact_types, enriched=enriched)
        runner.env_error = app.start_error
        return runner

    @property
    def schema(self) -> PolicySchema | None:
        """What this guard's policy may refer to (``None``: a runner without declarations checks nothing)."""
        if self.fact_types is None and self.handles is None:
            return None
        from openevent.guard.policy import PolicySchema

        return PolicySchema(self.name, facts=self.fact_types, handles=self.handles, enriched=self.enriched)

    @property
    def extensions(self) -> ExtensionSource:
        """This instance's cache of the extension's settings and option values."""
        if self._extensions is None:
            from openevent.guard.extension import ExtensionSource

            self._extensions = ExtensionSource(clock=self.clock, log=self.log)
        return self._extensions

    def initialize(self) -> None:
        """Load the policy now (FC's instance initializer calls this; otherwise the first event does)."""
        if not self._ready:
            self.reload()

    # -- configuration ------------------------------------------------------------------------
    def reload(self) -> None:
        """(Re)load the policy; a bad policy is remembered and answered per the failure policy."""
        from openevent.guard.policy import default_config_path, load_policy

        path = os.environ.get("OPENEVENT_CONFIG") or (
            default_config_path(self.config_dir) if self.config_dir else None)
        try:
            self._loaded, self._load_error, self._unfit = load_policy(path, schema=self.schema), None, None
        except ConfigError as exc:
            self._loaded, self._load_error = None, exc
            unfit = getattr(exc, "policy", None)  # valid, but not for this guard: keep how it answers trouble
            self._unfit = unfit.model_copy(update={"rules": []}) if unfit is not None else None
            self.log.error("guard.policy_invalid", error=str(exc), path=path)
        self._ready = True
        self._idem = None
        if os.environ.get("FC_FUNCTION_NAME") and not self.extension_code:
            # every EventBridge delivery will raise (FC retries it) until the code is set: say so at start
            self.log.error("guard.no_extension_code", function=self.name,
                           problem=f"neither {extension_code_env(self.name)}, {EXTENSION_CODE_ENV} nor the "
                                   "policy's extension_code is set: no EventBridge delivery can be answered")

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
        if self._unfit is not None:
            return self._unfit
        from openevent.guard.policy import Policy

        fallback = os.environ.get(FAILURE_POLICY_ENV, "fail-closed")
        return Policy(failure_policy="fail-open" if fallback == "fail-open" else "fail-closed")

    @property
    def revision(self) -> str:
        self.initialize()
        return self._loaded.revision if self._loaded is not None else "invalid"

    @property
    def store(self) -> Any:
        """The state store (every call bounded by the budget); an unusable URL degrades to none."""
        if self._store is None:
            from openevent.delivery.app import open_bounded_store

            try:
                self._store = open_bounded_store()
            except Exception as exc:  # answering matters more than dedup
                from openevent.state.bounded import unavailable_store

                self.log.error("guard.state_unavailable", error=str(exc), effect="answering without deduplication")
                self._store = unavailable_store(str(exc))
        return self._store

    @property
    def idempotency(self) -> Idempotency:
        if self._idem is None:
            from openevent.delivery.idempotency import Idempotency

            self._idem = Idempotency(self.store, f"guard:{self.name}", ttl_s=self.policy.dedup_ttl_s,
                                     clock=self.clock)
        return self._idem

    @property
    def extension_code(self) -> str | None:
        return (self.policy.extension_code or os.environ.get(extension_code_env(self.name))
                or os.environ.get(EXTENSION_CODE_ENV))

    # -- the handler --------------------------------------------------------------------------
    def handle(self, raw: Any, context: Any, budget: Budget | None = None) -> dict[str, Any]:
        """Decide and answer one delivery (or each event of a batch)."""
        if budget is None:
            budget = current_budget()
        if budget is None:
            from openevent.delivery.app import GUARD_RESERVE_S

            with activate(Budget.start(context, reserve_s=self.reserve_s or GUARD_RESERVE_S)) as started:
                return self._handle(raw, context, started)
        return self._handle(raw, context, budget)

    def _handle(self, raw: Any, context: Any, budget: Budget) -> dict[str, Any]:
        started = time.perf_counter()
        self.initialize()
        items, fc_shape, batch = self._read(raw)
        results: list[dict[str, Any]] = []
        failures: list[str] = []
        for item in items:
            try:
                results.append(self._one(item, context, budget, started, fc_shape).to_dict())
            except GuardCallbackError as exc:
                failures.append(str(exc))
        if failures:
            raise GuardCallbackError(f"{len(failures)} of {len(items)} event(s) not answered: "
                                     + "; ".join(failures) + "; FC will retry the event")
        return {"results": results} if batch else results[0]

    def _read(self, raw: Any) -> tuple[list[Item], bool, bool]:
        """The events of a delivery, each parsed or its parse error; whether FC-direct; whether a batch."""
        try:
            parsed = parse(raw)
        except EventParseError as exc:
            if isinstance(raw, bytes | bytearray | str) and len(raw) > max_event_bytes():
                return [exc], scan_head(raw).fc_extension, False  # refused unread: its head named the id
            decoded = _decode(raw)
            if decoded is None and isinstance(raw, bytes | bytearray | str):
                return [exc], scan_head(raw).fc_extension, False
            if isinstance(decoded, list) and decoded:
                items: list[Item] = []
                for i, obj in enumerate(decoded):
                    try:
                        items.append(parse_object(obj, index=i))
                    except EventParseError as err:
                        items.append(err)
                return items, False, True
            return [exc], isinstance(decoded, Mapping) and any(k in decoded for k in _FC_KEYS), False
        if isinstance(parsed, list):
            return list(parsed), False, True
        return [parsed], parsed.delivery == "fc-extension", False

    def _one(self, item: Item, context: Any, budget: Budget, started: float, fc_shape: bool) -> GuardResult:
        if fc_shape:
            return self._direct(item, context, budget, started)
        if isinstance(item, EventParseError):
            return self._unparseable(item, context, budget, started)
        event = item
        if not event.is_extension:
            return self._confirmation(event, context)
        if self.handles is not None and event.type not in self.handles:
            self.log.warning("guard.not_handled", event_type=event.type, message_id=event.message_id,
                             handles=list(self.handles))
            return GuardResult(event.message_id, event.type, None,
                               extra={"ignored": f"{self.name} does not handle {event.type}"})
        return self._decide_and_answer(event.message_id, event.type, event, context, budget, started)

    # -- deciding once ------------------------------------------------------------------------
    def _decide_and_answer(self, message_id: str, event_type: str, event: Event | None, context: Any,
                           budget: Budget, started: float, trouble: str | None = None,
                           fc_direct: bool = False) -> GuardResult:
        idem = self.idempotency
        claim = idem.claim(message_id, until=budget.wall_deadline)
        if claim.state == "in_progress":
            claim = self._await_holder(message_id, claim, budget)
        if claim.state == "completed" and claim.result is not None:
            self.log.info("guard.duplicate", message_id=message_id, decision=claim.result.get("decision"))
            stored = claim.result
            decision = Decision.from_doc(claim.data["decision"]) if "decision" in claim.data else None
            return GuardResult(message_id, event_type, decision,
                               delivery="fc-extension" if fc_direct else "eventbridge",
                               callback={**stored.get("callback", {}), "sent": False}, duplicate=True)
        facts: Mapping[str, Any] = {}
        resent = "decision" in claim.data
        if resent:
            decision = Decision.from_doc(claim.data["decision"])
            self.log.info("guard.resend", message_id=message_id, decision_id=decision.decision_id,
                          decision=decision.result)
        else:
            facts, decision = self._decide(message_id, event_type, event, context, trouble)
            decision = Decision.from_doc(idem.save(message_id, decision=decision.to_doc())["decision"])
        result = GuardResult(message_id, event_type, decision, resent=resent,
                             delivery="fc-extension" if fc_direct else "eventbridge")
        error: Exception | None = None
        if fc_direct:
            result.callback = {"api": None, "sent": False, "delivery": "fc-extension"}
        else:
            try:
                result.callback = self._send(event_type, message_id, decision, context)
            except Exception as exc:
                error = exc
                result.callback = {"api": _api_of(event_type), "sent": False, "error": str(exc)}
        result.latency_ms = round((time.perf_counter() - started) * 1000, 2)
        self._record(result, event, facts)
        if error is not None:
            idem.release(message_id)  # the stored decision stays: the retry resends it
            raise GuardCallbackError(f"{result.callback['api']} for message {message_id} failed: {error}") from error
        idem.complete(message_id, result.to_dict())
        self._link(event, result)
        return result

    def _await_holder(self, message_id: str, claim: Claim, budget: Budget) -> Claim:
        """Wait while another live invocation holds ``message_id``: its answer makes this one a duplicate.

        The wait (:meth:`~openevent.delivery.idempotency.Idempotency.await_holder`) lasts while
        ordinary time is left; if the holder still holds the message then, this invocation answers
        too, with the decision stored first (DataWorks gets the same answer twice at worst, never none).
        """
        waited_from = budget.clock()
        claim = self.idempotency.await_holder(message_id, claim, until=budget.wall_deadline,
                                              time_left=budget.available, poll_s=CLAIM_POLL_S)
        waited_ms = round((budget.clock() - waited_from) * 1000, 1)
        if claim.state == "in_progress":
            self.log.warning("guard.concurrent_answer", message_id=message_id, waited_ms=waited_ms,
                             effect="another invocation still holds the message with only this one's reserve "
                                    "left: answering too, with the stored decision")
        else:
            self.log.info("guard.awaited_holder", message_id=message_id, waited_ms=waited_ms, state=claim.state)
        return claim

    def _decide(self, message_id: str, event_type: str, event: Event | None, context: Any,
                trouble: str | None) -> tuple[Mapping[str, Any], Decision]:
        from openevent.guard.decision import Evaluation, evaluate

        policy = self.policy
        facts: dict[str, Any] = {}
        evaluation: Evaluation | None = None
        if trouble is None and event is not None:
            # the registration switched this workspace or event off (or it is testing elsewhere): OK,
            # unchecked — even with a policy that did not load, as DataWorks' own switch says
            gate = self._extension_gate(event, context, policy)
            if gate is not None:
                self.log.info("guard.extension_gate", message_id=message_id, rule=gate.rule, key=gate.key,
                              workspace_id=event.workspace_id, event_code=event.event_code)
                evaluation = Evaluation(result="OK", rule=gate.rule, message=gate.message)
        if evaluation is None and trouble is None and self._load_error is not None:
            trouble = f"the policy could not be loaded ({self._load_error})"
        if evaluation is None and trouble is None and self.env_error is not None:
            trouble = f"the function's environment is invalid ({self.env_error})"
        if evaluation is None and trouble is None and event is not None:
            gctx = GuardContext(policy=policy, context=context, now=self._now(policy))
            try:
                facts = self.collect_facts(event, gctx)
                self._add_options(event, policy, context, facts)
                evaluation = evaluate(policy, facts, event_type)
            except Exception as exc:  # the guard's own trouble: answer per failure policy, never crash
                trouble = f"{type(exc).__name__}: {exc}"
        if evaluation is None:
            evaluation = self._failure_evaluation(policy, trouble or "unknown trouble")
        would = evaluation.would
        decision = Decision(
            result=evaluation.result, rule=evaluation.rule, message=evaluation.message, mode=evaluation.mode,
            decision_id=decision_id(message_id, self.revision), policy_revision=self.revision,
            failure_policy=policy.failure_policy, facts_digest=facts_digest(facts),
            dry_run=tuple({"rule": m.rule, "action": m.action, "message": m.message} for m in evaluation.dry_run),
            would=None if would is None else {"decision": would.result, "rule": would.rule, "message": would.message},
            trouble=trouble)
        return facts, decision

    # -- the extension registration -------------------------------------------------------------
    def _extension_client(self, context: Any) -> Callable[[], DataWorksClient | None]:
        """A factory of the client for GetExtension / GetOptionValueForProject (``None`` in dry mode).

        Two short attempts (2 s each, never past the budget's ordinary share): the settings must
        not eat the time enrichment and the answer need.
        """
        def make() -> DataWorksClient | None:
            from openevent.dataworks import DataWorksClient
            from openevent.delivery.retry import RetryPolicy

            client = DataWorksClient.from_environment(
                context, policy=RetryPolicy(max_attempts=2, attempt_timeout_s=2.0),
                connect_timeout_s=2.0, read_timeout_s=2.0)
            return client if client.can_send else None

        return make

    def _extension_gate(self, event: Event, context: Any, policy: Policy) -> Gate | None:
        """Why the extension registration lets this event through unchecked (``None``: check it)."""
        code = self.extension_code
        if not policy.extension.enabled or not code:
            return None
        try:
            with _share_of_budget(SETTINGS_SHARE, SETTINGS_CAP_S):
                settings, _state = self.extensions.settings(code, self._extension_client(context),
                                                            policy.extension.refresh_s)
            if settings is None:
                return None
            return settings.gate(event_code=event.event_code, workspace_id=event.workspace_id,
                                 file_type=getattr(event.data, "file_type", None),
                                 tenant_level=event.spec.level == "tenant",
                                 testing_scope=policy.extension.testing_scope)
        except Exception as exc:  # the settings only relax the guard: without them, evaluate the rules
            self.log.warning("guard.extension_settings_unavailable", error=f"{type(exc).__name__}: {exc}")
            return None

    def _add_options(self, event: Event, policy: Policy, context: Any, facts: dict[str, Any]) -> None:
        """``extension.options`` from GetOptionValueForProject, when a rule applying to the event names it."""
        if not policy.extension.enabled or event.workspace_id is None:
            return
        if not policy.references("extension.options", event.type):
            return
        code = self.extension_code
        factory = self._extension_client(context)
        if not code or factory() is None:
            self.log.warning("guard.extension_options_unavailable", reason="no extension code or no credentials",
                             effect="rules on extension.options do not match")
            return

        def client() -> DataWorksClient:
            made = factory()
            assert made is not None
            return made

        values = self.extensions.options(code, event.workspace_id, client, policy.extension.refresh_s)
        extension = facts.setdefault("extension", {})
        if isinstance(extension, dict):
            extension["options"] = values

    def _send(self, event_type: str, message_id: str, decision: Decision, context: Any) -> dict[str, Any]:
        from openevent.dataworks import DataWorksClient, send_callback

        api = _api_of(event_type)
        client = DataWorksClient.from_environment(context)
        code = self.extension_code
        if not code and client.may_dry_run:
            code = "<DATAWORKS_EXTENSION_CODE is not set>"  # dry mode only prints what it would send
        if not code:
            raise ConfigError(f"{extension_code_env(self.name)} (or {EXTENSION_CODE_ENV}) is not set: "
                              "no extension code to answer with")
        receipt = send_callback(api, message_id, code, decision.result, decision.message, client=client,
                                context=context)
        out: dict[str, Any] = {"api": receipt.api, "sent": receipt.sent, "result": receipt.sent_result}
        if receipt.dry_run:
            out["would_send"] = receipt.params
            out["reason"] = client.dry_reason
        else:
            out.update({"request_id": receipt.request_id, "attempts": receipt.attempts})
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

    # -- the paths that are not a well-formed EventBridge event --------------------------------
    def _unparseable(self, exc: EventParseError, context: Any, budget: Budget, started: float) -> GuardResult:
        # without a readable type, a guard whose extension points share one callback API still answers
        event_type = exc.event_type or (self._sole_extension_type() if exc.message_id else None)
        if not exc.message_id or not event_type:
            self.log.error("guard.unanswerable", error=str(exc))
            raise GuardCallbackError(f"cannot answer a message without a readable id and type: {exc}")
        spec = spec_for(event_type)
        if spec is not None and not spec.is_extension:
            self.log.error("guard.invalid_regular_event", error=str(exc), message_id=exc.message_id)
            return GuardResult(exc.message_id, event_type, None, extra={"message": f"invalid event: {exc}"})
        return self._decide_and_answer(exc.message_id, event_type, None, context, budget, started,
                                       trouble=f"invalid event: {exc}")

    def _sole_extension_type(self) -> str | None:
        """The first extension type this guard handles when all of them are answered through one API."""
        types = [t for t in self.handles or () if (spec := spec_for(t)) is not None and spec.is_extension]
        return types[0] if types and len({_api_of(t) for t in types}) == 1 else None

    def _direct(self, item: Item, context: Any, budget: Budget, started: float) -> GuardResult:
        """A direct FC extension call: the return value is the answer, on every path."""
        if isinstance(item, Event):
            message_id, event_type, event, trouble = item.message_id, item.type, item, None
        else:
            message_id = item.message_id or f"unreadable-{int(self.clock() * 1000)}"
            event_type = item.event_type or "dataworks:FcExtension:unknown"
            event, trouble = None, f"invalid event: {item}"
        try:
            return self._decide_and_answer(message_id, event_type, event, context, budget, started,
                                           trouble=trouble, fc_direct=True)
        except Exception as exc:  # never leave a synchronous caller without CheckResult
            self.log.error("guard.direct_failed", error=f"{type(exc).__name__}: {exc}", message_id=message_id)
            _facts, decision = self._decide(message_id, event_type, None, context, f"{type(exc).__name__}: {exc}")
            return GuardResult(message_id, event_type, decision, delivery="fc-extension",
                               callback={"api": None, "sent": False, "delivery": "fc-extension"})

    # -- regular events (confirmations) -------------------------------------------------------
    def _confirmation(self, event: Event, context: Any) -> GuardResult:
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
        return GuardResult(event.id, event.type, None, extra={"confirmation": info, "linked_decision": linked})

    # -- links between a decision and its post-event -------------------------------------------
    def _link(self, event: Event | None, result: GuardResult) -> None:
        if event is None or event.workspace_id is None or result.decision is None:
            return
        link = {"decision_id": result.decision.decision_id, "decision": result.decision.result,
                "rule": result.decision.rule, "message_id": result.message_id}
        try:
            self.store.put(f"guard:{self.name}:workspace:{event.workspace_id}", link,
                           ttl_s=self.policy.dedup_ttl_s)
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

    def _record(self, result: GuardResult, event: Event | None, facts: Mapping[str, Any]) -> None:
        out = result.to_dict()
        self.log.info(
            "guard.decision", decision_id=out["decision_id"], event_id=result.message_id,
            event_type=result.event_type, workspace_id=event.workspace_id if event else None,
            operator=event.operator if event else None, facts=_loggable(facts), rule=out["rule"],
            result=out["decision"], mode=out["mode"], dry_run=out.get("dry_run"), would=out.get("would"),
            callback=out.get("callback"), latency_ms=result.latency_ms, resent=result.resent or None,
            policy_revision=out.get("policy_revision"), facts_digest=out.get("facts_digest"),
            trouble=out.get("trouble"),
        )

    def _now(self, policy: Policy) -> datetime:
        from zoneinfo import ZoneInfo

        return datetime.fromtimestamp(self.clock(), ZoneInfo(policy.timezone))


@contextmanager
def _share_of_budget(fraction: float, cap_s: float) -> Iterator[None]:
    """Bound the calls inside to ``fraction`` of the current budget's ordinary share (at most ``cap_s``)."""
    parent = current_budget()
    if parent is None:
        with activate(Budget(timeout_s=cap_s + DEFAULT_MARGIN_S)):
            yield
        return
    seconds = max(0.0, min(cap_s, parent.available() * fraction))
    with activate(Budget(timeout_s=seconds + DEFAULT_MARGIN_S, margin_s=DEFAULT_MARGIN_S, clock=parent.clock)):
        yield


def _api_of(event_type: str) -> str:
    spec = spec_for(event_type)
    return (spec.callback_api if spec is not None else None) or "CallbackExtension"


def _decode(raw: Any) -> Any:
    if isinstance(raw, bytes | bytearray | str):
        try:
            return pydantic_core.from_json(raw)
        except ValueError:
            return None
    return raw


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
