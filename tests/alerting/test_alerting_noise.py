"""Quiet hours, rate budgets with a digest reserve, repeat windows, daily caps and the recovery memory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alerting_support import NOON_CST, FakeClock, dingtalk_config, texts

from openevent.alerting.config import QuietHours
from openevent.alerting.noise import (
    commit_daily,
    commit_repeat,
    daily_count,
    forget_failure,
    in_quiet_hours,
    receiver_limits,
    remember_failure,
    repeat_blocked,
    take_alert_budget,
    take_digest_budget,
    take_failure,
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


def test_a_repeat_window_is_only_read_until_it_is_committed() -> None:
    store = open_store("memory://")
    assert not repeat_blocked(store, "instance:1:FAILURE", "e1", now=NOON_CST)
    assert not repeat_blocked(store, "instance:1:FAILURE", "e2", now=NOON_CST)  # reading opened nothing


def test_a_committed_repeat_window_suppresses_other_events_but_not_the_one_that_opened_it() -> None:
    store = open_store("memory://")
    commit_repeat(store, "instance:1:FAILURE", "e1", now=NOON_CST, window_s=1800)
    assert repeat_blocked(store, "instance:1:FAILURE", "e2", now=NOON_CST + 60)
    assert not repeat_blocked(store, "instance:1:FAILURE", "e1", now=NOON_CST + 60)  # e1's own redelivery
    assert not repeat_blocked(store, "instance:1:FAILURE", "e2", now=NOON_CST + 1801)


def test_the_daily_cap_counts_an_event_once_however_often_it_is_committed() -> None:
    store = open_store("memory://")
    for event_id in ("e1", "e1", "e2"):
        commit_daily(store, "instance:1", event_id, now=NOON_CST, quiet=None)
    assert daily_count(store, "instance:1", "e1", now=NOON_CST, quiet=None) == (2, True)
    assert daily_count(store, "instance:1", "e3", now=NOON_CST, quiet=None) == (2, False)


def test_a_recovery_keeps_the_failure_memory_for_its_own_redelivery_until_it_forgets_it() -> None:
    store = open_store("memory://")
    remember_failure(store, "instance:1", ["dt"], now=NOON_CST, ttl_s=86400)
    assert take_failure(store, "instance:1", "ok-1") == ["dt"]
    assert take_failure(store, "instance:1", "ok-2") is None  # another success event sends no second recovery
    assert take_failure(store, "instance:1", "ok-1") == ["dt"]  # ok-1 redelivered after a crash
    forget_failure(store, "instance:1", "ok-1")
    assert take_failure(store, "instance:1", "ok-1") is None


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
