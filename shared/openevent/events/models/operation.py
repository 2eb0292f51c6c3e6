"""Operation Center: node and instance operations, instance and workflow status (§8.1–§8.9).

Instance-level events name the workspace ``appId`` (instance status, expired instances,
dependency removal) instead of ``projectId``; ``taskId``/``taskIds`` are *instance* ids.
"""

from __future__ import annotations

from openevent.events.codes import DagType, InstanceStatus, SchedulerType, WorkflowStatus
from openevent.events.fields import CsvIds, Id, JsonIn, Stamp
from openevent.events.models.base import Payload


class NodeOperationPayload(Payload):
    """``UndeployNode`` / ``FreezeNode`` / ``UnFreezeNode`` pre-events."""

    node_ids: CsvIds


class BackfillPayload(Payload):
    """``BackfillData`` pre-event; ``multiple_time_periods`` arrives double-encoded and is decoded."""

    name: str | None = None
    root_node_id: Id | None = None
    root_node_project_id: Id | None = None
    include_node_ids: CsvIds | None = None
    exclude_node_ids: CsvIds | None = None
    multiple_time_periods: JsonIn = None
    use_multiple_time_periods: bool | None = None
    is_parallel: bool | None = None
    parallel_group: int | None = None
    start_future_instance_immediately: bool | None = None
    order: str | None = None


class InstanceStatusPayload(Payload):
    """``InstanceStatusChanges``: instance ``task_id`` of node ``node_id`` moved to ``status``."""

    task_id: Id
    status: InstanceStatus
    node_id: Id | None = None
    app_id: Id | None = None
    dag_id: Id | None = None
    dag_type: DagType | None = None
    task_type: SchedulerType | None = None
    flow_id: Id | None = None
    op_code: int | None = None
    create_time: Stamp | None = None
    modify_time: Stamp | None = None
    begin_wait_time_time: Stamp | None = None
    begin_wait_res_time: Stamp | None = None
    begin_running_time: Stamp | None = None
    finish_time: Stamp | None = None


class InstanceChangePayload(Payload):
    """Freeze / unfreeze / kill / rerun / set-success of instances (regular events, §8.5)."""

    task_ids: CsvIds
    project_type: str | None = None


class InstancePreOperationPayload(Payload):
    """``Pre*Instance`` extension points (§8.6); ``extension_biz_name`` names the target."""

    task_ids: CsvIds
    extension_biz_name: str | None = None


class ExpiredInstancesDeletedPayload(Payload):
    """``ExpiredTaskInstancesDeleted`` (§8.7); there is no operator, ``owner`` is the instances' owner."""

    deleted_task_instance_ids: CsvIds
    app_id: Id | None = None
    owner: str | None = None
    operation_time: Stamp | None = None


class DeleteDependenciesPayload(Payload):
    """``DeleteTaskInstanceDependencies`` (§8.8)."""

    task_instance_id: Id
    upstream_task_instance_ids: CsvIds | None = None
    app_id: Id | None = None
    operation_time: Stamp | None = None


class DagStatusPayload(Payload):
    """``DagStatusChanges`` (§8.9): times are ``yyyy-mm-dd hh:mi:ss`` strings here."""

    dag_id: Id
    status: WorkflowStatus
    dag_name: str | None = None
    dag_type: DagType | None = None
    biz_date: Stamp | None = None
    create_time: Stamp | None = None
    flow_id: Id | None = None
    flow_name: str | None = None
    project_env: str | None = None
