"""Quiet hours, rate budgets with a digest reserve, and the event claim."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alerting_support import NOON_CST, FakeClock, dingtalk_config, texts

from openevent.alerting.config import QuietHours
from openevent.alerting.noise import (
    claim_event,
    in_quiet_hours,
    receiver_limits,
    take_alert_budget,
    take_digest_budget,
)
from openevent.alerting.pipeline import Notifier
from openevent.local.fake_chat import FakeChat
from openevent.state import open_store

QUIET = {"start": "11:00", "end": "13:00", "utc_offset": "+08:00"}  # NOON_CST is inside


def test_quiet_hours_can_span_midnight() -> None:
    q = QuietHours(start="22:00", end="08:00", utc_offset="+00:00")
    assert [in_quiet_hours(h * 3600, q) for h in (21, 22, 3, 8)] == [False, True, True, False]


def test_a_dingtalk_robot_gets_15_alerts_a_minute_and_5_more_for_digests() -> None:
    store = open_store("memory://")
    limits = receiver_limits("dingtalk", "ops", {})
    alerts = sum(take_alert_budget(store, "ops", limits, reserve=0.25) for _ in range(30))
    digests = sum(take_digest_budget(store, "ops", limits) for _ in range(30))
    assert (alerts, digests) == (15, 5)


def test_feishu_is_limited_per_second_as_well() -> None:
    store = open_store("memory://", clock=lambda: 0.0)
    limits = receiver_limits("feishu", "team", {})
    assert sum(take_alert_budget(store, "team", limits, reserve=0.25) for _ in range(10)) == 5


def test_an_in_progress_claim_blocks_a_concurrent_delivery_until_it_goes_stale() -> None:
    clock = FakeClock()
    store = open_store("memory://", clock=clock.time)
    assert claim_event(store, "e1", now=clock.now, in_progress_s=120, ttl_s=86400)
    assert not claim_event(store, "e1", now=clock.now + 10, in_progress_s=120, ttl_s=86400)
    assert claim_event(store, "e1", now=clock.now + 121, in_progress_s=120, ttl_s=86400)


def test_quiet_hours_hold_a_non_critical_alert_and_a_digest_follows_them(
        chat: FakeChat, dingtalk: str, no_dataworks: None, make_notifier: Callable[..., Notifier],
        instance_event: Callable[..., dict[str, Any]], clock: FakeClock) -> None:
    notifier = make_notifier(dingtalk_config(dingtalk, quiet_hours=QUIET))

    held = notifier.handle_raw(instance_event("q1"))
    clock.advance(1800)
    during = notifier.handle_raw({"triggerTime": "t", "triggerName": "flush", "payload": ""})
    clock.now = NOON_CST + 3600 + 60  # 13:01
    after = notifier.handle_raw({"triggerTime": "t", "triggerName": "flush", "payload": ""})

    assert held["notifications"][0]["status"] == "held"
    assert during["notifications"] == []
    assert [r["status"] for r in after["notifications"]] == ["sent"]
    assert "静默时段" in texts(chat)[0]


def test_a_critical_alert_goes_out_during_quiet_hours(
        chat: FakeChat, dingtalk: str, no_dataworks: None, make_notifier: Callable[..., Notifier],
        instance_event: Callable[..., dict[str, Any]]) -> None:
    quiet = {**QUIET, "bypass": {"kinds": ["instance_failure"]}}
    result = make_notifier(dingtalk_config(dingtalk, quiet_hours=quiet)).handle_raw(instance_event())
    assert result["notifications"][0]["status"] == "sent"
