"""The change guard answers every remaining extension point under one policy — real handler, fake DataWorks.

Every test drives ``functions/change_guard/index.py``'s ``handler`` as FC would (bytes and an
FC-like context) against the signature-checking fake DataWorks, with the shipped ``config.yaml``
(or a copy of it with one rule changed) unless the test writes its own policy.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from guard_support import (
    DEPLOY_FILE,
    NOT_CHANGE_GUARD,
    OTHER_NODE,
    PRE_KILL,
    RUN_FILE,
    SAMPLE_INSTANCE,
    SAMPLE_NODE,
    UNDEPLOY_NODE,
    add_ide_detail,
    shanghai_date,
)

from openevent.events.registry import REGISTRY
from openevent.events.samples import sample_event
from openevent.local.fake_dataworks import FakeDataWorks
from openevent.local.functions import function_path, load_module
from openevent.runtime.context import LocalContext

DECLARED = sorted(t for t, s in REGISTRY.items() if s.kind == "extension" and s.name not in NOT_CHANGE_GUARD)
GMV_DAILY = ("-- dws_gmv_daily: shop GMV per day\n"
             "insert overwrite table dws_gmv_daily partition (ds='${bizdate}')\n"
             "select shop_id, sum(gmv) from dwd_orders where ds = MAX_PT('dwd_orders')\n"
             "group by shop_id;\n")


@pytest.fixture
def change() -> Iterator[ModuleType]:
    """The real ``change_guard`` function module, fresh for each test."""
    module = load_module("change_guard", fresh=True)
    yield module
    module.reset()


PolicyEditor = Callable[[Callable[[dict[str, Any]], None]], None]


@pytest.fixture
def shipped_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PolicyEditor:
    """Use a copy of the shipped config.yaml, changed by ``edit(document)``."""

    def use(edit: Callable[[dict[str, Any]], None]) -> None:
        doc = yaml.safe_load((function_path("change_guard") / "config.yaml").read_text(encoding="utf-8"))
        edit(doc)
        path = tmp_path / "change_guard.yaml"
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        monkeypatch.setenv("OPENEVENT_CONFIG", str(path))

    return use


def rule(doc: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [r for r in doc["rules"] if r["name"] == name]
    return found  # type: ignore[no-any-return]


def freeze_on(dates: list[str]) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        rule(doc, "holiday-freeze")["when"]["date"]["in"] = dates

    return edit


def invoke(module: ModuleType, event: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = module.handler(json.dumps(event).encode(),
                                         LocalContext(function_name="change_guard", timeout_s=15))
    return out


def deploy_of(dataworks: FakeDataWorks, content: str = "select 1 from dwd_orders where ds = '${bizdate}';",
              name: str = "dws_gmv_daily", event_type: str = DEPLOY_FILE) -> dict[str, Any]:
    event = sample_event(event_type, {"data.fileName": name})
    add_ide_detail(dataworks.world, event, Content=content, FileName=name)
    return event


def requests_of(dataworks: FakeDataWorks, action: str) -> list[Any]:
    return [r for r in dataworks.requests if r.action == action]


# -- the declaration ------------------------------------------------------------------------------------
def test_the_declaration_is_every_extension_type_but_those_of_the_other_two_guards(change: ModuleType) -> None:
    assert sorted(change.app.handles) == DECLARED
    assert len(DECLARED) == 30


def test_the_function_is_a_guard_built_by_the_change_fact_collector(change: ModuleType) -> None:
    assert (change.app.kind, change.app.factory, change.app.config) == (
        "guard", "openevent.guard.change:build", "openevent.guard.policy:Policy")


# -- every type is answered, through its module's callback API --------------------------------------------
@pytest.mark.parametrize("event_type", DECLARED, ids=lambda t: t.rsplit(":", 1)[-1])
def test_every_declared_type_is_answered_once_signed_through_its_modules_callback_api(
        dataworks: FakeDataWorks, change: ModuleType, event_type: str) -> None:
    event = sample_event(event_type)
    if REGISTRY[event_type].callback_api == "UpdateIDEEventResult":
        add_ide_detail(dataworks.world, event)
    dataworks.world.add_instance(SAMPLE_INSTANCE, OTHER_NODE)
    api = REGISTRY[event_type].callback_api

    out = invoke(change, event)

    (callback,) = dataworks.callbacks_for(event["id"])
    assert (out["message_id"], out["callback"]["api"], out["callback"]["sent"]) == (event["id"], api, True)
    assert callback.action == api and callback.check_result == out["callback"]["result"]
    assert out["rule"] != "failure-policy", out.get("trouble")
    (request,) = [r for r in requests_of(dataworks, api) if r.params["MessageId"] == event["id"]]
    assert request.status == 200 and request.params["Signature"] == "***"  # verified by the fake, then masked


# -- the freeze -----------------------------------------------------------------------------------------
def test_during_a_configured_freeze_a_deploy_is_answered_fail_through_update_ide_event_result(
        dataworks: FakeDataWorks, shipped_policy: PolicyEditor, change: ModuleType) -> None:
    shipped_policy(freeze_on([shanghai_date(0), shanghai_date(1)]))  # tomorrow too: the test may cross midnight
    out = invoke(change, deploy_of(dataworks))

    (callback,) = dataworks.callbacks_for(out["message_id"])
    assert (callback.action, callback.check_result, out["rule"]) == ("UpdateIDEEventResult", "FAIL", "holiday-freeze")
    assert "is a change-freeze day" in callback.message


def test_during_a_configured_freeze_an_undeploy_is_answered_fail_through_update_workbench_event_result(
        dataworks: FakeDataWorks, shipped_policy: PolicyEditor, change: ModuleType) -> None:
    shipped_policy(freeze_on([shanghai_date(0), shanghai_date(1)]))
    out = invoke(change, sample_event(UNDEPLOY_NODE, {"data.nodeIds": [OTHER_NODE]}))

    (callback,) = dataworks.callbacks_for(out["message_id"])
    assert (callback.action, callback.check_result, out["rule"]) == (
        "UpdateWorkbenchEventResult", "FAIL", "holiday-freeze")


def test_outside_the_freeze_a_deploy_passes(dataworks: FakeDataWorks, shipped_policy: PolicyEditor,
                                            change: ModuleType) -> None:
    shipped_policy(freeze_on([shanghai_date(-3)]))
    out = invoke(change, deploy_of(dataworks))

    assert [c.check_result for c in dataworks.callbacks_for(out["message_id"])] == ["OK"]


def test_outside_the_freeze_an_undeploy_passes(dataworks: FakeDataWorks, shipped_policy: PolicyEditor,
                                               change: ModuleType) -> None:
    shipped_policy(freeze_on([shanghai_date(-3)]))
    out = invoke(change, sample_event(UNDEPLOY_NODE, {"data.nodeIds": [OTHER_NODE]}))

    assert [(c.action, c.check_result) for c in dataworks.callbacks_for(out["message_id"])] == [
        ("UpdateWorkbenchEventResult", "OK")]


def test_the_shipped_freeze_list_is_empty_so_it_never_matches(dataworks: FakeDataWorks, change: ModuleType) -> None:
    out = invoke(change, sample_event(UNDEPLOY_NODE, {"data.nodeIds": [OTHER_NODE]}))

    assert (out["decision"], out["rule"]) == ("OK", None)


# -- the code -------------------------------------------------------------------------------------------
def test_a_deploy_whose_code_calls_max_pt_fails_naming_the_file_and_the_line(
        dataworks: FakeDataWorks, change: ModuleType) -> None:
    out = invoke(change, deploy_of(dataworks, GMV_DAILY))

    (callback,) = dataworks.callbacks_for(out["message_id"])
    assert (callback.action, callback.check_result) == ("UpdateIDEEventResult", "FAIL")
    assert callback.message == ("[no-max-pt] dws_gmv_daily line 3: MAX_PT is forbidden in production code — "
                                "use an explicit partition. Ask #data-platform.")


def test_a_deploy_without_max_pt_passes(dataworks: FakeDataWorks, change: ModuleType) -> None:
    out = invoke(change, deploy_of(dataworks, GMV_DAILY.replace("MAX_PT('dwd_orders')", "'${bizdate}'")))

    assert (out["decision"], out["rule"]) == ("OK", None)


def test_max_pt_in_a_comment_is_not_a_call(dataworks: FakeDataWorks, change: ModuleType) -> None:
    code = "-- we no longer use MAX_PT('dwd_orders') here\nselect * from dwd_orders where ds = '${bizdate}';"
    out = invoke(change, deploy_of(dataworks, code))

    assert out["decision"] == "OK"


def test_a_run_file_with_bizdate_placeholders_parses(dataworks: FakeDataWorks, policy_file: Any,
                                                     change: ModuleType) -> None:
    policy_file([{"name": "unparseable", "action": "deny", "applies_to": ["RunFile"],
                  "when": {"code.parse_error": True}},
                 {"name": "reads-orders", "action": "warn", "applies_to": ["RunFile"],
                  "when": {"code.tables_read": {"contains": "dwd_orders"}}}])
    code = "select * from dwd_orders\nwhere ds = '${bizdate}' and hh = $[hh24] and shop = ${shop_id};"
    out = invoke(change, deploy_of(dataworks, code, event_type=RUN_FILE))

    assert (out["decision"], out["rule"]) == ("WARN", "reads-orders")


def test_unparseable_sql_sets_parse_error_and_the_shipped_rule_warns(dataworks: FakeDataWorks,
                                                                     change: ModuleType) -> None:
    out = invoke(change, deploy_of(dataworks, "select shop_id,\nfrom where (((;"))

    (callback,) = dataworks.callbacks_for(out["message_id"])
    assert (callback.action, callback.check_result, out["rule"]) == ("UpdateIDEEventResult", "WARN",
                                                                      "unparseable-code")
    assert callback.message.startswith("[unparseable-code] dws_gmv_daily: the guard could not parse this code "
                                       "(statement 1 (line 1): ")


def test_max_pt_in_code_that_does_not_parse_is_still_found(dataworks: FakeDataWorks, change: ModuleType) -> None:
    out = invoke(change, deploy_of(dataworks, "select 1;\nselect MAX_PT('dwd_orders') frm where (((;"))

    assert (out["decision"], out["rule"]) == ("FAIL", "no-max-pt")
    assert "dws_gmv_daily line 2:" in out["message"]


# -- the event detail ----------------------------------------------------------------------------------------
def test_the_detail_is_asked_with_the_events_id_and_workspace(dataworks: FakeDataWorks, change: ModuleType) -> None:
    event = deploy_of(dataworks)
    invoke(change, event)

    (request,) = requests_of(dataworks, "GetIDEEventDetail")
    assert (request.params["MessageId"], request.params["ProjectId"], request.status) == (
        event["id"], str(event["data"]["projectId"]), 200)


def test_a_rule_on_payload_facts_asks_for_no_detail(dataworks: FakeDataWorks, policy_file: Any,
                                                    change: ModuleType) -> None:
    policy_file([{"name": "owner-only", "action": "deny", "when": {"file.owner": {"in": ["1"]}}}])
    out = invoke(change, sample_event(DEPLOY_FILE))

    assert out["decision"] == "OK"
    assert requests_of(dataworks, "GetIDEEventDetail") == []


def test_a_detail_the_fake_does_not_have_for_this_workspace_is_answered_per_the_failure_policy(
        dataworks: FakeDataWorks, change: ModuleType) -> None:
    event = sample_event(DEPLOY_FILE)
    dataworks.world.add_ide_event(event["id"], 20002, "CommittedFile", Content=GMV_DAILY)
    out = invoke(change, event)

    assert (out["decision"], out["rule"]) == ("FAIL", "failure-policy")
    assert "Invalid.MessageId.NotExist" in out["trouble"]
    assert [c.check_result for c in dataworks.callbacks_for(event["id"])] == ["FAIL"]


def test_a_failing_detail_call_is_answered_per_the_failure_policy(dataworks: FakeDataWorks,
                                                                  change: ModuleType) -> None:
    dataworks.fail_next(1, "forbidden", action="GetIDEEventDetail")
    out = invoke(change, deploy_of(dataworks, GMV_DAILY))

    assert (out["decision"], out["rule"]) == ("FAIL", "failure-policy")
    assert "Forbidden.Access" in out["trouble"]


# -- Operation Center ---------------------------------------------------------------------------------------
def test_a_pre_kill_instance_on_a_protected_node_fails(dataworks: FakeDataWorks, change: ModuleType) -> None:
    dataworks.world.add_instance(SAMPLE_INSTANCE, SAMPLE_NODE)
    out = invoke(change, sample_event(PRE_KILL))

    (callback,) = dataworks.callbacks_for(out["message_id"])
    assert (callback.action, callback.check_result, out["rule"]) == (
        "UpdateWorkbenchEventResult", "FAIL", "protected-nodes")
    assert str(SAMPLE_NODE) in callback.message


def test_a_pre_kill_instance_on_another_node_passes(dataworks: FakeDataWorks, change: ModuleType) -> None:
    dataworks.world.add_instance(SAMPLE_INSTANCE, OTHER_NODE)
    out = invoke(change, sample_event(PRE_KILL))

    assert [c.check_result for c in dataworks.callbacks_for(out["message_id"])] == ["OK"]


def test_undeploying_a_protected_node_fails_without_asking_for_the_node(dataworks: FakeDataWorks,
                                                                       change: ModuleType) -> None:
    out = invoke(change, sample_event(UNDEPLOY_NODE))

    assert (out["decision"], out["rule"]) == ("FAIL", "protected-nodes")
    assert requests_of(dataworks, "GetNode") == []


def test_a_warn_on_an_operation_center_event_goes_as_ok_with_the_warning_in_the_tip(
        dataworks: FakeDataWorks, policy_file: Any, change: ModuleType) -> None:
    policy_file([{"name": "big-backfill", "action": "warn", "when": {"backfill.days": {"gt": 3}},
                  "message": "{backfill.days} days of data"}])
    out = invoke(change, sample_event("dataworks:BackfillDataOperate:BackfillData"))

    (callback,) = dataworks.callbacks_for(out["message_id"])
    assert (out["decision"], callback.action, callback.check_result) == ("WARN", "UpdateWorkbenchEventResult", "OK")
    assert callback.message.startswith("[WARN] [big-backfill] 7 days of data")


# -- Data Quality ------------------------------------------------------------------------------------------
CLONE_TASK = "dataworks:DqcCheck:CloneDataQualityEvaluationTask"
UPDATE_TASK = "dataworks:DqcCheck:UpdateDataQualityEvaluationTask"


def on_tables(event_type: str, *guids: str) -> dict[str, Any]:
    event = sample_event(event_type)
    targets = [{"databaseType": "maxcompute", "tableGuid": guid} for guid in guids]
    if "targets" in event["data"]:
        event["data"]["targets"] = targets
    else:
        event["data"]["target"] = targets[0]
    return event


@pytest.mark.parametrize("event_type", [UPDATE_TASK, CLONE_TASK])
def test_changing_or_cloning_monitoring_onto_a_protected_table_fails(dataworks: FakeDataWorks, change: ModuleType,
                                                                      event_type: str) -> None:
    out = invoke(change, on_tables(event_type, "odps.sales_dw.dws_gmv_daily", "odps.sales_dw.dwd_orders"))

    (callback,) = dataworks.callbacks_for(out["message_id"])
    assert (out["decision"], out["rule"], callback.action) == ("FAIL", "protected-dq-tables", "CallbackExtension")
    assert "sales_dw.dws_gmv_daily" in callback.message


def test_cloning_monitoring_onto_other_tables_passes(dataworks: FakeDataWorks, change: ModuleType) -> None:
    out = invoke(change, on_tables(CLONE_TASK, "odps.sales_dw.dwd_orders"))

    assert [c.check_result for c in dataworks.callbacks_for(out["message_id"])] == ["OK"]
