"""Fixtures for the notifier tests: a fake clock, fake chat vendors, a fake DataWorks, event factories."""

from __future__ import annotations

import copy
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from openevent.alerting.config import NotifierConfig
from openevent.alerting.pipeline import Notifier
from openevent.local.fake_chat import FakeChat
from openevent.local.fake_dataworks import FakeDataWorks
from openevent.state import open_store
from support import load_event

for _path in (Path(__file__).resolve().parents[1], Path(__file__).resolve().parent):
    if str(_path) not in sys.path:  # tests/ for fixtures.redis_server, tests/alerting for alerting_support
        sys.path.insert(0, str(_path))

from alerting_support import INSTANCE_ID, LOG, NODE_ID, OWNER_UID, WORKSPACE, FakeClock  # noqa: E402


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def chat(clock: FakeClock) -> Iterator[FakeChat]:
    with FakeChat(clock=clock.time) as fake:
        yield fake


@pytest.fixture
def dataworks(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDataWorks]:
    """A fake DataWorks that knows the test workspace, node, instance and log; DATAWORKS_ENDPOINT points at it."""
    for name in ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with FakeDataWorks() as fake:
        fake.world.add_workspace(WORKSPACE, "demo_ws")
        fake.world.add_node(NODE_ID, "dwd_orders_di", WORKSPACE, owner=OWNER_UID, priority=5, baseline_id=7001)
        fake.world.add_instance(INSTANCE_ID, NODE_ID, status="FAILURE", owner=OWNER_UID, log=LOG)
        monkeypatch.setenv("DATAWORKS_ENDPOINT", fake.endpoint)
        yield fake


@pytest.fixture
def no_dataworks(monkeypatch: pytest.MonkeyPatch) -> None:
    """No endpoint and no credentials: enrichment is skipped with a note."""
    for name in ("DATAWORKS_ENDPOINT", "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                 "ALIBABA_CLOUD_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def instance_event() -> Callable[..., dict[str, Any]]:
    """An InstanceStatusChanges CloudEvent (the corpus failure) with id, status, instance, dagType set."""
    base = load_event("variants/status_failure")

    def make(event_id: str = "evt-1", status: int = 5, task_id: int = INSTANCE_ID, dag_type: int = 0,
             node_id: int = NODE_ID, workspace: int = WORKSPACE) -> dict[str, Any]:
        ev = copy.deepcopy(base)
        ev["id"] = event_id
        ev["data"].update(status=status, taskId=task_id, dagType=dag_type, nodeId=node_id, appId=workspace)
        return ev

    return make


@pytest.fixture
def make_notifier(clock: FakeClock) -> Callable[..., Notifier]:
    """A notifier on a memory store driven by the fake clock; ``config`` is the config document."""

    def make(config: dict[str, Any], store: Any = None) -> Notifier:
        cfg = NotifierConfig.model_validate(config)
        return Notifier(cfg, store if store is not None else open_store("memory://", clock=clock.time),
                        clock=clock.time)

    return make


@pytest.fixture
def dingtalk(chat: FakeChat) -> str:
    """The URL of a signed DingTalk robot (token ``tok``) on the fake chat server."""
    return chat.dingtalk_robot("tok", secret="SEC-test-secret")


os.environ.setdefault("OPENEVENT_LOG_STREAM", "stderr")


@pytest.fixture
def notifier_fn(monkeypatch: pytest.MonkeyPatch, no_dataworks: None) -> Iterator[ModuleType]:
    """The real ``functions/instance_status_notifier`` module, fresh (its worker is built on first use)."""
    from openevent.local.functions import load_module

    monkeypatch.delenv("OPENEVENT_CONFIG", raising=False)
    monkeypatch.setenv("OPENEVENT_STATE_URL", "memory://")
    module = load_module("instance_status_notifier", fresh=True)
    yield module
    module.reset()


@pytest.fixture
def deploy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., dict[str, str]]:
    """Deploy a config (and a state URL) through the environment, as s.yaml would; returns that environment."""

    def apply(config: dict[str, Any], state_url: str = "memory://") -> dict[str, str]:
        path = tmp_path / "notifier.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        monkeypatch.setenv("OPENEVENT_CONFIG", str(path))
        monkeypatch.setenv("OPENEVENT_STATE_URL", state_url)
        return {**os.environ, "OPENEVENT_LOG_LEVEL": "warning", "OPENEVENT_LOG_STREAM": "stderr"}

    return apply
