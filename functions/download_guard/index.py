"""FC function: answers DataWorks' data download and upload extension points.

From EventBridge (answered through ``CallbackExtension``) and as a direct Function Compute
extension call (``messageId``/``messageBody``: the answer is the return value).
All logic lives in :mod:`openevent.guard`; see ``config.yaml`` for the policy.
"""

from openevent.delivery.app import FunctionApp

app = FunctionApp(
    "download_guard", kind="guard", directory=__file__,
    handles=("dataworks:ResourcesDownload:DownloadResources", "dataworks:ResourcesDownload:DownloadResourcesExecute",
             "dataworks:ResourcesUpload:UploadDataToTable"),
    factory="openevent.guard.transfer:build", config="openevent.guard.policy:Policy",
)
handler = app.handler
initialize = app.initialize
reset = app.reset
