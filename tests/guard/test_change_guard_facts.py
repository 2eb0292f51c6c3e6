"""The change guard's facts: what each event offers, where it comes from, and what it costs to ask.

Facts are collected by ``openevent.guard.change.collect_facts`` with a policy that names them,
against the fake DataWorks (GetIDEEventDetail, GetNode, GetInstance answer in their real shapes).
"""

from __future__ import annotations

import string
from datetime import datetime
from typing import Any

import pytest
from guard_support import (
    APPROVAL_BEFORE_CREATE,
    APPROVAL_CREATED,
    BACKFILL,
    BATCH_START_DI_JOB,
    COMMIT_FILE,
    DELETE_FILE,
    DEPLOY_FILE,
    DEPLOY_TABLE,
    DQ_DELETE_RULES,
    DQ_UPDATE_RULES,
    NOT_CHANGE_GUARD,
    OTHER_NODE,
    PRE_KILL,
    RUN_FILE,
    SAMPLE_INSTANCE,
    SAMPLE_NODE,
    SHANGHAI,
    START_DI_JOB,
    UNDEPLOY_NODE,
    add_ide_detail,
)

from openevent.dataworks.client import DataWorksClient
from openevent.dataworks.enrichment import get_ide_event_detail
from openevent.dataworks.errors import DataWorksApiError
from openevent.events import parse
from openevent.events.registry import REGISTRY
from openevent.events.samples import sample_event
from openevent.guard.change import FACTS, collect_facts
from openevent.guard.policy import Policy, load_policy
from openevent.guard.runner import GuardContext
from openevent.local.fake_dataworks import FakeDataWorks
from openevent.local.functions import function_path
from openevent.runtime.context import LocalContext

TYPES = frozenset({"str", "int", "float", "bool", "datetime", "list[str]", "list[int]", "dict"})
PYTHON_TYPES: dict[str, tuple[type, ...]] = {"str": (str,), "int": (int,), "float": (float, int), "bool": (bool,),
                                             "datetime": (datetime,), "dict": (dict,)}
CHANGE_TYPES = sorted(t for t, s in REGISTRY.items() if s.kind == "extension" and s.name not in NOT_CHANGE_GUARD)
MONDAY_NOON = datetime(2025, 3, 10, 12, 0, tzinfo=SHANGHAI)


def needing(*paths: str, **options: Any) -> Policy:
    """A policy with one rule that looks at ``paths`` (so the guard collects them)."""
    return Policy.model_validate({**options, "rules": [
        {"name": "looks", "action": "warn", "when": {p: {"exists": True} for p in paths}}]})


def facts_of(event: dict[str, Any], policy: Policy | None = None) -> dict[str, Any]:
    gctx = GuardContext(policy=policy or Policy(), context=LocalContext(function_name="change_guard"),
                        now=MONDAY_NOON)
    return collect_facts(parse(event), gctx)


def requested(dataworks: FakeDataWorks, action: str) -> list[dict[str, str]]:
    return [r.params for r in dataworks.requests if r.action == action]


def leaves(facts: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted fact paths → values, stopping at the facts declared as ``dict``."""
    out: dict[str, Any] = {}
    for key, value in facts.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and FACTS.get(path) != "dict":
            out.update(leaves(value, path + "."))
        else:
            out[path] = value
    return out


def conforms(value: Any, declared: str) -> bool:
    if value is None:
        return True
    if declared.startswith("list["):
        inner = PYTHON_TYPES[declared[5:-1]]
        return isinstance(value, list) and all(isinstance(v, inner) for v in value)
    return isinstance(value, PYTHON_TYPES[declared]) and not (declared == "int" and isinstance(value, bool))


# -- the declaration ---------------------------------------------------------------------------------------
def test_every_declared_fact_has_one_of_the_known_types() -> None:
    assert set(FACTS.values()) <= TYPES


def test_the_base_facts_of_every_guard_are_declared() -> None:
    assert {"event.type", "event.name", "workspace.id", "tenant.id", "operator.uid", "now", "day", "hour",
            "date"} <= set(FACTS)


@pytest.mark.parametrize("event_type", CHANGE_TYPES, ids=lambda t: t.rsplit(":", 1)[-1])
def test_every_collected_fact_is_declared_with_its_type(dataworks: FakeDataWorks, event_type: str) -> None:
    event = sample_event(event_type)
    if REGISTRY[event_type].callback_api == "UpdateIDEEventResult":
        add_ide_detail(dataworks.world, event)
    for node in (SAMPLE_NODE, SAMPLE_NODE + 1, SAMPLE_NODE + 2):
        dataworks.world.add_node(node, f"node_{node}", 10001)
    dataworks.world.add_instance(SAMPLE_INSTANCE, SAMPLE_NODE)

    collected = leaves(facts_of(event, needing(*FACTS)))

    assert set(collected) <= set(FACTS), sorted(set(collected) - set(FACTS))
    assert {p: v for p, v in collected.items() if not conforms(v, FACTS[p])} == {}


def test_every_fact_the_shipped_policy_names_is_declared() -> None:
    policy = load_policy(function_path("change_guard") / "config.yaml").policy
    named = {path for r in policy.rules for g in (r.when if isinstance(r.when, list) else [r.when]) for path in g}
    named |= {name for r in policy.rules for _, name, _, _ in string.Formatter().parse(r.message) if name}

    undeclared = {p for p in named if p not in FACTS and not any(
        p.startswith(f + ".") for f, t in FACTS.items() if t == "dict")}
    assert undeclared == set()


# -- every guard ------------------------------------------------------------------------------------------
def test_the_date_fact_is_the_calendar_day_in_the_policy_time_zone() -> None:
    late = datetime(2025, 10, 1, 0, 30, tzinfo=SHANGHAI)  # still 2025-09-30 in UTC
    gctx = GuardContext(policy=Policy(), context=None, now=late)

    assert collect_facts(parse(sample_event(UNDEPLOY_NODE)), gctx)["date"] == "2025-10-01"


# -- Data Studio files -------------------------------------------------------------------------------------
def test_file_facts_come_from_the_payload(dataworks: FakeDataWorks) -> None:
    file = facts_of(sample_event(COMMIT_FILE))["file"]

    assert (file["id"], file["name"], file["type"], file["owner"], file["change_type"], file["version"],
            file["datasource"]) == (502718830, "dwd_order_detail_di", 10, "1987654321067890", "UPDATE", 3,
                                    "odps_first")
    assert requested(dataworks, "GetIDEEventDetail") == []


def test_a_committed_files_owner_and_datasource_come_from_its_file_property_content(
        dataworks: FakeDataWorks) -> None:
    event = sample_event(COMMIT_FILE)
    del event["data"]["fileOwner"], event["data"]["dataSourceName"]
    add_ide_detail(dataworks.world, event)
    committed = dataworks.world.ide_events[event["id"]]["EventDetail"]["CommittedFile"]
    assert "Owner" not in committed and "DataSourceName" not in committed  # the documented shape

    file = facts_of(event, needing("file.owner", "file.datasource"))["file"]

    assert (file["owner"], file["datasource"]) == ("1900000001", "odps_first")


def test_a_deleted_files_datasource_comes_from_the_detail(dataworks: FakeDataWorks) -> None:
    event = sample_event(DELETE_FILE)
    add_ide_detail(dataworks.world, event, DataSourceName="odps_sales")

    assert facts_of(event, needing("file.datasource"))["file"]["datasource"] == "odps_sales"


def test_a_committed_files_node_settings_come_from_its_node_configuration(dataworks: FakeDataWorks) -> None:
    event = sample_event(DEPLOY_FILE)
    add_ide_detail(dataworks.world, event)

    node = facts_of(event, needing("node.cron"))["node"]

    assert (node["id"], node["cron"], node["cycle_type"], node["rerun_mode"], node["auto_rerun_times"],
            node["resource_group"], node["scheduler_type"], node["inputs"], node["outputs"]) == (
        100000219, "00 05 00 * * ?", "DAY", "ALL_ALLOWED", 3, "group_2", "NORMAL", ["sales_dw_root"],
        ["sales_dw.ods_orders_daily"])


def test_the_code_of_a_run_comes_from_its_execution_command(dataworks: FakeDataWorks) -> None:
    event = sample_event(RUN_FILE)
    add_ide_detail(dataworks.world, event, Content="select * from dim_shop where ds = '${bizdate}';")

    code = facts_of(event, needing("code.tables_read"))["code"]

    assert (code["tables_read"], code["statements"], code["parse_error"]) == (
        ["dim_shop"], ["SELECT", "SELECT_STAR"], False)


def test_the_detail_is_asked_once_with_the_event_id_and_its_workspace(dataworks: FakeDataWorks) -> None:
    event = sample_event(DEPLOY_FILE)
    add_ide_detail(dataworks.world, event)

    facts_of(event, needing("file.content", "code.functions", "node.cron"))

    (params,) = requested(dataworks, "GetIDEEventDetail")
    assert (params["MessageId"], params["ProjectId"]) == (event["id"], "10001")


def test_a_rule_for_other_events_asks_for_no_detail(dataworks: FakeDataWorks) -> None:
    policy = Policy.model_validate({"rules": [{"name": "deploys", "action": "deny", "applies_to": ["DeployFile"],
                                               "when": {"code.functions": {"contains": "MAX_PT"}}}]})
    facts = facts_of(sample_event(RUN_FILE), policy)

    assert "code" not in facts and requested(dataworks, "GetIDEEventDetail") == []


def test_a_message_template_naming_a_detail_fact_asks_for_the_detail(dataworks: FakeDataWorks) -> None:
    event = sample_event(DEPLOY_FILE)
    add_ide_detail(dataworks.world, event)
    policy = Policy.model_validate({"rules": [{"name": "say", "action": "warn", "when": {"file.id": {"exists": True}},
                                               "message": "cron {node.cron}"}]})

    assert facts_of(event, policy)["node"]["cron"] == "00 05 00 * * ?"


def test_with_enrichment_off_no_detail_is_asked_and_its_facts_are_absent(dataworks: FakeDataWorks) -> None:
    facts = facts_of(sample_event(DEPLOY_FILE), needing("code.functions", enrichment={"enabled": False}))

    assert "code" not in facts and requested(dataworks, "GetIDEEventDetail") == []


def test_the_fake_refuses_a_detail_asked_for_another_message_with_the_real_error_shape(
        dataworks: FakeDataWorks) -> None:
    client = DataWorksClient.from_environment()

    with pytest.raises(DataWorksApiError) as caught:
        get_ide_event_detail(client, "not-a-message-of-this-workspace", 10001)

    assert (caught.value.code, caught.value.http_status, caught.value.transient) == (
        "Invalid.MessageId.NotExist", 400, False)


# -- Data Studio tables ------------------------------------------------------------------------------------
def test_table_facts_come_from_the_payload_and_its_table_model(dataworks: FakeDataWorks) -> None:
    event = sample_event(DEPLOY_TABLE)
    add_ide_detail(dataworks.world, event, Env="PROD", LifeCycle=90, Columns=[
        {"ColumnName": "order_id", "ColumnType": "BIGINT", "Comment": "order id", "IsPartitionColumn": False},
        {"ColumnName": "amount", "ColumnType": "DECIMAL", "Comment": "", "IsPartitionColumn": False},
        {"ColumnName": "ds", "ColumnType": "STRING", "Comment": "day", "IsPartitionColumn": True}])

    table = facts_of(event, needing("table.columns"))["table"]

    assert (table["full_name"], table["env"], table["lifecycle"], table["columns"],
            table["columns_without_comment"], table["partition_columns"]) == (
        "sales_dw.dwd_order_detail_di", "PROD", 90, ["order_id", "amount", "ds"], ["amount"], ["ds"])


# -- Operation Center ----------------------------------------------------------------------------------------
def test_node_ids_come_from_the_payload_without_asking_for_the_nodes(dataworks: FakeDataWorks) -> None:
    node = facts_of(sample_event(UNDEPLOY_NODE), needing("node.ids"))["node"]

    assert node["ids"] == [SAMPLE_NODE, SAMPLE_NODE + 1, SAMPLE_NODE + 2]
    assert requested(dataworks, "GetNode") == []


def test_node_names_priority_baselines_and_owners_come_from_get_node(dataworks: FakeDataWorks) -> None:
    dataworks.world.add_node(SAMPLE_NODE, "dwd_order_detail_di", 10001, priority=8, baseline_id=7001, owner="190")
    dataworks.world.add_node(OTHER_NODE, "dws_gmv_daily", 10001, priority=3, owner="191")

    node = facts_of(sample_event(UNDEPLOY_NODE, {"data.nodeIds": [SAMPLE_NODE, OTHER_NODE]}),
                    needing("node.priority"))["node"]

    assert (node["names"], node["priority"], node["baselines"], node["owner"]) == (
        ["dwd_order_detail_di", "dws_gmv_daily"], 8, [7001], ["190", "191"])
    assert [p["ProjectEnv"] for p in requested(dataworks, "GetNode")] == ["PROD", "PROD"]


def test_an_instance_operations_node_comes_from_get_instance(dataworks: FakeDataWorks) -> None:
    dataworks.world.add_instance(SAMPLE_INSTANCE, SAMPLE_NODE, status="RUNNING")

    facts = facts_of(sample_event(PRE_KILL), needing("node.ids"))

    assert (facts["instance"]["ids"], facts["instance"]["statuses"], facts["node"]["ids"]) == (
        [SAMPLE_INSTANCE], ["RUNNING"], [SAMPLE_NODE])


def test_an_instance_operation_asks_nothing_for_rules_on_the_instance_ids(dataworks: FakeDataWorks) -> None:
    facts = facts_of(sample_event(PRE_KILL), needing("instance.ids"))

    assert "node" not in facts and requested(dataworks, "GetInstance") == []


def test_backfill_days_count_each_data_timestamp_once_across_overlapping_periods() -> None:
    periods = ('[{"bizBeginTime":"2025-03-01","bizEndTime":"2025-03-07"},'
               '{"bizBeginTime":"2025-03-05","bizEndTime":"2025-03-10"},'
               '{"bizBeginTime":"2025-04-01","bizEndTime":"2025-04-01"}]')
    backfill = facts_of(sample_event(BACKFILL, {"data.multipleTimePeriods": periods}))["backfill"]

    assert (backfill["start"], backfill["end"], backfill["days"]) == ("2025-03-01", "2025-04-01", 11)


def test_backfill_nodes_leave_out_the_excluded_ones() -> None:
    facts = facts_of(sample_event(BACKFILL, {"data.includeNodeIds": [1, 2, 3], "data.excludeNodeIds": [2]}))

    assert (facts["backfill"]["nodes"], facts["backfill"]["node_count"], facts["node"]["ids"]) == (
        [1, 3], 2, [SAMPLE_NODE, 1, 3])


# -- Data Integration ----------------------------------------------------------------------------------------
def test_di_facts_name_the_jobs_and_their_target_tables() -> None:
    di = facts_of(sample_event(START_DI_JOB))["di"]

    assert (di["job_ids"], di["targets"][0], di["mapping_missing"], di["table_count"]) == (
        [5777], "odps_first.ods_t_order", False, 3)


def test_a_job_over_500_tables_carries_no_mapping() -> None:
    di = facts_of(sample_event(START_DI_JOB, variant="v2_no_table_mapping"))["di"]

    assert (di["mapping_missing"], di["targets"], di["table_count"]) == (True, [], None)


def test_a_batch_start_is_missing_a_mapping_when_one_of_its_jobs_has_none() -> None:
    event = sample_event(BATCH_START_DI_JOB)
    event["data"]["tableMappings"][1]["tableMapping"] = []

    assert facts_of(event)["di"]["mapping_missing"] is True


# -- Security Center --------------------------------------------------------------------------------------------
def test_a_permission_request_names_its_tables_actions_grantee_and_period() -> None:
    approval = facts_of(sample_event(APPROVAL_CREATED))["approval"]

    assert (approval["tables"], approval["actions"], approval["grantee"], approval["period_days"],
            approval["reason"]) == (["sales_dw.dwd_order_detail_di"], ["Select", "Describe"],
                                    ["286098539641742899"], 365, "Q1 revenue reconciliation")


def test_a_table_request_before_creation_counts_its_period_in_days() -> None:
    event = sample_event(APPROVAL_BEFORE_CREATE, {"data.order.deadlineDate": "3", "data.order.deadlineType": "month"})
    approval = facts_of(event)["approval"]

    assert (approval["tables"], approval["period_days"]) == (["sales_dw.dwd_order_detail_di"], 90)


# -- Data Quality ----------------------------------------------------------------------------------------------
def test_a_rule_update_names_its_table_without_the_engine_prefix() -> None:
    dq = facts_of(sample_event(DQ_UPDATE_RULES))["dq"]

    assert (dq["tables"], dq["rule_ids"], dq["task_ids"], dq["operation"], dq["object"]) == (
        ["sales_dw.dwd_order_detail_di"], [100001, 100002], [30001], "update", "rule")


def test_a_rule_deletion_carries_only_rule_ids() -> None:
    dq = facts_of(sample_event(DQ_DELETE_RULES))["dq"]

    assert (dq["tables"], dq["rule_ids"], dq["operation"]) == ([], [100001, 100002, 100003], "delete")


def test_disabling_a_rule_is_a_fact() -> None:
    event = sample_event("dataworks:DqcCheck:UpdateDataQualityRule", {"data.enabled": False})

    assert facts_of(event)["dq"]["disables_rule"] is True
