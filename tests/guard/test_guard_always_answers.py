"""A guard answers DataWorks on every path, per its failure policy, exactly once per message."""

from __future__ import annotations

import json
from typing import Any

import pytest
from guard_support import DELETE, DELETED, DOWNLOAD, PROD, SANDBOX, UPLOAD, event_bytes

from openevent.events.samples import sample_event
from openevent.guard.runner import GuardCallbackError
from openevent.runtime.context import LocalContext

PROTECT_PROD = [{"name": "protected", "action": "deny", "when": {"workspace.id": {"in": [PROD]}}}]


def ctx(runner: Any) -> LocalContext:
    return LocalContext(function_name=runner.name, timeout_s=15)


@pytest.mark.parametrize(("failure_policy", "expected"), [("fail-closed", "FAIL"), ("fail-open", "OK")])
def test_enrichment_failure_is_answered_per_failure_policy(
        dataworks, policy_file, workspace_guard, failure_policy, expected) -> None:  # type: ignore[no-untyped-def]
    policy_file(PROTECT_PROD, failure_policy=failure_policy)
    dataworks.fail_next(20, "unavailable", action="GetProject")
    runner = workspace_guard()
    out = runner.handle(event_bytes(DELETE, {"data.projectId": SANDBOX}), ctx(runner))
    assert out["decision"] == expected
    assert out["rule"] == "failure-policy"
    assert "ServiceUnavailable" in out["trouble"]
    assert f"failure_policy is {failure_policy}" in out["message"]
    (callback,) = dataworks.callbacks_for(out["message_id"])
    assert callback.check_result == expected


def test_a_rule_that_raises_is_the_guards_trouble(dataworks, policy_file, workspace_guard) -> None:  # type: ignore[no-untyped-def]
    policy_file([{"name": "window-on-text", "action": "deny",
                  "when": {"workspace.identifier": {"in_window": {"days": ["mon"], "hours": "00:00-24:00"}}}}],
                failure_policy="fail-closed")
    runner = workspace_guard()
    out = runner.handle(event_bytes(DELETE, {"data.projectId": SANDBOX}), ctx(runner))
    assert (out["decision"], out["rule"]) == ("FAIL", "failure-policy")
    assert "window-on-text" in out["trouble"]
    assert len(dataworks.callbacks_for(out["message_id"])) == 1


def test_a_payload_that_fails_its_model_is_still_answered(dataworks, policy_file, workspace_guard) -> None:  # type: ignore[no-untyped-def]
    policy_file(PROTECT_PROD, failure_policy="fail-open")
    event = sample_event(DELETE)
    del event["data"]["projectId"]
    runner = workspace_guard()
    out = runner.handle(json.dumps(event).encode(), ctx(runner))
    assert out["message_id"] == event["id"] and out["decision"] == "OK" and out["rule"] == "failure-policy"
    assert dataworks.callbacks_for(event["id"])[0].check_result == "OK"


def test_a_message_without_a_readable_id_cannot_be_answered_and_the_handler_raises(  # type: ignore[no-untyped-def]
        dataworks, policy_file, workspace_guard) -> None:
    policy_file(PROTECT_PROD)
    runner = workspace_guard()
    with pytest.raises(GuardCallbackError, match="cannot answer"):
        runner.handle(b"{not json", ctx(runner))
    assert dataworks.callbacks == []


@pytest.mark.parametrize("broken", ["rules: [{name: x, action: explode, when: {a: 1}}]\n", "rules: [\n",
                                    "rules: [{name: x, action: deny, when: {a: {nope: 1}}}]\n"])
def test_a_bad_policy_is_reported_at_start_up_and_answered_fail_closed(
        dataworks, tmp_path, monkeypatch, workspace_guard, broken) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.yaml"
    path.write_text(broken, encoding="utf-8")
    monkeypatch.setenv("OPENEVENT_CONFIG", str(path))
    runner = workspace_guard()
    assert runner.load_error is not None and str(path) in str(runner.load_error)
    out = runner.handle(event_bytes(DELETE, {"data.projectId": SANDBOX}), ctx(runner))
    assert (out["decision"], out["rule"]) == ("FAIL", "failure-policy")
    assert "could not be loaded" in out["trouble"]
    assert dataworks.callbacks_for(out["message_id"])[0].check_result == "FAIL"


def test_a_bad_policy_answers_ok_when_the_environment_says_fail_open(dataworks, tmp_path, monkeypatch,  # type: ignore[no-untyped-def]
                                                                     workspace_guard) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("failure_policy: sometimes\n", encoding="utf-8")
    monkeypatch.setenv("OPENEVENT_CONFIG", str(path))
    monkeypatch.setenv("OPENEVENT_FAILURE_POLICY", "fail-open")
    runner = workspace_guard()
    assert "failure_policy" in str(runner.load_error)
    assert runner.handle(event_bytes(DELETE), ctx(runner))["decision"] == "OK"


def test_transient_callback_failures_are_retried_until_success(dataworks, policy_file, workspace_guard) -> None:  # type: ignore[no-untyped-def]
    policy_file(PROTECT_PROD)
    dataworks.fail_next(2, "throttle", action="CallbackExtension")
    runner = workspace_guard()
    out = runner.handle(event_bytes(DELETE, {"data.projectId": PROD}), ctx(runner))
    assert out["callback"]["sent"] is True and out["callback"]["attempts"] == 3
    assert len(dataworks.callbacks_for(out["message_id"])) == 1


def test_a_permanent_callback_failure_raises_so_fc_retries(dataworks, policy_file, workspace_guard) -> None:  # type: ignore[no-untyped-def]
    policy_file(PROTECT_PROD)
    dataworks.fail_next(1, "forbidden", action="CallbackExtension")
    runner = workspace_guard()
    raw = event_bytes(DELETE, {"data.projectId": PROD})
    with pytest.raises(GuardCallbackError, match="Forbidden"):
        runner.handle(raw, ctx(runner))
    again = runner.handle(raw, ctx(runner))  # FC's retry: the same answer, now delivered
    assert again["decision"] == "FAIL" and again["callback"]["sent"] is True
    assert [c.check_result for c in dataworks.callbacks_for(again["message_id"])] == ["FAIL"]


def test_a_success_false_answer_is_a_failure_not_a_delivery(dataworks, policy_file, workspace_guard) -> None:  # type: ignore[no-untyped-def]
    policy_file(PROTECT_PROD)
    dataworks.fail_next(1, "unsuccessful", action="CallbackExtension")
    runner = workspace_guard()
    with pytest.raises(GuardCallbackError):
        runner.handle(event_bytes(DELETE, {"data.projectId": PROD}), ctx(runner))


def test_a_duplicate_delivery_sends_no_second_answer(dataworks, policy_file, workspace_guard) -> None:  # type: ignore[no-untyped-def]
    policy_file(PROTECT_PROD)
    runner = workspace_guard()
    raw = event_bytes(DELETE, {"data.projectId": PROD})
    first = runner.handle(raw, ctx(runner))
    second = runner.handle(raw, ctx(runner))
    assert second["duplicate"] is True and second["decision"] == first["decision"]
    assert second["decision_id"] == first["decision_id"] and second["callback"]["sent"] is False
    assert len(dataworks.callbacks_for(first["message_id"])) == 1


def test_deciding_again_gives_the_same_decision_id(dataworks, policy_file, workspace_guard) -> None:  # type: ignore[no-untyped-def]
    policy_file(PROTECT_PROD)
    raw = event_bytes(DELETE, {"data.projectId": PROD})
    a, b = workspace_guard(), workspace_guard()  # two FC instances, no shared state
    assert a.handle(raw, ctx(a))["decision_id"] == b.handle(raw, ctx(b))["decision_id"]


def test_dry_run_rules_are_logged_but_never_change_the_answer(dataworks, policy_file, workspace_guard,  # type: ignore[no-untyped-def]
                                                              capsys) -> None:
    policy_file([{"name": "protected", "action": "deny", "mode": "dry-run", "when": {"workspace.id": {"in": [PROD]}}}])
    runner = workspace_guard()
    out = runner.handle(event_bytes(DELETE, {"data.projectId": PROD}), ctx(runner))
    assert out["decision"] == "OK" and out["mode"] == "dry-run"
    assert out["would"]["decision"] == "FAIL" and out["would"]["rule"] == "protected"
    assert dataworks.callbacks_for(out["message_id"])[0].check_result == "OK"
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"guard.decision"' in line]
    assert records[-1]["would"]["decision"] == "FAIL" and records[-1]["dry_run"][0]["rule"] == "protected"


def test_every_decision_is_logged_with_its_facts(dataworks, policy_file, workspace_guard, capsys) -> None:  # type: ignore[no-untyped-def]
    policy_file(PROTECT_PROD)
    runner = workspace_guard()
    out = runner.handle(event_bytes(DELETE, {"data.projectId": PROD}), ctx(runner))
    (record,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"guard.decision"' in line]
    assert record["decision_id"] == out["decision_id"] and record["event_id"] == out["message_id"]
    assert record["workspace_id"] == PROD and record["operator"] and record["result"] == "FAIL"
    assert record["facts"]["workspace"]["identifier"] == "sales_dw" and record["mode"] == "enforce"
    assert isinstance(record["latency_ms"], float) and record["policy_revision"] == out["policy_revision"]


def test_the_post_event_is_logged_and_linked_to_the_decision(dataworks, policy_file, workspace_guard) -> None:  # type: ignore[no-untyped-def]
    policy_file([])
    runner = workspace_guard()
    decided = runner.handle(event_bytes(DELETE, {"data.projectId": SANDBOX}), ctx(runner))
    confirmed = runner.handle(event_bytes(DELETED, {"data.projectId": SANDBOX}), ctx(runner))
    assert confirmed["decision"] is None and confirmed["callback"]["sent"] is False
    assert confirmed["linked_decision"]["decision_id"] == decided["decision_id"]
    assert confirmed["confirmation"]["workspace_id"] == SANDBOX


def test_getproject_is_cached_per_instance(dataworks, policy_file, workspace_guard) -> None:  # type: ignore[no-untyped-def]
    policy_file(PROTECT_PROD)
    runner = workspace_guard()
    for _ in range(3):
        runner.handle(event_bytes(DELETE, {"data.projectId": PROD}), ctx(runner))
    assert sum(1 for r in dataworks.requests if r.action == "GetProject") == 1


def test_the_fc_extension_shape_returns_the_decision_without_a_callback(dataworks, policy_file,  # type: ignore[no-untyped-def]
                                                                        download_guard, events_dir) -> None:
    policy_file([{"name": "rows", "action": "deny", "when": {"download.rows": {"gt": 1000}}}])
    raw = json.loads((events_dir / "variants" / "fc_extension_DownloadResources.json").read_text())
    raw["messageBody"]["dataRowSize"] = "2000000"
    runner = download_guard()
    out = runner.handle(json.dumps(raw).encode(), ctx(runner))
    assert out["decision"] == "FAIL" and out["CheckResult"] == "FAIL" and out["CheckMessage"].startswith("[rows]")
    assert out["callback"] == {"api": None, "sent": False, "delivery": "fc-extension"}
    assert dataworks.callbacks == []


def test_an_upload_overwriting_a_protected_table_is_refused_on_both_paths(dataworks, policy_file,  # type: ignore[no-untyped-def]
                                                                          download_guard, events_dir) -> None:
    policy_file([{"name": "protected-table-overwrite", "action": "deny",
                  "when": {"upload.write_type": "OVERWRITE", "upload.table_name": {"glob": ["*.dim_*"]}}}])
    runner = download_guard()
    via_bus = runner.handle(event_bytes(UPLOAD, {"data.tableGuid": "odps.sales_dw.dim_customer"}), ctx(runner))
    assert via_bus["decision"] == "FAIL" and dataworks.callbacks_for(via_bus["message_id"])[0].check_result == "FAIL"
    raw = json.loads((events_dir / "variants" / "fc_extension_UploadDataToTable.json").read_text())
    raw["messageBody"].update({"tableGuid": "odps.sales_dw.dim_customer", "writeType": "OVERWRITE"})
    direct = runner.handle(json.dumps(raw).encode(), ctx(runner))
    assert direct["CheckResult"] == "FAIL"


def test_without_an_endpoint_or_credentials_the_callback_is_printed_not_sent(policy_file, download_guard) -> None:  # type: ignore[no-untyped-def]
    policy_file([{"name": "rows", "action": "deny", "when": {"download.rows": {"gt": 1000}}}])
    runner = download_guard()
    out = runner.handle(event_bytes(DOWNLOAD, {"data.dataRowSize": "5000"}), ctx(runner))
    assert out["callback"]["sent"] is False
    assert out["callback"]["would_send"]["CheckResult"] == "FAIL"
    assert out["callback"]["would_send"]["MessageId"] == out["message_id"]


@pytest.mark.parametrize("function", ["workspace_delete_guard", "download_guard", "change_guard"])
def test_on_fc_a_guard_without_an_extension_code_says_so_at_start_at_error_level(
        function: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from openevent.local.functions import load_module

    for name in ("DATAWORKS_EXTENSION_CODE", f"DATAWORKS_EXTENSION_CODE_{function.upper()}"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FC_FUNCTION_NAME", f"openevent-{function}")
    module = load_module(function, fresh=True)
    try:
        module.initialize(LocalContext(function_name=function))
    finally:
        module.reset()
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    (entry,) = [line for line in lines if line.get("event") == "guard.no_extension_code"]
    assert entry["level"] == "error" and f"DATAWORKS_EXTENSION_CODE_{function.upper()}" in entry["problem"]
