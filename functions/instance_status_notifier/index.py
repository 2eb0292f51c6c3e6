"""FC function: instance and workflow status changes and monitor alerts → chat.

Routed, deduplicated and rate-limited per receiver, surplus collapsed into digests; an FC
timer trigger event flushes due digests. See ``config.yaml``.
"""

from openevent.delivery.app import FunctionApp

app = FunctionApp(
    "instance_status_notifier", directory=__file__, timer=True,
    handles=("dataworks:InstanceStatusChanges:InstanceStatusChanges", "dataworks:DagStatusChanges:DagStatusChanges",
             "dataworks:MonitorAlert:WorkbenchMonitorAlert"),
    factory="openevent.alerting.pipeline:build", config="openevent.alerting.config:NotifierConfig",
)
handler = app.handler
initialize = app.initialize
reset = app.reset
