"""Removing any required field gives an error that names exactly that field."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from openevent.errors import EventParseError
from openevent.events import REGISTRY, parse
from openevent.events.samples import sample_event


def _required_payload_fields() -> list[tuple[str, str]]:
    cases = []
    for etype, spec in REGISTRY.items():
        model = spec.model
        fields = getattr(model, "model_fields", None)
        if fields is None:  # the monitor-alert union: required fields of the sample's own shape
            data = sample_event(etype)["data"]
            model = type(parse(sample_event(etype)).data)  # type: ignore[union-attr]
            fields = model.model_fields
            assert data["alarmType"]
        for name, info in fields.items():
            if info.is_required():
                cases.append((etype, info.alias or name))
    return cases


REQUIRED = _required_payload_fields()


def test_most_event_types_have_a_required_identifying_field() -> None:
    assert len({etype for etype, _ in REQUIRED}) >= 25


@pytest.mark.parametrize(("etype", "field"), REQUIRED, ids=[f"{t.split(':')[-1]}-{f}" for t, f in REQUIRED])
def test_missing_required_payload_field_is_named(etype: str, field: str) -> None:
    event: dict[str, Any] = sample_event(etype)
    del event["data"][field]
    with pytest.raises(EventParseError) as info:
        parse(event)
    assert info.value.field == f"data.{field}"
    assert str(info.value) == f"data.{field}: is required"
    assert info.value.message_id == event["id"]


@pytest.mark.parametrize("field", ["id", "type", "source"])
def test_missing_required_envelope_field_is_named(field: str) -> None:
    event = sample_event("dataworks:ProjectChange:DeleteProject")
    del event[field]
    with pytest.raises(EventParseError) as info:
        parse(copy.deepcopy(event))
    assert info.value.field == field


def test_missing_data_is_named() -> None:
    event = sample_event("dataworks:ProjectChange:DeleteProject")
    del event["data"]
    with pytest.raises(EventParseError, match=r"^data: is required$"):
        parse(event)


@pytest.mark.parametrize("bad", [None, "", 5])
def test_an_empty_or_non_string_type_is_refused(bad: Any) -> None:
    event = sample_event("dataworks:ProjectChange:DeleteProject")
    event["type"] = bad
    with pytest.raises(EventParseError, match=r"^type: "):
        parse(event)


def test_errors_inside_a_batch_name_the_item() -> None:
    good = sample_event("dataworks:ProjectChange:DeleteProject")
    bad = sample_event("dataworks:ProjectChange:DeleteProject")
    del bad["data"]["projectId"]
    with pytest.raises(EventParseError, match=r"^\[1\]\.data\.projectId: is required$"):
        parse([good, bad])


def test_an_fc_extension_message_without_event_type_is_refused() -> None:
    with pytest.raises(EventParseError, match="eventType"):
        parse({"messageId": "m-1", "messageBody": {"fileSize": 1}})
