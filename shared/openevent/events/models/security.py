"""Security Center: permission requests (§9). Many numbers arrive as strings and vice versa."""

from __future__ import annotations

from openevent.events.fields import Id, JsonIn, Stamp
from openevent.events.models.base import Payload, Wire


class GranteeAccount(Wire):
    grantee_id: str | None = None
    grantee_name: str | None = None
    grantee_type: Id | None = None
    grantee_type_sub: Id | None = None


class ApprovalObject(Wire):
    """One ``arrayData`` item: a MaxCompute table or a DataService API (``assignmentCategory``)."""

    object_type: str | None = None
    object_guid: str | None = None
    object_name: str | None = None
    odps_project: str | None = None
    odps_table: str | None = None
    project_guid: str | None = None
    project_name: str | None = None
    project_id: Id | None = None
    workspace_id: Id | None = None
    owner_base_id: str | None = None
    owner_account_name: str | None = None
    actions: list[str] | None = None
    env_type: Id | None = None
    name: str | None = None
    url: str | None = None


class ApprovalContent(Wire):
    apply_period: Stamp | None = None
    apply_reason: str | None = None
    content_type: str | None = None
    odps_project_name: str | None = None
    resource_summary: str | None = None
    tenant_id: Id | None = None
    workspace_id: Id | None = None
    project_env: str | None = None
    grantee_accounts: list[GranteeAccount] | None = None
    array_data: list[ApprovalObject] | None = None


class ApprovalProcess(Wire):
    applicant: str | None = None
    applicant_name: str | None = None
    assignment_category: str | None = None
    create_time: Stamp | None = None
    update_time: Stamp | None = None
    process_definition_id: str | None = None
    process_id: str | None = None
    status: str | None = None
    title: str | None = None
    approval_content: ApprovalContent | None = None


class ApprovalChangePayload(Payload):
    """``ApprovalChangeCreated`` / ``ApprovalChangeFinished``: the workspace is ``appId``.

    The finished example has no top-level ``processId``; it is always inside ``process``.
    """

    process: ApprovalProcess
    process_id: str | None = None
    app_id: Id | None = None
    assignee: str | None = None
    assignee_name: str | None = None
    comments: str | None = None
    status: str | None = None
    task_id: str | None = None
    event_type: str | None = None
    create_time: Stamp | None = None
    update_time: Stamp | None = None


class ObjectMeta(Wire):
    action: list[str] | None = None
    name: str | None = None
    project_guid: str | None = None


class ProjectMeta(Wire):
    env_code: int | None = None
    label_security: bool | None = None
    object_meta_list: list[ObjectMeta] | None = None
    project_id: Id | None = None
    project_name: str | None = None


class ApprovalOrder(Wire):
    apply_reason: str | None = None
    deadline_date: str | None = None
    deadline_type: str | None = None
    grantee_object_list: list[JsonIn] | None = None
    project_meta: ProjectMeta | None = None


class ApprovalBeforeCreatePayload(Payload):
    """``ApprovalChangeBeforeCreate``: has ``eventType: approval-create-before``, no eventCode."""

    event_type: str | None = None
    order: ApprovalOrder
