"""``openevent invoke`` runs a guard exactly as FC would and prints its result (the issue's acceptance)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from guard_support import DELETE, DOWNLOAD, PROD, SANDBOX, event_bytes

from openevent.local.fake_dataworks_world import DEFAULT_EXTENSION_CODE


def _policy(tmp_path: Path, mode: str = "enforce") -> str:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({"contact": "dw-oncall", "rules": [
        {"name": "protected-workspaces", "action": "deny", "mode": mode, "when": {"workspace.id": {"in": [PROD]}},
         "message": "workspace {workspace.identifier} is protected"}]}), encoding="utf-8")
    return str(path)


def _env(dataworks) -> list[str]:  # type: ignore[no-untyped-def]
    return ["--env", f"DATAWORKS_ENDPOINT={dataworks.endpoint}",
            "--env", f"DATAWORKS_EXTENSION_CODE={DEFAULT_EXTENSION_CODE}", "--env", "OPENEVENT_STATE_URL=memory://"]


def test_a_protected_workspace_deletion_gets_exactly_one_fail_callback(dataworks, run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    raw = event_bytes(DELETE, {"data.projectId": PROD})
    out = run_cli("invoke", "workspace_delete_guard", "--config", _policy(tmp_path), *_env(dataworks), stdin=raw)
    result = out.json()
    assert out.code == 0
    assert {"message_id", "event_type", "decision", "rule", "message", "mode", "decision_id", "callback"} <= set(result)
    assert result["callback"] == {**result["callback"], "api": "CallbackExtension", "sent": True}
    (callback,) = dataworks.callbacks
    assert (callback.action, callback.check_result) == ("CallbackExtension", "FAIL")
    assert callback.message.startswith("[protected-workspaces] workspace sales_dw is protected")


def test_an_unprotected_workspace_deletion_is_answered_ok(dataworks, run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    raw = event_bytes(DELETE, {"data.projectId": SANDBOX})
    out = run_cli("invoke", "workspace_delete_guard", "--config", _policy(tmp_path), *_env(dataworks), stdin=raw)
    assert out.json()["decision"] == "OK"
    assert [c.check_result for c in dataworks.callbacks] == ["OK"]


def test_dry_run_answers_ok_and_logs_the_would_be_fail(dataworks, run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    raw = event_bytes(DELETE, {"data.projectId": PROD})
    out = run_cli("invoke", "workspace_delete_guard", "--config", _policy(tmp_path, "dry-run"), *_env(dataworks),
                  stdin=raw)
    assert out.json()["decision"] == "OK"
    assert [c.check_result for c in dataworks.callbacks] == ["OK"]
    logged = [json.loads(line) for line in out.err.splitlines() if line.startswith("{")]
    decision = next(line for line in logged if line["event"] == "guard.decision")
    assert decision["would"]["decision"] == "FAIL"


def test_the_shipped_download_policy_refuses_two_million_rows_and_sensitive_tables(dataworks, run_cli) -> None:  # type: ignore[no-untyped-def]
    big = run_cli("invoke", "download_guard", *_env(dataworks),
                  stdin=event_bytes(DOWNLOAD, {"data.dataRowSize": "2000000"}))
    assert (big.json()["decision"], big.json()["rule"]) == ("FAIL", "row-limit")
    sql = "WITH u AS (SELECT * FROM crm.ods_user_pii_di WHERE ds='${bizdate}') SELECT count(*) FROM u"
    sensitive = run_cli("invoke", "download_guard", *_env(dataworks),
                        stdin=event_bytes(DOWNLOAD, {"data.sqlText": sql}))
    assert (sensitive.json()["decision"], sensitive.json()["rule"]) == ("FAIL", "sensitive-tables")
    assert [c.check_result for c in dataworks.callbacks] == ["FAIL", "FAIL"]


def test_without_endpoint_and_credentials_invoke_prints_the_callback_it_would_send(run_cli) -> None:  # type: ignore[no-untyped-def]
    out = run_cli("invoke", "download_guard", stdin=event_bytes(DOWNLOAD, {"data.dataRowSize": "2000000"}))
    result = out.json()
    assert out.code == 0 and result["callback"]["sent"] is False
    assert result["callback"]["would_send"]["CheckResult"] == "FAIL"


def test_logs_go_to_stderr_and_stdout_is_only_the_result(dataworks, run_cli) -> None:  # type: ignore[no-untyped-def]
    out = run_cli("invoke", "download_guard", *_env(dataworks), stdin=event_bytes(DOWNLOAD))
    assert json.loads(out.out)["decision"] == "OK"
    assert '"guard.decision"' in out.err


def test_a_handler_that_raises_exits_1(dataworks, run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    dataworks.fail_next(1, "forbidden", action="CallbackExtension")
    out = run_cli("invoke", "workspace_delete_guard", "--config", _policy(tmp_path), *_env(dataworks),
                  stdin=event_bytes(DELETE, {"data.projectId": SANDBOX}))
    assert out.code == 1
    assert "GuardCallbackError" in out.err


def test_an_unknown_function_is_a_clear_error(run_cli) -> None:  # type: ignore[no-untyped-def]
    out = run_cli("invoke", "no_such_function", stdin=b"{}")
    assert out.code == 2 and out.err.startswith("error: no function 'no_such_function'")
