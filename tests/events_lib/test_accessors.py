"""Normalised accessors find the workspace, tenant, operator and message id wherever DataWorks put them."""

from __future__ import annotations

import pytest

from openevent.events import parse_one
from support import load_event


@pytest.mark.parametrize(
    ("sample", "key"),
    [
        ("DeleteProject", "projectId"),
        ("InstanceStatusChanges", "appId"),
        ("DownloadResourcesExecute", "queryDwProjectId"),
        ("ExpiredTaskInstancesDeleted", "appId"),
        ("ApprovalChangeFinished", "appId"),
    ],
)
def test_workspace_id_is_read_from_the_key_this_event_uses(sample: str, key: str) -> None:
    raw = load_event(sample)
    assert key in raw["data"]
    if key != "projectId":
        raw["data"].pop("projectId", None)
    raw["data"][key] = "777"
    assert parse_one(raw).workspace_id == 777


def test_workspace_id_falls_back_to_the_approval_content() -> None:
    raw = load_event("ApprovalChangeFinished")
    raw["data"].pop("appId", None)
    raw["data"].pop("projectId", None)
    raw["data"]["process"]["approvalContent"]["workspaceId"] = 4242
    assert parse_one(raw).workspace_id == 4242


def test_workspace_id_of_a_table_permission_request_comes_from_its_project_meta() -> None:
    raw = load_event("ApprovalChangeBeforeCreate")
    raw["data"].pop("projectId", None)
    assert parse_one(raw).workspace_id == raw["data"]["order"]["projectMeta"]["projectId"]


def test_operator_is_the_operator_uid_for_downloads() -> None:
    raw = load_event("DownloadResources")
    assert parse_one(raw).operator == raw["data"]["operatorUid"]


def test_operator_is_the_feedback_author_for_dq_feedback() -> None:
    raw = load_event("DqcCheckFeedbackEvent")
    assert parse_one(raw).operator == raw["data"]["createUser"]


def test_the_message_id_is_the_envelope_id() -> None:
    raw = load_event("DeleteProject")
    assert parse_one(raw).message_id == raw["id"]


def test_tenant_id_is_an_int_even_when_sent_as_text() -> None:
    raw = load_event("PreFreezeInstance")
    raw["data"]["tenantId"] = str(raw["data"]["tenantId"])
    assert parse_one(raw).tenant_id == int(raw["data"]["tenantId"])


def test_normalised_output_has_the_documented_keys() -> None:
    out = parse_one(load_event("InstanceStatusChanges")).normalised()
    for key in ("id", "type", "event_code", "kind", "level", "module", "family", "workspace_id",
                "tenant_id", "operator", "time", "data"):
        assert key in out
    assert "taskId" in out["data"] and "beginWaitTimeTime" in out["data"]
