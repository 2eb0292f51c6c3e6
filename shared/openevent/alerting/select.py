"""Which events alert at all, decided from the event alone (before any API call).

* ``InstanceStatusChanges``: FAILURE (5) of an instance whose ``dagType`` is in
  ``select.instance_dag_types`` (default: scheduled only; a missing ``dagType`` counts as
  scheduled) is an ``instance_failure``; SUCCESS (6) is an ``instance_recovery`` *candidate*
  (the pipeline sends it only when a failure of that instance was alerted); other statuses never.
* ``DagStatusChanges``: FAILURE of a workflow whose ``dagType`` is in ``select.workflow_dag_types``
  (default backfill and manual workflows) is a ``workflow_failure``; SUCCESS a
  ``workflow_recovery`` candidate when ``workflow_recovery`` is on.
* ``WorkbenchMonitorAlert``: every alert (baseline, event, rule, unknown shape) is a
  ``monitor_alert``, unless ``monitor_alerts`` is off or ``monitor_alarm_types`` leaves it out.

Example:
    >>> from openevent.events import parse, sample_event
    >>> from openevent.alerting.config import SelectConfig
    >>> raw = sample_event("dataworks:InstanceStatusChanges:InstanceStatusChanges")
    >>> raw["data"].update(status=5, dagType=0)
    >>> select(parse(raw), SelectConfig()).alert.kind
    'instance_failure'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openevent.alerting.alert import Alert
from openevent.alerting.config import SelectConfig
from openevent.events import Event

INSTANCE_TYPE = "dataworks:InstanceStatusChanges:InstanceStatusChanges"
DAG_TYPE = "dataworks:DagStatusChanges:DagStatusChanges"
MONITOR_TYPE = "dataworks:MonitorAlert:WorkbenchMonitorAlert"
TYPES = (INSTANCE_TYPE, DAG_TYPE, MONITOR_TYPE)
FAILURE, SUCCESS = 5, 6


@dataclass(frozen=True)
class Selection:
    """The alert, or ``None`` with the reason the event does not alert."""

    alert: Alert | None
    reason: str = ""


def select(event: Event, cfg: SelectConfig) -> Selection:
    """Decide whether ``event`` alerts and build its :class:`Alert` (unenriched)."""
    if event.type == INSTANCE_TYPE:
        return _instance(event, cfg)
    if event.type == DAG_TYPE:
        return _workflow(event, cfg)
    if event.type == MONITOR_TYPE:
        return _monitor(event, cfg)
    return Selection(None, f"event type {event.type} is not handled by this function")


def _base(event: Event, **fields: Any) -> Alert:
    return Alert(event_id=event.id, event_type=event.type, workspace_id=event.workspace_id,
                 region=event.region, event_time=event.time, **fields)


def _dag_type(value: Any) -> int:
    return 0 if value is None else int(value)


def _instance(event: Event, cfg: SelectConfig) -> Selection:
    data = event.data
    status = int(data.status)
    dag_type = _dag_type(data.dag_type)
    if status not in (FAILURE, SUCCESS):
        return Selection(None, f"instance status {data.status.name} does not alert")
    if dag_type not in cfg.instance_dag_types:
        return Selection(None, f"dagType {dag_type} is not in select.instance_dag_types")
    if status == SUCCESS and not cfg.recovery:
        return Selection(None, "recovery messages are off (select.recovery)")
    kind = "instance_failure" if status == FAILURE else "instance_recovery"
    return Selection(_base(event, kind=kind, status=data.status.name, subject=f"instance:{data.task_id}",
                           instance_id=data.task_id, node_id=data.node_id, dag_id=data.dag_id,
                           dag_type=dag_type, begin_time=data.begin_running_time, finish_time=data.finish_time))


def _workflow(event: Event, cfg: SelectConfig) -> Selection:
    data = event.data
    status = int(data.status)
    dag_type = _dag_type(data.dag_type)
    if status not in (FAILURE, SUCCESS):
        return Selection(None, f"workflow status {data.status.name} does not alert")
    if dag_type not in cfg.workflow_dag_types:
        return Selection(None, f"dagType {dag_type} is not in select.workflow_dag_types")
    if status == SUCCESS and not cfg.workflow_recovery:
        return Selection(None, "workflow recovery messages are off (select.workflow_recovery)")
    kind = "workflow_failure" if status == FAILURE else "workflow_recovery"
    return Selection(_base(event, kind=kind, status=data.status.name, subject=f"dag:{data.dag_id}",
                           dag_id=data.dag_id, dag_type=dag_type, dag_name=data.dag_name,
                           bizdate=data.biz_date, operator=event.operator,
                           detail=[("flow", str(data.flow_name or data.flow_id or ""))]))


def _monitor(event: Event, cfg: SelectConfig) -> Selection:
    data = event.data
    alarm = str(getattr(data, "alarm_type", None) or "UNKNOWN")
    if not cfg.monitor_alerts:
        return Selection(None, "monitor alerts are off (select.monitor_alerts)")
    if cfg.monitor_alarm_types is not None and alarm not in cfg.monitor_alarm_types:
        return Selection(None, f"alarm type {alarm} is not in select.monitor_alarm_types")
    fields: dict[str, Any] = {"kind": "monitor_alert", "alarm_type": alarm}
    if alarm == "SLA_ALERT":
        status = data.baseline_status.name if data.baseline_status is not None else "UNKNOWN"
        fields.update(status=status, baseline_id=data.baseline_id, baseline_name=data.baseline_name,
                      instance_id=data.task_id, node_id=data.node_id, bizdate=data.biz_date,
                      subject=f"baseline:{data.baseline_id}:{data.biz_date}:{data.in_group_id}")
    elif alarm == "TOPIC_ALERT":
        status = data.task_status.name if data.task_status is not None else "UNKNOWN"
        fields.update(status=status, instance_id=data.task_id, node_id=data.node_id,
                      subject=f"topic:{data.topic_id}:{data.task_id}")
    elif alarm == "REMIND_ALERT":
        status = str(data.remind_type or "UNKNOWN")
        ids = ",".join(str(i) for i in data.task_ids or [])
        nodes = ",".join(str(i) for i in data.node_ids or [])
        detail = [("rule", f"{data.remind_name or ''} ({data.remind_id})"), ("unit", str(data.remind_unit or ""))]
        if nodes:
            detail.append(("nodes", nodes))
        if ids:
            detail.append(("instances", ids))
        if data.resource_group_name:
            detail.append(("resource group", str(data.resource_group_name)))
        first_node = (data.node_ids or [None])[0]
        first_task = (data.task_ids or [None])[0]
        fields.update(status=status, subject=f"remind:{data.remind_id}:{ids or data.resource_group_identifier}",
                      node_id=first_node if len(data.node_ids or []) == 1 else None,
                      instance_id=first_task if len(data.task_ids or []) == 1 else None,
                      dag_name=data.remind_name, detail=detail)
    else:
        fields.update(status="UNKNOWN", subject=f"monitor:{event.id}")
    return Selection(_base(event, **fields))
