"""Bytes are validated in one pydantic-core pass, and give exactly the events the dict path gives.

The fast paths (one CloudEvent, a batch array, the Function Compute extension shape) pick their
models from the bytes without decoding them; whatever they cannot vouch for takes the general
path (decode, then validate each object), so the two never disagree.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from openevent.errors import EventParseError
from openevent.events import Event, parse
from openevent.events.parse import _parse_fast
from openevent.events.samples import sample_event

CORPUS = Path(__file__).resolve().parents[1] / "events"
FILES = sorted(p for p in CORPUS.rglob("*.json") if "invalid" not in p.parts)
INSTANCE = "dataworks:InstanceStatusChanges:InstanceStatusChanges"


def _as_list(result: Event | list[Event]) -> list[Event]:
    return result if isinstance(result, list) else [result]


def _same(left: Event | list[Event], right: Event | list[Event]) -> None:
    lhs, rhs = _as_list(left), _as_list(right)
    assert [type(e) for e in lhs] == [type(e) for e in rhs]
    for a, b in zip(lhs, rhs, strict=True):
        assert repr(a) == repr(b) and a.model_dump_json() == b.model_dump_json()  # same fields, same order
        assert type(a.data) is type(b.data) and a.payload_dict() == b.payload_dict()
        assert (a.fc_extension, a.model_fields_set, a.model_extra) == (b.fc_extension, b.model_fields_set,
                                                                       b.model_extra)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_corpus_file_parses_from_bytes_as_from_its_decoded_json(path: Path) -> None:
    raw = path.read_bytes()

    _same(parse(raw), parse(json.loads(raw)))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_corpus_file_takes_a_one_pass_path(path: Path) -> None:
    assert _parse_fast(path.read_bytes()) is not None


def test_a_batch_of_several_types_is_validated_in_one_pass_with_each_items_own_model() -> None:
    batch = [sample_event(INSTANCE), sample_event("dataworks:ProjectChange:DeleteProject"), sample_event(INSTANCE)]
    raw = json.dumps(batch).encode()

    fast = _parse_fast(raw)

    assert isinstance(fast, list) and [e.spec.name for e in fast] == ["InstanceStatusChanges", "DeleteProject",
                                                                      "InstanceStatusChanges"]
    _same(fast, parse(batch))


def test_a_batch_item_with_a_duplicate_type_key_parses_as_its_last_value() -> None:
    item = json.dumps(sample_event(INSTANCE)).encode()
    raw = b'[{"type": "dataworks:ProjectChange:DeleteProject", ' + item[1:] + b"]"

    events = parse(raw)

    assert isinstance(events, list) and events[0].type == INSTANCE
    _same(events, parse(json.loads(raw)))


def test_an_error_in_a_batch_still_names_the_item_and_the_field() -> None:
    bad = sample_event(INSTANCE)
    del bad["data"]["taskId"]
    raw = json.dumps([sample_event(INSTANCE), bad]).encode()

    with pytest.raises(EventParseError, match=r"^\[1\]\.data\.taskId: is required$"):
        parse(raw)


def _fc_message(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((CORPUS / "variants" / "fc_extension_DownloadResources.json").read_text())
    doc.update(changes)
    return doc


@pytest.mark.parametrize(("name", "changes"), [
    ("numeric messageId", {"messageId": 42}),
    ("no blockBusiness", {"blockBusiness": None}),
    ("body as JSON text", {"messageBody": json.dumps(_fc_message()["messageBody"])}),
    ("a type key, so a CloudEvent", {"type": None}),
    ("an unknown key", {"somethingNew": 1}),
])
def test_the_fc_extension_shape_parses_from_bytes_as_from_its_decoded_json(name: str, changes: dict[str, Any]) -> None:
    doc = _fc_message(**changes)
    if changes.get("blockBusiness", 0) is None:
        del doc["blockBusiness"]
    raw = json.dumps(doc).encode()

    try:
        expected: Event | list[Event] | EventParseError = parse(doc)
    except EventParseError as exc:
        expected = exc
    if isinstance(expected, EventParseError):
        with pytest.raises(EventParseError) as refused:
            parse(raw)
        assert str(refused.value) == str(expected)
    else:
        _same(parse(raw), expected)


@pytest.mark.parametrize("as_bytes", [True, False])
def test_a_broken_baseline_alert_is_reported_as_a_baseline_alert_not_taken_as_other(as_bytes: bool) -> None:
    event = sample_event("dataworks:MonitorAlert:WorkbenchMonitorAlert")
    del event["data"]["baselineId"]

    with pytest.raises(EventParseError) as refused:
        parse(json.dumps(event).encode() if as_bytes else event)

    assert str(refused.value) == "data.baselineId: is required"


def test_an_unknown_alarm_type_with_a_bad_standard_field_names_that_field() -> None:
    event = sample_event("dataworks:MonitorAlert:WorkbenchMonitorAlert")
    event["data"].update(alarmType="NEW_ALERT", tenantId={"x": 1})

    with pytest.raises(EventParseError) as refused:
        parse(json.dumps(event).encode())

    assert refused.value.field is not None and refused.value.field.startswith("data.tenantId")


@pytest.mark.parametrize(("value", "problem"), [
    (1.5, "data.taskIds: Input should be a valid list (got 1.5)"),
    (True, "data.taskIds: Input should be a valid list (got True)"),
])
def test_a_bad_id_list_is_reported_without_the_union_branches_for_other_input_kinds(value: Any,
                                                                                 problem: str) -> None:
    event = sample_event("dataworks:InstanceChange:KillInstance")
    event["data"]["taskIds"] = value

    with pytest.raises(EventParseError) as refused:
        parse(json.dumps(event).encode())

    assert str(refused.value) == problem


def test_a_single_id_number_or_comma_separated_text_becomes_a_list() -> None:
    one, text = (sample_event("dataworks:InstanceChange:KillInstance") for _ in range(2))
    one["data"]["taskIds"], text["data"]["taskIds"] = 7, "7, 8,,x9"

    assert parse(json.dumps(one).encode()).data.task_ids == [7]  # type: ignore[union-attr]
    assert parse(json.dumps(text).encode()).data.task_ids == [7, 8, "x9"]  # type: ignore[union-attr]


@pytest.mark.parametrize(("text", "decoded"), [
    ('[{"a": 1}]', [{"a": 1}]), (' {"a": 1}', {"a": 1}), ("123", "123"), ("null", "null"), ("[1", "[1"),
])
def test_json_in_a_string_field_is_decoded_only_when_it_is_an_array_or_object(text: str, decoded: Any) -> None:
    event = sample_event("dataworks:BackfillDataOperate:BackfillData")
    event["data"]["multipleTimePeriods"] = text

    assert parse(json.dumps(event).encode()).data.multiple_time_periods == decoded  # type: ignore[union-attr]
