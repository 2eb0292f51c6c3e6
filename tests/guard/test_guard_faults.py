"""A guard answers DataWorks on every path, inside the FC timeout — faults on, real handlers.

Every test drives ``functions/<guard>/index.py``'s ``handler`` (as FC would: bytes and an
FC-like context without a remaining-time method) against the signature-checking fake
DataWorks, with one fault switched on.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from guard_support import DELETE, DOWNLOAD, PROD, SANDBOX, TAGGED, event_bytes

from fixtures.hung_server import HungServer
from openevent.events.samples import sample_event
from openevent.guard.runner import GuardCallbackError
from openevent.local.functions import load_module
from openevent.runtime.context import LocalContext

pytestmark = pytest.mark.faults  # the fault suite (RELIABILITY.md): pytest -m faults

PROTECT_PROD = [{"name": "protected", "action": "deny", "when": {"workspace.id": {"in": [PROD]}}}]
PROTECT_TAGGED = [{"name": "protect-tag", "action": "deny", "when": {"workspace.tag_keys": {"contains": "protect"}}}]


@pytest.fixture
def guard(request: pytest.FixtureRequest) -> Iterator[ModuleType]:
    """The real ``workspace_delete_guard`` function module, fresh for each test."""
    module = load_module("workspace_delete_guard", fresh=True)
    yield module
    module.reset()


@pytest.fixture
def download() -> Iterator[ModuleType]:
    module = load_module("download_guard", fresh=True)
    yield module
    module.reset()


def fc_context(function: str, timeout_s: int) -> LocalContext:
    return LocalContext(function_name=function, timeout_s=timeout_s)


def timed(fn: Any, *args: Any) -> tuple[Any, float]:
    started = time.monotonic()
    out = fn(*args)
    return out, time.monotonic() - started


# -- the budget ----------------------------------------------------------------------------------
def test_a_hung_enrichment_call_still_leaves_time_to_answer(dataworks, policy_file, guard) -> None:  # type: ignore[no-untyped-def]
    policy_file(PROTECT_PROD, failure_policy="fail-closed")
    dataworks.fail_next(10, "slow", action="GetProject", delay_s=60)
    out, took = timed(guard.handler, event_bytes(DELETE, {"data.projectId": SANDBOX}),
                      fc_context("workspace_delete_guard", 4))
    assert (out["decision"], out["rule"], out["callback"]["sent"]) == ("FAIL", "failure-policy", True)
    assert [c.check_result for c in dataworks.callbacks_for(out["message_id"])] == ["FAIL"]
    assert took < 4  # inside the FC timeout: the reserve kept the answer's time


def test_the_deadline_is_the_invocation_start_plus_the_function_timeout(dataworks, policy_file, guard) -> None:  # type: ignore[no-untyped-def]
    policy_file(PROTECT_PROD)
    dataworks.fail_next(1, "slow", action="GetProject", delay_s=2.5)
    out = guard.handler(event_bytes(DELETE, {"data.projectId": SANDBOX}), fc_context("workspace_delete_guard", 4))
    # 4 s timeout, 2 s reserved: GetProject may take 1.7 s, so the slow answer is given up on
    assert out["rule"] == "failure-policy" and "GetProject" in out["trouble"]


def test_a_hung_redis_does_not_delay_the_answer(dataworks, policy_file, guard, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    policy_file(PROTECT_PROD)
    with HungServer() as hung:
        monkeypatch.setenv("OPENEVENT_STATE_URL", f"redis://127.0.0.1:{hung.port}/0")
        monkeypatch.setenv("OPENEVENT_STATE_TIMEOUT_S", "0.5")
        out, took = timed(guard.handler, event_bytes(DELETE, {"data.projectId": PROD}),
                          fc_context("workspace_delete_guard", 15))
        guard.reset()
    assert (out["decision"], out["callback"]["sent"]) == ("FAIL", True)
    assert len(dataworks.callbacks_for(out["message_id"])) == 1
    assert hung.accepted >= 1  # the store was really tried
    assert took < 5


def test_a_locked_sqlite_state_file_does_not_delay_the_answer(dataworks, policy_file, guard, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                              monkeypatch) -> None:
    policy_file(PROTECT_PROD)
    path = tmp_path / "state.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setenv("OPENEVENT_STATE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("OPENEVENT_STATE_TIMEOUT_S", "0.5")
    try:
        out, took = timed(guard.handler, event_bytes(DELETE, {"data.projectId": PROD}),
                          fc_context("workspace_delete_guard", 15))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert (out["decision"], out["callback"]["sent"]) == ("FAIL", True)
    assert took < 5


# -- batches ----------------------------------------------------------------------------------------
def test_every_event_of_a_batch_with_an_invalid_second_event_is_answered(dataworks, policy_file, guard) -> None:  # type: ignore[no-untyped-def]
    policy_file(PROTECT_PROD, failure_policy="fail-closed")
    valid = sample_event(DELETE, {"data.projectId": SANDBOX})
    invalid = sample_event(DELETE, {"id": "second-event"})
    del invalid["data"]["projectId"]
    out = guard.handler(json.dumps([valid, invalid]).encode(), fc_context("workspace_delete_guard", 15))
    assert [r["message_id"] for r in out["results"]] == [valid["id"], "second-event"]
    assert [c.check_result for c in dataworks.callbacks_for(valid["id"])] == ["OK"]
    assert [c.check_result for c in dataworks.callbacks_for("second-event")] == ["FAIL"]


def test_a_batch_event_without_a_readable_id_makes_the_handler_raise_after_the_others_are_answered(  # type: ignore[no-untyped-def]
        dataworks, policy_file, guard) -> None:
    policy_file(PROTECT_PROD)
    valid = sample_event(DELETE, {"data.projectId": PROD})
    unreadable = {"source": "acs.dataworks", "data": {}}
    with pytest.raises(GuardCallbackError, match="1 of 2"):
        guard.handler(json.dumps([valid, unreadable]).encode(), fc_context("workspace_delete_guard", 15))
    assert [c.check_result for c in dataworks.callbacks_for(valid["id"])] == ["FAIL"]


# -- credentials ------------------------------------------------------------------------------------
def test_missing_credentials_on_fc_make_the_handler_raise_instead_of_a_dry_run(policy_file, guard,  # type: ignore[no-untyped-def]
                                                                               monkeypatch) -> None:
    policy_file(PROTECT_PROD)
    monkeypatch.setenv("FC_FUNCTION_NAME", "workspace_delete_guard")
    monkeypatch.setenv("DATAWORKS_EXTENSION_CODE", "ext-code")
    with pytest.raises(GuardCallbackError, match="credentials"):
        guard.handler(event_bytes(DELETE, {"data.projectId": PROD}), fc_context("workspace_delete_guard", 15))


def test_without_credentials_off_fc_the_guard_prints_what_it_would_send(policy_file, guard) -> None:  # type: ignore[no-untyped-def]
    policy_file(PROTECT_PROD)
    out = guard.handler(event_bytes(DELETE, {"data.projectId": PROD}), fc_context("workspace_delete_guard", 15))
    assert out["callback"]["sent"] is False and out["callback"]["would_send"]["CheckResult"] == "FAIL"


def test_the_per_guard_extension_code_wins_over_the_shared_one(dataworks, policy_file, guard,  # type: ignore[no-untyped-def]
                                                               monkeypatch) -> None:
    policy_file(PROTECT_PROD)
    from openevent.local.fake_dataworks_world import DEFAULT_EXTENSION_CODE

    monkeypatch.setenv("DATAWORKS_EXTENSION_CODE", "someone-elses-extension")
    monkeypatch.setenv("DATAWORKS_EXTENSION_CODE_WORKSPACE_DELETE_GUARD", DEFAULT_EXTENSION_CODE)
    out = guard.handler(event_bytes(DELETE, {"data.projectId": PROD}), fc_context("workspace_delete_guard", 15))
    assert dataworks.callbacks_for(out["message_id"])[0].extension_code == DEFAULT_EXTENSION_CODE


# -- the FC-direct path -----------------------------------------------------------------------------
def fc_direct(body: Any, message_id: str = "fc-msg-1", event_type: str = "download-resources") -> bytes:
    return json.dumps({"blockBusiness": True, "eventCategoryType": "resources-download", "eventType": event_type,
                       "extensionBizId": "job_1", "messageBody": body, "messageId": message_id}).encode()


def _download_body() -> dict[str, Any]:
    variant = Path(__file__).resolve().parents[1] / "events" / "variants" / "fc_extension_DownloadResources.json"
    return dict(json.loads(variant.read_text(encoding="utf-8"))["messageBody"])


@pytest.mark.parametrize(("failure_policy", "expected"), [("fail-closed", "FAIL"), ("fail-open", "OK")])
def test_an_invalid_fc_direct_body_is_answered_in_the_return_value_per_failure_policy(  # type: ignore[no-untyped-def]
        dataworks, policy_file, download, failure_policy, expected) -> None:
    policy_file([], failure_policy=failure_policy)
    body = _download_body()
    body["dataRowSize"] = {"not": "a number"}
    out = download.handler(fc_direct(body), fc_context("download_guard", 15))
    assert (out["CheckResult"], out["checkResult"], out["rule"]) == (expected, expected, "failure-policy")
    assert out["CheckMessage"] == out["checkMessage"] and "failure_policy" in out["CheckMessage"]
    assert dataworks.callbacks == [] and dataworks.requests == []  # no callback API on this channel


def test_an_fc_direct_body_sent_as_a_json_string_is_decided(dataworks, policy_file, download) -> None:  # type: ignore[no-untyped-def]
    policy_file([{"name": "big", "action": "deny", "when": {"download.rows": {"gte": 10000}}}])
    out = download.handler(fc_direct(json.dumps(_download_body())), fc_context("download_guard", 15))
    assert (out["CheckResult"], out["rule"]) == ("FAIL", "big")
    assert dataworks.callbacks == []


def test_an_fc_direct_body_that_is_not_json_is_still_answered(dataworks, policy_file, download) -> None:  # type: ignore[no-untyped-def]
    policy_file([])
    out = download.handler(fc_direct("{truncated"), fc_context("download_guard", 15))
    assert (out["CheckResult"], out["rule"]) == ("FAIL", "failure-policy")
    assert dataworks.callbacks == []


# -- deciding once ----------------------------------------------------------------------------------
def test_a_redelivery_after_a_lost_callback_response_resends_the_stored_decision(  # type: ignore[no-untyped-def]
        dataworks, policy_file, guard, tmp_path: Path, monkeypatch) -> None:
    policy_file(PROTECT_TAGGED, enrichment={"cache_ttl_s": 0.001})
    monkeypatch.setenv("OPENEVENT_STATE_URL", f"sqlite:///{tmp_path / 'state.db'}")
    raw = event_bytes(DELETE, {"data.projectId": SANDBOX})
    # every callback attempt of the first invocation reaches DataWorks, but no answer comes back in time
    dataworks.fail_next(10, "lost_response", action="CallbackExtension", delay_s=8)
    with pytest.raises(GuardCallbackError):
        guard.handler(raw, fc_context("workspace_delete_guard", 4))
    first = dataworks.callbacks_for(json.loads(raw)["id"])
    assert first and {c.check_result for c in first} == {"OK"}
    # the facts change before FC's retry: deciding again would now say FAIL
    dataworks.world.add_workspace(SANDBOX, "marketing_sandbox", tags={"protect": "yes"})
    dataworks._faults.clear()
    guard.reset()  # FC may retry on another instance: only the state store is shared
    again = guard.handler(raw, fc_context("workspace_delete_guard", 15))
    assert (again["decision"], again["resent"], again["callback"]["sent"]) == ("OK", True, True)
    assert {c.check_result for c in dataworks.callbacks_for(again["message_id"])} == {"OK"}


def test_a_completed_message_is_never_answered_again_even_on_another_instance(  # type: ignore[no-untyped-def]
        dataworks, policy_file, guard, tmp_path: Path, monkeypatch) -> None:
    policy_file(PROTECT_PROD)
    monkeypatch.setenv("OPENEVENT_STATE_URL", f"sqlite:///{tmp_path / 'state.db'}")
    raw = event_bytes(DELETE, {"data.projectId": PROD})
    first = guard.handler(raw, fc_context("workspace_delete_guard", 15))
    guard.reset()
    second = guard.handler(raw, fc_context("workspace_delete_guard", 15))
    assert second["duplicate"] is True and second["decision_id"] == first["decision_id"]
    assert len(dataworks.callbacks_for(first["message_id"])) == 1


def test_a_guard_ignores_an_extension_event_it_does_not_handle(dataworks, policy_file, guard) -> None:  # type: ignore[no-untyped-def]
    policy_file(PROTECT_PROD)
    out = guard.handler(event_bytes(DOWNLOAD), fc_context("workspace_delete_guard", 15))
    assert "does not handle" in out["ignored"] and dataworks.callbacks == []


def test_tagged_workspace_fixture_is_protected(dataworks, policy_file, guard) -> None:  # type: ignore[no-untyped-def]
    policy_file(PROTECT_TAGGED)
    out = guard.handler(event_bytes(DELETE, {"data.projectId": TAGGED}), fc_context("workspace_delete_guard", 15))
    assert out["decision"] == "FAIL"


def test_a_bad_environment_value_is_answered_per_the_failure_policy_not_ignored(dataworks, policy_file, guard,  # type: ignore[no-untyped-def]
                                                                                monkeypatch) -> None:
    policy_file([], failure_policy="fail-closed")
    monkeypatch.setenv("OPENEVENT_LOG_LEVEL", "verbose")
    out = guard.handler(event_bytes(DELETE, {"data.projectId": SANDBOX}), fc_context("workspace_delete_guard", 15))
    assert (out["decision"], out["rule"]) == ("FAIL", "failure-policy")
    assert "OPENEVENT_LOG_LEVEL" in out["trouble"]
    assert [c.check_result for c in dataworks.callbacks_for(out["message_id"])] == ["FAIL"]
