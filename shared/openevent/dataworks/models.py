"""Small typed views of the DataWorks answers the handlers need, each keeping the raw ``Data`` dict.

Built with :meth:`from_data` from the ``Data`` (or ``EventDetail``) object of a 2020-05-18 answer;
unknown fields stay available in ``raw``.

Example:
    >>> ws = Workspace.from_data({"ProjectId": 7, "ProjectIdentifier": "sales_dw", "ProjectMode": 3,
    ...                           "Status": 0, "Tags": [{"Key": "env", "Value": "prod"}]})
    >>> ws.identifier, ws.mode, ws.status, ws.tags
    ('sales_dw', 'standard', 'AVAILABLE', {'env': 'prod'})
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PROJECT_STATUS = {0: "AVAILABLE", 1: "DELETED", 2: "INITIALIZING", 3: "INIT_FAILED", 4: "FORBIDDEN",
                  5: "DELETING", 6: "DEL_FAILED", 7: "FROZEN", 8: "UPDATING", 9: "UPDATE_FAILED"}
PROJECT_MODE = {2: "basic", 3: "standard"}
IDE_DETAIL_KINDS = ("CommittedFile", "DeletedFile", "FileExecutionCommand", "TableModel")


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _str(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


class _View(BaseModel):
    # defer_build: a view's validator is built on its first use, not at import (a guard's first
    # call reads one GetExtension answer; the other views would only cost its cold start)
    model_config = ConfigDict(frozen=True, defer_build=True)
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)


class Workspace(_View):
    """A workspace (``GetProject``): identity, mode, status, owner and tags."""

    project_id: int
    identifier: str
    name: str | None = None
    description: str | None = None
    mode: Literal["basic", "standard", "unknown"] = "unknown"
    status: str = "UNKNOWN"
    owner: str | None = None
    tenant_id: int | None = None
    env_types: list[str] = Field(default_factory=list)
    allow_download: bool | None = None
    is_default: bool | None = None
    tags: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Workspace:
        status = _int(data.get("Status"))
        allow = _int(data.get("IsAllowDownload"))
        default = _int(data.get("IsDefault"))
        return cls(
            project_id=_int(data.get("ProjectId")) or 0,
            identifier=str(data.get("ProjectIdentifier") or ""),
            name=_str(data.get("ProjectName")),
            description=_str(data.get("ProjectDescription")),
            mode=PROJECT_MODE.get(_int(data.get("ProjectMode")) or -1, "unknown"),
            status=PROJECT_STATUS.get(status, "UNKNOWN") if status is not None else "UNKNOWN",
            owner=_str(data.get("ProjectOwnerBaseId")),
            tenant_id=_int(data.get("TenantId")),
            env_types=[str(e) for e in data.get("EnvTypes") or []],
            allow_download=None if allow is None else allow == 1,
            is_default=None if default is None else default == 1,
            tags={str(t.get("Key")): str(t.get("Value", "")) for t in data.get("Tags") or []
                  if isinstance(t, dict) and t.get("Key") is not None},
            raw=data,
        )


class Instance(_View):
    """A scheduled-node instance (``GetInstance``); times are epoch milliseconds."""

    instance_id: int
    node_id: int | None = None
    node_name: str | None = None
    status: str | None = None
    task_type: str | None = None
    dag_type: str | None = None
    dag_id: int | None = None
    bizdate: int | None = None
    cyc_time: int | None = None
    begin_running_time: int | None = None
    finish_time: int | None = None
    owner: str | None = None
    baseline_id: int | None = None
    priority: int | None = None

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Instance:
        return cls(
            instance_id=_int(data.get("InstanceId")) or 0, node_id=_int(data.get("NodeId")),
            node_name=_str(data.get("NodeName")), status=_str(data.get("Status")),
            task_type=_str(data.get("TaskType")), dag_type=_str(data.get("DagType")),
            dag_id=_int(data.get("DagId")), bizdate=_int(data.get("Bizdate")),
            cyc_time=_int(data.get("CycTime")),
            begin_running_time=_int(data.get("BeginRunningTime")), finish_time=_int(data.get("FinishTime")),
            owner=_str(data.get("Owner")), baseline_id=_int(data.get("BaselineId")),
            priority=_int(data.get("Priority")), raw=data,
        )


class Node(_View):
    """A scheduled node (``GetNode``)."""

    node_id: int
    node_name: str | None = None
    project_id: int | None = None
    owner_id: str | None = None
    program_type: str | None = None
    scheduler_type: str | None = None
    cron_express: str | None = None
    priority: int | None = None
    res_group: str | None = None
    baseline_id: int | None = None
    description: str | None = None

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Node:
        return cls(
            node_id=_int(data.get("NodeId")) or 0, node_name=_str(data.get("NodeName")),
            project_id=_int(data.get("ProjectId")), owner_id=_str(data.get("OwnerId")),
            program_type=_str(data.get("ProgramType")), scheduler_type=_str(data.get("SchedulerType")),
            cron_express=_str(data.get("CronExpress")), priority=_int(data.get("Priority")),
            res_group=_str(data.get("ResGroupName") or data.get("ResGroupIdentifier")),
            baseline_id=_int(data.get("BaselineId")), description=_str(data.get("Description")), raw=data,
        )


class InstanceLog(_View):
    """The run log of an instance (``GetInstanceLog``; logs older than ~7 days may be gone)."""

    instance_id: int
    text: str

    def tail(self, lines: int = 20) -> str:
        """The last ``lines`` lines of the log.

        Example:
            >>> InstanceLog(instance_id=1, text="a\\nb\\nc").tail(2)
            'b\\nc'
        """
        return "\n".join(self.text.splitlines()[-lines:])


class IDENodeConfiguration(_View):
    """``CommittedFile.NodeConfiguration``: the scheduling settings of a committed or deployed file."""

    cron_express: str | None = None
    cycle_type: str | None = None
    rerun_mode: str | None = None
    auto_rerun_times: int | None = None
    auto_rerun_interval_ms: int | None = None
    resource_group_id: str | None = None
    scheduler_type: str | None = None
    dependent_type: str | None = None
    dependent_node_ids: list[str] = Field(default_factory=list)
    inputs: list[str] = Field(default_factory=list)
    outputs: list[str] = Field(default_factory=list)
    para_value: str | None = None

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> IDENodeConfiguration:
        """Example:
            >>> IDENodeConfiguration.from_data({"CronExpress": "00 05 00 * * ?", "InputList": [{"Input": "a"}],
            ...                                 "DependentNodeIdList": "1,2"}).inputs
            ['a']
        """
        deps = data.get("DependentNodeIdList")
        dep_list = deps.split(",") if isinstance(deps, str) else list(deps or [])
        return cls(
            cron_express=_str(data.get("CronExpress")), cycle_type=_str(data.get("CycleType")),
            rerun_mode=_str(data.get("RerunMode")), auto_rerun_times=_int(data.get("AutoRerunTimes")),
            auto_rerun_interval_ms=_int(data.get("AutoRerunIntervalMillis")),
            resource_group_id=_str(data.get("ResourceGroupId")), scheduler_type=_str(data.get("SchedulerType")),
            dependent_type=_str(data.get("DependentType")),
            dependent_node_ids=[str(d).strip() for d in dep_list if str(d).strip()],
            inputs=_names(data.get("InputList"), "Input"), outputs=_names(data.get("OutputList"), "Output"),
            para_value=_str(data.get("ParaValue")), raw=data,
        )


class IDETableColumn(_View):
    """One ``TableModel.Columns`` item."""

    name: str
    type: str | None = None
    comment: str | None = None
    is_partition: bool = False


def _names(items: Any, key: str) -> list[str]:
    return [str(i[key]) for i in items or [] if isinstance(i, dict) and i.get(key) not in (None, "")]


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


class IDEEventDetail(_View):
    """The snapshot of a Data Studio extension event (``GetIDEEventDetail``).

    One part of ``EventDetail`` is filled per event (``kind``): ``CommittedFile`` (commit, deploy),
    ``DeletedFile`` (delete), ``FileExecutionCommand`` (run) or ``TableModel`` (table commit, deploy).
    A committed file's owner, data source and version sit only in its ``FilePropertyContent``.

    Example:
        >>> d = IDEEventDetail.from_detail("m-1", 7, {"CommittedFile": {
        ...     "FileName": "dws_gmv", "Content": "select 1", "ChangeType": "UPDATE",
        ...     "FilePropertyContent": {"Owner": "190", "DataSourceName": "odps_first", "CurrentVersion": 4},
        ...     "NodeConfiguration": {"CronExpress": "00 05 00 * * ?", "CycleType": "DAY"}}})
        >>> d.kind, d.owner, d.data_source, d.version, d.node_configuration.cycle_type
        ('CommittedFile', '190', 'odps_first', 4, 'DAY')
    """

    message_id: str
    project_id: int
    kind: Literal["CommittedFile", "DeletedFile", "FileExecutionCommand", "TableModel", "unknown"] = "unknown"
    file_id: int | None = None
    file_name: str | None = None
    file_type: int | None = None
    node_id: int | None = None
    content: str | None = None
    change_type: str | None = None
    committor: str | None = None
    owner: str | None = None
    data_source: str | None = None
    table_name: str | None = None
    version: int | None = None
    use_type: str | None = None
    comment: str | None = None
    node_configuration: IDENodeConfiguration | None = None
    env: str | None = None
    lifecycle: int | None = None
    location: str | None = None
    columns: list[IDETableColumn] = Field(default_factory=list)

    @classmethod
    def from_detail(cls, message_id: str, project_id: int, detail: dict[str, Any]) -> IDEEventDetail:
        kind = next((k for k in IDE_DETAIL_KINDS if isinstance(detail.get(k), dict) and detail[k]), "unknown")
        part: dict[str, Any] = detail.get(kind) or {} if kind != "unknown" else {}
        props: dict[str, Any] = part.get("FilePropertyContent") or {}
        config = part.get("NodeConfiguration")
        return cls(
            message_id=message_id, project_id=project_id, kind=kind,
            file_id=_int(part.get("FileId")), file_name=_str(part.get("FileName")),
            file_type=_int(part.get("FileType")), node_id=_int(part.get("NodeId")),
            content=_str(part.get("Content")), change_type=_str(part.get("ChangeType")),
            committor=_str(part.get("Committor")), owner=_str(part.get("Owner") or props.get("Owner")),
            data_source=_str(part.get("DataSourceName") or props.get("DataSourceName")),
            table_name=_str(part.get("TableName")),
            version=_int(part.get("CurrentVersion") if part.get("CurrentVersion") is not None
                         else props.get("CurrentVersion")),
            use_type=_str(part.get("UseType")), comment=_str(part.get("Comment")),
            node_configuration=IDENodeConfiguration.from_data(config) if isinstance(config, dict) else None,
            env=_str(part.get("Env")), lifecycle=_int(part.get("LifeCycle")), location=_str(part.get("Location")),
            columns=[IDETableColumn(name=str(c.get("ColumnName")), type=_str(c.get("ColumnType")),
                                    comment=_str(c.get("Comment")), is_partition=_bool(c.get("IsPartitionColumn")),
                                    raw=c)
                     for c in part.get("Columns") or [] if isinstance(c, dict) and c.get("ColumnName")],
            raw=detail,
        )


EXTENSION_STATUS = {0: "testing", 1: "published", 3: "disabled", 4: "processing", 5: "approved",
                    6: "approval_failed"}
"""``Extension.Status`` (2020-05-18 SDK): 0 testing (serves only ``ProjectTesting``), 1 published/online,
3 disabled, 4 processing (pending approval), 5 approved, 6 approval failed."""


class ExtensionEvent(_View):
    """One ``BindEventList`` item: an extension point the extension is registered for."""

    event_code: str
    event_name: str | None = None


class Extension(_View):
    """A registered extension (``GetExtension``): its status, test workspace and parameters.

    ``parameter_setting`` is the registration's *Extension Parameter Configuration* text
    (``key=value`` per line, see :mod:`openevent.guard.extension`); ``option_setting`` the JSON
    schema of the per-workspace options (their values come from ``GetOptionValueForProject``).

    Example:
        >>> ext = Extension.from_data({"ExtensionCode": "abc", "Status": 0, "ProjectTesting": 3000002,
        ...     "ParameterSetting": "extension.project.disabled=1,2",
        ...     "BindEventList": [{"EventCode": "commit-file", "EventName": "File commit"}]})
        >>> ext.status_name, ext.project_testing, [e.event_code for e in ext.events]
        ('testing', 3000002, ['commit-file'])
    """

    code: str
    name: str | None = None
    description: str | None = None
    status: int | None = None
    project_testing: int | None = None
    parameter_setting: str = ""
    option_setting: str | None = None
    detail_url: str | None = None
    help_doc_url: str | None = None
    events: list[ExtensionEvent] = Field(default_factory=list)

    @property
    def status_name(self) -> str:
        """``testing``, ``published``, ``disabled``, … (``unknown`` for a status not documented)."""
        return "unknown" if self.status is None else EXTENSION_STATUS.get(self.status, "unknown")

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Extension:
        return cls(
            code=str(data.get("ExtensionCode") or ""), name=_str(data.get("ExtensionName")),
            description=_str(data.get("ExtensionDesc")), status=_int(data.get("Status")),
            project_testing=_int(data.get("ProjectTesting")),
            parameter_setting=str(data.get("ParameterSetting") or ""),
            option_setting=_str(data.get("OptionSetting")), detail_url=_str(data.get("DetailUrl")),
            help_doc_url=_str(data.get("HelpDocUrl")),
            events=[ExtensionEvent(event_code=str(e.get("EventCode")), event_name=_str(e.get("EventName")), raw=e)
                    for e in data.get("BindEventList") or [] if isinstance(e, dict) and e.get("EventCode")],
            raw=data,
        )
