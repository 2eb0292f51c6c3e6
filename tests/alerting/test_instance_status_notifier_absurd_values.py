"""``instance_status_notifier`` with absurd but parseable values: it still alerts, and never crashes.

Times no ``datetime`` can hold (an epoch of ``10**20`` ms, the year 10000, ``"²"`` which
``str.isdigit()`` accepts and ``int()`` refuses, Arabic-Indic digits) and ids longer than a state
key reach the real FC handler (``functions/instance_status_notifier/index.py``). The alert keeps
the raw value, the message leaves the unreadable line out, and a warning names the field.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from openevent.local.fake_chat import FakeChat
from openevent.local.functions import load_module
from openevent.runtime.context import LocalContext
from support import load_event

FUNCTION = "instance_status_notifier"
TOKEN = "absurd"
ABSURD_EPOCHS = [10**20, -(10**20), "99999999999999999999", 253_402_300_800_000, "²", "٣"]


@pytest.fixture
def chat(monkeypatch: pytest.MonkeyPatch, no_dataworks: None) -> Iterator[FakeChat]:
    """The function as deployed with environment variables alone: one signed DingTalk robot, memory state."""
    monkeypatch.delenv("OPENEVENT_CONFIG", raising=False)
    monkeypatch.setenv("OPENEVENT_STATE_URL", "memory://")
    with FakeChat() as fake:
        monkeypatch.setenv("DINGTALK_WEBHOOK_URL", fake.dingtalk_robot(TOKEN, secret="SEC-absurd"))
        monkeypatch.setenv("DINGTALK_SECRET", "SEC-absurd")
        yield fake


@pytest.fixture
def index(chat: FakeChat) -> Iterator[ModuleType]:
    module = load_module(FUNCTION, fresh=True)
    yield module
    module.reset()


def invoke(index: ModuleType, event: Any) -> dict[str, Any]:
    result: dict[str, Any] = index.handler(json.dumps(event).encode(), LocalContext(function_name=FUNCTION))
    return result


def failure(event_id: str = "evt-absurd", **data: Any) -> dict[str, Any]:
    event = copy.deepcopy(load_event("variants/status_failure"))
    event["id"] = event_id
    event["data"].update(data)
    return event


def texts(chat: FakeChat) -> list[str]:
    return [m.body["markdown"]["text"] for m in chat.received(TOKEN)]


def statuses(result: dict[str, Any]) -> list[str]:
    return [n["status"] for n in result["notifications"]]


@pytest.mark.parametrize("value", ABSURD_EPOCHS, ids=repr)
@pytest.mark.parametrize("field", ["beginRunningTime", "finishTime", "createTime", "modifyTime"])
def test_an_absurd_instance_time_still_sends_the_failure_message(index: ModuleType, chat: FakeChat, field: str,
                                                                 value: Any) -> None:
    result = invoke(index, failure(**{field: value}))

    assert result["event_id"] == "evt-absurd"
    assert statuses(result) == ["sent"]
    assert len(chat.received(TOKEN)) == 1


def test_an_unreadable_start_time_is_left_out_of_the_message(index: ModuleType, chat: FakeChat) -> None:
    invoke(index, failure("evt-readable"))
    invoke(index, failure("evt-unreadable", taskId=523536569737, beginRunningTime=10**20))

    readable, unreadable = texts(chat)
    assert "开始时间" in readable
    assert "开始时间" not in unreadable


def test_an_unreadable_time_is_logged_as_a_warning_with_its_raw_value(index: ModuleType,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    invoke(index, failure(finishTime="99999999999999999999"))

    warnings = [line for line in _log_lines(capsys) if line.get("event") == "event.field_unreadable"]
    assert [(w["level"], w["field"], w["value"]) for w in warnings] == [
        ("warning", "finish_time", "99999999999999999999")]


def test_a_time_text_that_is_no_epoch_is_shown_as_sent(index: ModuleType, chat: FakeChat) -> None:
    invoke(index, failure(finishTime="-0001-01-01 00:00:00"))

    assert "-0001-01-01 00:00:00" in texts(chat)[0]


def test_an_event_id_of_5000_characters_is_alerted_once(index: ModuleType, chat: FakeChat) -> None:
    event = failure("e" * 5000)

    first, again = invoke(index, event), invoke(index, event)

    assert first["event_id"] == "e" * 5000 and statuses(first) == ["sent"]
    assert again["notifications"] == []
    assert len(chat.received(TOKEN)) == 1


def test_an_instance_id_of_5000_digits_keeps_its_repeat_window(index: ModuleType, chat: FakeChat) -> None:
    instance = "9" * 5000

    first = invoke(index, failure("evt-1", taskId=instance))
    repeat = invoke(index, failure("evt-2", taskId=instance))

    assert statuses(first) == ["sent"]
    assert "sent" not in statuses(repeat)
    assert instance in texts(chat)[0]


def test_a_workflow_failure_with_an_absurd_bizdate_still_alerts(index: ModuleType, chat: FakeChat) -> None:
    event = copy.deepcopy(load_event("DagStatusChanges"))
    event["data"].update(status=5, bizDate="99999999999999999999", createTime=10**20)

    assert statuses(invoke(index, event)) == ["sent"]


def test_a_baseline_alert_with_an_absurd_bizdate_still_alerts(index: ModuleType, chat: FakeChat) -> None:
    event = copy.deepcopy(load_event("WorkbenchMonitorAlert"))
    event["data"].update(bizDate=10**20)

    assert statuses(invoke(index, event)) == ["sent"]


def _log_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    captured = capsys.readouterr()
    lines = []
    for line in (captured.out + captured.err).splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines
