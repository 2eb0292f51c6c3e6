"""FC function: answers every remaining DataWorks extension point under one change policy.

Data Studio file and table pre-events are answered through ``UpdateIDEEventResult``, Operation
Center node, backfill and instance pre-events through ``UpdateWorkbenchEventResult`` (OK / FAIL:
a WARN goes as OK with the warning in the tip), Data Integration, Security Center and Data Quality
pre-events through ``CallbackExtension`` — the registry names each type's API. The five
``Pre*Instance`` types are handled although the current Operation Center guide says instance-level
operations do not trigger extension checks (unverified).
All logic lives in :mod:`openevent.guard`; see ``config.yaml`` for the policy.
"""

from openevent.delivery.app import FunctionApp

app = FunctionApp(
    "change_guard", kind="guard", directory=__file__,
    handles=(
        # Data Studio -> UpdateIDEEventResult
        "dataworks:FileChange:CommitFile", "dataworks:FileChange:DeployFile", "dataworks:FileChange:RunFile",
        "dataworks:FileChange:DeleteFile", "dataworks:TableChange:CommitTable", "dataworks:TableChange:DeployTable",
        # Operation Center -> UpdateWorkbenchEventResult
        "dataworks:NodeChange:UndeployNode", "dataworks:NodeChange:FreezeNode", "dataworks:NodeChange:UnFreezeNode",
        "dataworks:BackfillDataOperate:BackfillData",
        "dataworks:InstanceChange:PreFreezeInstance", "dataworks:InstanceChange:PreUnfreezeInstance",
        "dataworks:InstanceChange:PreRerunInstance", "dataworks:InstanceChange:PreSetInstanceSuccess",
        "dataworks:InstanceChange:PreKillInstance",
        # Data Integration -> CallbackExtension
        "dataworks:NodeChange:StartDiJob", "dataworks:NodeChange:BatchStartDiJob",
        # Security Center -> CallbackExtension
        "dataworks:ApprovalChange:ApprovalChangeCreated", "dataworks:ApprovalChange:ApprovalChangeBeforeCreate",
        # Data Quality -> CallbackExtension
        "dataworks:DqcCheck:BatchCreateDataQualityRules", "dataworks:DqcCheck:BatchUpdateDataQualityRules",
        "dataworks:DqcCheck:BatchDeleteDataQualityRules", "dataworks:DqcCheck:UpdateDataQualityRule",
        "dataworks:DqcCheck:CreateDataQualityEvaluationTask", "dataworks:DqcCheck:UpdateDataQualityEvaluationTask",
        "dataworks:DqcCheck:CloneDataQualityEvaluationTask",
        "dataworks:DqcCheck:BatchDeleteDataQualityEvaluationTasks",
        "dataworks:DqcCheck:CreateDataQualityEvaluationTaskNotification",
        "dataworks:DqcCheck:UpdateDataQualityEvaluationTaskNotification",
        "dataworks:DqcCheck:DeleteDataQualityEvaluationTaskNotification",
    ),
    factory="openevent.guard.change:build", config="openevent.guard.policy:Policy",
)
handler = app.handler
initialize = app.initialize
reset = app.reset
