"""`openevent route` with the shipped s.yaml: which bus, which rule, which function — as EventBridge decides.

Instance-status events are the bulk of a big tenant's traffic (~5 M a day); only FAILURE (5) and
SUCCESS (6, for recovery messages) may invoke the notifier, whether DataWorks sends the status as
a number or as a string.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from deploy_paths import S_YAML

from openevent.deploy.routing import functions_for, routes_of
from openevent.deploy.template import load_template
from openevent.events.samples import sample_event

NOTIFIER = "instance_status_notifier"
INSTANCE = "dataworks:InstanceStatusChanges:InstanceStatusChanges"
WORKFLOW = "dataworks:DagStatusChanges:DagStatusChanges"
CUSTOM_BUS = "dataworks-openevent-bus"
# 1/0 not run, 2 waiting for time, 3 waiting for resources, 4 running, 7/8 checking (dataworks-events.md §8.4)
QUIET_STATUSES = [0, 1, 2, 3, 4, 7, 8]


def routes() -> Any:
    return routes_of(load_template(S_YAML, env={}))


def status_event(event_type: str, status: Any) -> dict[str, Any]:
    return sample_event(event_type, {"data.status": status})


def route_cli(run_cli: Any, tmp_path: Path, event: Any, *args: str) -> Any:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    result = run_cli("route", str(path), "--template", str(S_YAML), *args)
    assert result.code == 0, result.err
    return result.json()


@pytest.mark.parametrize("status", QUIET_STATUSES + [str(s) for s in QUIET_STATUSES])
def test_instance_events_that_neither_fail_nor_succeed_reach_no_function(run_cli: Any, tmp_path: Path,
                                                                         status: Any) -> None:
    assert route_cli(run_cli, tmp_path, status_event(INSTANCE, status)) == []


@pytest.mark.parametrize("status", [5, "5", 6, "6"])
def test_failed_and_succeeded_instances_reach_the_notifier_as_number_or_string(run_cli: Any, tmp_path: Path,
                                                                               status: Any) -> None:
    assert route_cli(run_cli, tmp_path, status_event(INSTANCE, status)) == [NOTIFIER]


@pytest.mark.parametrize(("status", "expected"), [(1, []), (4, []), ("4", []), (5, [NOTIFIER]), ("6", [NOTIFIER])])
def test_workflow_status_events_are_filtered_the_same_way(run_cli: Any, tmp_path: Path, status: Any,
                                                          expected: list[str]) -> None:
    assert route_cli(run_cli, tmp_path, status_event(WORKFLOW, status)) == expected


def test_monitor_alerts_carry_no_status_and_still_reach_the_notifier(run_cli: Any, tmp_path: Path) -> None:
    event = sample_event("dataworks:MonitorAlert:WorkbenchMonitorAlert")
    assert route_cli(run_cli, tmp_path, event) == [NOTIFIER]


def test_explain_names_the_bus_and_the_rule_that_matched(run_cli: Any, tmp_path: Path) -> None:
    out = route_cli(run_cli, tmp_path, status_event(INSTANCE, "5"), "--explain")
    assert (out["bus"], out["functions"]) == (CUSTOM_BUS, [NOTIFIER])
    assert out["matched"] == [{"function": NOTIFIER, "bus": CUSTOM_BUS, "via": "busRules",
                               "rule": "openevent-openevent-instance-status-notifier-status"}]


def test_explain_says_why_a_running_instance_matched_no_rule(run_cli: Any, tmp_path: Path) -> None:
    out = route_cli(run_cli, tmp_path, status_event(INSTANCE, 4), "--explain")
    assert out["functions"] == []
    (missed,) = out["not_matched"]
    assert missed["rule"] == "openevent-openevent-instance-status-notifier-status"
    assert missed["reason"] == 'data.status: 4 matches none of [5, "5", 6, "6"]'


def test_a_tenant_level_event_reaches_its_guard_through_the_default_bus_trigger(run_cli: Any, tmp_path: Path) -> None:
    out = route_cli(run_cli, tmp_path, sample_event("dataworks:ProjectChange:DeleteProject"), "--explain")
    assert out["bus"] == "default"
    assert out["matched"] == [{"function": "workspace_delete_guard", "bus": "default", "via": "trigger",
                               "rule": "openevent-workspace-delete-guard-openevent"}]


def test_a_workspace_level_event_on_the_default_bus_reaches_nothing(run_cli: Any, tmp_path: Path) -> None:
    event = dict(sample_event("dataworks:FileChange:DeployFile"), aliyuneventbusname="default")
    assert route_cli(run_cli, tmp_path, event) == []


def test_an_event_on_a_bus_the_template_has_no_rules_on_reaches_nothing_and_says_so(run_cli: Any,
                                                                                   tmp_path: Path) -> None:
    event = dict(sample_event("dataworks:FileChange:DeployFile"), aliyuneventbusname="someone-elses-bus")
    out = route_cli(run_cli, tmp_path, event, "--explain")
    assert out["functions"] == [] and "has no rules on" in out["note"]


def test_an_event_naming_no_bus_is_tried_on_every_bus(run_cli: Any, tmp_path: Path) -> None:
    event = sample_event("dataworks:FileChange:DeployFile")
    del event["aliyuneventbusname"]
    out = route_cli(run_cli, tmp_path, event, "--explain")
    assert out["bus"] is None and out["functions"] == ["change_guard"] and "tried the rules of every bus" in out["note"]


def test_bus_option_overrides_the_bus_the_event_names(run_cli: Any, tmp_path: Path) -> None:
    event = sample_event("dataworks:FileChange:DeployFile")  # published to the custom bus
    assert route_cli(run_cli, tmp_path, event, "--bus", "default") == []


def test_the_status_filter_follows_the_configured_list() -> None:
    template = load_template(S_YAML, env={"OPENEVENT_NOTIFY_STATUSES": '[5, "5"]'})
    assert functions_for(status_event(INSTANCE, 5), routes_of(template)) == [NOTIFIER]
    assert functions_for(status_event(INSTANCE, 6), routes_of(template)) == []


def test_a_day_of_status_events_invokes_the_notifier_once_per_finished_run_only() -> None:
    # Each run emits WAIT_TIME, WAIT_RESOURCE, RUNNING, then FAILURE (1% of runs) or SUCCESS, the
    # status as a number or, now and then, as a string.
    rng = random.Random(7)
    runs, events, invoked, failures_invoked = 1000, 0, 0, 0
    table = routes()
    for run in range(runs):
        final = 5 if run % 100 == 0 else 6
        for status in (2, 3, 4, final):
            value = str(status) if rng.random() < 0.2 else status
            events += 1
            if functions_for(status_event(INSTANCE, value), table) == [NOTIFIER]:
                invoked += 1
                failures_invoked += status == 5
    assert (events, invoked, failures_invoked) == (4000, 1000, 10)  # 75 % fewer invocations, no failure lost
