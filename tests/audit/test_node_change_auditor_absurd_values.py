"""``node_change_auditor`` with absurd but parseable values: every event still gets its audit record.

Times no ``datetime`` can hold (an epoch of ``10**20`` ms, the year 10000, ``"²"``, a negative
year) and ids longer than a state key reach the real FC handler
(``functions/node_change_auditor/index.py``). The record's derived time is ``None``, the value as
sent is kept under ``details.unparsed`` (by wire field), and a warning names the field.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from audit_helpers import jsonl_records, node_event

from openevent.local.functions import load_module
from openevent.runtime.context import LocalContext
from support import load_event

FUNCTION = "node_change_auditor"
ABSURD_TIMES = [10**20, "99999999999999999999", 253_402_300_800_000, "²", "٣", "-0001-01-01T00:00:00"]


@pytest.fixture
def index(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[ModuleType]:
    """The function with its shipped config: stdout and a JSONL trail (``audit.jsonl`` in the cwd), sqlite state."""
    monkeypatch.chdir(tmp_path)
    for name in ("OPENEVENT_CONFIG", "AUDIT_SLS_ENDPOINT", "DINGTALK_WEBHOOK_URL", "OPENEVENT_AUDIT_JSONL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENEVENT_STATE_URL", f"sqlite:///{tmp_path / 'state.db'}")
    module = load_module(FUNCTION, fresh=True)
    yield module
    module.reset()


def invoke(index: ModuleType, event: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = index.handler(json.dumps(event).encode(), LocalContext(function_name=FUNCTION))
    return result


def updated(event_id: str = "evt-absurd", **data: Any) -> dict[str, Any]:
    return node_event("NodeChangeUpdated", event_id, "2025-03-14T10:06:18+08:00", **data)


def record_of(result: dict[str, Any]) -> dict[str, Any]:
    [record] = result["records"]
    return record


@pytest.mark.parametrize("value", ABSURD_TIMES, ids=repr)
def test_an_absurd_aliyunpublishtime_gives_a_record_without_received_at(index: ModuleType, value: Any) -> None:
    event = updated()
    event["aliyunpublishtime"] = value

    record = record_of(invoke(index, event))

    assert record["received_at"] is None
    assert record["occurred_at"] == "2025-03-14T02:06:18Z"
    assert str(record["details"]["unparsed"]["aliyunpublishtime"]) == str(value)


@pytest.mark.parametrize("value", ABSURD_TIMES, ids=repr)
def test_an_absurd_event_time_gives_a_record_without_occurred_at(index: ModuleType, value: Any) -> None:
    event = updated()
    event["time"] = value

    record = record_of(invoke(index, event))

    assert record["occurred_at"] is None
    assert str(record["details"]["unparsed"]["time"]) == str(value)


@pytest.mark.parametrize("field", ["modifyTime", "createTime"])
@pytest.mark.parametrize("value", ABSURD_TIMES, ids=repr)
def test_an_absurd_node_time_is_kept_as_sent_and_the_change_still_audited(index: ModuleType, field: str,
                                                                         value: Any) -> None:
    record = record_of(invoke(index, updated(**{field: value})))

    derived = {"modifyTime": "modified_at", "createTime": "created_at"}[field]
    assert record["action"] == "update" and derived not in record["details"]
    assert str(record["details"]["unparsed"][f"data.{field}"]) == str(value)


@pytest.mark.parametrize("name", ["ExpiredTaskInstancesDeleted", "DeleteTaskInstanceDependencies"])
def test_an_absurd_operation_time_is_kept_as_sent(index: ModuleType, name: str) -> None:
    event = copy.deepcopy(load_event(name))
    event["data"]["operationTime"] = 10**20

    record = record_of(invoke(index, event))

    assert record["details"]["operation_time"] is None
    assert record["details"]["unparsed"] == {"data.operationTime": 10**20}


def test_the_jsonl_trail_keeps_the_raw_value(index: ModuleType, tmp_path: Path) -> None:
    event = updated()
    event["aliyunpublishtime"] = "²"

    invoke(index, event)

    [line] = jsonl_records(tmp_path / "audit.jsonl")
    assert line["details"]["unparsed"] == {"aliyunpublishtime": "²"}


def test_an_unreadable_time_is_logged_as_a_warning_naming_the_field(index: ModuleType,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    invoke(index, updated(modifyTime=10**20))

    out = capsys.readouterr()
    warnings = [json.loads(line) for line in (out.out + out.err).splitlines()
                if line.startswith("{") and '"event.field_unreadable"' in line]
    assert [(w["level"], w["field"], w["value"]) for w in warnings] == [
        ("warning", "data.modifyTime", "100000000000000000000")]


def test_a_readable_event_has_no_unparsed_details(index: ModuleType) -> None:
    assert "unparsed" not in record_of(invoke(index, updated()))["details"]


def test_an_event_id_of_5000_characters_is_audited_once(index: ModuleType, tmp_path: Path) -> None:
    event = updated("e" * 5000)

    first = invoke(index, event)
    invoke(index, event)

    assert first["event_id"] == "e" * 5000 and record_of(first)["event_id"] == "e" * 5000
    assert len(jsonl_records(tmp_path / "audit.jsonl")) == 1


def test_a_node_id_of_5000_digits_keeps_its_state_between_changes(index: ModuleType) -> None:
    node = "7" * 5000

    created = record_of(invoke(index, node_event("NodeChangeCreated", "evt-1", "2025-03-14T10:05:05+08:00",
                                                 nodeId=node)))
    changed = record_of(invoke(index, updated("evt-2", nodeId=node, cronExpress="00 45 01 * * ?")))

    assert created["resource"]["id"] == node and created["baseline"]
    assert [c["field"] for c in changed["diff"]] == ["cron"]
