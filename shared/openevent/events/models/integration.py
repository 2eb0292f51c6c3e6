"""Data Integration: start one job / batch start jobs (extension points, §7).

The docs show two payload generations: V1 carries ``id`` and ``projectId``, V2 ``jobId`` and
``appId`` only. ``tableMapping`` is absent when the job has more than 500 tables.
"""

from __future__ import annotations

from openevent.events.fields import CsvIds, Id
from openevent.events.models.base import Payload, Wire


class TableMapping(Wire):
    src_datasource_name: str | None = None
    src_database_name: str | None = None
    src_table: str | None = None
    dst_datasource_name: str | None = None
    dst_table: str | None = None


class DiSetting(Wire):
    last_start_position: str | None = None
    start_date_time: str | None = None
    time_zone: str | None = None


class StartDiJobPayload(Payload):
    """``StartDiJob``: ``job_ref`` gives the job id whichever generation sent it."""

    id: Id | None = None
    job_id: Id | None = None
    app_id: Id | None = None
    extension_biz_name: str | None = None
    show_table_mapping: bool | None = None
    table_mapping: list[TableMapping] | None = None
    setting: DiSetting | None = None
    force_run: bool | None = None
    start_as_v2: bool | None = None

    @property
    def job_ref(self) -> int | str | None:
        return self.job_id if self.job_id is not None else self.id


class JobTableMappings(Wire):
    id: Id | None = None
    extension_biz_name: str | None = None
    table_mapping: list[TableMapping] | None = None


class BatchStartDiJobPayload(Payload):
    """``BatchStartDiJob``: ``extension_biz_name`` is a comma-joined list of job names."""

    job_ids: CsvIds | None = None
    app_id: Id | None = None
    env: str | None = None
    extension_biz_name: str | None = None
    show_table_mapping: bool | None = None
    table_mappings: list[JobTableMappings] | None = None
    setting: DiSetting | None = None

    @property
    def job_names(self) -> list[str]:
        return [n.strip() for n in (self.extension_biz_name or "").split(",") if n.strip()]
