"""One audit record per audited event type, with who / what / when / where / outcome filled in."""

from __future__ import annotations

import pytest

from openevent.audit.builder import UnsupportedEventError, build_record
from openevent.audit.record import SCHEMA_VERSION
from openevent.events import parse_one
from support import load_event

CASES = [
    ("NodeChangeCreated", "create", "node", "700004120003"),
    ("NodeChangeUpdated", "update", "node", "700004120003"),
    ("NodeChangeDeleted", "delete", "node", "700004120150"),
    ("FreezeInstance", "freeze", "instance", "523536569736"),
    ("UnfreezeInstance", "unfreeze", "instance", None),
    ("KillInstance", "kill", "instance", None),
    ("RerunInstance", "rerun", "instance", None),
    ("SetInstanceSuccess", "set-success", "instance", None),
    ("DeleteTaskInstanceDependencies", "delete-dependencies", "instance", None),
    ("ExpiredTaskInstancesDeleted", "delete-expired", "instance", None),
    ("ApprovalChangeFinished", "finish", "permission-request", "528535869984706"),
    ("ProjectDeleted", "delete", "workspace", "10001"),
]


@pytest.mark.parametrize(("name", "action", "kind", "resource_id"), CASES)
def test_each_audited_event_type_yields_a_record_with_its_action_and_resource(
        name: str, action: str, kind: str, resource_id: str | None) -> None:
    record = build_record(parse_one(load_event(name)), recorded_at="2025-03-14T03:00:00Z")

    assert (record.action, record.resource.kind) == (action, kind)
    assert record.resource.id or record.resource.ids
    if resource_id is not None:
        assert record.resource.id == resource_id


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_every_record_says_when_where_and_which_event(name: str) -> None:
    raw = load_event(name)
    record = build_record(parse_one(raw), recorded_at="2025-03-14T03:00:00Z")

    assert record.schema_version == SCHEMA_VERSION
    assert record.event_id == raw["id"] and record.event_type == raw["type"]
    assert record.occurred_at is not None and record.occurred_at.endswith("Z")
    assert record.received_at is not None
    assert record.where.region == raw["aliyunregionid"]
    assert record.where.workspace_id == "10001"
    assert record.where.tenant_id is not None


def test_the_operator_of_a_node_change_is_the_actor() -> None:
    record = build_record(parse_one(load_event("NodeChangeUpdated")), recorded_at="x")

    assert record.actor.uid == "1987654321012345" and record.actor.kind == "user"


def test_expired_instance_cleanup_is_done_by_the_system_and_keeps_the_owner() -> None:
    record = build_record(parse_one(load_event("ExpiredTaskInstancesDeleted")), recorded_at="x")

    assert record.actor.kind == "system" and record.actor.uid is None
    assert record.resource.owner == "1987654321067890"
    assert record.resource.ids == ["523536401035", "523536401498", "523536401637"]


def test_instance_operations_record_the_environment_from_project_type() -> None:
    record = build_record(parse_one(load_event("FreezeInstance")), recorded_at="x")

    assert record.where.environment == "PROD"


def test_a_finished_permission_request_names_the_approver_and_the_comment() -> None:
    record = build_record(parse_one(load_event("ApprovalChangeFinished")), recorded_at="x")

    assert record.actor.uid == "237857631119109360" and record.actor.name == "wang.dba"
    assert record.outcome.reason == "Approved for Q1 reconciliation"
    assert record.details["objects"] == ["odps.sales_dw.dwd_order_detail_di"]


def test_a_workspace_deletion_is_labelled_for_summaries() -> None:
    record = build_record(parse_one(load_event("ProjectDeleted")), recorded_at="x")

    assert record.labels == ["workspace-deleted"] and record.resource.name == "sales_dw"


def test_the_audit_id_is_the_same_for_the_same_event() -> None:
    event = parse_one(load_event("KillInstance"))

    assert build_record(event, recorded_at="a").audit_id == build_record(event, recorded_at="b").audit_id


def test_an_event_type_that_is_not_audited_is_refused() -> None:
    with pytest.raises(UnsupportedEventError):
        build_record(parse_one(load_event("InstanceStatusChanges")), recorded_at="x")


def test_the_publish_time_with_a_prc_suffix_is_read_as_china_time() -> None:
    raw = load_event("KillInstance")
    raw["aliyunpublishtime"] = "2025-03-14T10:22:46.516PRC"

    assert build_record(parse_one(raw), recorded_at="x").received_at == "2025-03-14T02:22:46.516000Z"
