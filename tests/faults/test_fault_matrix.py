"""Every function under every fault that applies to it keeps its promise — the real handlers, faults on.

Each test deploys ``functions/<name>/index.py`` against the fakes (:mod:`rig`), switches one fault
on (:mod:`faults_catalog`), invokes the handler as FC does, asserts what the function did, ends the
fault and plays FC's asynchronous retries (:func:`fc_retry.fc_retry`: again while it raises, at most
three more times). Then no extension event is unanswered, no audit record unwritten, no alert or DQ
result undelivered, and nothing was delivered twice (:meth:`rig.Rig.assert_delivered_once`), except
where RELIABILITY.md says otherwise (a lost callback answer, a best-effort chat summary, a
receiver that refuses us permanently). The matrix of ``(function, fault) -> promise`` is
:data:`faults_catalog.MATRIX`.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from faults_catalog import (
    ANSWER_PER_FAILURE_POLICY,
    CONFIG_RAISES_UNTIL_FIXED,
    CREDENTIALS_RAISE_UNTIL_ROTATED,
    DEGRADE,
    DIGEST_THEN_FLUSH,
    KILLED_REDELIVERED,
    MATRIX,
    RAISE_THEN_COMPLETE,
    RAISE_THEN_RESEND,
    REPORT_PERMANENT,
    RESEND_SAME_DECISION,
    RESTART_RECOVERS,
    SENT_WITH_NOTE,
    SUMMARY_BEST_EFFORT,
    case_id,
    cases,
    chat_target,
    delivery_target,
    switch_on,
)
from rig import FC_TIMEOUT_S, FUNCTIONS, GUARDS, HOOK, STS_ID, STS_SECRET, STS_TOKEN_ROTATED, MakeRig, kill

from fixtures.hung_server import HungServer
from fixtures.redis_server import RedisServer, require_redis_server
from openevent.audit.delivery import AuditDeliveryError
from openevent.delivery.idempotency import InProgressError
from openevent.delivery.retry import Undelivered
from openevent.errors import ConfigError
from openevent.guard.runner import GuardCallbackError
from openevent.runtime.context import ContextCredentials

pytestmark = pytest.mark.faults

UNDELIVERED = (Undelivered, AuditDeliveryError)
T = TypeVar("T")


def params(*behaviours: str) -> pytest.MarkDecorator:
    pairs = cases(*behaviours)
    return pytest.mark.parametrize(("function", "fault"), pairs, ids=[case_id(p) for p in pairs])


def timed(call: Callable[[], T]) -> tuple[T, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


# -- the matrix itself -------------------------------------------------------------------------------------
def test_every_function_is_faulted_in_every_family_that_applies_to_it() -> None:
    families = {f: {fault.split(":")[0].split("-")[0] for (fn, fault) in MATRIX if fn == f} for f in FUNCTIONS}
    for function in FUNCTIONS:
        expected = {"redis", "sqlite", "config", "credentials", "killed"}
        expected |= {"dataworks"} if function != "dq_result_forwarder" else set()
        expected |= {"chat"} if function not in GUARDS else set()
        expected |= {"sls"} if function in ("node_change_auditor", "dq_result_forwarder") else set()
        assert families[function] == expected, function


# -- guards ------------------------------------------------------------------------------------------------
@params(ANSWER_PER_FAILURE_POLICY)
def test_a_guard_that_cannot_evaluate_its_policy_answers_per_failure_policy_at_once(
        make_rig: MakeRig, function: str, fault: str) -> None:
    rig = make_rig(function)
    event = rig.event()
    if fault == "config-missing":
        rig.deploy(OPENEVENT_CONFIG=str(rig.tmp / "no-such-policy.yaml"))
    elif fault == "config-invalid":
        (rig.tmp / "policy.yaml").write_text("rules: {not: a list}\nfailure_policy: sometimes\n", encoding="utf-8")
        rig.deploy(OPENEVENT_CONFIG=str(rig.tmp / "policy.yaml"))
    else:
        switch_on(rig, fault)

    run, took = timed(lambda: rig.fc(event))

    assert run.attempts == 1 and run.result is not None
    assert (run.result["decision"], run.result["rule"]) == ("FAIL", "failure-policy")
    assert run.result["callback"]["sent"] is True and took < FC_TIMEOUT_S
    assert rig.callbacks(event) == ["FAIL"]


@params(RAISE_THEN_RESEND)
def test_a_guard_whose_answer_did_not_reach_dataworks_raises_and_the_fc_retry_resends_the_stored_decision(
        make_rig: MakeRig, function: str, fault: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rig = make_rig(function)
    event = rig.event()
    before_retry = None
    if fault == "credentials-missing":  # on FC without a role: no context credentials, no local demo key
        import openevent.dataworks.client as client

        monkeypatch.setattr(client, "_loopback_credentials", None)
        rig.deploy(FC_FUNCTION_NAME=function)
        rig.credentials = None

        def before_retry(n: int) -> None:  # the role is attached: FC passes its STS key from now on
            rig.credentials = ContextCredentials(STS_ID, STS_SECRET, STS_TOKEN_ROTATED)
            rig.dataworks.add_key(STS_ID, STS_SECRET, STS_TOKEN_ROTATED)
    elif fault == "credentials-expired":
        rig.dataworks.expire_key(STS_ID)

        def before_retry(n: int) -> None:  # FC's next invocation brings the rotated token
            rig.dataworks.add_key(STS_ID, STS_SECRET, STS_TOKEN_ROTATED)
            rig.credentials = ContextCredentials(STS_ID, STS_SECRET, STS_TOKEN_ROTATED)
    else:
        switch_on(rig, fault)

    run, took = timed(lambda: rig.fc(event, before_retry=before_retry))

    assert isinstance(run.errors[0], GuardCallbackError) and run.attempts == 2, run
    result = run.result
    assert result is not None and result["resent"] is True and result["callback"]["sent"] is True
    assert rig.callbacks(event) == [result["decision"]]
    if fault.endswith(":callback"):  # only the answer failed: the policy was evaluated as usual
        assert (result["decision"], result["rule"]) == ("OK", None)
    assert took < 2 * FC_TIMEOUT_S + 2


@params(RESEND_SAME_DECISION)
def test_a_callback_whose_answer_was_lost_is_resent_with_the_same_decision(
        make_rig: MakeRig, function: str, fault: str) -> None:
    rig = make_rig(function)
    event = rig.event()
    switch_on(rig, fault)

    run = rig.fc(event, timeout_s=3)

    assert isinstance(run.errors[0], GuardCallbackError) and run.result is not None
    assert len(rig.callbacks(event)) >= 2 and set(rig.callbacks(event)) == {run.result["decision"]}


@params(DEGRADE)
def test_with_the_state_store_unusable_a_function_delivers_without_dedup_inside_its_timeout(
        make_rig: MakeRig, function: str, fault: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    with _state_fault(fault, tmp_path) as state_url:
        rig = make_rig(function, state_url=state_url)
        event = rig.event()

        run, took = timed(lambda: rig.fc(event))

    assert run.attempts == 1 and run.result is not None
    assert took < FC_TIMEOUT_S
    rig.assert_delivered_once(event)
    logs = capsys.readouterr().out
    assert '"level": "warning"' in logs or '"level": "error"' in logs  # the degradation is said, not silent


@params(RESTART_RECOVERS)
def test_a_redis_restarted_while_a_delivery_is_in_flight_loses_nothing_and_sends_nothing_twice(
        make_rig: MakeRig, function: str, fault: str) -> None:
    with RedisServer(require_redis_server(), persistent=True) as redis:
        rig = make_rig(function, state_url=redis.url)
        event = rig.event()
        fake, target = delivery_target(rig)
        restarted = threading.Event()

        def restart_once(seen: str) -> None:  # while the delivery waits for its answer
            if seen == target and not restarted.is_set():
                restarted.set()
                redis.restart(down_s=0.1)

        getattr(rig, fake).tap = restart_once
        first = rig.fc(event)
        again = rig.fc(event)  # a redelivery: the state survived the restart

    assert restarted.is_set() and first.attempts == 1 and again.attempts == 1
    assert again.result is not None and rig.is_duplicate(again.result), again.result
    rig.assert_delivered_once(event)


@params(KILLED_REDELIVERED)
def test_an_instance_killed_mid_delivery_is_completed_by_the_redelivery_without_sending_anything_twice(
        make_rig: MakeRig, function: str, fault: str) -> None:
    rig = make_rig(function)
    event = rig.event()
    fake, target = delivery_target(rig)
    service = getattr(rig, fake)
    service.hang(target) if fake != "sls" else service.hang()
    worker = rig.start_worker(event, timeout_s=4)
    try:
        assert service.hangs.arrived.wait(60), "the worker never reached the delivery"
    finally:
        kill(worker)
    rig.heal()  # the held request is answered 503 and dropped: nothing reached the service

    run = rig.fc(event, backoff_s=[1.5, 2.0, 3.0])  # FC's retries, past the killed invocation's deadline

    assert run.answered, run
    assert all(isinstance(e, InProgressError) for e in run.errors)  # only "another invocation holds it"
    rig.assert_delivered_once(event)


# -- consumers ---------------------------------------------------------------------------------------------
@params(SENT_WITH_NOTE)
def test_a_consumer_whose_enrichment_fails_still_delivers_at_once_with_a_note(
        make_rig: MakeRig, function: str, fault: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rig = make_rig(function)
    event = rig.event(update=True)  # the auditor completes node updates with GetNode
    if fault == "credentials-missing":
        import openevent.dataworks.client as client

        monkeypatch.setattr(client, "_loopback_credentials", None)
        rig.credentials = None
    elif fault == "credentials-expired":
        rig.dataworks.expire_key(STS_ID)
    else:
        switch_on(rig, fault)

    run = rig.fc(event)

    assert run.attempts == 1 and run.result is not None
    rig.assert_delivered_once(event)
    if function == "instance_status_notifier":
        text = b" ".join(m.raw for m in rig.chat.received())
        assert b"failed" in text or b"skipped" in text or b"unavailable" in text  # the note
    else:
        details = run.result["records"][0]["details"]
        assert "GetNode" in str(details)


@params(DIGEST_THEN_FLUSH)
def test_an_alert_a_receiver_could_not_take_waits_in_the_digest_and_goes_out_once_it_can(
        make_rig: MakeRig, function: str, fault: str) -> None:
    rig = make_rig(function)
    event = rig.event()
    switch_on(rig, fault)

    run, took = timed(lambda: rig.fc(event))

    assert run.result is not None
    rows = {r["receiver"]: r["status"] for r in run.result["notifications"]}
    assert run.attempts == 1 and "digested" in rows.values(), rows
    assert took < FC_TIMEOUT_S
    rig.heal()
    rig.settle()
    rig.assert_delivered_once(event)


@params(REPORT_PERMANENT)
def test_a_receiver_that_refuses_us_permanently_is_reported_failed_and_the_others_still_get_it(
        make_rig: MakeRig, function: str, fault: str, capsys: pytest.CaptureFixture[str]) -> None:
    rig = make_rig(function)
    event = rig.event()
    switch_on(rig, fault)

    run = rig.fc(event)

    assert run.attempts == 1 and run.result is not None
    statuses = [r["status"] for r in run.result.get("notifications") or run.result.get("forwarded") or []]
    assert any(s in ("failed", "permanent") for s in statuses), statuses
    effects = rig.effects(event)
    assert effects.pop("dt" if function == "instance_status_notifier" else "chat") == 0
    assert set(effects.values()) == {1}
    assert rig.chat.request_count(chat_target(rig, fault)) == 1  # not retried: retrying cannot help
    assert '"level": "error"' in capsys.readouterr().out


@params(RAISE_THEN_COMPLETE)
def test_a_destination_still_failing_after_its_retries_makes_the_handler_raise_and_the_fc_retry_completes_it(
        make_rig: MakeRig, function: str, fault: str) -> None:
    rig = make_rig(function)
    event = rig.event()
    switch_on(rig, fault)

    run, took = timed(lambda: rig.fc(event))

    assert isinstance(run.errors[0], UNDELIVERED) and run.attempts == 2, run
    assert took < 2 * FC_TIMEOUT_S
    rig.assert_delivered_once(event)


@params(SUMMARY_BEST_EFFORT)
def test_the_auditor_writes_its_records_even_when_the_chat_summary_cannot_be_sent(
        make_rig: MakeRig, function: str, fault: str) -> None:
    rig = make_rig(function)
    event = rig.event()
    switch_on(rig, fault)

    run = rig.fc(event)

    assert run.attempts == 1 and run.result is not None
    hit = {"oncall", "hook"} if fault == "chat-down" else {"hook" if chat_target(rig, fault) == HOOK else "oncall"}
    failed = {name for name in ("oncall", "hook") if run.result["sinks"][f"chat:{name}"] == "failed"}
    assert hit <= failed  # (a receiver that hangs may leave the other no time: summaries share one budget)
    effects = rig.effects(event)
    assert (effects["jsonl"], effects["sls"]) == (1, 1)
    assert all(effects[f"summary:{name}"] == (0 if name in failed else 1) for name in ("oncall", "hook"))


@params(CONFIG_RAISES_UNTIL_FIXED)
def test_a_consumer_with_a_broken_config_raises_until_a_fixed_one_is_deployed_then_delivers_once(
        make_rig: MakeRig, function: str, fault: str) -> None:
    rig = make_rig(function)
    event = rig.event()
    good = rig.env["OPENEVENT_CONFIG"]
    if fault == "config-missing":
        rig.deploy(OPENEVENT_CONFIG=str(rig.tmp / "no-such-config.yaml"))
    else:
        (rig.tmp / "broken.yaml").write_text("receivers: [not, a, mapping]\n", encoding="utf-8")
        rig.deploy(OPENEVENT_CONFIG=str(rig.tmp / "broken.yaml"))

    run = rig.fc(event, before_retry=lambda n: rig.deploy(OPENEVENT_CONFIG=good) if n == 2 else None)

    assert [type(e) for e in run.errors] == [ConfigError, ConfigError], run
    assert ("no-such-config.yaml" if fault == "config-missing" else "broken.yaml") in str(run.errors[0])
    rig.assert_delivered_once(event)


@params(CREDENTIALS_RAISE_UNTIL_ROTATED)
def test_a_consumer_without_valid_credentials_raises_until_fc_brings_them_then_delivers_only_what_failed(
        make_rig: MakeRig, function: str, fault: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rig = make_rig(function)
    event = rig.event()
    if fault == "credentials-missing":
        import openevent.dataworks.client as client

        monkeypatch.setattr(client, "_loopback_credentials", None)
        rig.credentials = None
    else:
        rig.dataworks.expire_key(STS_ID)
        rig.sls.add_key(STS_ID, STS_SECRET, STS_TOKEN_ROTATED)  # SLS no longer takes the old token

    def rotated(n: int) -> None:
        rig.dataworks.add_key(STS_ID, STS_SECRET, STS_TOKEN_ROTATED)
        rig.sls.add_key(STS_ID, STS_SECRET, STS_TOKEN_ROTATED)
        rig.credentials = ContextCredentials(STS_ID, STS_SECRET, STS_TOKEN_ROTATED)

    run = rig.fc(event, before_retry=rotated)

    assert isinstance(run.errors[0], UNDELIVERED) and run.attempts == 2, run
    rig.assert_delivered_once(event)


# -- helpers -------------------------------------------------------------------------------------------------
class _LockedSqlite:
    """Another process holds the SQLite state file's write lock for as long as the block runs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.holder: sqlite3.Connection | None = None

    def __enter__(self) -> str:
        self.holder = sqlite3.connect(self.path, isolation_level=None)
        self.holder.execute("PRAGMA journal_mode=WAL")
        self.holder.execute("CREATE TABLE IF NOT EXISTS t (x)")
        self.holder.execute("BEGIN EXCLUSIVE")
        return f"sqlite:///{self.path}"

    def __exit__(self, *_exc: object) -> None:
        assert self.holder is not None
        self.holder.execute("ROLLBACK")
        self.holder.close()


class _state_fault:
    """The state URL of a state fault, with the fault in place for the block."""

    def __init__(self, fault: str, tmp_path: Path) -> None:
        self.fault, self.tmp_path = fault, tmp_path
        self._hung: HungServer | None = None
        self._locked: _LockedSqlite | None = None

    def __enter__(self) -> str:
        if self.fault == "redis-refused":
            return "redis://127.0.0.1:1/0"  # nothing listens there
        if self.fault == "redis-hung":
            self._hung = HungServer().__enter__()
            return f"redis://127.0.0.1:{self._hung.port}/0"
        self._locked = _LockedSqlite(self.tmp_path / "state.db")
        return self._locked.__enter__()

    def __exit__(self, *exc: object) -> None:
        if self._hung is not None:
            self._hung.__exit__(None, None, None)
        if self._locked is not None:
            self._locked.__exit__()


@pytest.mark.parametrize("function", GUARDS)
def test_a_guards_redelivery_while_the_first_instance_still_answers_waits_for_it_and_sends_nothing_twice(
        make_rig: MakeRig, function: str) -> None:
    rig = make_rig(function)
    event = rig.event()
    _, callback = delivery_target(rig)
    rig.dataworks.hang(callback)  # the first instance's callback is held, then answered 503 and retried
    worker = rig.start_worker(event, timeout_s=10)
    try:
        assert rig.dataworks.hangs.arrived.wait(60), "the worker never reached its callback"
        release = threading.Timer(1.0, rig.heal)
        release.start()

        result = rig.invoke(event)  # EventBridge delivers the message again, to another instance

        release.join()
        assert worker.wait(timeout=60) == 0
    finally:
        kill(worker)

    assert rig.is_duplicate(result), result  # it waited for the first instance's answer …
    rig.assert_delivered_once(event)  # … and DataWorks got exactly one callback
