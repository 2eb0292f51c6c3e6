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
