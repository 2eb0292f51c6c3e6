"""Facts of the download guard: data downloads (file generation and file download) and uploads.

Download facts (``DownloadResources`` / ``DownloadResourcesExecute``):
``download.rows`` (``dataRowSize``, sent as a string, read as a number), ``download.bytes``
(``fileSize``), ``download.file_name``, ``download.module`` (``moduleType``),
``download.ip`` (file-download event only), ``datasource.id`` / ``.name``,
``operator.uid`` / ``.base_id``, ``workspace.id`` / ``.name``;
``sql.text``, ``sql.tables`` (tables the query reads, ``project.table``, lower case),
``sql.written``, ``sql.parse_error`` (true when the SQL does not parse: write a rule for it),
``sql.error`` — computed only when a rule refers to ``sql.*`` (the SQL parser is loaded lazily).

Upload facts (``UploadDataToTable``): ``upload.table`` (``tableGuid`` as sent, e.g.
``odps.proj.table``), ``upload.table_name`` (without the engine prefix: ``proj.table``),
``upload.write_type`` (OVERWRITE | APPEND), ``upload.engine`` (upper-cased: MAXCOMPUTE …),
``upload.source_type`` (LOCAL | OSS | DW_EXCEL | HTTP), ``upload.conflict_mode``,
``upload.create_table`` (``optTableType`` CREATE), ``upload.bytes``.

Every event: ``extension.options.*`` (the workspace's extension option values). :data:`FACTS`
has every fact's type; no fact needs enrichment (the events carry them: :data:`ENRICHED` is empty).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openevent.events import Event
from openevent.guard.facts import BASE_FACTS, base_facts
from openevent.guard.runner import GuardContext, GuardRunner

if TYPE_CHECKING:
    from openevent.delivery.app import FunctionApp

__all__ = ["ENRICHED", "FACTS", "build", "collect_facts", "sql_facts"]

FACTS: dict[str, str] = {
    **BASE_FACTS,
    "operator.base_id": "str", "workspace.name": "str", "datasource.id": "str", "datasource.name": "str",
    # downloads
    "download.rows": "int", "download.bytes": "int", "download.file_name": "str", "download.module": "str",
    "download.ip": "str",
    "sql.text": "str", "sql.tables": "list[str]", "sql.written": "list[str]", "sql.parse_error": "bool",
    "sql.error": "str",
    # uploads
    "upload.table": "str", "upload.table_name": "str", "upload.write_type": "str", "upload.engine": "str",
    "upload.source_type": "str", "upload.conflict_mode": "str", "upload.create_table": "bool",
    "upload.bytes": "int",
    "extension.options": "dict",
}
"""Every fact a download or upload rule may use and its type."""

ENRICHED: dict[str, str] = {}
"""No download-guard fact needs an OpenAPI call: ``enrichment.enabled: false`` loses nothing."""

_ENGINE_PREFIXES = ("odps.", "emr_hive.", "holo.")


def collect_facts(event: Event, gctx: GuardContext) -> dict[str, Any]:
    """Facts for a download or upload pre-event."""
    facts = base_facts(event, gctx.now)
    data: Any = event.data
    facts["operator"] = {"uid": getattr(data, "operator_uid", None) or event.operator,
                         "base_id": getattr(data, "operator_base_id", None)}
    facts["workspace"] = {"id": event.workspace_id, "name": getattr(data, "query_dw_project_name", None)}
    facts["datasource"] = {"id": getattr(data, "datasource_id", None), "name": getattr(data, "datasource_name", None)}
    if event.type.endswith(":UploadDataToTable"):
        facts["upload"] = _upload(data)
        return facts
    facts["download"] = {
        "rows": data.data_row_size, "bytes": data.file_size, "file_name": data.file_name,
        "module": data.module_type, "ip": data.ip,
    }
    if gctx.policy.references("sql"):
        facts["sql"] = sql_facts(data.sql_text, data.query_dw_project_name)
    return facts


def _upload(data: Any) -> dict[str, Any]:
    guid = data.table_guid or ""
    name = guid
    for prefix in _ENGINE_PREFIXES:
        if guid.lower().startswith(prefix):
            name = guid[len(prefix):]
    return {
        "table": guid.lower(), "table_name": name.lower(),
        "write_type": (data.write_type or "").upper() or None,
        "engine": (data.target_engine_type or "").upper().replace(" ", "_") or None,
        "source_type": (data.upload_source_type or "").upper() or None,
        "conflict_mode": (data.conflict_mode or "").upper() or None,
        "create_table": (data.opt_table_type or "").upper() == "CREATE", "bytes": data.file_size,
    }


def sql_facts(sql_text: str | None, default_project: str | None) -> dict[str, Any]:
    """Tables read and written by the query, or ``parse_error`` when it does not parse."""
    out: dict[str, Any] = {"text": sql_text, "tables": None, "written": None, "parse_error": False, "error": None}
    if not sql_text or not sql_text.strip():
        return out
    from openevent.guard.sql import SqlParseError, extract_tables

    try:
        found = extract_tables(sql_text, default_project=default_project)
    except SqlParseError as exc:
        out.update({"parse_error": True, "error": str(exc)})
        return out
    out.update({"tables": sorted(found.read), "written": sorted(found.written)})
    return out


def build(app: FunctionApp) -> GuardRunner:
    """The worker of ``functions/download_guard`` (the function template's factory)."""
    return GuardRunner.for_app(app, collect_facts, fact_types=FACTS, enriched=ENRICHED)
