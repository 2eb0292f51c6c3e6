"""Under at-least-once delivery the forwarder loses no result and sends none twice — real handler, faults on.

Every test drives ``functions/dq_result_forwarder/index.py``'s ``handler`` as FC would (the
event's bytes, a context with ``function.timeout`` and no remaining-time method) against the
fake chat vendors, the signed webhook inbox and the fake SLS, with one fault switched on, then
plays FC's retry of the same event.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from dq_helpers import (
    DINGTALK_TOKEN,
    HOOK_NAME,
    chat_messages,
    finished_event,
    handler_env,
    invoke_handler,
    rows_by_part,
    webhook_documents,
)

from fixtures.hung_server import HungServer
from openevent.delivery.idempotency import Idempotency, InProgressError
from openevent.delivery.retry import Undelivered
from openevent.local.fake_chat import FakeChat
from openevent.local.fake_sls import FakeSls
from openevent.local.functions import load_module
from openevent.quality import forward
from openevent.quality.sls import DEFAULT_POLICY as SLS_POLICY
from openevent.state import open_store

pytestmark = pytest.mark.faults  # the fault suite (RELIABILITY.md): pytest -m faults

WORKER = Path(__file__).with_name("dq_worker.py")
SLACK_PATH = "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
ALL_SENT = {"chat:dingtalk": "sent", "webhook": "sent", "sls": "sent"}


class StallingChat(FakeChat):
    """The fake vendors, where requests to one webhook hang (a slow vendor) until :meth:`unstall`.

    A request that was hanging is then answered like a request to an unknown hook and never
    accepted: its sender is gone, the message never reached the vendor.
    """

    def __init__(self) -> None:
        super().__init__()
        self.stalled: str | None = None
        self.arrived = threading.Event()
        self._released = threading.Event()

    def unstall(self) -> None:
        self.stalled = None
        self._released.set()

    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str],
               raw: bytes) -> Any:
        if self.stalled is not None and path == f"/hooks/{self.stalled}":
            self.arrived.set()
            self._released.wait(60)
            return super().handle(method, "/hooks/-gone-", query, headers, raw)
        return super().handle(method, path, query, headers, raw)


@pytest.fixture
def chat() -> Iterator[StallingChat]:
    with StallingChat() as fake:
        yield fake


@pytest.fixture
def state_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'state.db'}"


@pytest.fixture
def function(chat: StallingChat, sls: FakeSls, state_url: str,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The real function, deployed with environment variables alone and a state store shared by its instances."""
    monkeypatch.delenv("OPENEVENT_CONFIG", raising=False)
    for key, value in handler_env(chat, sls, state_url).items():
        monkeypatch.setenv(key, value)
    module = load_module("dq_result_forwarder", fresh=True)
    yield module
    module.reset()


def recorded_sleeps(module: ModuleType) -> list[float]:
    """Make the function's worker record the waits it sleeps (and really sleep them)."""
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    module.app.worker.sleep = sleep
    return slept


def counts(chat: FakeChat, sls: FakeSls) -> tuple[int, int, int]:
    return len(chat_messages(chat)), len(webhook_documents(chat)), len(sls.logs)


def fc_retry(call: Callable[[], dict[str, Any]], *, within_s: float = 20.0) -> dict[str, Any]:
    """FC's retries of one event: again while another invocation still holds it."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            return call()
        except InProgressError:
            assert time.monotonic() < deadline, "the claim of the killed invocation never expired"
            time.sleep(0.25)


# -- a destination failing past its retries ------------------------------------------------------
def test_a_destination_failing_past_its_retries_makes_the_handler_raise_after_the_others_are_delivered(
        function: ModuleType, chat: FakeChat, sls: FakeSls) -> None:
    sls.fail_next(SLS_POLICY.max_attempts, "WriteQuotaExceed")

    with pytest.raises(Undelivered) as info:
        invoke_handler(function, finished_event(2))

    assert list(info.value.undone) == ["sls"] and "WriteQuotaExceed" in info.value.undone["sls"]
    assert counts(chat, sls) == (1, 1, 0)


def test_the_fc_retry_after_an_undelivered_destination_sends_only_that_destination(
        function: ModuleType, chat: FakeChat, sls: FakeSls) -> None:
    event = finished_event(2)
    sls.fail_next(SLS_POLICY.max_attempts, "WriteQuotaExceed")
    with pytest.raises(Undelivered):
        invoke_handler(function, event)

    retried = invoke_handler(function, event)

    assert rows_by_part(retried) == {"chat:dingtalk": "already-sent", "webhook": "already-sent", "sls": "sent"}
    assert counts(chat, sls) == (1, 1, 1)


def test_a_redelivery_after_every_destination_was_delivered_is_a_duplicate(
        function: ModuleType, chat: FakeChat, sls: FakeSls) -> None:
    event = finished_event(2)
    sls.fail_next(SLS_POLICY.max_attempts, "WriteQuotaExceed")
    with pytest.raises(Undelivered):
        invoke_handler(function, event)
    invoke_handler(function, event)

    again = invoke_handler(function, event)

    assert again == {"event_id": event["id"], "event_type": event["type"], "duplicate": True, "forwarded": []}
    assert counts(chat, sls) == (1, 1, 1)


def test_a_chat_receiver_that_failed_is_the_only_receiver_the_fc_retry_sends_to(
        chat: FakeChat, sls: FakeSls, state_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENEVENT_CONFIG", raising=False)
    for key, value in handler_env(chat, sls, state_url, SLACK_WEBHOOK_URL=chat.slack_hook(SLACK_PATH)).items():
        monkeypatch.setenv(key, value)
    module = load_module("dq_result_forwarder", fresh=True)
    event = finished_event(2)
    chat.fail_next(SLACK_PATH, forward.SEND_ATTEMPTS, "server_error")
    try:
        with pytest.raises(Undelivered) as info:
            invoke_handler(module, event)
        time.sleep(1.1)  # FC retries after a delay; Slack's shared rate budget is one message a second
        retried = invoke_handler(module, event)
    finally:
        module.reset()

    assert list(info.value.undone) == ["chat:slack"]
    assert rows_by_part(retried) == {"chat:dingtalk": "already-sent", "chat:slack": "sent",
                                     "webhook": "already-sent", "sls": "already-sent"}
    assert (len(chat.received(DINGTALK_TOKEN)), len(chat.received(SLACK_PATH))) == (1, 1)


# -- killed mid-send -------------------------------------------------------------------------------
def test_a_forwarder_killed_mid_send_is_completed_by_the_redelivery_without_sending_anything_twice(
        function: ModuleType, chat: StallingChat, sls: FakeSls, state_url: str, tmp_path: Path) -> None:
    event = finished_event(2)
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(event), encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if key != "OPENEVENT_CONFIG"}
    env.update(OPENEVENT_LOG_STREAM="stderr", OPENEVENT_LOG_LEVEL="warning")
    chat.stalled = HOOK_NAME  # the webhook answers slowly: the instance is killed while it waits
    worker = subprocess.Popen([sys.executable, str(WORKER), str(event_file), "4"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert chat.arrived.wait(60), "the worker never reached the webhook"
    finally:
        worker.kill()
        worker.communicate(timeout=30)
    chat.unstall()
    assert counts(chat, sls) == (1, 0, 0)  # chat delivered before the kill; webhook and SLS not

    retried = fc_retry(lambda: invoke_handler(function, event))

    assert rows_by_part(retried) == {"chat:dingtalk": "already-sent", "webhook": "sent", "sls": "sent"}
    assert counts(chat, sls) == (1, 1, 1)


def test_an_event_another_live_invocation_holds_is_left_to_fc_and_nothing_is_sent(
        function: ModuleType, chat: FakeChat, sls: FakeSls, state_url: str) -> None:
    event = finished_event(2)
    other = Idempotency(open_store(state_url), forward.NAMESPACE, ttl_s=3600)
    assert other.claim(event["id"], until=time.time() + 60).state == "new"

    with pytest.raises(InProgressError):
        invoke_handler(function, event)

    assert counts(chat, sls) == (0, 0, 0)


# -- throttling is never slept out -----------------------------------------------------------------
@pytest.mark.parametrize(("target", "part"), [(DINGTALK_TOKEN, "chat:dingtalk"), (HOOK_NAME, "webhook")],
                         ids=["dingtalk-130101-60s", "webhook-429-retry-after"])
def test_a_throttled_destination_is_left_for_the_fc_retry_instead_of_slept_out(
        function: ModuleType, chat: FakeChat, sls: FakeSls, target: str, part: str) -> None:
    event = finished_event(2)
    slept = recorded_sleeps(function)
    chat.fail_next(target, 1, "throttle")  # DingTalk: errcode 130101 (wait 60 s); webhook: 429 Retry-After: 2

    started = time.monotonic()
    with pytest.raises(Undelivered) as info:
        invoke_handler(function, event, timeout_s=120)
    took = time.monotonic() - started

    assert list(info.value.undone) == [part]
    assert max(slept, default=0.0) <= forward.THROTTLE_WAIT_S and took < 5.0
    assert rows_by_part(invoke_handler(function, event)) == {**dict.fromkeys(ALL_SENT, "already-sent"), part: "sent"}
    assert counts(chat, sls) == (1, 1, 1)


def test_a_plain_transient_error_is_retried_inside_the_handler_with_a_short_backoff(
        function: ModuleType, chat: FakeChat, sls: FakeSls) -> None:
    slept = recorded_sleeps(function)
    chat.fail_next(HOOK_NAME, 1, "server_error")

    result = invoke_handler(function, finished_event(2))

    assert rows_by_part(result) == ALL_SENT
    assert len(slept) == 1 and slept[0] <= forward.BACKOFF_S
    assert chat.request_count(HOOK_NAME) == 2


# -- one destination's payload -----------------------------------------------------------------------
def test_a_destination_whose_payload_cannot_be_built_does_not_cost_the_others_their_result(
        function: ModuleType, chat: FakeChat, sls: FakeSls, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise OverflowError("date value out of range")

    monkeypatch.setattr(forward, "render_message", broken)

    result = invoke_handler(function, finished_event(2))

    rows = {r["destination"]: r for r in result["forwarded"]}
    assert rows["chat"]["status"] == "permanent" and "OverflowError" in rows["chat"]["reason"]
    assert (rows["webhook"]["status"], rows["sls"]["status"]) == ("sent", "sent")
    assert counts(chat, sls) == (0, 1, 1)


# -- the state store -----------------------------------------------------------------------------------
def test_a_hung_state_store_does_not_keep_the_result_from_its_destinations(
        function: ModuleType, chat: FakeChat, sls: FakeSls, monkeypatch: pytest.MonkeyPatch) -> None:
    with HungServer() as hung:
        monkeypatch.setenv("OPENEVENT_STATE_URL", f"redis://127.0.0.1:{hung.port}/0")
        monkeypatch.setenv("OPENEVENT_STATE_TIMEOUT_S", "0.5")
        function.reset()

        started = time.monotonic()
        result = invoke_handler(function, finished_event(2), timeout_s=10)
        took = time.monotonic() - started

    assert rows_by_part(result) == ALL_SENT and counts(chat, sls) == (1, 1, 1)
    assert took < 4.0 and hung.accepted >= 1


# -- a robot shared with the notifier ------------------------------------------------------------
def test_a_robot_whose_minute_the_notifier_used_up_is_left_for_the_fc_retry(
        function: ModuleType, chat: StallingChat, state_url: str) -> None:
    from openevent.alerting.noise import receiver_limits, take_alert_budget

    with open_store(state_url) as store:  # the notifier's sends of this minute, counted in the shared store
        while take_alert_budget(store, "dingtalk", receiver_limits("dingtalk", "dingtalk", {}), reserve=0.25):
            pass
    with pytest.raises(Undelivered) as info:
        invoke_handler(function, finished_event(2))
    assert list(info.value.undone) == ["chat:dingtalk"]
    assert chat.received(DINGTALK_TOKEN) == []  # not sent into a robot that would throttle for 10 minutes
