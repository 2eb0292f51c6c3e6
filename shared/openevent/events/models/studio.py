"""Data Studio: node create/update (regular), file and table pre-events (extension), §6."""

from __future__ import annotations

from openevent.events.codes import ChangeType, SchedulerTypeName
from openevent.events.fields import Id, Stamp
from openevent.events.models.base import Payload


class NodeChangePayload(Payload):
    """``NodeChangeCreated`` / ``NodeChangeUpdated`` / ``NodeChangeDeleted`` (§6.1, §8.1).

    ``scheduler_type`` ``PAUSE`` means the node is frozen.
    """

    node_id: Id
    node_name: str | None = None
    program_type: str | None = None
    cron_express: str | None = None
    scheduler_type: SchedulerTypeName | None = None
    owner_id: str | None = None
    priority: int | None = None
    baseline_id: Id | None = None
    repeatability: bool | None = None
    modify_time: Stamp | None = None
    create_time: Stamp | None = None
    datasource: str | None = None


class FileChangePayload(Payload):
    """``CommitFile`` / ``DeployFile`` / ``DeleteFile`` / ``RunFile`` / ``ReviewFile`` pre-events."""

    file_id: Id
    file_name: str | None = None
    file_type: int | None = None
    file_owner: str | None = None
    file_version: int | None = None
    file_create_time: str | None = None
    change_type: ChangeType | None = None
    data_source_name: str | None = None
    node_id: Id | None = None
    resource_type: int | None = None


class TableChangePayload(Payload):
    """``CommitTable`` / ``DeployTable`` pre-events (MaxCompute tables only)."""

    table_name: str
    table_type: str | None = None
    max_compute_project: str | None = None
