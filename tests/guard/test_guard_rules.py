"""Every rule type of both guards, with each action: allow → OK, warn → WARN, deny → FAIL."""

from __future__ import annotations

from typing import Any

import pytest
from guard_support import (
    DELETE,
    DOWNLOAD,
    DOWNLOAD_EXEC,
    PROD,
    PROD_NAMED,
    SANDBOX,
    SATURDAY_22,
    TAGGED,
    UPLOAD,
    event_bytes,
)

from openevent.runtime.context import LocalContext

ACTION_RESULT = {"allow": "OK", "warn": "WARN", "deny": "FAIL"}

# (case id, guard, event type, overrides, condition) — the condition holds for the event
WORKSPACE_CASES: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    ("protected-id", DELETE, {"data.projectId": PROD}, {"workspace.id": {"in": [PROD]}}),
    ("identifier-glob", DELETE, {"data.projectId": PROD_NAMED}, {"workspace.identifier": {"glob": ["prod_*"]}}),
    ("protect-tag", DELETE, {"data.projectId": TAGGED}, {"workspace.tag_keys": {"contains": "protect"}}),
    ("standard-mode", DELETE, {"data.projectId": PROD}, {"workspace.mode": "standard"}),
    ("operator-list", DELETE, {"data.operator": "1900000099"}, {"operator.uid": {"in": ["1900000099"]}}),
    ("change-window", DELETE, {},
     {"now": {"outside_window": {"days": ["mon-thu"], "hours": "10:00-16:00"}}}),
]
DOWNLOAD_CASES: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    ("rows", DOWNLOAD, {"data.dataRowSize": "2000000"}, {"download.rows": {"gt": 1_000_000}}),
    ("bytes", DOWNLOAD, {"data.fileSize": 200 * 1024 * 1024}, {"download.bytes": {"gte": 100 * 1024 * 1024}}),
    ("datasource", DOWNLOAD, {"data.datasourceName": "rds_finance"}, {"datasource.name": {"glob": ["rds_*"]}}),
    ("workspace", DOWNLOAD, {"data.queryDwProjectId": "10001"}, {"workspace.id": {"in": [10001]}}),
    ("operator-uid", DOWNLOAD, {"data.operatorUid": "555"}, {"operator.uid": {"in": ["555"]}}),
    ("operator-base-id", DOWNLOAD, {"data.operatorBaseId": "777"}, {"operator.base_id": {"in": ["777"]}}),
    ("client-ip", DOWNLOAD_EXEC, {"data.ip": "203.0.113.9"}, {"download.ip": {"not_cidr": ["10.0.0.0/8"]}}),
    ("module-type", DOWNLOAD, {"data.moduleType": "dw_excel"}, {"download.module": {"in": ["dw_excel"]}}),
    ("sensitive-table", DOWNLOAD,
     {"data.sqlText": "select a.* from (select * from crm.ods_user_pii_di where ds='1') a join dim_x b on a.k=b.k"},
     {"sql.tables": {"glob": ["*.ods_user_pii*"]}}),
    ("unparseable-sql", DOWNLOAD, {"data.sqlText": "selec * frm where ((("}, {"sql.parse_error": True}),
    ("upload-table", UPLOAD, {"data.tableGuid": "odps.sales_dw.dim_customer"},
     {"upload.table_name": {"glob": ["sales_dw.dim_*"]}}),
    ("upload-write-type", UPLOAD, {"data.writeType": "OVERWRITE"}, {"upload.write_type": "OVERWRITE"}),
    ("upload-engine", UPLOAD, {"data.targetEngineType": "EMR Hive"}, {"upload.engine": {"in": ["EMR_HIVE"]}}),
    ("upload-source", UPLOAD, {"data.uploadSourceType": "HTTP"}, {"upload.source_type": {"in": ["HTTP"]}}),
]

WORKSPACE_IDS = [c[0] for c in WORKSPACE_CASES]
DOWNLOAD_IDS = [c[0] for c in DOWNLOAD_CASES]


def _decide(runner: Any, etype: str, overrides: dict[str, Any]) -> dict[str, Any]:
    return runner.handle(event_bytes(etype, overrides), LocalContext(function_name=runner.name))  # type: ignore[no-any-return]


@pytest.mark.parametrize("action", ["allow", "warn", "deny"])
@pytest.mark.parametrize(("case", "etype", "overrides", "when"), WORKSPACE_CASES, ids=WORKSPACE_IDS)
def test_workspace_rule_types_answer_with_their_action(
        dataworks, policy_file, workspace_guard, case, etype, overrides, when, action) -> None:  # type: ignore[no-untyped-def]
    policy_file([{"name": case, "action": action, "when": when, "message": "matched"}])
    out = _decide(workspace_guard(clock=SATURDAY_22), etype, overrides)
    assert out["decision"] == ACTION_RESULT[action]
    assert out["rule"] == case
    assert out["callback"]["sent"] is True
    (callback,) = dataworks.callbacks_for(out["message_id"])
    assert callback.action == "CallbackExtension" and callback.check_result == ACTION_RESULT[action]


@pytest.mark.parametrize("action", ["allow", "warn", "deny"])
@pytest.mark.parametrize(("case", "etype", "overrides", "when"), DOWNLOAD_CASES, ids=DOWNLOAD_IDS)
def test_download_rule_types_answer_with_their_action(
        dataworks, policy_file, download_guard, case, etype, overrides, when, action) -> None:  # type: ignore[no-untyped-def]
    policy_file([{"name": case, "action": action, "when": when}])
    out = _decide(download_guard(), etype, overrides)
    assert out["decision"] == ACTION_RESULT[action]
    assert out["rule"] == case
    (callback,) = dataworks.callbacks_for(out["message_id"])
    assert callback.check_result == ACTION_RESULT[action]


@pytest.mark.parametrize(("case", "etype", "overrides", "when"), WORKSPACE_CASES[:4], ids=WORKSPACE_IDS[:4])
def test_a_workspace_rule_that_does_not_hold_answers_ok(
        dataworks, policy_file, workspace_guard, case, etype, overrides, when) -> None:  # type: ignore[no-untyped-def]
    policy_file([{"name": case, "action": "deny", "when": when}])
    out = _decide(workspace_guard(), DELETE, {"data.projectId": SANDBOX})
    assert out["decision"] == "OK" and out["rule"] is None


def test_the_change_window_allows_inside_it(dataworks, policy_file, workspace_guard) -> None:  # type: ignore[no-untyped-def]
    policy_file([{"name": "window", "action": "deny",
                  "when": {"now": {"outside_window": {"days": ["mon-thu"], "hours": "10:00-16:00"}}}}])
    assert _decide(workspace_guard(), DELETE, {"data.projectId": SANDBOX})["decision"] == "OK"
    assert _decide(workspace_guard(clock=SATURDAY_22), DELETE, {"data.projectId": SANDBOX})["decision"] == "FAIL"


def test_allow_exceptions_win_over_denies(dataworks, policy_file, workspace_guard) -> None:  # type: ignore[no-untyped-def]
    policy_file([
        {"name": "protected", "action": "deny", "when": {"workspace.id": {"in": [PROD]}}},
        {"name": "break-glass", "action": "allow", "when": {"operator.uid": {"in": ["1900000099"]}}},
    ])
    out = _decide(workspace_guard(), DELETE, {"data.projectId": PROD, "data.operator": "1900000099"})
    assert (out["decision"], out["rule"]) == ("OK", "break-glass")


def test_deny_wins_over_warn_and_the_first_deny_names_the_rule(dataworks, policy_file, download_guard) -> None:  # type: ignore[no-untyped-def]
    policy_file([
        {"name": "big-file", "action": "warn", "when": {"download.bytes": {"gt": 1}}},
        {"name": "rows-1", "action": "deny", "when": {"download.rows": {"gt": 1}}},
        {"name": "rows-2", "action": "deny", "when": {"download.rows": {"gt": 2}}},
    ])
    out = _decide(download_guard(), DOWNLOAD, {})
    assert (out["decision"], out["rule"]) == ("FAIL", "rows-1")


def test_the_message_names_the_rule_the_facts_and_who_to_ask(dataworks, policy_file, download_guard) -> None:  # type: ignore[no-untyped-def]
    policy_file([{"name": "row-limit", "action": "deny", "when": {"download.rows": {"gt": 1_000_000}},
                  "message": "downloading {download.rows:,} rows exceeds the limit"}])
    out = _decide(download_guard(), DOWNLOAD, {"data.dataRowSize": "2000000"})
    assert out["message"] == "[row-limit] downloading 2,000,000 rows exceeds the limit. Ask dw-oncall."
    (callback,) = dataworks.callbacks_for(out["message_id"])
    assert callback.message == out["message"]


def test_ids_never_get_thousands_separators_unasked(dataworks, policy_file, download_guard) -> None:  # type: ignore[no-untyped-def]
    policy_file([{"name": "ws", "action": "deny", "when": {"workspace.id": {"gt": 0}},
                  "message": "workspace {workspace.id}"}])
    out = _decide(download_guard(), DOWNLOAD, {})
    assert out["message"] == "[ws] workspace 10001. Ask dw-oncall."


def test_rules_apply_only_to_their_event_types(dataworks, policy_file, download_guard) -> None:  # type: ignore[no-untyped-def]
    policy_file([{"name": "uploads-only", "action": "deny", "applies_to": ["UploadDataToTable"],
                  "when": {"operator.uid": {"exists": True}}}])
    assert _decide(download_guard(), DOWNLOAD, {})["decision"] == "OK"
    assert _decide(download_guard(), UPLOAD, {})["decision"] == "FAIL"
