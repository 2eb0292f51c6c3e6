"""Realistic ``data`` payloads for every DataWorks OpenEvent type (reference §3, §5–§10).

Each payload is the official docs example *repaired* (reference §11): masked digits
(``9***4``, ``28***656``) replaced by consistent plausible values, comments and syntax
errors removed, ``eventCode`` included wherever the event's code is known. JSON types
are kept exactly as the docs' examples send them, quirks included: ``dataRowSize`` and
``changeType`` are strings, ``multipleTimePeriods`` and ``runtimeConf`` are JSON text,
rule-alert ``nodeIds`` / ``taskIds`` are comma-separated strings, DQ times are
``yyyy-MM-dd HH:mm:ss`` strings. Tenant-level events keep the docs' shapes (no
``projectId`` in upload/download; ``queryDwProjectId`` is a string).

Every payload lives in one small universe so that a demo reads coherently: tenant
:data:`TENANT_ID`, workspace :data:`WORKSPACE_ID` (``sales_dw``; MaxCompute projects
``sales_dw`` and ``sales_dw_dev``), operator :data:`OPERATOR_UID`, the daily node
``dwd_order_detail_di`` (:data:`NODE_ID`) and its instance :data:`INSTANCE_ID`.

Payloads marked ``INFERRED`` have no docs example; they are built from the nearest
documented sibling. :data:`SAMPLE_VARIANTS` holds the other documented shapes of a type
(alert kinds, Data Integration V1/V2, instance statuses, payloads without ``eventCode``
exactly as the docs print them, …). The dicts are shared module data: copy before
mutating (``copy.deepcopy``).

Example:
    >>> SAMPLE_DATA["dataworks:FileChange:CommitFile"]["eventCode"]
    'commit-file'
    >>> SAMPLE_VARIANTS["dataworks:MonitorAlert:WorkbenchMonitorAlert"]["TOPIC_ALERT"]["taskStatus"]
    5
"""

from __future__ import annotations

import copy
from typing import Any, Final

TENANT_ID: Final = 280749521950784
WORKSPACE_ID: Final = 10001
WORKSPACE_NAME: Final = "sales_dw"
DEV_PROJECT: Final = "sales_dw_dev"
OPERATOR_UID: Final = "1987654321012345"
OWNER_UID: Final = "1987654321067890"
OPERATOR_BASE_ID: Final = "123936573104521"
ALIYUN_ACCOUNT_ID: Final = "1876543210098765"
"""The account in the envelope's ``aliyunaccountid`` used by the ``tests/events`` corpus."""

NODE_ID: Final = 700004120003
NODE_NAME: Final = "dwd_order_detail_di"
FILE_ID: Final = 502718830
BASELINE_ID: Final = 70012287
INSTANCE_ID: Final = 523536569736
DAG_ID: Final = 523536540330
DQ_RULE_ID: Final = 28610334
DQ_TASK_ID: Final = 30001
TABLE_GUID: Final = "odps.sales_dw.dwd_order_detail_di"
EMR_TABLE_GUID: Final = "emr_hive.C-8D3F2A1B9E7C6D54.sales_dw.dwd_order_detail_di"

# Epoch milliseconds (China time, UTC+8) used below.
_NODE_CREATED = 1741587725000  # 2025-03-10 14:22:05
_NODE_MODIFIED = 1741916472000  # 2025-03-14 09:41:12
_INSTANCE_CREATED = 1741879930000  # 2025-03-13 23:32:10
_CYCLE_TIME = 1741883400000  # 2025-03-14 00:30:00
_WAIT_RES = 1741883401000  # 2025-03-14 00:30:01
_RUN_BEGIN = 1741883403000  # 2025-03-14 00:30:03
_RUN_END = 1741884087000  # 2025-03-14 00:41:27
_BIZ_DATE = 1741795200000  # 2025-03-13 00:00:00
_APPROVAL_CREATED = 1741918542000  # 2025-03-14 10:15:42
_APPROVAL_FINISHED = 1741922408000  # 2025-03-14 11:20:08
_OPERATION_TIME = 1741932171000  # 2025-03-14 14:02:51
_EXPIRY_SWEEP = 1741892400000  # 2025-03-14 03:00:00

_DOWNLOAD_SQL = (
    "SELECT order_id, customer_id, order_amount, order_status, gmt_create "
    "FROM sales_dw.dwd_order_detail_di WHERE ds = '20250313' LIMIT 10000"
)


def _node_change(event_code: str, *, create_time: int, modify_time: int) -> dict[str, Any]:
    """Node created/updated (§6.1)."""
    return {
        "nodeName": NODE_NAME,
        "programType": "ODPS_SQL",
        "cronExpress": "00 30 00 * * ?",
        "blockBusiness": False,
        "schedulerType": "NORMAL",
        "ownerId": OWNER_UID,
        "priority": 1,
        "baselineId": BASELINE_ID,
        "operator": OPERATOR_UID,
        "eventCode": event_code,
        "repeatability": True,
        "modifyTime": modify_time,
        "createTime": create_time,
        "tenantId": TENANT_ID,
        "nodeId": NODE_ID,
        "projectId": WORKSPACE_ID,
    }


def _file_commit(event_code: str, *, change_type: str, version: int, biz_id: str) -> dict[str, Any]:
    """File commit/deploy pre-event (§6.2): ``changeType`` is a string, no ``nodeId``."""
    return {
        "fileName": NODE_NAME,
        "extensionBizId": biz_id,
        "changeType": change_type,
        "blockBusiness": False,
        "dataSourceName": "odps_first",
        "operator": OPERATOR_UID,
        "eventCode": event_code,
        "fileCreateTime": "2025-03-10 14:22:05",
        "tenantId": TENANT_ID,
        "fileOwner": OWNER_UID,
        "fileVersion": version,
        "projectId": WORKSPACE_ID,
        "fileType": 10,
        "fileId": FILE_ID,
        "resourceType": 1,
    }


def _file_op(event_code: str, *, biz_id: str) -> dict[str, Any]:
    """File delete/run pre-event (§6.3): ``nodeId`` present; no changeType/fileVersion/dataSourceName."""
    return {
        "fileName": NODE_NAME,
        "extensionBizId": biz_id,
        "blockBusiness": False,
        "operator": OPERATOR_UID,
        "eventCode": event_code,
        "fileCreateTime": "2025-03-10 14:22:05",
        "tenantId": TENANT_ID,
        "fileOwner": OWNER_UID,
        "nodeId": NODE_ID,
        "projectId": WORKSPACE_ID,
        "fileType": 10,
        "fileId": FILE_ID,
        "resourceType": 1,
    }


def _table_change(event_code: str, *, max_compute_project: str, biz_id: str) -> dict[str, Any]:
    """Table commit/deploy pre-event (§6.4). The docs example has no eventCode; it is added here."""
    return {
        "eventCode": event_code,
        "operator": OPERATOR_UID,
        "projectId": WORKSPACE_ID,
        "tenantId": TENANT_ID,
        "extensionBizId": biz_id,
        "tableName": NODE_NAME,
        "tableType": "ODPS",
        "maxComputeProject": max_compute_project,
    }


def _node_op(event_code: str, *, biz_id: str) -> dict[str, Any]:
    """Node undeploy/freeze/unfreeze pre-event (§8.2). The docs example has no eventCode."""
    return {
        "eventCode": event_code,
        "operator": OPERATOR_UID,
        "projectId": WORKSPACE_ID,
        "tenantId": TENANT_ID,
        "nodeIds": [NODE_ID, 700004120004, 700004120005],
        "extensionBizId": biz_id,
    }


def _instance_change(event_code: str) -> dict[str, Any]:
    """Instance freeze/unfreeze/kill/rerun/set-success (§8.5)."""
    return {
        "eventCode": event_code,
        "operator": OPERATOR_UID,
        "projectId": WORKSPACE_ID,
        "projectType": "PROD",
        "taskIds": [INSTANCE_ID],
        "tenantId": TENANT_ID,
    }


def _instance_pre(event_code: str, *, biz_id: str) -> dict[str, Any]:
    """Instance operation pre-event (§8.6)."""
    return {
        "eventCode": event_code,
        "extensionBizId": biz_id,
        "extensionBizName": NODE_NAME,
        "projectId": WORKSPACE_ID,
        "taskIds": [INSTANCE_ID],
        "tenantId": TENANT_ID,
        "operator": OPERATOR_UID,
    }


def _instance_status(status: int, *, task_id: int, node_id: int, finished: bool) -> dict[str, Any]:
    """Auto-triggered instance status change (§8.4); ``appId`` is the workspace."""
    data: dict[str, Any] = {
        "beginWaitTimeTime": _CYCLE_TIME,
        "dagId": DAG_ID,
        "dagType": 0,
        "eventCode": "instance-status-changes",
        "taskType": 0,
        "modifyTime": _RUN_END if finished else _WAIT_RES,
        "createTime": _INSTANCE_CREATED,
        "appId": WORKSPACE_ID,
        "tenantId": TENANT_ID,
        "opCode": 31,
        "flowId": 1,
        "nodeId": node_id,
        "beginWaitResTime": _WAIT_RES,
        "taskId": task_id,
        "status": status,
    }
    if status in (4, 5, 6):
        data["beginRunningTime"] = _RUN_BEGIN
    if finished:
        data["finishTime"] = _RUN_END
    return data


def _thresholds(expected: str, critical: str) -> dict[str, Any]:
    return {
        "type": "fixed",
        "thresholds": {"expected": {"expression": expected}, "critical": {"expression": critical}},
    }


def _dq_rule(name: str, description: str, *, rule_id: int | None = None, minimum: int = 0) -> dict[str, Any]:
    """A DataQualityRule (§10.3); lower-case enum spellings as in the docs' examples."""
    rule: dict[str, Any] = {} if rule_id is None else {"id": rule_id}
    rule.update(
        {
            "name": name,
            "enabled": True,
            "severity": "High",
            "description": description,
            "templateCode": f"system:table:table_count:fixed:{minimum}",
            "samplingConfig": {"metric": "count"},
            "checkingConfig": _thresholds(f"$checkValue > {minimum}", f"$checkValue <= {minimum}"),
        }
    )
    return rule


def _dq_audit(event_code: str) -> dict[str, Any]:
    """The common keys of the DQ pre-events (§10.3–§10.5)."""
    return {
        "eventCode": event_code,
        "projectId": WORKSPACE_ID,
        "tenantId": TENANT_ID,
        "operator": OPERATOR_UID,
        "operationTime": _OPERATION_TIME,
    }


def _evaluation_task(event_code: str) -> dict[str, Any]:
    """DQ monitoring create/update (§10.4): EMR target, ``runtimeConf`` and ``extension`` are JSON text."""
    return {
        "eventCode": event_code,
        "name": "dwd_order_detail_di output accuracy",
        "description": (
            "After the scheduled instance that writes dwd_order_detail_di succeeds, check that the "
            "output partition meets expectations"
        ),
        "target": {"databaseType": "emr", "tableGuid": EMR_TABLE_GUID},
        "trigger": {"type": "ByScheduledTaskInstance", "taskIds": [NODE_ID, 700004120004]},
        "dataSourceId": 20452,
        "runtimeConf": '{ "queue": "default", "sqlEngine": "HIVE_SQL" }',
        "rules": [
            _dq_rule("Table row count is greater than 0", "Partition must not be empty"),
            {
                "id": 100002,
                "name": "Table row count is greater than 100",
                "checkingConfig": _thresholds("$checkValue > 100", "$checkValue <= 100"),
            },
        ],
        "hooks": [
            {
                "type": "BlockTaskInstance",
                "condition": (
                    '(${severity} == "High" AND ${status} == "Critical") OR '
                    '(${severity} == "High" AND ${status} == "Error")'
                ),
            }
        ],
        "notifications": {
            "condition": (
                '(${severity} == "High" AND ${status} == "Warned") OR '
                '(${severity} == "Normal" AND ${status} == "Critical") OR '
                '(${severity} == "Normal" AND ${status} == "Warned") OR '
                '(${severity} == "Normal" AND ${status} == "Error")'
            ),
            "notifications": [
                {
                    "channels": ["Mail", "Sms"],
                    # "notificaionReceivers" is misspelt exactly as in the docs.
                    "notificaionReceivers": [
                        {"receiverType": "AliUid", "receiverValues": [OWNER_UID, OPERATOR_UID]}
                    ],
                },
                {
                    "channels": ["Dingding"],
                    "notificaionReceivers": [
                        {
                            "receiverType": "DingdingUrl",
                            "receiverValues": [
                                "https://api.dingding.com/message-boxes/b1/messages",
                                "https://api.dingding.com/message-boxes/b2/messages",
                            ],
                            "extension": '{ "atAll": true }',
                        }
                    ],
                },
            ],
        },
        "projectId": WORKSPACE_ID,
        "tenantId": TENANT_ID,
        "operator": OPERATOR_UID,
        "operationTime": _OPERATION_TIME,
    }


def _table_mapping(
    src_db: str, src_ds: str, dst_ds: str, tables: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    return [
        {
            "srcTable": src,
            "dstDatasourceName": dst_ds,
            "srcDatabaseName": src_db,
            "srcDatasourceName": src_ds,
            "dstTable": dst,
        }
        for src, dst in tables
    ]


def _orders_mapping() -> list[dict[str, Any]]:
    return _table_mapping(
        "orders",
        "mysql_orders_rds",
        "odps_first",
        [("t_order", "ods_t_order"), ("t_order_item", "ods_t_order_item"), ("t_refund", "ods_t_refund")],
    )


def _customers_mapping() -> list[dict[str, Any]]:
    return _table_mapping(
        "crm",
        "mysql_crm_rds",
        "holo_sales",
        [("t_customer", "t_customer"), ("t_customer_tag", "t_customer_tag")],
    )


def _maxcompute_grant(*, with_cn_name: bool) -> dict[str, Any]:
    """``arrayData[]`` item for assignmentCategory MaxCompute (§9.1)."""
    item: dict[str, Any] = {
        "ownerBaseId": "1822931104031845",
        "objectType": "TABLE",
        "odpsTable": NODE_NAME,
        "envType": 1,
        "projectGuid": "odps.sales_dw",
        "objectGuid": TABLE_GUID,
        "tenantId": 0,
        "objectName": NODE_NAME,
        "ownerAccountName": "RAM$sales-corp:wang.dba(wang.dba)",
        "odpsProject": WORKSPACE_NAME,
        "projectName": WORKSPACE_NAME,
        "actions": ["Select", "Describe"],
        "projectId": WORKSPACE_ID,
        "workspaceId": str(WORKSPACE_ID),
    }
    if with_cn_name:
        item["objectNameCn"] = "订单明细日增量表"
    return item


def _data_service_grant() -> dict[str, Any]:
    """``arrayData[]`` item for assignmentCategory DataService (§9.1 appendix; values inferred)."""
    return {
        "resourceId": "DsApiDeploy/280749521950784/workspaceId/10001/dsDeployId/88231",
        "ownerName": "wang.dba",
        "resourceVersion": 1,
        "name": "api_order_summary",
        "dsDeployId": "88231",
        "workspaceName": WORKSPACE_NAME,
        "id": "40517",
        "type": 1,
        "ownerId": OWNER_UID,
        "url": (
            "https://dataservice-cn-hangzhou.data.aliyun.com/?projectId=10001&type=api&id=40517"
            "&version=1&defaultProjectId=10001"
        ),
        "workspaceId": str(WORKSPACE_ID),
    }


def _approval_content(category: str, *, with_cn_name: bool) -> dict[str, Any]:
    if category == "MaxCompute":
        grant = _maxcompute_grant(with_cn_name=with_cn_name)
    else:
        grant = _data_service_grant()
    return {
        "applyPeriod": "1773417600000",
        "applyReason": "Q1 revenue reconciliation",
        "arrayData": [grant],
        "contentType": "application/json",
        "granteeAccounts": [
            {
                "granteeId": "286098539641742899",
                "granteeTypeSub": 103,
                "granteeType": 1,
                "granteeName": "RAM$sales-corp:li.analyst",
            }
        ],
        "odpsProjectName": WORKSPACE_NAME,
        "projectEnv": "1",
        "resourceSummary": grant["name"] if category == "DataService" else NODE_NAME,
        "tenantId": TENANT_ID,
        "workspaceId": WORKSPACE_ID,
    }


def _approval_process(category: str, *, created: int, with_cn_name: bool) -> dict[str, Any]:
    return {
        "applicant": "286098539641742899",
        "applicantName": "li.analyst",
        "approvalContent": _approval_content(category, with_cn_name=with_cn_name),
        "assignmentCategory": category,
        "createTime": created,
        "processDefinitionId": "definition-3dcc9ce7-d29d-435d-a908-60d4355ff5e2",
        "processId": "528535869984706",
        "status": "Pending",
        "title": "MaxComputeTable" if category == "MaxCompute" else "DataServiceApi",
        "updateTime": created,
    }


def _approval_created(category: str) -> dict[str, Any]:
    """Permission request created (§9.1, first half of the docs' ``}{`` example)."""
    return {
        "appId": WORKSPACE_ID,
        "assignee": "237857631119109360",
        "assigneeName": "wang.dba",
        "createTime": _APPROVAL_CREATED,
        "eventType": "approval",
        "process": _approval_process(category, created=_APPROVAL_CREATED, with_cn_name=False),
        "processId": "528535869984706",
        "status": "Submit",
        "eventCode": "approval-change-created",
        "taskId": "528535870015424",
        "tenantId": TENANT_ID,
        "updateTime": _APPROVAL_CREATED + 1000,
    }


def _approval_finished(category: str) -> dict[str, Any]:
    """Permission request finished (§9.1 example 2): ``comments``, no ``taskId``/``updateTime``."""
    return {
        "appId": WORKSPACE_ID,
        "assignee": "237857631119109360",
        "eventCode": "approval-change-finished",
        "assigneeName": "wang.dba",
        "comments": "Approved for Q1 reconciliation",
        "createTime": _APPROVAL_FINISHED,
        "eventType": "approval",
        "process": _approval_process(category, created=_APPROVAL_CREATED, with_cn_name=True),
    }


def _sla_alert() -> dict[str, Any]:
    return {
        "eventCode": "workbench-monitor-alert",
        "alarmType": "SLA_ALERT",
        "baselineId": BASELINE_ID,
        "baselineName": "sales_dw core daily -- ready by 06:00",
        "baselineStatus": 3,
        "bizDate": _BIZ_DATE,
        "inGroupId": 1,
        "nodeId": NODE_ID,
        "projectId": WORKSPACE_ID,
        "taskId": INSTANCE_ID,
        "tenantId": TENANT_ID,
    }


def _topic_alert() -> dict[str, Any]:
    return {
        "eventCode": "workbench-monitor-alert",
        "alarmType": "TOPIC_ALERT",
        "nodeId": NODE_ID,
        "projectId": WORKSPACE_ID,
        "taskId": INSTANCE_ID,
        "taskStatus": 5,
        "tenantId": TENANT_ID,
        "topicId": 1084769,
    }


def _remind_node_alert() -> dict[str, Any]:
    return {
        "eventCode": "workbench-monitor-alert",
        "alarmType": "REMIND_ALERT",
        "nodeIds": "700004120003,700004120004,700004120005",
        "projectId": WORKSPACE_ID,
        "remindId": 7605,
        "remindName": "Error alert",
        "remindType": "ERROR",
        "remindUnit": "NODE",
        "taskIds": "523536569736,523536569737,523536569738",
        "tenantId": TENANT_ID,
    }


def _remind_resource_alert(unit: str) -> dict[str, Any]:
    gateway = unit == "GATEWAY_RES"
    return {
        "eventCode": "workbench-monitor-alert",
        "alarmType": "REMIND_ALERT",
        "projectId": WORKSPACE_ID,
        "remindId": 200000186 if gateway else 200000187,
        "remindName": "Exclusive Resource Group Alert" if gateway else "DI Resource Group Backlog",
        "remindType": "RES_GROUP_THRESHOLD" if gateway else "RES_GROUP_WAIT_AMOUNT",
        "remindUnit": unit,
        "resourceGroupIdentifier": f"S_res_group_{TENANT_ID}_{1741587725000 if gateway else 1741587900000}",
        "resourceGroupName": "sales_exclusive_scheduling" if gateway else "sales_exclusive_di",
        "resourceGroupType": "GATEWAY" if gateway else "DI",
        "tenantId": TENANT_ID,
    }


def _dqc_finished(*, check_result: int, sample: float) -> dict[str, Any]:
    """Check completed (§10.2). ``bizdate``/``beginTime``/``endTime`` are strings as in the docs."""
    return {
        "projectId": WORKSPACE_ID,
        "tenantId": TENANT_ID,
        "id": 521771452,
        "taskId": "17419321710009a26ecf4063a88797",
        "entityId": 1562431,
        "ruleId": DQ_RULE_ID,
        "property": "-",
        "bizdate": "2025-03-13 00:00:00",
        "dateType": "YMD",
        "actualExpression": "ds=20250313",
        "matchExpression": "ds=$[yyyymmdd-1]",
        "blockType": 1,
        "checkResult": check_result,
        "eventCode": "dqc-check-finished-event",
        # checkResultStatus is undocumented; it mirrors checkResult here.
        "checkResultStatus": check_result,
        "methodName": "table_count",
        "beginTime": "2025-03-14 00:41:30",
        "endTime": "2025-03-14 00:41:37",
        "timeConsuming": "7s",
        "externalType": "CWF2",
        "externalId": str(NODE_ID),
        "discrete": False,
        "fixedCheck": True,
        "referenceValue": [
            {
                "bizDate": "2025-03-12 00:00:00",
                "discreteProperty": "Number of table rows, 1-day difference",
                "value": 47980.0,
                "singleCheckResult": 0,
            }
        ],
        "sampleValue": [{"bizDate": "2025-03-13 00:00:00", "value": sample}],
        "trend": ">=",
        "expectValue": 0.0,
        "op": ">=",
        "projectName": WORKSPACE_NAME,
        "tableName": NODE_NAME,
        "templateId": 47,
        "checkerType": 0,
        "ruleName": "Table row count is greater than 0",
        "isPrediction": False,
        "feedbackStatus": 0,
        "whetherToFilterDirtyData": False,
    }


def _without(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    """A deep copy of ``data`` without ``keys`` (no nested object is shared between entries)."""
    return {k: copy.deepcopy(v) for k, v in data.items() if k not in keys}


_BATCH_DI_BIZ_NAMES = "sync_mysql_orders_to_odps_20250310_142205,sync_mysql_crm_to_holo_20250311_093012"

SAMPLE_DATA: dict[str, dict[str, Any]] = {
    # --- §5.1 Console (tenant-level) -------------------------------------------------------
    "dataworks:ProjectChange:DeleteProject": {
        "eventCode": "delete-project",
        "projectId": WORKSPACE_ID,
        "tenantId": TENANT_ID,
        "operator": OPERATOR_UID,
    },
    "dataworks:ProjectChange:ProjectDeleted": {
        "eventCode": "project-deleted",
        "tenantId": TENANT_ID,
        "blockBusiness": False,
        "projectName": WORKSPACE_NAME,
        "projectId": WORKSPACE_ID,
        "operator": OPERATOR_UID,
        "timestamp": _OPERATION_TIME,
    },
    # --- §5.2 Upload & download (tenant-level): no projectId/tenantId/operator keys ---------
    "dataworks:ResourcesDownload:DownloadResources": {
        "eventCode": "download-resources",
        "moduleType": "sqlx_query",
        "operatorBaseId": OPERATOR_BASE_ID,
        "operatorUid": OPERATOR_UID,
        "fileName": "dwd_order_detail_di_20250313.csv",
        "fileSize": 871424,
        "datasourceId": "20451",
        "datasourceName": "odps_first",
        "queryDwProjectId": str(WORKSPACE_ID),
        "queryDwProjectName": WORKSPACE_NAME,
        "dataRowSize": "10000",
        "sqlText": _DOWNLOAD_SQL,
    },
    "dataworks:ResourcesDownload:DownloadResourcesExecute": {
        "eventCode": "download-resources-execute",
        "moduleType": "sqlx_query",
        "operatorBaseId": OPERATOR_BASE_ID,
        "operatorUid": OPERATOR_UID,
        "fileName": "dwd_order_detail_di_20250313.csv",
        "fileSize": 871424,
        "datasourceId": "20451",
        "datasourceName": "odps_first",
        "queryDwProjectId": str(WORKSPACE_ID),
        "queryDwProjectName": WORKSPACE_NAME,
        "dataRowSize": "10000",
        "sqlText": _DOWNLOAD_SQL,
        "ip": "198.51.100.23",
    },
    "dataworks:ResourcesUpload:UploadDataToTable": {
        "eventCode": "upload-data-to-table",
        "uploadSourceType": "LOCAL",
        "optTableType": "CREATE",
        "targetEngineType": "MAXCOMPUTE",
        "writeType": "OVERWRITE",
        "conflictMode": "IGNORE",
        "operatorBaseId": OPERATOR_BASE_ID,
        "operatorUid": OPERATOR_UID,
        "datasourceId": "20451",
        "datasourceName": "odps_first",
        "tableGuid": "odps.sales_dw.ods_store_targets_upload",
        "queryDwProjectId": str(WORKSPACE_ID),
        "queryDwProjectName": WORKSPACE_NAME,
        "fileSize": 123456,
    },
    # --- §6 Data Studio --------------------------------------------------------------------
    "dataworks:NodeChange:NodeChangeCreated": _node_change(
        "node-change-created", create_time=_NODE_MODIFIED, modify_time=_NODE_MODIFIED
    ),
    "dataworks:NodeChange:NodeChangeUpdated": _node_change(
        "node-change-updated", create_time=_NODE_CREATED, modify_time=_NODE_MODIFIED
    ),
    "dataworks:FileChange:DeleteFile": _file_op("delete-file", biz_id="bf41c07d2a9e4c5b8e1d6f0a3b7c26e3"),
    "dataworks:FileChange:CommitFile": _file_commit(
        "commit-file", change_type="1", version=3, biz_id="eb3f5a0c7d2e4b19a8f6c1d0e2b479ce"
    ),
    "dataworks:FileChange:DeployFile": _file_commit(
        "deploy-file", change_type="1", version=3, biz_id="d2a7c91e5b3f4a08b6e4d1c9f0a5e812"
    ),
    "dataworks:FileChange:RunFile": _file_op("run-file", biz_id="7c1e9a3f5d2b4e60a8c4f2d1b9e0a6f4"),
    "dataworks:TableChange:CommitTable": _table_change(
        "commit-table", max_compute_project=DEV_PROJECT, biz_id="3e8b1d5a9c7f4e21b0a6d4c2f8e1b756"
    ),
    "dataworks:TableChange:DeployTable": _table_change(
        "deploy-table", max_compute_project=WORKSPACE_NAME, biz_id="9a4c2e7f1b5d4a83c6e0f9d2a1b8c347"
    ),
    # INFERRED: ReviewFile is listed only in older ZH docs, with no eventCode and no payload.
    # Built from the commit-file sibling (§6.2); eventCode is left out because it is unknown.
    "dataworks:FileChange:ReviewFile": _without(
        _file_commit("review-file", change_type="1", version=3, biz_id="5f0d8c2a6e1b4d97a3c5e8f1b2d4a690"),
        "eventCode",
    ),
    # --- §7 Data Integration: main sample is V2 with a table mapping (variants below) ----
    "dataworks:NodeChange:StartDiJob": {
        "extensionBizId": "59d4e2a1c8b7436f9e0d5a2c1b8f50fc",
        "extensionBizName": "sync_mysql_orders_to_odps_20250310_142205",
        "blockBusiness": True,
        "operator": OPERATOR_UID,
        "setting": {"lastStartPosition": "2025-03-14 10:00:00"},
        "eventCode": "start-diJob",
        "jobId": 5777,
        "forceRun": False,
        "appId": WORKSPACE_ID,
        "showTableMapping": True,
        "tenantId": TENANT_ID,
        "startAsV2": False,
        "tableMapping": _orders_mapping(),
    },
    "dataworks:NodeChange:BatchStartDiJob": {
        "needErrorMessage": False,
        "extensionBizId": "2de81f4a6c3b4d90a7e5b1c8d2f0c4c6",
        "extensionBizName": _BATCH_DI_BIZ_NAMES,
        "errorMessageOnlyFailedFileIds": False,
        "blockBusiness": True,
        "env": "prod",
        "operator": OPERATOR_UID,
        "setting": {"startDateTime": "2025-03-14 14:00:00", "timeZone": "Asia/Shanghai"},
        "jobIds": [5777, 5679],
        "eventCode": "batch-start-diJob",
        "tableMappings": [
            {
                "extensionBizName": "sync_mysql_orders_to_odps_20250310_142205",
                "id": 5777,
                "tableMapping": _orders_mapping(),
            },
            {
                "extensionBizName": "sync_mysql_crm_to_holo_20250311_093012",
                "id": 5679,
                "tableMapping": _customers_mapping(),
            },
        ],
        "appId": WORKSPACE_ID,
        "showTableMapping": True,
        "tenantId": TENANT_ID,
        "projectId": WORKSPACE_ID,
    },
    # --- §8 Operation Center ---------------------------------------------------------------
    "dataworks:NodeChange:NodeChangeDeleted": {
        "eventCode": "node-change-deleted",
        "nodeName": "tmp_order_check_old",
        "programType": "ODPS_SQL",
        "cronExpress": "00 20 00 * * ?",
        "schedulerType": "NORMAL",
        "ownerId": OWNER_UID,
        "priority": 1,
        "baselineId": BASELINE_ID,
        "repeatability": True,
        "modifyTime": _NODE_MODIFIED,
        "createTime": _NODE_CREATED,
        "datasource": "odps_first",
        "tenantId": TENANT_ID,
        "nodeId": 700004120150,
        "projectId": WORKSPACE_ID,
        "operator": OPERATOR_UID,
    },
    "dataworks:NodeChange:UndeployNode": _node_op("undeploy-node", biz_id="12a9c4e7b3d54f6e8a1c0d2b5e7f9356"),
    "dataworks:NodeChange:FreezeNode": _node_op("freeze-node", biz_id="4b7e2c9a1d3f4e58b6a0c8d1e2f5a917"),
    "dataworks:NodeChange:UnFreezeNode": _node_op("unfreeze-node", biz_id="8d3f6a1c5e9b4c27a0e4b7d2f1c8a563"),
    "dataworks:BackfillDataOperate:BackfillData": {
        "excludeNodeIds": [],
        "rootNodeId": NODE_ID,
        "startFutureInstanceImmediately": False,
        "useMultipleTimePeriods": True,
        "operator": OPERATOR_UID,
        "eventCode": "backfill-data",
        "multipleTimePeriods": '[{"bizBeginTime":"2025-03-01","bizEndTime":"2025-03-07"}]',
        "parallelGroup": 1,
        "rootNodeProjectId": WORKSPACE_ID,
        "isParallel": False,
        "name": "P_dwd_order_detail_di_20250314_101542",
        "tenantId": TENANT_ID,
        "includeNodeIds": [NODE_ID],
        "projectId": WORKSPACE_ID,
        "order": "asc",
        "extensionBizId": "c6e1a8f3d2b94a7e9c5d0b4f1a3e8d22",
    },
    # The docs example: status 3 (waiting for resources). Other statuses are variants.
    "dataworks:InstanceStatusChanges:InstanceStatusChanges": _instance_status(
        3, task_id=INSTANCE_ID, node_id=NODE_ID, finished=False
    ),
    "dataworks:InstanceChange:FreezeInstance": _instance_change("freeze-instance"),
    "dataworks:InstanceChange:UnfreezeInstance": _instance_change("unfreeze-instance"),
    "dataworks:InstanceChange:KillInstance": _instance_change("kill-instance"),
    "dataworks:InstanceChange:RerunInstance": _instance_change("rerun-instance"),
    "dataworks:InstanceChange:SetInstanceSuccess": _instance_change("set-instance-success"),
    "dataworks:InstanceChange:DeleteTaskInstanceDependencies": {
        "eventCode": "delete-task-instance-dependencies",
        "upstreamTaskInstanceIds": [523536560035, 523536560098, 523536560137],
        "appId": WORKSPACE_ID,
        "tenantId": TENANT_ID,
        "blockBusiness": False,
        "taskInstanceId": INSTANCE_ID,
        "operator": OPERATOR_UID,
        "operationTime": _OPERATION_TIME,
    },
    "dataworks:InstanceChange:PreFreezeInstance": _instance_pre(
        "pre-freeze-instance", biz_id="0553e7c1a9b24d6f8e0a4c2d7b1fafaa"
    ),
    "dataworks:InstanceChange:PreUnfreezeInstance": _instance_pre(
        "pre-unfreeze-instance", biz_id="1a7d4c9e2b5f4a30b8e6c1d0f3a2b9c4"
    ),
    "dataworks:InstanceChange:PreRerunInstance": _instance_pre(
        "pre-rerun-instance", biz_id="6e2b9d4a1c7f4b85a3d0e8c5f2b1a7d9"
    ),
    "dataworks:InstanceChange:PreSetInstanceSuccess": _instance_pre(
        "pre-set-instance-success", biz_id="b5c8e1f4a2d74c96b0e3a7d1c9f4e2b8"
    ),
    "dataworks:InstanceChange:PreKillInstance": _instance_pre(
        "pre-kill-instance", biz_id="f3a6d9c2e5b84a17c4e1b0d8a7f2c5e3"
    ),
    "dataworks:InstanceChange:ExpiredTaskInstancesDeleted": {
        "eventCode": "expired-task-instances-deleted",
        "deletedTaskInstanceIds": [523536401035, 523536401498, 523536401637],
        "appId": WORKSPACE_ID,
        "tenantId": TENANT_ID,
        "blockBusiness": False,
        "owner": OWNER_UID,
        "operationTime": _EXPIRY_SWEEP,
    },
    "dataworks:DagStatusChanges:DagStatusChanges": {
        "bizDate": "2025-03-13 00:00:00",
        "createTime": "2025-03-14 11:05:33",
        "dagId": 500358972116,
        "dagName": "P_dwd_order_detail_di_20250314_110533",
        "eventCode": "dag-status-changes",
        "dagType": 3,
        "flowId": 1,
        "flowName": "ATCLOUD_FLOW",
        "operator": OPERATOR_UID,
        "projectEnv": "PROD",
        "projectId": WORKSPACE_ID,
        "status": 6,
        "tenantId": TENANT_ID,
    },
    # The baseline (SLA) alert; event and rule alerts are in SAMPLE_VARIANTS.
    "dataworks:MonitorAlert:WorkbenchMonitorAlert": _sla_alert(),
    # --- §9 Security Center ----------------------------------------------------------------
    "dataworks:ApprovalChange:ApprovalChangeCreated": _approval_created("MaxCompute"),
    "dataworks:ApprovalChange:ApprovalChangeFinished": _approval_finished("MaxCompute"),
    "dataworks:ApprovalChange:ApprovalChangeBeforeCreate": {
        "eventCode": "approval-change-before-create",
        "eventType": "approval-create-before",
        "operator": OPERATOR_UID,
        "order": {
            "applyReason": "Q1 revenue reconciliation",
            "deadlineDate": "1",
            "deadlineType": "month",
            "granteeObjectList": [{"granteeId": "286098539641742899"}],
            "projectMeta": {
                "envCode": 1,
                "labelSecurity": False,
                "objectMetaList": [
                    {"action": ["Select", "Describe"], "name": NODE_NAME, "projectGuid": "odps.sales_dw"}
                ],
                "projectId": WORKSPACE_ID,
                "projectName": WORKSPACE_NAME,
            },
        },
        "projectId": WORKSPACE_ID,
        "tenantId": TENANT_ID,
    },
    # --- §10 Data Quality ------------------------------------------------------------------
    "dataworks:DqcCheck:DqcCheckFeedbackEvent": {
        "eventCode": "dqc-check-feedback-event",
        "ruleCheckId": 521771452,
        "feedbackContent": "Skip",
        "ruleId": DQ_RULE_ID,
        "createUser": OPERATOR_UID,
        "taskId": "17419321710009a26ecf4063a88797",
        "beginTime": "1741932430000",
        "envType": "ODPS",
        "projectName": WORKSPACE_NAME,
        "projectId": WORKSPACE_ID,
        "tenantId": TENANT_ID,
    },
    "dataworks:DqcCheck:DqcCheckFinishedEvent": _dqc_finished(check_result=0, sample=48213.0),
    "dataworks:DqcCheck:BatchCreateDataQualityRules": {
        **_dq_audit("batch-create-data-quality-rules"),
        "dataQualityTaskId": DQ_TASK_ID,
        "target": {"databaseType": "maxcompute", "tableGuid": TABLE_GUID},
        "rules": [_dq_rule("Table row count is greater than 0", "Data quality rule creation check")],
    },
    # INFERRED: the docs' batch-update example is a copy of the single-rule update (eventCode
    # update-data-quality-rule; kept as a variant). Built from the batch-create sibling: the
    # same target + rules list, each rule carrying the id of the existing rule.
    "dataworks:DqcCheck:BatchUpdateDataQualityRules": {
        **_dq_audit("batch-update-data-quality-rules"),
        "dataQualityTaskId": DQ_TASK_ID,
        "target": {"databaseType": "maxcompute", "tableGuid": TABLE_GUID},
        "rules": [
            _dq_rule("Table row count is greater than 0", "Partition must not be empty", rule_id=100001),
            _dq_rule(
                "Table row count is greater than 1000",
                "Daily orders must exceed 1000 rows",
                rule_id=100002,
                minimum=1000,
            ),
        ],
    },
    "dataworks:DqcCheck:BatchDeleteDataQualityRules": {
        "eventCode": "batch-delete-data-quality-rules",
        "ids": [100001, 100002, 100003],
        "projectId": WORKSPACE_ID,
        "tenantId": TENANT_ID,
        "operator": OPERATOR_UID,
        "operationTime": _OPERATION_TIME,
    },
    "dataworks:DqcCheck:UpdateDataQualityRule": {
        **_dq_audit("update-data-quality-rule"),
        **_dq_rule("Table row count is greater than 0", "Partition must not be empty", rule_id=100001),
    },
    "dataworks:DqcCheck:CreateDataQualityEvaluationTask": _evaluation_task(
        "create-data-quality-evaluation-task"
    ),
    # INFERRED in part: the docs share one example between create and update; the update
    # carries the task's "id" (as clone does), which the docs do not confirm.
    "dataworks:DqcCheck:UpdateDataQualityEvaluationTask": {
        "id": DQ_TASK_ID,
        **_evaluation_task("update-data-quality-evaluation-task"),
    },
    "dataworks:DqcCheck:CloneDataQualityEvaluationTask": {
        "eventCode": "clone-data-quality-evaluation-task",
        "id": DQ_TASK_ID,
        "targets": [
            {"databaseType": "emr", "tableGuid": EMR_TABLE_GUID},
            {"databaseType": "emr", "tableGuid": "emr_hive.C-8D3F2A1B9E7C6D54.sales_dw.dwd_refund_detail_di"},
        ],
        "projectId": WORKSPACE_ID,
        "tenantId": TENANT_ID,
        "operator": OPERATOR_UID,
        "operationTime": _OPERATION_TIME,
    },
    "dataworks:DqcCheck:BatchDeleteDataQualityEvaluationTasks": {
        "eventCode": "batch-delete-data-quality-evaluation-tasks",
        "ids": [DQ_TASK_ID, 30002],
        "projectId": WORKSPACE_ID,
        "tenantId": TENANT_ID,
        "operator": OPERATOR_UID,
        "operationTime": _OPERATION_TIME,
    },
    # The docs' alert-subscription examples carry no tenantId; kept that way.
    "dataworks:DqcCheck:CreateDataQualityEvaluationTaskNotification": {
        "eventCode": "create-data-quality-evaluation-task-notification",
        "dataQualityEvaluationTaskId": DQ_TASK_ID,
        "channel": "sms",
        "receiverValue": OWNER_UID,
        "projectId": WORKSPACE_ID,
        "operator": OPERATOR_UID,
        "operationTime": _OPERATION_TIME,
    },
    "dataworks:DqcCheck:UpdateDataQualityEvaluationTaskNotification": {
        "eventCode": "update-data-quality-evaluation-task-notification",
        "dataQualityEvaluationTaskId": DQ_TASK_ID,
        "currentChannel": "sms",
        "currentReceiverValue": OWNER_UID,
        "updatedChannel": "sms",
        "updatedReceiverValue": OPERATOR_UID,
        "projectId": WORKSPACE_ID,
        "operator": OPERATOR_UID,
        "operationTime": _OPERATION_TIME,
    },
    # INFERRED: the docs give no example for deleting an alert subscription; this mirrors
    # the create sibling (§10.5).
    "dataworks:DqcCheck:DeleteDataQualityEvaluationTaskNotification": {
        "eventCode": "delete-data-quality-evaluation-task-notification",
        "dataQualityEvaluationTaskId": DQ_TASK_ID,
        "channel": "sms",
        "receiverValue": OWNER_UID,
        "projectId": WORKSPACE_ID,
        "operator": OPERATOR_UID,
        "operationTime": _OPERATION_TIME,
    },
}

_MONITOR = "dataworks:MonitorAlert:WorkbenchMonitorAlert"
_STATUS = "dataworks:InstanceStatusChanges:InstanceStatusChanges"

SAMPLE_VARIANTS: dict[str, dict[str, dict[str, Any]]] = {
    _MONITOR: {
        "TOPIC_ALERT": _topic_alert(),
        "REMIND_ALERT_NODE": _remind_node_alert(),
        "REMIND_ALERT_GATEWAY_RES": _remind_resource_alert("GATEWAY_RES"),
        # INFERRED: DI_RES has no example; built from the GATEWAY_RES sibling.
        "REMIND_ALERT_DI_RES": _remind_resource_alert("DI_RES"),
        # Exactly as the docs send them: no eventCode in event/rule alerts.
        "TOPIC_ALERT_without_event_code": _without(_topic_alert(), "eventCode"),
        "REMIND_ALERT_NODE_without_event_code": _without(_remind_node_alert(), "eventCode"),
    },
    _STATUS: {
        "failure": _instance_status(5, task_id=INSTANCE_ID, node_id=NODE_ID, finished=True),
        "success": _instance_status(6, task_id=523536569737, node_id=700004120004, finished=True),
        "running": _instance_status(4, task_id=523536569738, node_id=700004120005, finished=False),
        "not_run_zero": _instance_status(0, task_id=523536569739, node_id=700004120006, finished=False),
        "not_run_one": _instance_status(1, task_id=523536569739, node_id=700004120006, finished=False),
    },
    "dataworks:NodeChange:StartDiJob": {
        "v1": {
            "eventCode": "start-diJob",
            "extensionBizId": "0a4c7e2f9b1d4a63b8e5c0d7f2a1b8ae",
            "extensionBizName": "sync_mysql_orders_to_odps_20250310_142205",
            "appId": WORKSPACE_ID,
            "showTableMapping": True,
            "tenantId": TENANT_ID,
            "blockBusiness": True,
            "id": 5280,
            "projectId": WORKSPACE_ID,
            "tableMapping": _orders_mapping(),
            "operator": OPERATOR_UID,
        },
        "v2_no_table_mapping": {
            "eventCode": "start-diJob",
            "jobId": 5502,
            "forceRun": False,
            "extensionBizId": "f4c2a9e7d1b54c08a6e3f0b2d9c47cbc",
            "extensionBizName": "sync_mysql_crm_to_holo_20250311_093012",
            "appId": WORKSPACE_ID,
            "showTableMapping": False,
            "tenantId": TENANT_ID,
            "blockBusiness": True,
            "startAsV2": False,
            "operator": OPERATOR_UID,
            "setting": {
                "lastStartPosition": "2025-03-13 22:07:02",
                "startDateTime": "2025-03-14 17:00:00",
                "timeZone": "Asia/Shanghai",
            },
        },
        "v2_regex_table_mapping": {
            "eventCode": "start-diJob",
            "jobId": 5778,
            "forceRun": False,
            "extensionBizId": "a5d8b1e4c7f24a90b3d6e9c2f5a875ba",
            "extensionBizName": "sync_mysql_sharded_to_holo_20250312_170517",
            "appId": WORKSPACE_ID,
            "showTableMapping": True,
            "tenantId": TENANT_ID,
            "blockBusiness": True,
            "startAsV2": False,
            "tableMapping": _table_mapping(
                ".*",
                "mysql_orders_rds",
                "holo_sales",
                [("order_.*", "orders_all"), ("refund_.*", "refunds_all")],
            ),
            "operator": OPERATOR_UID,
        },
    },
    "dataworks:ApprovalChange:ApprovalChangeCreated": {
        # INFERRED values: the DataService arrayData shape of the docs' appendix.
        "data_service": _approval_created("DataService"),
    },
    "dataworks:ApprovalChange:ApprovalChangeFinished": {
        "data_service": _approval_finished("DataService"),
    },
    "dataworks:ApprovalChange:ApprovalChangeBeforeCreate": {
        "without_event_code": _without(
            SAMPLE_DATA["dataworks:ApprovalChange:ApprovalChangeBeforeCreate"], "eventCode"
        ),
    },
    "dataworks:DqcCheck:DqcCheckFinishedEvent": {
        "critical": {
            **_dqc_finished(check_result=2, sample=0.0),
            "id": 521771453,
            "actualExpression": "ds=20250314",
            "bizdate": "2025-03-14 00:00:00",
        },
    },
    "dataworks:DqcCheck:DqcCheckFeedbackEvent": {
        "without_event_code": _without(SAMPLE_DATA["dataworks:DqcCheck:DqcCheckFeedbackEvent"], "eventCode"),
    },
    # Exactly as the docs print it: a single-rule body whose eventCode names another event.
    "dataworks:DqcCheck:BatchUpdateDataQualityRules": {
        "docs_single_rule_copy": copy.deepcopy(SAMPLE_DATA["dataworks:DqcCheck:UpdateDataQualityRule"]),
    },
    "dataworks:NodeChange:NodeChangeDeleted": {
        # The docs example has no eventCode and an empty nodeName.
        "without_event_code": {
            **_without(SAMPLE_DATA["dataworks:NodeChange:NodeChangeDeleted"], "eventCode"),
            "nodeName": "",
        },
    },
    "dataworks:NodeChange:UndeployNode": {
        "without_event_code": _without(SAMPLE_DATA["dataworks:NodeChange:UndeployNode"], "eventCode"),
    },
    "dataworks:TableChange:CommitTable": {
        "without_event_code": _without(SAMPLE_DATA["dataworks:TableChange:CommitTable"], "eventCode"),
    },
}
