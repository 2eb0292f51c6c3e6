"""FC function: audits node changes, instance operations, approvals and workspace deletions.

Records go to every configured sink once; a sink still failing after its retries makes the
handler raise, so FC retries and the retry writes only what is missing. See ``config.yaml``.
"""

from openevent.delivery.app import FunctionApp

app = FunctionApp(
    "node_change_auditor", directory=__file__,
    handles=("dataworks:ProjectChange:ProjectDeleted", "dataworks:NodeChange:NodeChangeCreated",
             "dataworks:NodeChange:NodeChangeUpdated", "dataworks:NodeChange:NodeChangeDeleted",
             "dataworks:InstanceChange:FreezeInstance", "dataworks:InstanceChange:UnfreezeInstance",
             "dataworks:InstanceChange:KillInstance", "dataworks:InstanceChange:RerunInstance",
             "dataworks:InstanceChange:SetInstanceSuccess", "dataworks:InstanceChange:DeleteTaskInstanceDependencies",
             "dataworks:InstanceChange:ExpiredTaskInstancesDeleted", "dataworks:ApprovalChange:ApprovalChangeFinished"),
    factory="openevent.audit.setup:build", config="openevent.audit.config:AuditConfig",
)
handler = app.handler
initialize = app.initialize
reset = app.reset
