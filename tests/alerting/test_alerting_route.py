"""Routing: ordered routes, first match wins, ``continue`` falls through, defaults, ``*`` and disabled receivers."""

from __future__ import annotations

from typing import Any

from openevent.alerting.alert import Alert
from openevent.alerting.config import Match, Owner, Route
from openevent.alerting.route import route

ENABLED = ["ops", "oncall", "sales"]


def _alert(**fields: Any) -> Alert:
    base: dict[str, Any] = {"kind": "instance_failure", "event_id": "e", "event_type": "t", "status": "FAILURE",
                            "subject": "instance:1", "workspace_id": 10001, "node_name": "ods_orders", "priority": 1}
    return Alert(**{**base, **fields})


def _route(match: dict[str, Any], receivers: list[str], cont: bool = False) -> Route:
    return Route.model_validate({"match": match, "receivers": receivers, "continue": cont})


def test_the_first_matching_route_wins() -> None:
    routes = [_route({"nodes": ["ods_*"]}, ["sales"]), _route({}, ["ops"])]
    assert [h.receiver for h in route(_alert(), routes, ["*"], enabled=ENABLED)] == ["sales"]


def test_continue_falls_through_to_the_next_matching_route() -> None:
    routes = [_route({"priorities": [8]}, ["oncall"], cont=True), _route({"workspaces": ["10001"]}, ["sales"])]
    hits = route(_alert(priority=8), routes, ["*"], enabled=ENABLED)
    assert [h.receiver for h in hits] == ["oncall", "sales"]


def test_without_a_matching_route_the_default_receivers_get_it() -> None:
    routes = [_route({"workspaces": ["20002"]}, ["sales"])]
    assert [h.receiver for h in route(_alert(), routes, ["ops"], enabled=ENABLED)] == ["ops"]


def test_star_means_every_enabled_receiver() -> None:
    assert [h.receiver for h in route(_alert(), [], ["*"], enabled=ENABLED)] == ENABLED


def test_a_disabled_receiver_is_left_out() -> None:
    routes = [_route({}, ["sales", "ops"])]
    assert [h.receiver for h in route(_alert(), routes, ["*"], enabled=["ops"])] == ["ops"]


def test_owners_match_by_uid_or_configured_name() -> None:
    owners = {"1900000001": Owner(name="zhangsan")}
    routes = [_route({"owners": ["zhang*"]}, ["sales"])]
    hits = route(_alert(owner="1900000001"), routes, ["ops"], enabled=ENABLED, owners=owners)
    assert [h.receiver for h in hits] == ["sales"]


def test_nodes_match_by_id_as_well_as_name() -> None:
    routes = [_route({"nodes": ["7000*"]}, ["sales"])]
    hits = route(_alert(node_name=None, node_id=700004120003), routes, ["ops"], enabled=ENABLED)
    assert [h.receiver for h in hits] == ["sales"]


def test_monitor_alerts_match_on_alarm_type_and_status() -> None:
    alert = _alert(kind="monitor_alert", alarm_type="SLA_ALERT", status="OVERTIME", baseline_name="core_daily")
    routes = [_route({"alarm_types": ["SLA_ALERT"], "statuses": ["overtime"], "baselines": ["core_*"]}, ["oncall"])]
    assert [h.receiver for h in route(alert, routes, ["ops"], enabled=ENABLED)] == ["oncall"]


def test_an_empty_match_matches_everything() -> None:
    assert Match().model_dump(exclude_none=True) == {}
    assert [h.receiver for h in route(_alert(), [_route({}, ["ops"])], [], enabled=ENABLED)] == ["ops"]
