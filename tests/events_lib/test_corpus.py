"""Every sample in tests/events parses into the typed event of its type; bad input is refused clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openevent.errors import EventParseError
from openevent.events import REGISTRY, Event, parse
from openevent.events.models.base import GenericPayload

EVENTS = Path(__file__).resolve().parent.parent / "events"
TOP_LEVEL = sorted(EVENTS.glob("*.json"))
VARIANTS = sorted((EVENTS / "variants").glob("*.json"))
INVALID = sorted((EVENTS / "invalid").iterdir())


def test_the_corpus_has_one_complete_event_per_registered_type() -> None:
    names = {p.stem for p in TOP_LEVEL}
    assert names == {spec.name for spec in REGISTRY.values()}


@pytest.mark.parametrize("path", TOP_LEVEL, ids=lambda p: p.stem)
def test_every_top_level_sample_parses_to_its_registered_model(path: Path) -> None:
    event = parse(path.read_bytes())
    assert isinstance(event, Event)
    spec = REGISTRY[event.type]
    assert spec.name == path.stem
    assert event.known
    assert not isinstance(event.data, GenericPayload)
    assert event.workspace_id is not None or spec.family == "dq-config"


@pytest.mark.parametrize("path", VARIANTS, ids=lambda p: p.stem)
def test_every_variant_parses(path: Path) -> None:
    result = parse(path.read_bytes())
    events = result if isinstance(result, list) else [result]
    assert events and all(isinstance(e, Event) for e in events)


@pytest.mark.parametrize("path", TOP_LEVEL + VARIANTS, ids=lambda p: p.stem)
def test_bytes_str_and_dict_inputs_give_the_same_event(path: Path) -> None:
    raw = path.read_bytes()
    from_bytes = parse(raw)
    assert parse(raw.decode()) == from_bytes
    assert parse(json.loads(raw)) == from_bytes


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_every_invalid_input_raises_one_documented_error(path: Path) -> None:
    with pytest.raises(EventParseError) as info:
        parse(path.read_bytes())
    text = str(info.value)
    assert "\n" not in text and "pydantic" not in text.lower()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("missing_id.json", "id: is required"),
        ("missing_type.json", "type: is required"),
        ("wrong_source.json", "source: expected 'acs.dataworks', got 'acs.ecs'"),
        ("bad_payload_InstanceStatusChanges.json", "data.status:"),
        ("not_json.txt", "not valid JSON"),
        ("json_scalar.json", "must be a JSON object or an array"),
        ("empty_array.json", "empty"),
        ("array_with_scalar.json", "[1]: must be a JSON object"),
    ],
)
def test_the_error_names_the_field_and_the_problem(name: str, expected: str) -> None:
    with pytest.raises(EventParseError, match=None) as info:
        parse((EVENTS / "invalid" / name).read_bytes())
    assert expected in str(info.value)


def test_a_payload_that_fails_its_model_still_reports_the_message_id() -> None:
    with pytest.raises(EventParseError) as info:
        parse((EVENTS / "invalid" / "bad_payload_InstanceStatusChanges.json").read_bytes())
    assert info.value.message_id
    assert info.value.field == "data.status"
    assert info.value.event_type == "dataworks:InstanceStatusChanges:InstanceStatusChanges"
