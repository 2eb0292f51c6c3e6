"""The seeded state of :class:`openevent.local.fake_dataworks.FakeDataWorks`: workspaces, nodes, instances.

Values are in the shapes of the real 2020-05-18 answers (``GetProject`` ``Data``, ``GetNode``
``Data``, …) so that the fake can return them as they are. Tests and the demo change the world
with the ``add_*`` methods.

Example:
    >>> world = seed_world()
    >>> world.workspaces[3000002]["ProjectIdentifier"], world.workspaces[3000003]["ProjectMode"]
    ('sales_dw', 2)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_EXTENSION_CODE = "0c1a2b3c4d5e6f708192a3b4c5d6e7f8"


@dataclass
class World:
    """The seeded state the fake answers from; add to it with the ``add_*`` methods (thread-safe enough
    for tests: mutate between requests)."""

    workspaces: dict[int, dict[str, Any]] = field(default_factory=dict)
    nodes: dict[int, dict[str, Any]] = field(default_factory=dict)
    instances: dict[int, dict[str, Any]] = field(default_factory=dict)
    logs: dict[int, str] = field(default_factory=dict)
    ide_events: dict[str, dict[str, Any]] = field(default_factory=dict)
    extension_codes: set[str] = field(default_factory=lambda: {DEFAULT_EXTENSION_CODE})
    extensions: dict[str, dict[str, Any]] = field(default_factory=dict)
    """``GetExtension`` registrations by extension code (a known code without one is a published
    extension with no parameters)."""
    option_values: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """``GetOptionValueForProject`` values by (extension code, workspace id as text)."""

    def add_extension(
        self,
        code: str,
        *,
        parameters: str | dict[str, str] = "",
        status: int = 1,
        project_testing: int | None = None,
        events: tuple[str, ...] = (),
        name: str | None = None,
        option_setting: str | None = None,
    ) -> dict[str, Any]:
        """Register an extension as ``GetExtension`` answers it (its code is then accepted by the callbacks).

        ``parameters`` is the *Extension Parameter Configuration* text (``key=value`` lines) or a
        mapping written as such lines; ``status`` 0 is testing (only ``project_testing`` is
        served), 1 published, 3 disabled; ``events`` the bound event codes.

        Example:
            >>> w = World()
            >>> w.add_extension("ext-1", parameters={"extension.project.disabled": "10001"},
            ...                 events=("commit-file",))["ParameterSetting"]
            'extension.project.disabled=10001'
        """
        text = parameters if isinstance(parameters, str) else "\n".join(f"{k}={v}" for k, v in parameters.items())
        data = {
            "ExtensionCode": code,
            "ExtensionName": name or f"extension {code[:8]}",
            "ExtensionDesc": "registered by the local fake",
            "HelpDocUrl": "https://example.invalid/help",
            "DetailUrl": "https://example.invalid/detail",
            "Status": status,
            "ProjectTesting": project_testing,
            "ParameterSetting": text,
            "OptionSetting": option_setting
            or '{"type":"object","properties":{"checkStatus":{"type":"string","title":"check status"}}}',
            "BindEventList": [{"EventCode": e, "EventName": e} for e in events],
            "EventCategoryList": [],
        }
        self.extensions[code] = data
        self.extension_codes.add(code)
        return data

    def set_option_values(self, code: str, project_id: int | str, values: dict[str, Any]) -> None:
        """What ``GetOptionValueForProject(code, project_id)`` answers (as the JSON string ``OptionValue``)."""
        self.extension_codes.add(code)
        self.option_values[(code, str(project_id))] = dict(values)

    def add_workspace(
        self,
        project_id: int,
        identifier: str,
        *,
        name: str | None = None,
        mode: str = "standard",
        owner: str = "1900000001",
        tags: dict[str, str] | None = None,
        status: int = 0,
        tenant_id: int = 235454000432001,
        allow_download: bool = True,
    ) -> dict[str, Any]:
        data = {
            "ProjectId": project_id,
            "ProjectIdentifier": identifier,
            "ProjectName": name or identifier,
            "ProjectDescription": f"{identifier} workspace",
            "ProjectMode": 3 if mode == "standard" else 2,
            "Status": status,
            "ProjectOwnerBaseId": owner,
            "TenantId": tenant_id,
            "EnvTypes": ["DEV", "PROD"] if mode == "standard" else ["PROD"],
            "IsAllowDownload": 1 if allow_download else 0,
            "ProtectedMode": 0,
            "TablePrivacyMode": 0,
            "DisableDevelopment": False,
            "IsDefault": 0,
            "ResidentArea": "cn-hangzhou",
            "ResourceManagerResourceGroupId": "rg-acfmzbn7pti3zfa",
            "DefaultDiResourceGroupIdentifier": "group_2",
            "SchedulerMaxRetryTimes": 3,
            "SchedulerRetryInterval": 120000,
            "UseProxyOdpsAccount": True,
            "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
            "GmtCreate": "Mon, 16 May 2022 06:27:13 GMT",
            "GmtModified": "Mon, 16 May 2022 06:27:13 GMT",
        }
        self.workspaces[project_id] = data
        return data

    def add_node(
        self,
        node_id: int,
        name: str,
        project_id: int,
        *,
        owner: str = "1900000001",
        program_type: str = "ODPS_SQL",
        cron: str = "00 05 00 * * ?",
        priority: int = 1,
        baseline_id: int | None = None,
    ) -> dict[str, Any]:
        data = {
            "NodeId": node_id,
            "NodeName": name,
            "ProjectId": project_id,
            "OwnerId": owner,
            "ProgramType": program_type,
            "FileType": 10,
            "FileVersion": 3,
            "BusinessId": 100001,
            "RelatedFlowId": 0,
            "CronExpress": cron,
            "SchedulerType": "NORMAL",
            "Priority": priority,
            "RepeatMode": 1,
            "Repeatability": True,
            "RepeatInterval": 60000,
            "ResGroupIdentifier": "group_2",
            "ResGroupName": "default_resource_group",
            "BaselineId": baseline_id or 0,
            "Connection": "odps_first",
            "ParamValues": "bizdate=$bizdate",
            "Description": f"{name} node",
            "DqcType": 1,
            "DqcDescription": "",
            "CreateTime": 1652543233000,
            "ModifyTime": 1652700577000,
            "DeployDate": 1652543233000,
        }
        self.nodes[node_id] = data
        return data

    def add_instance(
        self,
        instance_id: int,
        node_id: int,
        *,
        status: str = "FAILURE",
        log: str | None = None,
        owner: str = "1900000001",
        bizdate: int = 1652630400000,
    ) -> dict[str, Any]:
        node = self.nodes.get(node_id, {})
        data = {
            "InstanceId": instance_id,
            "NodeId": node_id,
            "NodeName": node.get("NodeName", f"node_{node_id}"),
            "Status": status,
            "TaskType": "NORMAL",
            "DagType": "DAILY",
            "DagId": 446000330,
            "BusinessId": 100001,
            "RelatedFlowId": 0,
            "Bizdate": bizdate,
            "CycTime": bizdate + 86400000 + 5 * 60000,
            "CreateTime": 1652543233000,
            "ModifyTime": 1652700577000,
            "BeginWaitTimeTime": 1652700576000,
            "BeginWaitResTime": 1652700577000,
            "BeginRunningTime": 1652700578000,
            "FinishTime": 1652700700000,
            "Owner": owner,
            "CreateUser": owner,
            "Connection": "odps_first",
            "ParamValues": "",
            "Priority": node.get("Priority", 1),
            "BaselineId": node.get("BaselineId", 0),
            "PeriodNumber": 1,
            "RepeatInterval": 60000,
            "Repeatability": True,
            "TaskRerunTime": 0,
            "DqcType": 1,
            "DqcDescription": "",
        }
        self.instances[instance_id] = data
        self.logs[instance_id] = log if log is not None else f"instance {instance_id} finished: {status}\n"
        return data

    def add_ide_event(
        self, message_id: str, project_id: int, kind: str = "CommittedFile", **fields: Any
    ) -> dict[str, Any]:
        """Register the ``GetIDEEventDetail`` snapshot of a Data Studio event (``fields`` override).

        The parts have the documented shapes: a ``CommittedFile`` (commit, deploy) carries its owner,
        data source and version only inside ``FilePropertyContent``, and its scheduling settings in
        ``NodeConfiguration``; a ``DeletedFile`` (delete) carries them at its top level; a
        ``FileExecutionCommand`` (run) has only ``FileId``, ``FileType``, ``DataSourceName`` and
        ``Content``; a ``TableModel`` (table commit, deploy) describes the table and its columns.
        The snapshot is served only for this ``message_id`` asked with this ``project_id``.
        """
        part = _ide_part(kind)
        part.update(fields)
        self.ide_events[message_id] = {"ProjectId": project_id, "EventDetail": {kind: part}}
        return part


IDE_DETAIL_KINDS = ("CommittedFile", "DeletedFile", "FileExecutionCommand", "TableModel")


def _ide_part(kind: str) -> dict[str, Any]:
    """The default part of ``EventDetail`` for ``kind``, in the documented (2020-05-18) shape."""
    if kind not in IDE_DETAIL_KINDS:
        raise ValueError(f"unknown EventDetail part {kind!r}; use one of {', '.join(IDE_DETAIL_KINDS)}")
    content = "SELECT * FROM ods_orders WHERE ds = '${bizdate}';"
    if kind == "TableModel":
        return {
            "TableName": "ods_orders",
            "Comment": "orders",
            "DataSourceName": "odps_first",
            "Env": "DEV",
            "LifeCycle": 30,
            "Location": "",
            "Columns": [
                {"ColumnName": "id", "ColumnType": "BIGINT", "Comment": "", "IsPartitionColumn": False},
                {"ColumnName": "ds", "ColumnType": "STRING", "Comment": "", "IsPartitionColumn": True},
            ],
        }
    if kind == "FileExecutionCommand":
        return {"FileId": 501, "FileType": 10, "DataSourceName": "odps_first", "Content": content}
    if kind == "DeletedFile":
        return {
            "BusinessId": 100001,
            "Content": content,
            "CurrentVersion": 3,
            "DataSourceName": "odps_first",
            "FileId": 501,
            "FileName": "ods_orders_daily",
            "FileType": 10,
            "FolderId": "f-1",
            "NodeId": 100000219,
            "Owner": "1900000001",
            "ParentFileId": 0,
            "UseType": "NORMAL",
        }
    return {
        "ChangeType": "UPDATE",
        "Comment": "daily orders",
        "Committor": "1900000001",
        "Content": content,
        "FileId": 501,
        "FileName": "ods_orders_daily",
        "FileType": 10,
        "NodeId": 100000219,
        "UseType": "NORMAL",
        "FilePropertyContent": {
            "BusinessId": 100001,
            "CurrentVersion": 3,
            "DataSourceName": "odps_first",
            "FolderId": "f-1",
            "Owner": "1900000001",
            "ParentFileId": 0,
        },
        "NodeConfiguration": {
            "AutoRerunIntervalMillis": 120000,
            "AutoRerunTimes": 3,
            "CronExpress": "00 05 00 * * ?",
            "CycleType": "DAY",
            "DependentNodeIdList": "",
            "DependentType": "NONE",
            "InputList": [{"Input": "sales_dw_root", "ParseType": 1}],
            "OutputList": [{"Output": "sales_dw.ods_orders_daily", "RefTableName": "ods_orders"}],
            "ParaValue": "bizdate=$bizdate",
            "RerunMode": "ALL_ALLOWED",
            "ResourceGroupId": "group_2",
            "SchedulerType": "NORMAL",
        },
    }


def seed_world() -> World:
    """The default world: two workspaces, a node, two instances with logs, one Data Studio event.

    Example:
        >>> sorted(seed_world().workspaces)
        [3000002, 3000003]
    """
    world = World()
    world.add_workspace(
        3000002,
        "sales_dw",
        name="Sales DW",
        mode="standard",
        owner="1900000001",
        tags={"env": "prod", "team": "sales", "criticality": "high"},
    )
    world.add_workspace(
        3000003, "sandbox_dev", name="Sandbox", mode="basic", owner="1900000002", tags={"env": "dev"}
    )
    world.add_node(100000219, "ods_orders_daily", 3000002, baseline_id=7001)
    world.add_instance(
        453000169,
        100000219,
        status="FAILURE",
        log=(
            "2022-05-16 19:29:38 INFO  Start run ods_orders_daily\n"
            "2022-05-16 19:31:40 ERROR FAILED: ODPS-0130071: Semantic analysis exception - column x\n"
            "2022-05-16 19:31:40 INFO  Exit code: 1\n"
        ),
    )
    world.add_instance(453000170, 100000219, status="SUCCESS")
    world.add_ide_event(
        "8a8b8c8d-0000-4000-8000-000000000001",
        3000002,
        "CommittedFile",
        Content="SELECT * FROM ods_orders WHERE ds = MAX_PT('ods_orders');",
    )
    return world
