"""Building the :class:`~openevent.notify.Message` of one alert: title, facts, log excerpt, link, @owner.

Example:
    >>> from openevent.alerting.alert import Alert
    >>> from openevent.alerting.config import LinkConfig
    >>> a = Alert(kind="instance_failure", event_id="e", event_type="t", status="FAILURE",
    ...           subject="instance:42", instance_id=42, workspace_id=10001, region="cn-hangzhou",
    ...           node_name="ods_orders", owner="1900000001")
    >>> m = render_alert(a, lang="en", links=LinkConfig(), owners={})
    >>> m.title, m.severity
    ('ods_orders failed', 'error')
    >>> instance_link(a, LinkConfig())
    'https://dataworks.data.aliyun.com/cn-hangzhou/sc?defaultProjectId=10001#/runningInstance?taskId=42'
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta, timezone

from openevent.alerting.alert import Alert
from openevent.alerting.config import LinkConfig, Owner
from openevent.events.fields import stamp_to_datetime
from openevent.notify.message import Lang, Mentions, Message, MessageKind, Severity

_CST = timezone(timedelta(hours=8))
_DAG_TYPES = {0: ("周期", "scheduled"), 1: ("手动", "manual"), 2: ("测试", "smoke test"), 3: ("补数据", "backfill"),
              4: ("临时工作流", "temporary workflow"), 5: ("手动工作流", "manual workflow")}
_LABELS: dict[str, tuple[str, str]] = {
    "workspace": ("工作空间", "Workspace"), "node": ("节点", "Node"), "owner": ("责任人", "Owner"),
    "instance": ("实例", "Instance"), "status": ("状态", "Status"), "bizdate": ("业务日期", "Bizdate"),
    "cyc_time": ("定时时间", "Cycle time"), "begin": ("开始时间", "Started"), "finish": ("结束时间", "Finished"),
    "reruns": ("重跑次数", "Reruns"), "priority": ("优先级", "Priority"), "baseline": ("基线", "Baseline"),
    "program": ("节点类型", "Program type"), "dag_type": ("运行类型", "Run type"), "workflow": ("工作流", "Workflow"),
    "operator": ("操作人", "Operator"), "alarm": ("告警类型", "Alarm type"), "log": ("日志摘录", "Log excerpt"),
    "notes": ("说明", "Notes"),
}


def _l(key: str, lang: Lang) -> str:
    pair = _LABELS.get(key, (key, key))
    return pair[0] if lang == "zh" else pair[1]


def fmt_time(value: int | str | None, field: str | None = None) -> str:
    """Epoch ms (or a DataWorks time string, shown as sent) as ``YYYY-MM-DD HH:MM:SS`` China time.

    ``""`` for none, and for a number no ``datetime`` can hold (an epoch of ``10**20`` ms,
    ``"²"``): the line is left out of the message (the alert keeps the value) and, given
    ``field``, a warning names it.

    Example:
        >>> fmt_time(1652700577000), fmt_time("2025-03-14 00:05:01"), fmt_time(10**20)
        ('2022-05-16 19:29:37', '2025-03-14 00:05:01', '')
    """
    if value in (None, ""):
        return ""
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        moment = stamp_to_datetime(value, _CST, field=field)
        return moment.strftime("%Y-%m-%d %H:%M:%S") if moment is not None else ""
    return str(value)


def fmt_date(value: int | str | None, field: str | None = None) -> str:
    text = fmt_time(value, field)
    return text[:10] if text else ""


def _fmt(template: str, alert: Alert, links: LinkConfig) -> str | None:
    region = alert.region or links.region
    if not region or alert.workspace_id is None:
        return None
    values = {"console": links.console.rstrip("/"), "region": region, "workspace_id": alert.workspace_id,
              "instance_id": alert.instance_id or "", "node_id": alert.node_id or "", "dag_id": alert.dag_id or ""}
    return template.format(**values)


def instance_link(alert: Alert, links: LinkConfig) -> str | None:
    """The Operation Center link of the alert's instance (the workspace's when there is no single instance)."""
    if alert.instance_id is not None:
        return _fmt(links.instance, alert, links)
    return _fmt(links.workspace, alert, links)


def owner_label(uid: str | None, owners: Mapping[str, Owner]) -> str:
    if not uid:
        return ""
    known = owners.get(uid)
    return f"{known.name} ({uid})" if known is not None and known.name else uid


def mentions_for(uid: str | None, owners: Mapping[str, Owner]) -> Mentions:
    """The @ of an owner through the configured UID → mobile / user-id map (nobody when unknown)."""
    known = owners.get(uid or "")
    if known is None:
        return Mentions()
    return Mentions(mobiles=[known.mobile] if known.mobile else [],
                    user_ids=[known.user_id] if known.user_id else [])


def title_of(alert: Alert, lang: Lang) -> str:
    name = alert.display_node
    zh = lang == "zh"
    if alert.kind == "instance_failure":
        return f"{name} 运行失败" if zh else f"{name} failed"
    if alert.kind == "instance_recovery":
        return f"{name} 已恢复" if zh else f"{name} recovered"
    if alert.kind == "workflow_failure":
        return f"工作流 {name} 失败" if zh else f"Workflow {name} failed"
    if alert.kind == "workflow_recovery":
        return f"工作流 {name} 已成功" if zh else f"Workflow {name} succeeded"
    what = {"SLA_ALERT": ("基线告警", "Baseline alert"), "TOPIC_ALERT": ("事件告警", "Event alert"),
            "REMIND_ALERT": ("规则告警", "Rule alert")}.get(alert.alarm_type or "", ("监控告警", "Monitor alert"))
    return f"{what[0] if zh else what[1]}: {name} {alert.status}"


def severity_of(alert: Alert) -> Severity:
    if alert.is_recovery:
        return "info"
    if alert.kind == "monitor_alert":
        if alert.status in ("OVERTIME", "ABNORMAL"):
            return "critical"
        return "warning" if alert.status in ("WARNING", "SAFE", "UNFINISHED", "TIMEOUT") else "error"
    return "critical" if (alert.priority or 0) >= 7 else "error"


def _kind(alert: Alert) -> MessageKind:
    return "instance_recovery" if alert.is_recovery else "instance_failure"


def render_alert(alert: Alert, *, lang: Lang, links: LinkConfig, owners: Mapping[str, Owner],
                 mention_owner: bool = True) -> Message:
    """The message for one alert."""
    fields: list[tuple[str, str]] = []

    def add(key: str, value: object) -> None:
        if value not in (None, ""):
            fields.append((_l(key, lang), str(value)))

    add("workspace", alert.workspace_id)
    add("node", f"{alert.node_name} ({alert.node_id})" if alert.node_name and alert.node_id else alert.node_id)
    add("workflow", alert.dag_name if alert.kind.startswith("workflow") else None)
    add("instance", alert.instance_id)
    add("status", alert.status)
    add("alarm", alert.alarm_type)
    add("owner", owner_label(alert.owner, owners))
    add("operator", owner_label(alert.operator, owners) if alert.operator != alert.owner else None)
    add("bizdate", fmt_date(alert.bizdate, "bizdate"))
    add("cyc_time", fmt_time(alert.cyc_time, "cyc_time"))
    add("begin", fmt_time(alert.begin_time, "begin_time"))
    add("finish", fmt_time(alert.finish_time, "finish_time"))
    add("reruns", alert.rerun_count)
    add("priority", alert.priority)
    add("baseline", alert.baseline_name or alert.baseline_id)
    add("program", alert.program_type)
    if alert.dag_type not in (None, 0):
        pair = _DAG_TYPES.get(alert.dag_type or 0)
        add("dag_type", (pair[0] if lang == "zh" else pair[1]) if pair else alert.dag_type)
    for name, value in alert.detail:
        if value:
            fields.append((name, value))
    text_parts = []
    if alert.log_excerpt:
        text_parts.append(f"{_l('log', lang)}:\n```\n{alert.log_excerpt}\n```")
    if alert.notes:
        text_parts.append(f"{_l('notes', lang)}: " + "; ".join(alert.notes))
    who = alert.owner or alert.operator
    return Message(kind=_kind(alert), title=title_of(alert, lang), severity=severity_of(alert),
                   text="\n\n".join(text_parts), markdown=True, fields=fields,
                   link=instance_link(alert, links), lang=lang,
                   mentions=mentions_for(who, owners) if mention_owner else Mentions())
