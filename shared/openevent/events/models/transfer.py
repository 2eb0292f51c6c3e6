"""Data upload and download (tenant level, extension points, §5.2).

These payloads carry no ``projectId``/``operator``: the workspace is ``queryDwProjectId``
(a string) and the user is ``operatorUid`` / ``operatorBaseId``. ``dataRowSize`` is
documented as a Long but sent as a string; both are accepted and read as an int.
"""

from __future__ import annotations

from openevent.events.fields import Id
from openevent.events.models.base import Payload


class DownloadPayload(Payload):
    """``DownloadResources`` (file generation) and ``DownloadResourcesExecute`` (file download; has ``ip``)."""

    module_type: str | None = None
    operator_base_id: str | None = None
    operator_uid: str | None = None
    file_name: str | None = None
    file_size: int | None = None
    datasource_id: str | None = None
    datasource_name: str | None = None
    query_dw_project_id: Id | None = None
    query_dw_project_name: str | None = None
    data_row_size: int | None = None
    sql_text: str | None = None
    ip: str | None = None


class UploadPayload(Payload):
    """``UploadDataToTable`` — a user is about to load a file into a table."""

    upload_source_type: str | None = None
    opt_table_type: str | None = None
    target_engine_type: str | None = None
    write_type: str | None = None
    conflict_mode: str | None = None
    operator_base_id: str | None = None
    operator_uid: str | None = None
    datasource_id: str | None = None
    datasource_name: str | None = None
    table_guid: str
    query_dw_project_id: Id | None = None
    query_dw_project_name: str | None = None
    file_size: int | None = None
