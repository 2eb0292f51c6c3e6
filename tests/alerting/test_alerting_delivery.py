"""At-least-once delivery: no alert lost, none sent twice — faults on, the real FC handler.

Every test drives ``functions/instance_status_notifier/index.py``'s ``handler`` (bytes and an
FC-like context whose only clock is ``function.timeout``) against the vendor-faithful fake chat
with one fault switched on: an invocation killed mid-send (a second process, SIGKILLed), a
state store that fails, hangs or is down, a vendor that throttles or stalls.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from alerting_support import (
    INSTANCE_ID,
    TIMER_EVENT,
    FaultyChat,
    FlakyStore,
    claim_until,
    invoke,
    kill,
    robots,
    sleep_until,
    start_worker,
    texts,
)

from fixtures.hung_server import HungServer
from openevent.delivery.idempotency import InProgressError
from openevent.delivery.retry import Undelivered
from openevent.local.fake_chat import FakeChat

pytestmark = pytest.mark.faults  # the fault suite (RELIABILITY.md): pytest -m faults

Deploy = Callable[..., dict[str, str]]
MakeEvent = Callable[..., dict[str, Any]]
ALREADY = "already delivered (redelivery)"


def row(receiver: str, status: str, reason: str, kind: str = "dingtalk") -> dict[str, str]:
    return {"receiver": receiver, "kind": kind, "status": status, "reason": reason}


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    started = time.monotonic()
    out = fn(*args, **kwargs)
    return out, time.monotonic() - started


def logged(capsys: pytest.CaptureFixture[str], event: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("event") == event]


# -- an invocation killed mid-send -------------------------------------------------------------------
def test_a_redelivery_while_the_first_invocation_is_still_sending_raises_in_progress_for_fc_to_retry(
        notifier_fn: ModuleType, deploy: Deploy, tmp_path: Path, instance_event: MakeEvent) -> None:
    with FaultyChat() as chat:
        env = deploy(robots(chat, "fast", "slow"), f"sqlite:///{tmp_path / 'state.db'}")
        chat.hang("slow")
        worker = start_worker(tmp_path, [instance_event("k1")], env, timeout_s=20)
        try:
            assert chat.hung_request.wait(60), "the worker never reached the slow robot"
            with pytest.raises(InProgressError):
                invoke(notifier_fn, instance_event("k1"))
        finally:
            kill(worker)
        assert len(chat.received("fast")) == 1 and chat.received("slow") == []


def test_a_redelivery_after_a_killed_invocations_deadline_sends_only_to_the_receiver_it_had_not_reached(
        notifier_fn: ModuleType, deploy: Deploy, tmp_path: Path, instance_event: MakeEvent) -> None:
    state_url = f"sqlite:///{tmp_path / 'state.db'}"
    with FaultyChat() as chat:
        env = deploy(robots(chat, "fast", "slow"), state_url)
        chat.hang("slow")
        worker = start_worker(tmp_path, [instance_event("k2")], env, timeout_s=6)
        assert chat.hung_request.wait(60), "the worker never reached the slow robot"
        kill(worker)
        killed = time.time()
        chat.unhang("slow")
        sleep_until(claim_until(state_url, "k2"))  # the killed invocation's deadline, not a fixed 120 s

        result = invoke(notifier_fn, instance_event("k2"))

        assert time.time() - killed < 120
        assert result["notifications"] == [row("fast", "sent", ALREADY), row("slow", "sent", "sent (route default)")]
        assert len(chat.received("fast")) == 1 and len(chat.received("slow")) == 1


def test_an_alert_cut_off_mid_send_is_sent_by_its_redelivery_and_only_then_opens_the_repeat_window(
        notifier_fn: ModuleType, deploy: Deploy, tmp_path: Path, instance_event: MakeEvent) -> None:
    state_url = f"sqlite:///{tmp_path / 'state.db'}"
    with FaultyChat() as chat:
        env = deploy(robots(chat, "slow"), state_url)
        chat.hang("slow")
        worker = start_worker(tmp_path, [instance_event("r1")], env, timeout_s=6)
        assert chat.hung_request.wait(60), "the worker never reached the robot"
        kill(worker)
        chat.unhang("slow")
        sleep_until(claim_until(state_url, "r1"))

        redelivered = invoke(notifier_fn, instance_event("r1"))
        repeat = invoke(notifier_fn, instance_event("r2"))  # the same failure in another event

        assert redelivered["notifications"] == [row("slow", "sent", "sent (route default)")]
        assert repeat["notifications"][0]["status"] == "suppressed"
        assert len(chat.received("slow")) == 1


# -- an error part-way through the receivers ---------------------------------------------------------
def test_an_error_after_the_first_receiver_was_reached_is_retried_by_fc_for_the_other_receiver_only(
        notifier_fn: ModuleType, deploy: Deploy, instance_event: MakeEvent) -> None:
    with FakeChat() as chat:
        deploy(robots(chat, "a", "b"))
        worker = notifier_fn.app.worker
        worker.store = store = FlakyStore(worker.store)
        chat.fail_next("b", 1, "throttle")  # b cannot take it now …
        store.fail_next("append", 1, key_contains="digest:b")  # … and the digest it would wait in fails too

        with pytest.raises(Undelivered) as undelivered:
            invoke(notifier_fn, instance_event("x1"))
        retried = invoke(notifier_fn, instance_event("x1"))  # FC's retry

        assert list(undelivered.value.undone) == ["b"]
        assert retried["notifications"] == [row("a", "sent", ALREADY), row("b", "sent", "sent (route default)")]
        assert len(chat.received("a")) == 1 and len(chat.received("b")) == 1


# -- receivers that keep failing --------------------------------------------------------------------
def test_a_receiver_still_failing_after_its_retries_waits_in_the_digest_and_goes_out_with_it(
        notifier_fn: ModuleType, deploy: Deploy, instance_event: MakeEvent) -> None:
    with FakeChat() as chat:
        deploy(robots(chat, "dt", digest={"window_s": 1}))
        chat.fail_next("dt", 2, "server_error")  # both attempts (send.max_attempts: 2) get HTTP 502

        first = invoke(notifier_fn, instance_event("s1"))
        time.sleep(1.1)
        flushed = invoke(notifier_fn, TIMER_EVENT)

        assert first["notifications"][0]["status"] == "digested"
        # the retry's jittered wait (up to 1 s) can outlast the window: the event's own flush then sends it
        digests = first.get("digests", []) + flushed["notifications"]
        assert [r["status"] for r in digests] == ["sent"]
        assert str(INSTANCE_ID) in texts(chat, "dt")[-1] and len(chat.received("dt")) == 1


def test_a_permanent_failure_is_logged_as_an_error_reported_failed_and_not_retried(
        notifier_fn: ModuleType, deploy: Deploy, instance_event: MakeEvent,
        capsys: pytest.CaptureFixture[str]) -> None:
    with FakeChat() as chat:
        config = robots(chat, "bad", "b")
        chat.dingtalk_robot("bad", secret="another-secret")  # our secret no longer matches: sign not match
        deploy(config)
        worker = notifier_fn.app.worker
        worker.store = store = FlakyStore(worker.store)
        chat.fail_next("b", 1, "throttle")
        store.fail_next("append", 1, key_contains="digest:b")

        with pytest.raises(Undelivered) as undelivered:
            invoke(notifier_fn, instance_event("p1"))
        retried = invoke(notifier_fn, instance_event("p1"))

        assert list(undelivered.value.undone) == ["b"]  # the bad token is not what FC retries for
        assert retried["notifications"][0] == row("bad", "failed", "errcode 310000: sign not match "
                                                                   "(permanent: not retried)")
        assert chat.request_count("bad") == 1
        assert len(chat.received("b")) == 1
        [error] = logged(capsys, "notifier.send_failed")
        assert error["level"] == "error" and error["receiver"] == "bad"


# -- vendor throttling and the budget ---------------------------------------------------------------
def test_a_long_vendor_retry_after_is_not_slept_out_the_alert_waits_in_the_digest(
        notifier_fn: ModuleType, deploy: Deploy, instance_event: MakeEvent) -> None:
    with FaultyChat() as chat:
        path = "T000/B000/throttled"
        deploy({"receivers": {"slack": {"kind": "slack", "url": chat.slack_hook(path)}},
                "enrichment": {"enabled": False}})
        chat.throttle_slack(path, retry_after_s=10)

        result, took = timed(invoke, notifier_fn, instance_event("t1"))

        assert result["notifications"][0]["status"] == "digested"
        assert "queued for the next digest" in result["notifications"][0]["reason"]
        assert chat.fault_requests[path] == 1 and took < 3


def test_send_retries_stop_inside_the_invocations_budget(notifier_fn: ModuleType, deploy: Deploy,
                                                          instance_event: MakeEvent) -> None:
    with FakeChat() as chat:
        deploy({"receivers": {"hook": {"kind": "webhook", "url": chat.webhook_sink("hook")}},
                "enrichment": {"enabled": False}, "send": {"max_attempts": 50, "budget_s": 60}})
        chat.fail_next("hook", 1000, "server_error")

        result, took = timed(invoke, notifier_fn, instance_event("b1"), timeout_s=4)

        assert result["notifications"][0]["status"] == "digested"
        assert chat.request_count("hook") >= 2  # it did retry …
        assert took < 4  # … but only inside the FC timeout, leaving its reserve


# -- the state store hung, down or misconfigured -----------------------------------------------------
def test_a_hung_state_store_does_not_stop_the_alert(notifier_fn: ModuleType, deploy: Deploy,
                                                    monkeypatch: pytest.MonkeyPatch, instance_event: MakeEvent) -> None:
    with FakeChat() as chat, HungServer() as hung:
        deploy(robots(chat, "dt"), f"redis://127.0.0.1:{hung.port}/0")
        monkeypatch.setenv("OPENEVENT_STATE_TIMEOUT_S", "0.5")

        result, took = timed(invoke, notifier_fn, instance_event("h1"))
        notifier_fn.reset()

        assert result["notifications"] == [row("dt", "sent", "sent (route default)")]
        assert hung.accepted >= 1 and took < 5
        assert len(chat.received("dt")) == 1


def test_with_the_state_store_down_alerts_go_out_undeduplicated_with_a_warning(
        notifier_fn: ModuleType, deploy: Deploy, instance_event: MakeEvent,
        capsys: pytest.CaptureFixture[str]) -> None:
    with FakeChat() as chat:
        deploy(robots(chat, "dt"), "redis://127.0.0.1:1/0")  # nothing listens there

        first = invoke(notifier_fn, instance_event("d1"))
        again = invoke(notifier_fn, instance_event("d1"))

        assert first["notifications"][0]["status"] == again["notifications"][0]["status"] == "sent"
        assert len(chat.received("dt")) == 2  # without the store a redelivery cannot be recognised
        assert logged(capsys, "idempotency.degraded")[0]["level"] == "warning"


def test_an_unusable_state_url_degrades_instead_of_failing_every_invocation(
        notifier_fn: ModuleType, deploy: Deploy, instance_event: MakeEvent) -> None:
    with FakeChat() as chat:
        deploy(robots(chat, "dt"), "redis://127.0.0.1:1/0")

        result = invoke(notifier_fn, instance_event("u1"))

        assert result["notifications"] == [row("dt", "sent", "sent (route default)")]

