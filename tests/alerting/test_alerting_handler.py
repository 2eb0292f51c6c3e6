"""The FC handler: env-only deployment, one DingTalk message per failure, a timer trigger flushes digests."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from openevent.local.fake_chat import FakeChat
from openevent.runtime.context import LocalContext

INDEX = Path(__file__).resolve().parents[2] / "functions" / "instance_status_notifier" / "index.py"


@pytest.fixture
def handler_module(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    monkeypatch.delenv("OPENEVENT_CONFIG", raising=False)
    monkeypatch.setenv("OPENEVENT_STATE_URL", "memory://")
    spec = importlib.util.spec_from_file_location("instance_status_notifier_index_test", INDEX)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module


def test_the_handler_alerts_a_signed_dingtalk_robot_configured_by_environment_alone(
        handler_module: ModuleType, monkeypatch: pytest.MonkeyPatch, no_dataworks: None,
        instance_event: Callable[..., dict[str, Any]]) -> None:
    with FakeChat() as chat:
        monkeypatch.setenv("DINGTALK_WEBHOOK_URL", chat.dingtalk_robot("envtok", secret="SEC-env"))
        monkeypatch.setenv("DINGTALK_SECRET", "SEC-env")
        context = LocalContext(function_name="instance_status_notifier")

        first = handler_module.handler(json.dumps(instance_event("h1")).encode(), context)
        again = handler_module.handler(json.dumps(instance_event("h1")).encode(), context)

        assert first["event_id"] == "h1"
        assert first["notifications"] == [{"receiver": "dingtalk", "kind": "dingtalk", "status": "sent",
                                           "reason": "sent (route default)"}]
        assert again["notifications"] == []
        assert len(chat.received("envtok")) == 1


def test_the_handler_recognises_a_timer_trigger(handler_module: ModuleType, no_dataworks: None) -> None:
    timer = {"triggerTime": "2025-03-14T04:00:00Z", "triggerName": "digest-flush", "payload": "flush"}
    result = handler_module.handler(json.dumps(timer).encode(), LocalContext())
    assert result == {"event_id": None, "trigger": "timer", "notifications": []}


def test_the_notifier_is_built_once_per_instance(handler_module: ModuleType, no_dataworks: None) -> None:
    assert handler_module.app.worker is handler_module.app.worker
