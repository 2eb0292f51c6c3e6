"""Which events alert: instance failures of scheduled runs, workflow failures of backfills, every monitor alert."""

from __future__ import annotations

from openevent.alerting.config import SelectConfig
from openevent.alerting.select import Selection, select
from openevent.events import parse_one
from support import load_event


def _select(name: str, cfg: SelectConfig | None = None, **data: object) -> Selection:
    raw = load_event(name)
    raw["data"].update(data)
    return select(parse_one(raw), cfg or SelectConfig())


def test_a_failed_scheduled_instance_alerts() -> None:
    sel = _select("variants/status_failure")
    assert sel.alert is not None and sel.alert.kind == "instance_failure"


def test_a_running_instance_does_not_alert() -> None:
    sel = _select("InstanceStatusChanges", status=4)
    assert sel.alert is None and "RUNNING" in sel.reason


def test_a_smoke_test_failure_alerts_only_when_its_dag_type_is_enabled() -> None:
    assert _select("variants/status_failure", dagType=2).alert is None
    enabled = SelectConfig(instance_dag_types=[0, 2])
    assert _select("variants/status_failure", enabled, dagType=2).alert is not None


def test_a_success_is_a_recovery_candidate() -> None:
    sel = _select("variants/status_failure", status=6)
    assert sel.alert is not None and sel.alert.kind == "instance_recovery"


def test_a_failed_backfill_workflow_alerts() -> None:
    alert = _select("DagStatusChanges", status=5).alert
    assert alert is not None
    assert alert.kind == "workflow_failure" and alert.subject == "dag:500358972116"


def test_a_successful_workflow_does_not_alert_by_default() -> None:
    assert _select("DagStatusChanges", status=6).alert is None


def test_a_baseline_alert_names_the_baseline_and_its_status() -> None:
    alert = _select("WorkbenchMonitorAlert").alert
    assert alert is not None
    assert alert.kind == "monitor_alert" and alert.alarm_type == "SLA_ALERT"
    assert alert.baseline_name and alert.status in ("ABNORMAL", "SAFE", "WARNING", "OVERTIME")


def test_an_event_alert_carries_the_instance() -> None:
    alert = _select("variants/monitor_alert_TOPIC_ALERT").alert
    assert alert is not None
    assert alert.alarm_type == "TOPIC_ALERT" and alert.instance_id is not None


def test_a_node_rule_alert_lists_its_nodes_and_instances() -> None:
    alert = _select("variants/monitor_alert_REMIND_ALERT_NODE").alert
    assert alert is not None
    names = [name for name, _ in alert.detail]
    assert alert.alarm_type == "REMIND_ALERT" and "nodes" in names and "instances" in names


def test_a_resource_group_rule_alert_names_the_group() -> None:
    alert = _select("variants/monitor_alert_REMIND_ALERT_GATEWAY_RES").alert
    assert alert is not None
    assert ("resource group" in [n for n, _ in alert.detail]) and alert.status.startswith("RES_GROUP")


def test_monitor_alerts_can_be_limited_to_some_alarm_types() -> None:
    cfg = SelectConfig(monitor_alarm_types=["SLA_ALERT"])
    assert _select("variants/monitor_alert_TOPIC_ALERT", cfg).alert is None
