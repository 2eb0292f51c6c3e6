"""The registry of DataWorks event types, keyed on the envelope ``type``.

Dispatch is on ``type`` (several messages have no ``data.eventCode``). Each
:class:`EventSpec` says what an event is (code, module, level, kind, family), how an
extension answers it (``callback_api``) and which payload model parses it — never which
function handles it (functions declare that themselves). Payload models are referenced by
dotted path and imported on first use, so a function importing the registry pays only for the models it actually parses.

Example:
    >>> spec = REGISTRY["dataworks:ProjectChange:DeleteProject"]
    >>> spec.event_code, spec.kind, spec.level, spec.callback_api
    ('delete-project', 'extension', 'tenant', 'CallbackExtension')
    >>> spec.model.__name__
    'DeleteProjectPayload'
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

Level = Literal["tenant", "workspace"]
Kind = Literal["regular", "extension"]
CallbackApi = Literal["CallbackExtension", "UpdateIDEEventResult", "UpdateWorkbenchEventResult"]

SOURCE = "acs.dataworks"
GENERIC_MODEL = "openevent.events.models.base:GenericPayload"


@dataclass(frozen=True)
class EventSpec:
    """What the registry knows about one event ``type``."""

    type: str
    event_code: str | None
    module: str
    level: Level
    kind: Kind
    family: str
    model_ref: str
    callback_api: CallbackApi | None = None
    verified: bool = True
    note: str = ""

    @property
    def name(self) -> str:
        """The last segment of the type (``DeleteProject``)."""
        return self.type.rsplit(":", 1)[-1]

    @property
    def is_extension(self) -> bool:
        return self.kind == "extension"

    @cached_property
    def model(self) -> Any:
        """The payload model (a pydantic model class or an annotated union), imported lazily."""
        return resolve_model(self.model_ref)

    def as_row(self) -> dict[str, Any]:
        """The ``openevent events list --json`` row."""
        return {
            "type": self.type, "event_code": self.event_code, "module": self.module, "level": self.level,
            "kind": self.kind, "family": self.family, "callback_api": self.callback_api, "verified": self.verified,
        }


def resolve_model(ref: str) -> Any:
    """Import ``package.module:Name`` and return ``Name``."""
    module_name, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module_name), attr)


_M = "openevent.events.models."
CONSOLE, TRANSFER, STUDIO, DI, OPS, SECURITY, DQ = (
    "Console", "Data Upload & Download", "Data Studio", "Data Integration", "Operation Center",
    "Security Center", "Data Quality")
CB, IDE, WB = "CallbackExtension", "UpdateIDEEventResult", "UpdateWorkbenchEventResult"

# (type suffix, code, module, level, kind, family, model, callback). Which *function* handles a
# type is declared by the function (functions/<name>/index.py), never here.
_ROWS: tuple[tuple[str, str | None, str, Level, Kind, str, str, str | None], ...] = (
    ("ProjectChange:DeleteProject", "delete-project", CONSOLE, "tenant", "extension", "workspace-lifecycle",
     "console:DeleteProjectPayload", CB),
    ("ProjectChange:ProjectDeleted", "project-deleted", CONSOLE, "tenant", "regular", "workspace-lifecycle",
     "console:ProjectDeletedPayload", None),
    ("ResourcesDownload:DownloadResources", "download-resources", TRANSFER, "tenant", "extension",
     "data-transfer", "transfer:DownloadPayload", CB),
    ("ResourcesDownload:DownloadResourcesExecute", "download-resources-execute", TRANSFER, "tenant",
     "extension", "data-transfer", "transfer:DownloadPayload", CB),
    ("ResourcesUpload:UploadDataToTable", "upload-data-to-table", TRANSFER, "tenant", "extension",
     "data-transfer", "transfer:UploadPayload", CB),
    ("NodeChange:NodeChangeCreated", "node-change-created", STUDIO, "workspace", "regular", "node-change",
     "studio:NodeChangePayload", None),
    ("NodeChange:NodeChangeUpdated", "node-change-updated", STUDIO, "workspace", "regular", "node-change",
     "studio:NodeChangePayload", None),
    ("FileChange:DeleteFile", "delete-file", STUDIO, "workspace", "extension", "file-change",
     "studio:FileChangePayload", IDE),
    ("FileChange:CommitFile", "commit-file", STUDIO, "workspace", "extension", "file-change",
     "studio:FileChangePayload", IDE),
    ("FileChange:DeployFile", "deploy-file", STUDIO, "workspace", "extension", "file-change",
     "studio:FileChangePayload", IDE),
    ("FileChange:RunFile", "run-file", STUDIO, "workspace", "extension", "file-change",
     "studio:FileChangePayload", IDE),
    ("TableChange:CommitTable", "commit-table", STUDIO, "workspace", "extension", "table-change",
     "studio:TableChangePayload", IDE),
    ("TableChange:DeployTable", "deploy-table", STUDIO, "workspace", "extension", "table-change",
     "studio:TableChangePayload", IDE),
    ("FileChange:ReviewFile", "review-file", STUDIO, "workspace", "regular", "file-change",
     "studio:FileChangePayload", None),
    ("NodeChange:StartDiJob", "start-diJob", DI, "workspace", "extension", "di-job",
     "integration:StartDiJobPayload", CB),
    ("NodeChange:BatchStartDiJob", "batch-start-diJob", DI, "workspace", "extension", "di-job",
     "integration:BatchStartDiJobPayload", CB),
    ("NodeChange:NodeChangeDeleted", "node-change-deleted", OPS, "workspace", "regular", "node-change",
     "studio:NodeChangePayload", None),
    ("NodeChange:UndeployNode", "undeploy-node", OPS, "workspace", "extension", "node-operation",
     "operation:NodeOperationPayload", WB),
    ("NodeChange:FreezeNode", "freeze-node", OPS, "workspace", "extension", "node-operation",
     "operation:NodeOperationPayload", WB),
    ("NodeChange:UnFreezeNode", "unfreeze-node", OPS, "workspace", "extension", "node-operation",
     "operation:NodeOperationPayload", WB),
    ("BackfillDataOperate:BackfillData", "backfill-data", OPS, "workspace", "extension", "backfill",
     "operation:BackfillPayload", WB),
    ("InstanceStatusChanges:InstanceStatusChanges", "instance-status-changes", OPS, "workspace", "regular",
     "instance-status", "operation:InstanceStatusPayload", None),
    ("InstanceChange:FreezeInstance", "freeze-instance", OPS, "workspace", "regular", "instance-operation",
     "operation:InstanceChangePayload", None),
    ("InstanceChange:UnfreezeInstance", "unfreeze-instance", OPS, "workspace", "regular",
     "instance-operation", "operation:InstanceChangePayload", None),
    ("InstanceChange:KillInstance", "kill-instance", OPS, "workspace", "regular", "instance-operation",
     "operation:InstanceChangePayload", None),
    ("InstanceChange:RerunInstance", "rerun-instance", OPS, "workspace", "regular", "instance-operation",
     "operation:InstanceChangePayload", None),
    ("InstanceChange:SetInstanceSuccess", "set-instance-success", OPS, "workspace", "regular",
     "instance-operation", "operation:InstanceChangePayload", None),
    ("InstanceChange:DeleteTaskInstanceDependencies", "delete-task-instance-dependencies", OPS, "workspace",
     "regular", "instance-operation", "operation:DeleteDependenciesPayload", None),
    ("InstanceChange:PreFreezeInstance", "pre-freeze-instance", OPS, "workspace", "extension",
     "instance-operation", "operation:InstancePreOperationPayload", WB),
    ("InstanceChange:PreUnfreezeInstance", "pre-unfreeze-instance", OPS, "workspace", "extension",
     "instance-operation", "operation:InstancePreOperationPayload", WB),
    ("InstanceChange:PreRerunInstance", "pre-rerun-instance", OPS, "workspace", "extension",
     "instance-operation", "operation:InstancePreOperationPayload", WB),
    ("InstanceChange:PreSetInstanceSuccess", "pre-set-instance-success", OPS, "workspace", "extension",
     "instance-operation", "operation:InstancePreOperationPayload", WB),
    ("InstanceChange:PreKillInstance", "pre-kill-instance", OPS, "workspace", "extension",
     "instance-operation", "operation:InstancePreOperationPayload", WB),
    ("InstanceChange:ExpiredTaskInstancesDeleted", "expired-task-instances-deleted", OPS, "workspace",
     "regular", "instance-operation", "operation:ExpiredInstancesDeletedPayload", None),
    ("DagStatusChanges:DagStatusChanges", "dag-status-changes", OPS, "workspace", "regular",
     "workflow-status", "operation:DagStatusPayload", None),
    ("MonitorAlert:WorkbenchMonitorAlert", "workbench-monitor-alert", OPS, "workspace", "regular",
     "monitor-alert", "monitor:MonitorAlertPayload", None),
    ("ApprovalChange:ApprovalChangeCreated", "approval-change-created", SECURITY, "workspace", "extension",
     "approval", "security:ApprovalChangePayload", CB),
    ("ApprovalChange:ApprovalChangeFinished", "approval-change-finished", SECURITY, "workspace", "regular",
     "approval", "security:ApprovalChangePayload", None),
    ("ApprovalChange:ApprovalChangeBeforeCreate", "approval-change-before-create", SECURITY, "workspace",
     "extension", "approval", "security:ApprovalBeforeCreatePayload", CB),
    ("DqcCheck:DqcCheckFeedbackEvent", "dqc-check-feedback-event", DQ, "workspace", "regular", "dq-result",
     "quality:DqCheckFeedbackPayload", None),
    ("DqcCheck:DqcCheckFinishedEvent", "dqc-check-finished-event", DQ, "workspace", "regular", "dq-result",
     "quality:DqCheckFinishedPayload", None),
    ("DqcCheck:BatchCreateDataQualityRules", "batch-create-data-quality-rules", DQ, "workspace", "extension",
     "dq-config", "quality:DqRulesChangePayload", CB),
    ("DqcCheck:BatchUpdateDataQualityRules", "batch-update-data-quality-rules", DQ, "workspace", "extension",
     "dq-config", "quality:DqRulesChangePayload", CB),
    ("DqcCheck:BatchDeleteDataQualityRules", "batch-delete-data-quality-rules", DQ, "workspace", "extension",
     "dq-config", "quality:DqIdsPayload", CB),
    ("DqcCheck:UpdateDataQualityRule", "update-data-quality-rule", DQ, "workspace", "extension", "dq-config",
     "quality:DqRuleUpdatePayload", CB),
    ("DqcCheck:CreateDataQualityEvaluationTask", "create-data-quality-evaluation-task", DQ, "workspace",
     "extension", "dq-config", "quality:DqEvaluationTaskPayload", CB),
    ("DqcCheck:UpdateDataQualityEvaluationTask", "update-data-quality-evaluation-task", DQ, "workspace",
     "extension", "dq-config", "quality:DqEvaluationTaskPayload", CB),
    ("DqcCheck:CloneDataQualityEvaluationTask", "clone-data-quality-evaluation-task", DQ, "workspace",
     "extension", "dq-config", "quality:DqCloneEvaluationTaskPayload", CB),
    ("DqcCheck:BatchDeleteDataQualityEvaluationTasks", "batch-delete-data-quality-evaluation-tasks", DQ,
     "workspace", "extension", "dq-config", "quality:DqIdsPayload", CB),
    ("DqcCheck:CreateDataQualityEvaluationTaskNotification", "create-data-quality-evaluation-task-notification",
     DQ, "workspace", "extension", "dq-config", "quality:DqNotificationChangePayload", CB),
    ("DqcCheck:UpdateDataQualityEvaluationTaskNotification", "update-data-quality-evaluation-task-notification",
     DQ, "workspace", "extension", "dq-config", "quality:DqNotificationChangePayload", CB),
    ("DqcCheck:DeleteDataQualityEvaluationTaskNotification", "delete-data-quality-evaluation-task-notification",
     DQ, "workspace", "extension", "dq-config", "quality:DqNotificationChangePayload", CB),
)

_INSTANCE_PRE_EVENT = ("the current Operation Center docs say instance-level operations are not checked by "
                       "extensions; handled in case they are")
_UNVERIFIED = frozenset({"FileChange:ReviewFile", "InstanceChange:PreFreezeInstance",
                         "InstanceChange:PreUnfreezeInstance", "InstanceChange:PreRerunInstance",
                         "InstanceChange:PreSetInstanceSuccess", "InstanceChange:PreKillInstance"})
_NOTES = {
    "FileChange:ReviewFile": "listed only in older Chinese docs; event code and payload not documented",
    "InstanceChange:PreFreezeInstance": _INSTANCE_PRE_EVENT,
    "InstanceChange:PreUnfreezeInstance": _INSTANCE_PRE_EVENT,
    "InstanceChange:PreRerunInstance": _INSTANCE_PRE_EVENT,
    "InstanceChange:PreSetInstanceSuccess": _INSTANCE_PRE_EVENT,
    "InstanceChange:PreKillInstance": _INSTANCE_PRE_EVENT,
    "DqcCheck:BatchUpdateDataQualityRules": "the documented example is a copy of the single-rule update",
    "DqcCheck:DeleteDataQualityEvaluationTaskNotification": "no documented example; modelled on create",
}


def _build() -> dict[str, EventSpec]:
    out: dict[str, EventSpec] = {}
    for suffix, code, module, level, kind, family, model, callback in _ROWS:
        etype = f"dataworks:{suffix}"
        out[etype] = EventSpec(
            type=etype, event_code=code, module=module, level=level, kind=kind, family=family,
            model_ref=_M + model, callback_api=callback,  # type: ignore[arg-type]
            verified=suffix not in _UNVERIFIED, note=_NOTES.get(suffix, ""),
        )
    return out


REGISTRY: Mapping[str, EventSpec] = _build()

# ``eventCode`` → type, for the FC-extension delivery shape that names the event by its code
BY_EVENT_CODE: Mapping[str, str] = {s.event_code: t for t, s in REGISTRY.items() if s.event_code}


def spec_for(event_type: str) -> EventSpec | None:
    """The spec of a known type, ``None`` for a type the registry does not know."""
    return REGISTRY.get(event_type)


def generic_spec(event_type: str) -> EventSpec:
    """A spec for an unknown ``dataworks:`` type: regular, generic payload, no handler."""
    category = event_type.split(":")[1] if event_type.count(":") >= 2 else "unknown"
    return EventSpec(type=event_type, event_code=None, module="unknown", level="workspace", kind="regular",
                     family=category, model_ref=GENERIC_MODEL, verified=False,
                     note="type not in the registry; parsed generically")
