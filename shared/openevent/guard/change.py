"""Facts of the change guard: every remaining DataWorks extension point, answered under one policy.

``functions/change_guard`` answers the Data Studio file and table pre-events (through
``UpdateIDEEventResult``), the Operation Center node, backfill and instance pre-events (through
``UpdateWorkbenchEventResult``: OK or FAIL, a WARN goes as OK with the warning in the tip), and the
Data Integration, Security Center and Data Quality pre-events (through ``CallbackExtension``).
:data:`FACTS` declares every fact a rule may use, with its type; the groups:

* ``file.*`` / ``node.id`` / ``node.ids`` from the file events' payload, and — only when a rule
  applying to the event looks at them — from ``GetIDEEventDetail`` (asked with the event's id and
  ``projectId``): ``file.content``, ``file.use_type``, the node settings of a committed file
  (``node.cron`` …), the owner / data source / version when the payload lacks them, and ``code.*``
  (:mod:`openevent.guard.code`: functions called with the line of each first call, tables,
  statement kinds, parse errors);
* ``table.*`` (table commit and deploy; columns, comment, lifecycle, env from the detail);
* ``node.*`` for node operations and backfills (ids from the payload; names, priority, baselines and
  owners from ``GetNode`` when a rule needs them), ``instance.*`` for instance operations (node facts
  from ``GetInstance`` when a rule needs them), ``backfill.*``;
* ``di.*`` (job ids, names, source and target tables; ``di.mapping_missing`` for jobs over 500
  tables, which carry no table mapping), ``approval.*`` (permission requests), ``dq.*`` (rule,
  monitoring and alert-subscription changes).

A rule "needs" a fact when its ``when`` or its message template names it and it applies to the
event, so plain rules cost no OpenAPI call. Enrichment errors raise: the runner answers per the
policy's failure policy. With ``enrichment.enabled: false`` nothing is asked and the facts that
need an answer are absent (a positive condition on them never holds).

Example:
    >>> from datetime import datetime, timezone
    >>> from openevent.events import parse, sample_event
    >>> from openevent.guard.policy import Policy
    >>> ev = parse(sample_event("dataworks:BackfillDataOperate:BackfillData"))
    >>> gctx = GuardContext(policy=Policy(), context=None, now=datetime(2025, 3, 14, tzinfo=timezone.utc))
    >>> f = collect_facts(ev, gctx)["backfill"]
    >>> f["start"], f["end"], f["days"], f["node_count"]
    ('2025-03-01', '2025-03-07', 7, 1)
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from openevent.events import Event
from openevent.guard.facts import base_facts
from openevent.guard.runner import GuardContext, GuardRunner

if TYPE_CHECKING:
    from openevent.dataworks.models import IDEEventDetail
    from openevent.delivery.app import FunctionApp
    from openevent.guard.policy import Policy

__all__ = ["ENRICHED", "FACTS", "build", "collect_facts"]

FACTS: dict[str, str] = {
    # every guard (openevent.guard.facts.base_facts)
    "event.type": "str", "event.name": "str", "event.code": "str", "event.module": "str", "event.level": "str",
    "event.region": "str", "event.delivery": "str", "workspace.id": "int", "tenant.id": "int",
    "operator.uid": "str", "now": "datetime", "day": "str", "hour": "int", "date": "str",
    # Data Studio files: payload, then GetIDEEventDetail
    "file.id": "int", "file.name": "str", "file.type": "int", "file.owner": "str", "file.change_type": "str",
    "file.version": "int", "file.datasource": "str", "file.create_time": "str", "file.content": "str",
    "file.use_type": "str",
    # nodes: file events (payload, detail NodeConfiguration), node / backfill / instance operations
    "node.id": "int", "node.ids": "list[int]", "node.names": "list[str]", "node.priority": "int",
    "node.baselines": "list[int]", "node.owner": "list[str]", "node.cron": "str", "node.cycle_type": "str",
    "node.rerun_mode": "str", "node.auto_rerun_times": "int", "node.resource_group": "str",
    "node.scheduler_type": "str", "node.inputs": "list[str]", "node.outputs": "list[str]",
    # the code of a file (openevent.guard.code)
    "code.text": "str", "code.language": "str", "code.functions": "list[str]", "code.first_line": "dict",
    "code.tables_read": "list[str]", "code.tables_written": "list[str]", "code.statements": "list[str]",
    "code.statement_count": "int", "code.parse_error": "bool", "code.error": "str",
    # Data Studio tables: payload, then GetIDEEventDetail TableModel
    "table.name": "str", "table.project": "str", "table.full_name": "str", "table.type": "str",
    "table.comment": "str", "table.lifecycle": "int", "table.env": "str", "table.location": "str",
    "table.datasource": "str", "table.columns": "list[str]", "table.columns_without_comment": "list[str]",
    "table.partition_columns": "list[str]",
    # Operation Center
    "instance.ids": "list[int]", "instance.name": "str", "instance.statuses": "list[str]",
    "backfill.name": "str", "backfill.root_node": "int", "backfill.nodes": "list[int]",
    "backfill.excluded_nodes": "list[int]", "backfill.node_count": "int", "backfill.start": "str",
    "backfill.end": "str", "backfill.days": "int", "backfill.parallel": "bool", "backfill.parallel_groups": "int",
    # Data Integration
    "di.job_ids": "list[int]", "di.job_names": "list[str]", "di.targets": "list[str]",
    "di.target_datasources": "list[str]", "di.sources": "list[str]", "di.source_datasources": "list[str]",
    "di.mapping_missing": "bool", "di.table_count": "int", "di.env": "str", "di.force_run": "bool",
    # Security Center
    "approval.tables": "list[str]", "approval.apis": "list[str]", "approval.actions": "list[str]",
    "approval.grantee": "list[str]", "approval.grantee_names": "list[str]", "approval.period_days": "int",
    "approval.reason": "str", "approval.category": "str",
    # Data Quality
    "dq.tables": "list[str]", "dq.database_types": "list[str]", "dq.rule_ids": "list[int]",
    "dq.task_ids": "list[int]", "dq.operation": "str", "dq.object": "str", "dq.rule_names": "list[str]",
    "dq.severities": "list[str]", "dq.disables_rule": "bool", "dq.channels": "list[str]",
    "dq.receivers": "list[str]",
    # every guard: the workspace's option values for the extension (GetOptionValueForProject)
    "extension.options": "dict",
}
"""Every fact the change guard offers and its type (``str``, ``int``, ``float``, ``bool``,
``datetime``, ``list[str]``, ``list[int]``, ``dict``). A fact may be absent (no value) for an event
that does not carry it."""

ENRICHED: dict[str, str] = {
    **dict.fromkeys(("file.content", "file.use_type", "node.cron", "node.cycle_type", "node.rerun_mode",
                     "node.auto_rerun_times", "node.resource_group", "node.scheduler_type", "node.inputs",
                     "node.outputs", "code", "table.comment", "table.lifecycle", "table.env", "table.location",
                     "table.datasource", "table.columns", "table.columns_without_comment",
                     "table.partition_columns"), "GetIDEEventDetail"),
    **dict.fromkeys(("node.names", "node.priority", "node.baselines", "node.owner"), "GetNode or GetInstance"),
    "instance.statuses": "GetInstance",
}
"""The facts only an OpenAPI answer provides (absent with ``enrichment.enabled: false``): fact (or
group) → the API. File owner, data source, version … come from the payload first and are not listed."""

_DETAIL_NODE = {"cron": "cron_express", "cycle_type": "cycle_type", "rerun_mode": "rerun_mode",
                "auto_rerun_times": "auto_rerun_times", "resource_group": "resource_group_id",
                "scheduler_type": "scheduler_type", "inputs": "inputs", "outputs": "outputs"}
_DETAIL_FILE = {"id": "file_id", "name": "file_name", "type": "file_type", "owner": "owner",
                "datasource": "data_source", "version": "version", "change_type": "change_type"}
_DETAIL_TABLE = ("comment", "lifecycle", "env", "location", "datasource", "columns", "columns_without_comment",
                 "partition_columns")
_NODE_LOOKUP = ("node.names", "node.priority", "node.baselines", "node.owner")
_ENGINE_PREFIXES = ("odps.",)
_PERIOD_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}

Collector = Callable[[Event, GuardContext, "_Needs", dict[str, Any]], None]


def collect_facts(event: Event, gctx: GuardContext) -> dict[str, Any]:
    """Facts for any extension event the change guard handles (see :data:`FACTS`)."""
    facts = base_facts(event, gctx.now)
    collector = _COLLECTORS.get(event.spec.family)
    if collector is not None:
        collector(event, gctx, _Needs(gctx.policy, event.type), facts)
    return facts


def build(app: FunctionApp) -> GuardRunner:
    """The worker of ``functions/change_guard`` (the function template's factory)."""
    return GuardRunner.for_app(app, collect_facts, fact_types=FACTS, enriched=ENRICHED)


class _Needs:
    """The fact paths that the rules applying to one event type look at (conditions and messages)."""

    def __init__(self, policy: Policy, event_type: str) -> None:
        paths: set[str] = set()
        for rule in policy.rules:
            if not rule.applies(event_type):
                continue
            for group in rule.when if isinstance(rule.when, list) else [rule.when]:
                paths.update(group)
            paths.update(_template_fields(rule.message))
        self.paths = frozenset(paths)

    def __call__(self, *prefixes: str) -> bool:
        return any(p == x or p.startswith(x + ".") for p in self.paths for x in prefixes)


def _template_fields(template: str) -> list[str]:
    try:
        return [name.split("[", 1)[0] for _, name, _, _ in string.Formatter().parse(template) if name]
    except ValueError:  # a broken template renders as written (openevent.guard.decision.render)
        return []


# -- Data Studio ----------------------------------------------------------------------------------
def _file(event: Event, gctx: GuardContext, needs: _Needs, facts: dict[str, Any]) -> None:
    data: Any = event.data
    change = data.change_type
    file: dict[str, Any] = {
        "id": data.file_id, "name": data.file_name, "type": data.file_type, "owner": data.file_owner,
        "change_type": change.name if change is not None else None, "version": data.file_version,
        "datasource": data.data_source_name, "create_time": data.file_create_time,
    }
    node: dict[str, Any] = {"id": data.node_id, "ids": [] if data.node_id is None else [data.node_id]}
    facts["file"], facts["node"] = file, node
    missing = any(file[key] is None and needs(f"file.{key}") for key in _DETAIL_FILE)
    wanted = (missing or needs("file.content", "file.use_type", "code", *(f"node.{k}" for k in _DETAIL_NODE))
              or (node["id"] is None and needs("node.id", "node.ids")))
    if not wanted or not gctx.policy.enrichment.enabled:
        return
    detail = _detail(event, gctx)
    for key, attribute in _DETAIL_FILE.items():
        if file[key] is None:
            file[key] = getattr(detail, attribute)
    file.update({"content": detail.content, "use_type": detail.use_type})
    if node["id"] is None and detail.node_id is not None:
        node.update({"id": detail.node_id, "ids": [detail.node_id]})
    config = detail.node_configuration
    if config is not None:
        node.update({key: getattr(config, attribute) for key, attribute in _DETAIL_NODE.items()})
    if needs("code"):
        from openevent.guard.code import code_facts

        facts["code"] = code_facts(detail.content, file["type"])


def _table(event: Event, gctx: GuardContext, needs: _Needs, facts: dict[str, Any]) -> None:
    data: Any = event.data
    name, project = data.table_name, data.max_compute_project
    table: dict[str, Any] = {"name": name, "project": project, "type": data.table_type,
                             "full_name": (f"{project}.{name}" if project else name).lower()}
    facts["table"] = table
    if not needs(*(f"table.{k}" for k in _DETAIL_TABLE)) or not gctx.policy.enrichment.enabled:
        return
    detail = _detail(event, gctx)
    columns = detail.columns
    table.update({
        "comment": detail.comment, "lifecycle": detail.lifecycle, "env": detail.env, "location": detail.location,
        "datasource": detail.data_source, "columns": [c.name for c in columns],
        "columns_without_comment": [c.name for c in columns if not (c.comment or "").strip()],
        "partition_columns": [c.name for c in columns if c.is_partition],
    })


def _detail(event: Event, gctx: GuardContext) -> IDEEventDetail:
    """``GetIDEEventDetail`` for this message (its id and workspace), once per invocation."""
    key = f"ide-event-detail:{event.message_id}"
    if key not in gctx.cache:
        from openevent.dataworks.enrichment import get_ide_event_detail

        if event.workspace_id is None:
            raise ValueError("the event has no projectId to ask GetIDEEventDetail with")
        gctx.cache[key] = get_ide_event_detail(gctx.dataworks, event.message_id, event.workspace_id)
    detail: IDEEventDetail = gctx.cache[key]
    return detail


# -- Operation Center -------------------------------------------------------------------------------
def _node_operation(event: Event, gctx: GuardContext, needs: _Needs, facts: dict[str, Any]) -> None:
    facts["node"] = _nodes(gctx, needs, _unique(event.data.node_ids))


def _backfill(event: Event, gctx: GuardContext, needs: _Needs, facts: dict[str, Any]) -> None:
    data: Any = event.data
    root = data.root_node_id
    excluded = _unique(data.exclude_node_ids or [])
    nodes = [i for i in _unique(data.include_node_ids or []) if i not in excluded]
    if not nodes and root is not None and root not in excluded:
        nodes = [root]
    start, end, days = _periods(data.multiple_time_periods)
    facts["backfill"] = {
        "name": data.name, "root_node": root, "nodes": nodes, "excluded_nodes": excluded, "node_count": len(nodes),
        "start": start, "end": end, "days": days, "parallel": data.is_parallel,
        "parallel_groups": data.parallel_group,
    }
    facts["node"] = _nodes(gctx, needs, _unique(([] if root is None else [root]) + nodes))


def _instance(event: Event, gctx: GuardContext, needs: _Needs, facts: dict[str, Any]) -> None:
    data: Any = event.data
    ids = _unique(data.task_ids)
    instance: dict[str, Any] = {"ids": ids, "name": data.extension_biz_name}
    facts["instance"] = instance
    if not needs("node", "instance.statuses") or not gctx.policy.enrichment.enabled:
        return
    from openevent.dataworks.enrichment import get_instance

    found = [get_instance(gctx.dataworks, i, "PROD") for i in ids]
    instance["statuses"] = sorted({i.status for i in found if i.status})
    node = _node_ids(_unique(i.node_id for i in found if i.node_id is not None))
    node.update(_summary([i.node_name for i in found], [i.priority for i in found],
                         [i.baseline_id for i in found], [i.owner for i in found]))
    facts["node"] = node


def _nodes(gctx: GuardContext, needs: _Needs, ids: list[Any]) -> dict[str, Any]:
    node = _node_ids(ids)
    if needs(*_NODE_LOOKUP) and gctx.policy.enrichment.enabled:
        from openevent.dataworks.enrichment import get_node

        found = [get_node(gctx.dataworks, i, "PROD") for i in ids]
        node.update(_summary([n.node_name for n in found], [n.priority for n in found],
                             [n.baseline_id for n in found], [n.owner_id for n in found]))
    return node


def _node_ids(ids: list[Any]) -> dict[str, Any]:
    return {"ids": ids, "id": ids[0] if len(ids) == 1 else None}


def _summary(names: Iterable[str | None], priorities: Iterable[int | None], baselines: Iterable[int | None],
             owners: Iterable[str | None]) -> dict[str, Any]:
    """Several nodes as facts: their names, the highest priority, their baselines and owners."""
    return {"names": sorted({n for n in names if n}),
            "priority": max((p for p in priorities if p is not None), default=None),
            "baselines": sorted({b for b in baselines if b}), "owner": sorted({o for o in owners if o})}


def _periods(periods: Any) -> tuple[str | None, str | None, int | None]:
    """First and last data timestamp and the number of distinct days of ``multipleTimePeriods``."""
    spans: list[tuple[date, date]] = []
    for period in periods if isinstance(periods, list) else []:
        if not isinstance(period, dict):
            continue
        begin, end = _day(period.get("bizBeginTime")), _day(period.get("bizEndTime") or period.get("bizBeginTime"))
        if begin is not None and end is not None:
            spans.append((min(begin, end), max(begin, end)))
    if not spans:
        return None, None, None
    spans.sort()
    days, (low, high) = 0, spans[0]
    for begin, end in spans[1:]:
        if begin.toordinal() > high.toordinal() + 1:
            days += (high - low).days + 1
            low, high = begin, end
        else:
            high = max(high, end)
    days += (high - low).days + 1
    return spans[0][0].isoformat(), max(end for _, end in spans).isoformat(), days


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


# -- Data Integration ------------------------------------------------------------------------------------
def _di(event: Event, gctx: GuardContext, needs: _Needs, facts: dict[str, Any]) -> None:
    data: Any = event.data
    if event.spec.name == "BatchStartDiJob":
        jobs = data.table_mappings or []
        ids = _unique(data.job_ids or [j.id for j in jobs if j.id is not None])
        names = data.job_names
        mapped = {j.id for j in jobs if j.table_mapping}
        mappings = [m for j in jobs for m in j.table_mapping or []]
        missing = data.show_table_mapping is False or not jobs or any(i not in mapped for i in ids)
        env, force_run = data.env, None
    else:
        ids = [] if data.job_ref is None else [data.job_ref]
        names = [data.extension_biz_name] if data.extension_biz_name else []
        mappings = data.table_mapping or []
        missing = data.show_table_mapping is False or not mappings
        env, force_run = None, data.force_run
    facts["di"] = {
        "job_ids": ids, "job_names": names,
        "targets": _joined((m.dst_datasource_name, m.dst_table) for m in mappings),
        "target_datasources": sorted({m.dst_datasource_name for m in mappings if m.dst_datasource_name}),
        "sources": _joined((m.src_datasource_name, m.src_database_name, m.src_table) for m in mappings),
        "source_datasources": sorted({m.src_datasource_name for m in mappings if m.src_datasource_name}),
        "mapping_missing": missing, "table_count": None if missing else len(mappings), "env": env,
        "force_run": force_run,
    }


def _joined(rows: Iterable[tuple[str | None, ...]]) -> list[str]:
    return sorted({".".join(p for p in row if p) for row in rows if any(row)})


# -- Security Center ---------------------------------------------------------------------------------------
def _approval(event: Event, gctx: GuardContext, needs: _Needs, facts: dict[str, Any]) -> None:
    data: Any = event.data
    if event.spec.name == "ApprovalChangeBeforeCreate":
        facts["approval"] = _approval_before_create(data)
    else:
        facts["approval"] = _approval_created(data, gctx.now)


def _approval_created(data: Any, now: datetime) -> dict[str, Any]:
    from openevent.events.fields import stamp_to_datetime

    process = data.process
    content = process.approval_content
    objects = (content.array_data if content is not None else None) or []
    category = process.assignment_category
    service = (category or "").replace(" ", "").lower() == "dataservice"
    tables = [] if service else [_approval_table(o) for o in objects if (o.object_type or "TABLE").upper() == "TABLE"]
    expiry = stamp_to_datetime(content.apply_period, field="applyPeriod") if content is not None else None
    start = stamp_to_datetime(process.create_time or data.create_time) or now
    accounts = (content.grantee_accounts if content is not None else None) or []
    return {
        "tables": sorted({t for t in tables if t}), "apis": sorted({o.name for o in objects if service and o.name}),
        "actions": _unique(a for o in objects for a in o.actions or []),
        "grantee": _unique(a.grantee_id for a in accounts if a.grantee_id),
        "grantee_names": _unique(a.grantee_name for a in accounts if a.grantee_name),
        "period_days": None if expiry is None else max(0, math.ceil((expiry - start).total_seconds() / 86400)),
        "reason": content.apply_reason if content is not None else None, "category": category,
    }


def _approval_table(obj: Any) -> str:
    if obj.odps_project and obj.odps_table:
        return f"{obj.odps_project}.{obj.odps_table}".lower()
    if obj.object_guid:
        return _without_engine(obj.object_guid)
    return ".".join(p for p in (obj.project_name, obj.object_name) if p).lower()


def _approval_before_create(data: Any) -> dict[str, Any]:
    order = data.order
    meta = order.project_meta
    objects = (meta.object_meta_list if meta is not None else None) or []
    project = meta.project_name if meta is not None else None
    tables = [".".join(p for p in ((_without_engine(o.project_guid) if o.project_guid else project), o.name) if p)
              for o in objects if o.name]
    grantees = [g.get("granteeId") for g in order.grantee_object_list or [] if isinstance(g, dict)]
    return {
        "tables": sorted({t.lower() for t in tables}), "apis": [],
        "actions": _unique(a for o in objects for a in o.action or []),
        "grantee": _unique(str(g) for g in grantees if g), "grantee_names": [],
        "period_days": _deadline_days(order.deadline_date, order.deadline_type), "reason": order.apply_reason,
        "category": "MaxCompute",
    }


def _deadline_days(amount: Any, unit: Any) -> int | None:
    per = _PERIOD_DAYS.get(str(unit or "day").strip().lower().rstrip("s"))
    text = str(amount).strip() if amount is not None else ""
    if per is None or not (text.isascii() and text.isdigit()):
        return None
    return int(text) * per


def _without_engine(guid: str) -> str:
    name = guid.strip().lower()
    for prefix in _ENGINE_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


# -- Data Quality --------------------------------------------------------------------------------------------
def _dq(event: Event, gctx: GuardContext, needs: _Needs, facts: dict[str, Any]) -> None:
    from openevent.events.models.quality import DqRuleUpdatePayload

    name, data = event.spec.name, event.data
    operation = next(op for prefix, op in (("Create", "create"), ("BatchCreate", "create"), ("Update", "update"),
                                           ("BatchUpdate", "update"), ("Delete", "delete"), ("BatchDelete", "delete"),
                                           ("Clone", "clone"), ("", "change")) if name.startswith(prefix))
    kind = "notification" if "Notification" in name else "task" if "EvaluationTask" in name else "rule"
    targets = [getattr(data, "target", None), *(getattr(data, "targets", None) or [])]
    rules = [data] if isinstance(data, DqRuleUpdatePayload) else list(getattr(data, "rules", None) or [])
    ids = _unique(getattr(data, "ids", None) or [])
    own_id = getattr(data, "id", None)
    rule_ids: list[Any] = [r.id for r in rules if r.id is not None]
    task_ids: list[Any] = []
    if kind == "rule":
        rule_ids += ids + ([own_id] if own_id is not None and not rules else [])
        task_ids += [t for t in [getattr(data, "data_quality_task_id", None)] if t is not None]
    elif kind == "task":
        task_ids += ids + ([own_id] if own_id is not None else [])
    else:
        task_ids += [t for t in [getattr(data, "data_quality_evaluation_task_id", None)] if t is not None]
    channels, receivers = _dq_receivers(data)
    facts["dq"] = {
        "tables": sorted({_without_engine(t.table_guid) for t in targets if t is not None and t.table_guid}),
        "database_types": sorted({t.database_type.lower() for t in targets if t is not None and t.database_type}),
        "rule_ids": _unique(rule_ids), "task_ids": _unique(task_ids), "operation": operation, "object": kind,
        "rule_names": _unique(r.name for r in rules if r.name),
        "severities": _unique(r.severity for r in rules if r.severity),
        "disables_rule": any(r.enabled is False for r in rules), "channels": channels, "receivers": receivers,
    }


def _dq_receivers(data: Any) -> tuple[list[str], list[str]]:
    channels = [getattr(data, k, None) for k in ("channel", "current_channel", "updated_channel")]
    receivers = [getattr(data, k, None) for k in ("receiver_value", "current_receiver_value", "updated_receiver_value")]
    notifications = getattr(data, "notifications", None)
    for notification in (notifications.notifications if notifications is not None else None) or []:
        channels += notification.channels or []
        for receiver in notification.notificaion_receivers or []:
            receivers += receiver.receiver_values or []
    return _unique(c for c in channels if c), _unique(r for r in receivers if r)


def _unique(values: Iterable[Any]) -> list[Any]:
    """The values in their first order, each once."""
    return list(dict.fromkeys(values))


_COLLECTORS: dict[str, Collector] = {
    "file-change": _file, "table-change": _table, "node-operation": _node_operation, "backfill": _backfill,
    "instance-operation": _instance, "di-job": _di, "approval": _approval, "dq-config": _dq,
}
