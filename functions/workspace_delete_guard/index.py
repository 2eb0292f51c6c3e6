"""FC function: answers DataWorks' workspace-deletion extension point (``DeleteProject``).

It also logs the ``ProjectDeleted`` post-event, linked to the decision that allowed it.
All logic lives in :mod:`openevent.guard`; see ``config.yaml`` for the policy.
"""

from openevent.delivery.app import FunctionApp

app = FunctionApp(
    "workspace_delete_guard", kind="guard", directory=__file__,
    handles=("dataworks:ProjectChange:DeleteProject", "dataworks:ProjectChange:ProjectDeleted"),
    factory="openevent.guard.workspace:build", config="openevent.guard.policy:Policy",
)
handler = app.handler
initialize = app.initialize
reset = app.reset
