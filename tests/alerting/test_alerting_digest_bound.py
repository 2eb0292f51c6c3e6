"""A storm that outruns its receiver: the digest backlog stays bounded, and every alert is listed once or counted."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime, timezone
from types import ModuleType
from typing import Any

import pytest
from alerting_support import SECRET, TIMER_EVENT, FakeClock, invoke, on_fake_clock, texts

from openevent.alerting.digest import (
    FOLDED,
    alert_count,
    claim_due,
    compact,
    digest_messages,
    fold,
    pending_since,
    queue,
)
from openevent.local.fake_chat import FakeChat
from openevent.state import open_store

FIRST_INSTANCE = 523_600_000_000
STORM = 1_500
RATE_PER_S = 10
WINDOW_S = 20
MAX_ITEMS = 40
# the robot takes 4 messages a minute (3 alerts + 1 digest): far fewer alerts than 10 a second
NARROW_ROBOT = {"dt": [{"limit": 4, "window_s": 60}]}
FOLDED_LINE = re.compile(r"… (\d+) more, not listed one by one")


def _item(n: int, kind: str = "instance_failure", workspace: int = 10001) -> dict[str, Any]:
    return {"event_id": f"e{n}", "kind": kind, "workspace_id": workspace, "instance_id": n, "status": "FAILURE"}


# -- fold: the first alerts listed, the rest counted ------------------------------------------------------
def test_a_backlog_within_the_bound_is_listed_as_it_is() -> None:
    items = [_item(n) for n in range(3)]

    assert fold(items, 3) == items and fold(items, None) == items


def test_alerts_beyond_the_bound_are_counted_per_workspace_and_kind_after_the_listed_ones() -> None:
    items = [_item(0), _item(1), _item(2, "instance_recovery"), _item(3), _item(4, workspace=20002)]

    folded = fold(items, 2, token="t")

    assert folded[:2] == items[:2]
    assert [(s["kind"], s["workspace_id"], s["counts"]) for s in folded[2:]] == [
        (FOLDED, 10001, {"instance_recovery": 1, "instance_failure": 1}), (FOLDED, 20002, {"instance_failure": 1})]
    assert sum(alert_count(i) for i in folded) == len(items)


def test_summaries_of_earlier_flushes_merge_into_one_per_workspace() -> None:
    first = fold([_item(n) for n in range(5)], 2, token="a")
    requeued = [*first, _item(5), _item(6)]

    again = fold(requeued, 2, token="b")

    assert [i["event_id"] for i in again] == ["e0", "e1", "folded:10001:b"]
    assert again[-1]["counts"] == {"instance_failure": 5} and sum(alert_count(i) for i in again) == 7


def test_a_digest_states_the_counted_alerts_in_its_header_title_and_a_summary_line() -> None:
    items = fold([_item(n) for n in range(30)] + [_item(99, "instance_recovery")], 10, token="t")

    (message, carried), = digest_messages(items, lane="overflow", lang="en", channel_kind="dingtalk")

    assert message.title == "Alert digest: 31 alerts" and message.severity == "error"
    assert "31 more alerts (rate limit) in workspace 10001:" in message.text
    assert message.text.splitlines()[-1] == \
        "- … 21 more, not listed one by one: 20 failed instances, 1 recovered instances"
    assert carried == items
    (zh, _), = digest_messages(items, lane="overflow", lang="zh", channel_kind="dingtalk")
    assert zh.text.splitlines()[-1] == "- …另有 21 条未逐条列出：实例失败 20，实例恢复 1"


def test_compacting_a_lane_folds_it_in_place_sends_nothing_and_keeps_it_due_when_it_was() -> None:
    store = open_store("memory://")
    for n in range(7):
        queue(store, "ops", "quiet", _item(n), now=100.0 + n, list_ttl_s=3600)

    assert compact(store, "ops", "quiet", now=200.0, hold_s=30, max_items=3, list_ttl_s=3600) is True
    assert pending_since(store, "ops", "quiet") == 100.0
    due = claim_due(store, "ops", "quiet", now=200.0, window_s=60, hold_s=30)
    assert due is not None and [i["event_id"] for i in due.items[:3]] == ["e0", "e1", "e2"]
    assert [(i["kind"], i["counts"]) for i in due.items[3:]] == [(FOLDED, {"instance_failure": 4})]


# -- the real handler under a storm its robot cannot carry --------------------------------------------------
def _storm(notifier_fn: ModuleType, deploy: Callable[..., dict[str, str]],
           instance_event: Callable[..., dict[str, Any]], max_items: int | None,
           quiet_s: float = 0.0) -> tuple[FakeChat, list[int]]:
    """``STORM`` failures at ``RATE_PER_S`` to a narrow DingTalk robot (all of them in quiet hours that end
    ``quiet_s`` after the storm began, when set), then timer flushes until nothing is pending; returns the
    chat and the backlog (pending digest items) after each invocation."""
    clock = FakeClock(time.time())  # the robot's signatures stay valid; windows and rate budgets run on it
    chat = FakeChat(clock=clock.time)
    chat.__enter__()
    config: dict[str, Any] = {
        "receivers": {"dt": {"kind": "dingtalk", "url": chat.dingtalk_robot("tok", secret=SECRET), "secret": SECRET}},
        "enrichment": {"enabled": False}, "lang": "en", "noise": {"rate_limits": NARROW_ROBOT},
        "digest": {"window_s": WINDOW_S, "max_items": max_items}}
    if quiet_s:
        config["quiet_hours"] = {"start": _hhmm(clock.now - 60), "end": _hhmm(clock.now + quiet_s),
                                 "utc_offset": "+00:00"}
    deploy(config)
    worker = on_fake_clock(notifier_fn, clock)
    backlog = []
    start = clock.now
    for n in range(STORM):
        invoke(notifier_fn, instance_event(f"bound-{n}", task_id=FIRST_INSTANCE + n, node_id=710_000_000_000 + n))
        backlog.append(_pending(worker))
        clock.advance(1 / RATE_PER_S)
    clock.now = max(clock.now, start + quiet_s + 60)
    for _ in range(200 if max_items is not None else 0):
        clock.advance(60)
        invoke(notifier_fn, TIMER_EVENT)
        if not _pending(worker) and not any(worker.store.get(f"digest:dt:{lane}") for lane in ("overflow", "quiet")):
            break
    return chat, backlog


def _hhmm(at: float) -> str:
    return datetime.fromtimestamp(at, timezone.utc).strftime("%H:%M")


def _listed_and_counted(chat: FakeChat) -> tuple[list[int], int]:
    messages = texts(chat)
    listed = [int(m) for t in messages for m in set(re.findall(r"\b(5236\d{8})\b", t))]  # its link names it too
    return listed, sum(int(m) for t in messages for m in FOLDED_LINE.findall(t))


def _pending(worker: Any) -> int:
    data = worker.store._data  # the memory store's entries: a list value is a digest lane's pending items
    return sum(len(e.value) for e in list(data.values()) if isinstance(e.value, list))


@pytest.mark.faults  # the fault suite (RELIABILITY.md): pytest -m faults
def test_a_storm_the_robot_cannot_carry_keeps_the_backlog_bounded_and_lists_or_counts_every_alert_once(
        notifier_fn: ModuleType, deploy: Callable[..., dict[str, str]],
        instance_event: Callable[..., dict[str, Any]]) -> None:
    chat, backlog = _storm(notifier_fn, deploy, instance_event, MAX_ITEMS)
    try:
        listed, counted = _listed_and_counted(chat)

        # the bound, a summary, and at most one window of arrivals waiting for the next flush
        assert max(backlog) <= MAX_ITEMS + 1 + WINDOW_S * RATE_PER_S + 1
        assert len(listed) == len(set(listed))  # no alert listed twice
        assert len(listed) + counted == STORM  # every alert listed or counted
        assert counted > STORM // 2  # the robot really could not carry them one by one
    finally:
        chat.__exit__(None, None, None)


@pytest.mark.faults
def test_without_a_bound_the_same_storm_grows_the_backlog_with_every_alert(
        notifier_fn: ModuleType, deploy: Callable[..., dict[str, str]],
        instance_event: Callable[..., dict[str, Any]]) -> None:
    chat, backlog = _storm(notifier_fn, deploy, instance_event, None)
    chat.__exit__(None, None, None)

    assert backlog[-1] > 3 * (MAX_ITEMS + 1 + WINDOW_S * RATE_PER_S)


@pytest.mark.faults
def test_a_storm_held_through_quiet_hours_is_folded_as_it_arrives_and_its_digest_lists_or_counts_every_alert(
        notifier_fn: ModuleType, deploy: Callable[..., dict[str, str]],
        instance_event: Callable[..., dict[str, Any]]) -> None:
    chat, backlog = _storm(notifier_fn, deploy, instance_event, MAX_ITEMS, quiet_s=300)  # signatures: ±1 h
    try:
        listed, counted = _listed_and_counted(chat)

        assert max(backlog) <= 2 * MAX_ITEMS + 1  # no flush in quiet hours: the appenders fold the lane
        assert len(listed) == len(set(listed)) and len(listed) + counted == STORM
        assert "held during quiet hours" in texts(chat)[0]
    finally:
        chat.__exit__(None, None, None)
