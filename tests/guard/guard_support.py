"""Names shared by the guard tests and their fixtures (``from guard_support import …``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from openevent.events.samples import sample_event

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Tuesday 2025-03-11 11:00 in Shanghai: inside a Mon-Thu 10:00-16:00 change window
TUESDAY_11 = datetime(2025, 3, 11, 11, 0, tzinfo=SHANGHAI).timestamp()
SATURDAY_22 = datetime(2025, 3, 15, 22, 0, tzinfo=SHANGHAI).timestamp()

PROD, SANDBOX, TAGGED, PROD_NAMED = 10001, 20002, 20003, 20004


def event_bytes(event_type: str, overrides: dict[str, Any] | None = None, **kw: Any) -> bytes:
    return json.dumps(sample_event(event_type, overrides, **kw)).encode()


DELETE = "dataworks:ProjectChange:DeleteProject"
DELETED = "dataworks:ProjectChange:ProjectDeleted"
DOWNLOAD = "dataworks:ResourcesDownload:DownloadResources"
DOWNLOAD_EXEC = "dataworks:ResourcesDownload:DownloadResourcesExecute"
UPLOAD = "dataworks:ResourcesUpload:UploadDataToTable"

# -- the change guard ------------------------------------------------------------------------------
COMMIT_FILE = "dataworks:FileChange:CommitFile"
DEPLOY_FILE = "dataworks:FileChange:DeployFile"
RUN_FILE = "dataworks:FileChange:RunFile"
DELETE_FILE = "dataworks:FileChange:DeleteFile"
COMMIT_TABLE = "dataworks:TableChange:CommitTable"
DEPLOY_TABLE = "dataworks:TableChange:DeployTable"
UNDEPLOY_NODE = "dataworks:NodeChange:UndeployNode"
FREEZE_NODE = "dataworks:NodeChange:FreezeNode"
BACKFILL = "dataworks:BackfillDataOperate:BackfillData"
PRE_KILL = "dataworks:InstanceChange:PreKillInstance"
START_DI_JOB = "dataworks:NodeChange:StartDiJob"
BATCH_START_DI_JOB = "dataworks:NodeChange:BatchStartDiJob"
APPROVAL_CREATED = "dataworks:ApprovalChange:ApprovalChangeCreated"
APPROVAL_BEFORE_CREATE = "dataworks:ApprovalChange:ApprovalChangeBeforeCreate"
DQ_DELETE_RULES = "dataworks:DqcCheck:BatchDeleteDataQualityRules"
DQ_UPDATE_RULES = "dataworks:DqcCheck:BatchUpdateDataQualityRules"
NOT_CHANGE_GUARD = ("DeleteProject", "DownloadResources", "DownloadResourcesExecute", "UploadDataToTable")

SAMPLE_NODE = 700004120003  # the samples' node (dwd_order_detail_di); protected in the shipped config
SAMPLE_INSTANCE = 523536569736  # the Pre*Instance samples' instance
OTHER_NODE = 700009990001

IDE_DETAIL_KINDS = {"CommitFile": "CommittedFile", "DeployFile": "CommittedFile", "DeleteFile": "DeletedFile",
                    "RunFile": "FileExecutionCommand", "CommitTable": "TableModel", "DeployTable": "TableModel"}


def add_ide_detail(world: Any, event: dict[str, Any], **fields: Any) -> None:
    """Register the GetIDEEventDetail snapshot of a Data Studio event (for its id and its projectId)."""
    kind = IDE_DETAIL_KINDS[event["type"].rsplit(":", 1)[-1]]
    world.add_ide_event(event["id"], event["data"]["projectId"], kind, **fields)


def shanghai_date(offset_days: int = 0) -> str:
    """Today (plus ``offset_days``) in the change guard's policy time zone, as ``YYYY-MM-DD``."""
    from datetime import timedelta

    return (datetime.now(SHANGHAI) + timedelta(days=offset_days)).strftime("%Y-%m-%d")
