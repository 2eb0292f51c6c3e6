"""A failure storm to one DingTalk robot: at most 20 messages a minute, and every failed instance in one of them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from alerting_support import (
    SECRET,
    TIMER_EVENT,
    FakeClock,
    FaultyChat,
    dingtalk_config,
    invoke,
    kill,
    on_fake_clock,
    sleep_until,
    start_worker,
    texts,
)

from openevent.alerting.config import NotifierConfig
from openevent.alerting.pipeline import Notifier
from openevent.local.fake_chat import FakeChat
from openevent.state import open_store

pytestmark = pytest.mark.faults  # the fault suite (RELIABILITY.md): pytest -m faults

STORM = 500
THROTTLED_STORM = 120
FIRST_INSTANCE = 523_500_000_000
WORKER = Path(__file__).with_name("notifier_worker.py")
TIMER = TIMER_EVENT


def storm_events(make: Callable[..., dict[str, Any]], start: int, count: int) -> list[dict[str, Any]]:
    return [make(f"storm-{start + i}", task_id=FIRST_INSTANCE + start + i, node_id=700_000_000_000 + start + i)
            for i in range(count)]


def instance_ids_in(chat: FakeChat) -> set[int]:
    return {int(m) for t in texts(chat) for m in re.findall(r"\b(5235\d{8})\b", t)}


def max_in_any_minute(times: list[float]) -> int:
    times = sorted(times)
    return max((sum(1 for t in times if start <= t < start + 60) for start in times), default=0)


def storm_config(url: str, **extra: Any) -> dict[str, Any]:
    return dingtalk_config(url, enrichment={"enabled": False}, **extra)


def test_500_failures_in_one_minute_produce_at_most_20_messages_listing_every_instance(
        chat: FakeChat, dingtalk: str, make_notifier: Callable[..., Notifier],
        instance_event: Callable[..., dict[str, Any]], clock: FakeClock) -> None:
    notifier = make_notifier(storm_config(dingtalk, digest={"window_s": 20}))
    rows = []
    for event in storm_events(instance_event, 0, STORM):
        rows += notifier.handle_raw(event)["notifications"]
        clock.advance(0.05)  # 500 events over 25 s; a digest flush falls in the middle
    clock.advance(20)  # 45 s after the first failure: the timer flushes the rest
    flushed = notifier.handle_raw(TIMER)["notifications"]

    assert len(chat.received("tok")) <= 20
    assert chat.request_count("tok") == len(chat.received("tok"))  # never sent into a throttled robot
    assert instance_ids_in(chat) == {FIRST_INSTANCE + i for i in range(STORM)}
    assert {r["status"] for r in rows} == {"sent", "digested"}
    assert all(r["status"] == "sent" for r in flushed)


def test_a_storm_digest_names_the_count_and_the_workspace(chat: FakeChat, dingtalk: str,
                                                          make_notifier: Callable[..., Notifier],
                                                          instance_event: Callable[..., dict[str, Any]],
                                                          clock: FakeClock) -> None:
    notifier = make_notifier(storm_config(dingtalk, digest={"window_s": 20}, lang="en"))
    for event in storm_events(instance_event, 0, 52):
        notifier.handle_raw(event)
    clock.advance(30)
    notifier.handle_raw(TIMER)

    assert "37 more alerts (rate limit) in workspace 10001:" in texts(chat)[-1]


def test_the_next_invocation_after_the_digest_window_flushes_the_digest(
        chat: FakeChat, dingtalk: str, make_notifier: Callable[..., Notifier],
        instance_event: Callable[..., dict[str, Any]], clock: FakeClock) -> None:
    notifier = make_notifier(storm_config(dingtalk, digest={"window_s": 20}))
    for event in storm_events(instance_event, 0, 16):
        notifier.handle_raw(event)
    clock.advance(25)

    result = notifier.handle_raw(instance_event("late", status=4))  # a RUNNING event: nothing of its own

    assert result["notifications"] == []
    assert [r["status"] for r in result["digests"]] == ["sent"]
    assert FIRST_INSTANCE + 15 in instance_ids_in(chat)


def test_two_handler_processes_sharing_redis_stay_within_the_robots_limit_and_lose_nothing(
        tmp_path: Path, redis_url: str, instance_event: Callable[..., dict[str, Any]]) -> None:
    state_url = redis_url
    with FakeChat() as chat:  # real clock: both processes and the robot share wall time
        url = chat.dingtalk_robot("tok", secret="SEC-test-secret")
        config = storm_config(url)
        config_path = tmp_path / "storm.json"
        config_path.write_text(json.dumps(config), encoding="utf-8")
        env = {**os.environ, "OPENEVENT_CONFIG": str(config_path), "OPENEVENT_STATE_URL": state_url,
               "OPENEVENT_LOG_LEVEL": "warning", "OPENEVENT_LOG_STREAM": "stderr"}
        procs = []
        for n in range(2):
            events = tmp_path / f"events-{n}.json"
            events.write_text(json.dumps(storm_events(instance_event, n * 250, 250)), encoding="utf-8")
            procs.append((subprocess.Popen([sys.executable, str(WORKER), str(events), str(tmp_path / f"out-{n}.json")],
                                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE),
                          tmp_path / f"out-{n}.json"))
        for proc, _ in procs:
            _out, err = proc.communicate(timeout=150)
            assert proc.returncode == 0, err.decode()[-2000:]
        rows = [r for _, out in procs for res in json.loads(out.read_text()) for r in res["notifications"]]

        # the timer trigger after the digest window: a notifier whose clock is past it, on the same Redis
        later = Notifier(NotifierConfig.model_validate(config), open_store(state_url),
                         clock=lambda: time.time() + 3600)
        flushed = later.handle_raw(TIMER)["notifications"]

        accepted = chat.received("tok")
        assert max_in_any_minute([m.at for m in accepted]) <= 20
        assert chat.request_count("tok") == len(accepted)  # no request was throttled by the robot
        assert instance_ids_in(chat) == {FIRST_INSTANCE + i for i in range(STORM)}
        assert len(rows) == STORM and {r["status"] for r in rows} <= {"sent", "digested"}
        assert flushed and all(r["status"] == "sent" for r in flushed)


# -- digests that cannot go out when they are due ----------------------------------------------------
def test_throttled_digests_are_requeued_and_every_failed_instance_arrives_once_the_throttle_passes(
        notifier_fn: ModuleType, deploy: Callable[..., dict[str, str]],
        instance_event: Callable[..., dict[str, Any]]) -> None:
    clock = FakeClock(time.time())  # the robots' signatures stay valid; windows and throttling run on it
    with FakeChat(clock=clock.time) as chat:
        deploy(storm_config(chat.dingtalk_robot("tok", secret=SECRET), digest={"window_s": 20}))
        on_fake_clock(notifier_fn, clock)
        rows = []
        for event in storm_events(instance_event, 0, THROTTLED_STORM):
            rows += invoke(notifier_fn, event)["notifications"]
            clock.advance(0.05)
        chat.fail_next("tok", 2, "throttle")  # errcode 130101 to the next two requests: the digests
        flushes = []
        for wait in (25, 30, 40, 70):  # DingTalk asks for 60 s after each throttled request
            clock.advance(wait)
            flushes.append(invoke(notifier_fn, TIMER)["notifications"])

        requeued = [r for flush in flushes for r in flush if "requeued" in r["reason"]]
        assert [len(f) for f in flushes] == [1, 0, 1, 1] and len(requeued) == 2
        assert [r["status"] for r in flushes[-1]] == ["sent"]
        assert instance_ids_in(chat) == {FIRST_INSTANCE + i for i in range(THROTTLED_STORM)}
        assert max_in_any_minute([m.at for m in chat.received("tok")]) <= 20
        assert {r["status"] for r in rows} == {"sent", "digested"}


def test_an_alert_queued_twice_by_a_redelivery_is_listed_once_in_the_digest(
        notifier_fn: ModuleType, deploy: Callable[..., dict[str, str]],
        instance_event: Callable[..., dict[str, Any]]) -> None:
    clock = FakeClock(time.time())
    with FakeChat(clock=clock.time) as chat:
        deploy(storm_config(chat.dingtalk_robot("tok", secret=SECRET), digest={"window_s": 20}))
        worker = on_fake_clock(notifier_fn, clock)
        chat.fail_next("tok", 2, "throttle")  # the alert waits in the digest, twice
        event = storm_events(instance_event, 7, 1)[0]

        first = invoke(notifier_fn, event)
        worker.store.delete(f"idem:notifier:{event['id']}")  # its marks lost, as if it died right after queueing
        again = invoke(notifier_fn, event)
        clock.advance(25)
        flushed = invoke(notifier_fn, TIMER)

        assert first["notifications"][0]["status"] == again["notifications"][0]["status"] == "digested"
        assert [r["status"] for r in flushed["notifications"]] == ["sent"]
        assert sum(text.count(str(FIRST_INSTANCE + 7)) for text in texts(chat)) == 1


def test_a_flush_killed_mid_send_leaves_its_digest_to_the_next_flush(
        notifier_fn: ModuleType, deploy: Callable[..., dict[str, str]], tmp_path: Path,
        instance_event: Callable[..., dict[str, Any]]) -> None:
    state_url = f"sqlite:///{tmp_path / 'state.db'}"
    with FaultyChat() as chat:
        env = deploy(storm_config(chat.dingtalk_robot("tok", secret=SECRET), digest={"window_s": 1}), state_url)
        chat.fail_next("tok", 1, "throttle")
        queued = invoke(notifier_fn, storm_events(instance_event, 3, 1)[0])
        time.sleep(1.1)
        chat.hang("tok")
        flusher = start_worker(tmp_path, [TIMER], env, timeout_s=5)  # another instance's timer flush …
        assert chat.hung_request.wait(60), "the flusher never sent the digest"
        kill(flusher)  # … killed while sending it
        chat.unhang("tok")
        with open_store(state_url) as store:
            in_flight = (store.get("digest:dt:overflow") or {}).get("inflight") or {}
        sleep_until(float(in_flight.get("until", 0.0)))

        flushed = invoke(notifier_fn, TIMER)

        assert queued["notifications"][0]["status"] == "digested"
        assert [r["status"] for r in flushed["notifications"]] == ["sent"]
        assert instance_ids_in(chat) == {FIRST_INSTANCE + 3}
