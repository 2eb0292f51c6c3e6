"""Under at-least-once delivery every record lands in every sink exactly once — real handler, faults on.

Every test drives ``functions/node_change_auditor/index.py``'s ``handler`` as FC would (the
event's bytes, a context with ``function.timeout`` and no remaining-time method) against the
fake SLS and a JSONL trail, with one fault switched on, then plays FC's retry of the event.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from audit_helpers import LOGSTORE, NODE_ID, PROJECT, jsonl_records, lifecycle

from fixtures.hung_server import HungServer
from openevent.audit.auditor import NAMESPACE, node_key
from openevent.audit.delivery import AuditDeliveryError
from openevent.delivery.idempotency import Idempotency, InProgressError
from openevent.local.fake_sls import SLS_DEMO_KEY_ID, SLS_DEMO_KEY_SECRET, FakeSls
from openevent.local.functions import load_module
from openevent.runtime.context import LocalContext
from openevent.state import open_store

pytestmark = pytest.mark.faults  # the fault suite (RELIABILITY.md): pytest -m faults

WORKER = Path(__file__).with_name("audit_worker.py")


class StallingSls(FakeSls):
    """The fake SLS, where ``PutLogs`` hangs (a slow service) while :attr:`stalled`; a request that hung
    is then answered ``ServerBusy`` and stores nothing (its sender is gone)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stalled = False
        self.arrived = threading.Event()
        self._released = threading.Event()

    def unstall(self) -> None:
        self.stalled = False
        self._released.set()

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> tuple[int, bytes, str]:
        if self.stalled and method == "POST":
            self.arrived.set()
            self._released.wait(60)
            return 503, json.dumps({"errorCode": "ServerBusy", "errorMessage": "gone"}).encode(), "stalled"
        return super().handle(method, path, headers, body)


@pytest.fixture
def sls() -> Iterator[StallingSls]:
    with StallingSls(projects={PROJECT: [LOGSTORE]}) as fake:
        yield fake


@pytest.fixture
def state_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'state.db'}"


@pytest.fixture
def configure(tmp_path: Path, jsonl: Path, sls: StallingSls, state_url: str,
              monkeypatch: pytest.MonkeyPatch) -> Callable[..., ModuleType]:
    """Deploy the real function with stdout, the JSONL trail and the fake SLS (``**config`` added)."""
    loaded: list[ModuleType] = []

    def deploy(**config: Any) -> ModuleType:
        doc = {"sinks": {"stdout": True, "jsonl": {"enabled": True, "path": str(jsonl)},
                         "sls": {"endpoint": sls.endpoint, "project": PROJECT, "logstore": LOGSTORE}}, **config}
        path = tmp_path / "auditor.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        for key, value in {"OPENEVENT_CONFIG": str(path), "OPENEVENT_STATE_URL": state_url,
                           "OPENEVENT_LOG_STREAM": "stderr", "ALIBABA_CLOUD_ACCESS_KEY_ID": SLS_DEMO_KEY_ID,
                           "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SLS_DEMO_KEY_SECRET}.items():
            monkeypatch.setenv(key, value)
        monkeypatch.delenv("FC_FUNCTION_NAME", raising=False)
        module = load_module("node_change_auditor", fresh=True)
        loaded.append(module)
        return module

    yield deploy  # type: ignore[misc]
    for module in loaded:
        module.reset()


def invoke(module: ModuleType, event: dict[str, Any], *, timeout_s: int = 30) -> dict[str, Any]:
    result: dict[str, Any] = module.handler(json.dumps(event).encode(),
                                            LocalContext(function_name="node_change_auditor", timeout_s=timeout_s))
    return result


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    try:
        return call(), time.monotonic() - started
    except Exception as exc:
        return exc, time.monotonic() - started


def fc_retry(call: Callable[[], dict[str, Any]], *, within_s: float = 20.0) -> dict[str, Any]:
    """FC's retries of one event: again while another invocation still holds it."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            return call()
        except InProgressError:
            assert time.monotonic() < deadline, "the claim of the killed invocation never expired"
            time.sleep(0.25)


# -- a sink failing ---------------------------------------------------------------------------------
def test_a_sink_failing_for_longer_than_the_budget_raises_before_the_deadline_after_the_other_sinks(
        configure: Callable[..., ModuleType], sls: FakeSls, jsonl: Path) -> None:
    function = configure(retry={"attempts": 10, "backoff_s": 5})
    sls.fail_next(100, "ServerBusy")

    error, took = timed(lambda: invoke(function, lifecycle()[0], timeout_s=3))

    assert isinstance(error, AuditDeliveryError) and list(error.undone) == ["sls"]
    assert error.statuses == {"stdout": "written", "jsonl": "written", "sls": "failed"}
    assert took < 3.0 and len(jsonl_records(jsonl)) == 1


def test_one_putlogs_attempt_is_one_request_the_sdk_does_not_retry_on_its_own(
        configure: Callable[..., ModuleType], sls: FakeSls) -> None:
    function = configure()
    sls.fail_next(1, "ServerBusy")

    result, took = timed(lambda: invoke(function, lifecycle()[0]))

    assert result["sinks"]["sls"] == "written" and len(sls.logs) == 1
    assert sls.rejected == [(503, "ServerBusy")] and took < 1.0  # the SDK would have slept 1 s


def test_after_sls_was_down_the_fc_retry_writes_each_record_once_in_jsonl_and_sls(
        configure: Callable[..., ModuleType], sls: FakeSls, jsonl: Path) -> None:
    function = configure(retry={"attempts": 2, "backoff_s": 0})
    events = lifecycle()[:2]
    sls.fail_next(4, "ServerBusy")  # both attempts of both events
    for event in events:
        with pytest.raises(AuditDeliveryError):
            invoke(function, event)

    retried = [invoke(function, event) for event in events]

    assert [r["sinks"] for r in retried] == [{"stdout": "already-written", "jsonl": "already-written",
                                              "sls": "written"}] * 2
    assert sorted(r["audit_id"] for r in jsonl_records(jsonl)) == sorted(log["audit_id"] for log in sls.logs)
    assert len(sls.logs) == 2 and [log.get("diff_fields", "") for log in sls.logs] == ["", "cron"]


# -- killed mid-delivery -------------------------------------------------------------------------------
def test_an_auditor_killed_mid_delivery_is_completed_by_the_redelivery_exactly_once(
        configure: Callable[..., ModuleType], sls: StallingSls, jsonl: Path, tmp_path: Path) -> None:
    function = configure()
    event = lifecycle()[0]
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(event), encoding="utf-8")
    sls.stalled = True  # SLS answers slowly: the instance is killed while it waits
    worker = subprocess.Popen([sys.executable, str(WORKER), str(event_file), "4"],
                              env={**os.environ, "OPENEVENT_LOG_LEVEL": "warning"},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert sls.arrived.wait(60), "the worker never reached SLS"
    finally:
        worker.kill()
        worker.communicate(timeout=30)
    sls.unstall()
    [written] = jsonl_records(jsonl)  # the trail was written before the kill, SLS was not
    assert sls.logs == []

    retried = fc_retry(lambda: invoke(function, event))

    assert retried["sinks"] == {"stdout": "already-written", "jsonl": "already-written", "sls": "written"}
    assert retried["records"][0]["audit_id"] == written["audit_id"]
    assert len(jsonl_records(jsonl)) == 1 and [log["audit_id"] for log in sls.logs] == [written["audit_id"]]


def test_an_event_another_live_invocation_holds_is_left_to_fc_and_nothing_is_written(
        configure: Callable[..., ModuleType], sls: FakeSls, jsonl: Path, state_url: str) -> None:
    function = configure()
    event = lifecycle()[0]
    other = Idempotency(open_store(state_url), NAMESPACE, ttl_s=3600)
    assert other.claim(event["id"], until=time.time() + 60).state == "new"

    with pytest.raises(InProgressError):
        invoke(function, event)

    assert not jsonl.exists() and sls.logs == []


# -- the node lock and the state store ------------------------------------------------------------------
def test_a_held_node_lock_is_waited_for_at_most_a_share_of_the_budget(
        configure: Callable[..., ModuleType], jsonl: Path, state_url: str) -> None:
    function = configure()
    with open_store(state_url).lock(node_key(str(NODE_ID)), ttl_s=60) as held:
        assert held
        result, took = timed(lambda: invoke(function, lifecycle()[0], timeout_s=4))

    assert result["sinks"]["jsonl"] == "written" and len(jsonl_records(jsonl)) == 1
    assert took < 2.0  # the budget's ordinary share is 2.7 s; the lock gets a quarter of it


def test_a_hung_state_store_does_not_block_the_audit(
        configure: Callable[..., ModuleType], sls: FakeSls, jsonl: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with HungServer() as hung:
        function = configure()
        monkeypatch.setenv("OPENEVENT_STATE_URL", f"redis://127.0.0.1:{hung.port}/0")
        monkeypatch.setenv("OPENEVENT_STATE_TIMEOUT_S", "0.5")
        function.reset()

        result, took = timed(lambda: invoke(function, lifecycle()[1], timeout_s=10))

    assert result["sinks"] == {"stdout": "written", "jsonl": "written", "sls": "written"}
    assert result["records"][0]["details"]["node_state_error"].startswith("node state unavailable")
    assert took < 4.0 and hung.accepted >= 1 and len(sls.logs) == 1


# -- on FC ---------------------------------------------------------------------------------------------------
def test_on_fc_the_jsonl_trail_is_written_under_tmp_not_in_the_read_only_code_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    relative = f"openevent-test-{uuid.uuid4().hex}/audit.jsonl"
    code = tmp_path / "code"
    code.mkdir()
    config = tmp_path / "auditor.json"
    config.write_text(json.dumps({"sinks": {"stdout": False, "jsonl": {"enabled": True}}}), encoding="utf-8")
    for key, value in {"OPENEVENT_CONFIG": str(config), "OPENEVENT_STATE_URL": "memory://",
                       "FC_FUNCTION_NAME": "node_change_auditor", "OPENEVENT_AUDIT_JSONL": relative}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(code)
    function = load_module("node_change_auditor", fresh=True)
    try:
        result = invoke(function, lifecycle()[0])
        trail = Path("/tmp") / relative
        assert result["sinks"] == {"jsonl": "written"} and len(jsonl_records(trail)) == 1
        assert list(code.iterdir()) == []
    finally:
        function.reset()
        shutil.rmtree(Path("/tmp") / relative.split("/")[0], ignore_errors=True)
