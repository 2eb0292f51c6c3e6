"""Whatever bytes arrive, ``openevent.events.parse`` returns events or raises ``EventParseError`` — nothing else.

Properties over hostile messages (:mod:`hostile`): any JSON in any field of any event type, raw
tokens no serialiser writes (NaN, 5,000 digits, lone surrogates, invalid UTF-8, duplicate keys),
deep nesting (also inside JSON-in-string fields), huge strings and arrays, truncation and flipped
bytes. A message over ``OPENEVENT_MAX_EVENT_BYTES`` is refused before it is decoded, and the id and
type at its head are still read (a guard answers it).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hostile import EVENT_TYPES, deep, examples, hostile_messages, json_values, wire_event
from openevent.errors import EventParseError
from openevent.events import Event, parse
from openevent.events.parse import DEFAULT_MAX_EVENT_BYTES, MAX_EVENT_BYTES_ENV, scan_head
from openevent.events.samples import sample_event


def parsed_or_refused(raw: bytes) -> Event | list[Event] | EventParseError:
    """``parse(raw)``, or the ``EventParseError`` it raised; any other exception fails the property."""
    try:
        return parse(raw)
    except EventParseError as exc:
        return exc


@contextmanager
def max_event_bytes(limit: int) -> Iterator[None]:
    saved = os.environ.get(MAX_EVENT_BYTES_ENV)
    os.environ[MAX_EVENT_BYTES_ENV] = str(limit)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(MAX_EVENT_BYTES_ENV, None)
        else:
            os.environ[MAX_EVENT_BYTES_ENV] = saved


@settings(max_examples=examples(200))
@given(hostile_messages())
def test_any_hostile_message_parses_or_is_refused_with_an_event_parse_error(raw: bytes) -> None:
    result = parsed_or_refused(raw)

    if isinstance(result, EventParseError):
        assert str(result)  # the error names the field and the problem
    else:
        for event in result if isinstance(result, list) else [result]:
            event.normalised()  # the accessors are total too
            json.dumps(event.normalised(), default=str)


@settings(max_examples=examples(150))
@given(st.sampled_from(EVENT_TYPES), st.data())
def test_any_json_value_in_any_payload_field_parses_or_is_refused(event_type: str, data: st.DataObject) -> None:
    event = wire_event(event_type)
    fields = sorted(event["data"]) or ["eventCode"]
    event["data"][data.draw(st.sampled_from(fields))] = data.draw(json_values())

    result = parsed_or_refused(json.dumps(event, allow_nan=True).encode())

    if isinstance(result, EventParseError):
        assert result.message_id == event["id"]  # the id is still read: a guard can answer
    else:
        assert not isinstance(result, list) and result.id == event["id"]
        result.normalised()


@settings(max_examples=examples(200))
@given(st.sampled_from(EVENT_TYPES), st.data())
def test_a_message_truncated_anywhere_is_refused_with_an_event_parse_error(event_type: str,
                                                                          data: st.DataObject) -> None:
    raw = json.dumps(wire_event(event_type)).encode()
    cut = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))

    assert isinstance(parsed_or_refused(raw[:cut]), EventParseError)


@settings(max_examples=examples(150))
@given(st.sampled_from(EVENT_TYPES), st.binary(min_size=1, max_size=4), st.data())
def test_invalid_utf8_anywhere_in_a_message_parses_or_is_refused(event_type: str, junk: bytes,
                                                                 data: st.DataObject) -> None:
    raw = json.dumps(wire_event(event_type), ensure_ascii=False).encode()
    at = data.draw(st.integers(min_value=0, max_value=len(raw)))

    parsed_or_refused(raw[:at] + junk + b"\xff" + raw[at:])


@settings(max_examples=examples(100))
@given(st.sampled_from(EVENT_TYPES), st.sampled_from(["id", "type", "source", "data", "specversion"]),
       json_values(max_leaves=3))
def test_a_duplicate_envelope_key_parses_as_its_last_value_or_is_refused(event_type: str, key: str,
                                                                         first: object) -> None:
    event = wire_event(event_type)
    raw = json.dumps(event).encode()
    duplicated = b"{" + json.dumps(key).encode() + b": " + json.dumps(first, allow_nan=True).encode() + b", " + raw[1:]

    result = parsed_or_refused(duplicated)

    if not isinstance(result, EventParseError):
        assert not isinstance(result, list) and result.id == event["id"]  # JSON's last value wins


@settings(max_examples=examples(100))
@given(st.sampled_from(EVENT_TYPES), st.sampled_from([150, 199, 201, 1000, 5000, 100_000]),
       st.sampled_from(["[", "{"]), st.booleans())
def test_deep_nesting_in_a_field_or_in_a_json_in_string_field_parses_or_is_refused(
        event_type: str, depth: int, kind: str, as_text: bool) -> None:
    event = wire_event(event_type)
    nested = deep(depth, kind)
    if as_text:  # the fields the models decode themselves (JsonIn)
        for field in ("multipleTimePeriods", "extension", "runtimeConf"):
            event["data"][field] = nested
        event["data"]["granteeObjectList"] = [nested]
        raw = json.dumps(event).encode()
    else:
        raw = json.dumps({**event, "data": {**event["data"], "nested": "@@"}}).encode().replace(
            b'"@@"', nested.encode())

    result = parsed_or_refused(raw)

    if isinstance(result, EventParseError):
        assert result.message_id == event["id"]


def test_a_json_in_string_field_nested_past_the_recursion_limit_stays_text() -> None:
    """The defect this suite found: ``json.loads`` in the JsonIn validator raised RecursionError."""
    event = sample_event("dataworks:BackfillDataOperate:BackfillData")
    event["data"]["multipleTimePeriods"] = deep(100_000)

    parsed = parse(json.dumps(event).encode())

    assert not isinstance(parsed, list) and parsed.data.multiple_time_periods == deep(100_000)


def test_a_lone_surrogate_inside_a_json_in_string_field_stays_text_and_cannot_break_utf8_later() -> None:
    event = sample_event("dataworks:BackfillDataOperate:BackfillData")
    event["data"]["multipleTimePeriods"] = '[{"name": "\\ud800"}]'

    parsed = parse(json.dumps(event).encode())

    assert not isinstance(parsed, list)
    json.dumps(parsed.payload_dict()).encode("utf-8")  # nothing undecodable reached the model


@settings(max_examples=examples(100))
@given(st.sampled_from(EVENT_TYPES), st.sampled_from([b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-1e400",
                                                       b"9" * 4300, b"9" * 4301, b"9" * 5000,
                                                       str(2**64).encode(), str(-(2**63) - 1).encode()]),
       st.data())
def test_numbers_past_every_range_parse_or_are_refused(event_type: str, token: bytes, data: st.DataObject) -> None:
    event = wire_event(event_type)
    field = data.draw(st.sampled_from(sorted(event["data"]) or ["x"]))
    event["data"][field] = "@@"

    result = parsed_or_refused(json.dumps(event).encode().replace(b'"@@"', token, 1))

    if not isinstance(result, EventParseError):
        json.dumps(result.normalised(), default=str)  # type: ignore[union-attr]


@settings(max_examples=examples(50))
@given(st.sampled_from(EVENT_TYPES), st.sampled_from([200_000, 2_000_000]), st.booleans())
def test_huge_strings_and_arrays_under_the_limit_parse_or_are_refused_quickly(event_type: str, size: int,
                                                                            as_array: bool) -> None:
    event = wire_event(event_type)
    event["data"]["huge"] = list(range(size // 8)) if as_array else "x" * size
    raw = json.dumps(event).encode()

    started = time.perf_counter()
    parsed_or_refused(raw)

    assert time.perf_counter() - started < 2.0


# -- the size limit ----------------------------------------------------------------------------------
def test_a_message_over_ten_megabytes_is_refused_before_it_is_parsed_and_still_names_its_id_and_type() -> None:
    event = sample_event("dataworks:ProjectChange:DeleteProject")
    raw = json.dumps({"id": event["id"], "type": event["type"], **event,
                      "data": {**event["data"], "padding": "x" * DEFAULT_MAX_EVENT_BYTES}}).encode()

    started = time.perf_counter()
    with pytest.raises(EventParseError, match="more than the 10485760 accepted") as refused:
        parse(raw)

    assert (refused.value.message_id, refused.value.event_type) == (event["id"], event["type"])
    assert time.perf_counter() - started < 0.5  # a bounded scan of the head, not a parse of 10 MB


@settings(max_examples=examples(100))
@given(st.sampled_from(EVENT_TYPES), st.integers(min_value=64, max_value=4096), st.integers(0, 5000))
def test_any_message_over_the_configured_limit_is_refused_naming_the_id_the_head_holds(
        event_type: str, limit: int, padding: int) -> None:
    event = wire_event(event_type)
    doc = {"id": event["id"], "type": event["type"], **event, "data": {**event["data"], "pad": "x" * padding}}
    raw = json.dumps(doc).encode()

    with max_event_bytes(limit):
        result = parsed_or_refused(raw)

    if len(raw) > limit:
        assert isinstance(result, EventParseError) and "more than" in str(result)
        assert (result.message_id, result.event_type) == (event["id"], event["type"])
    else:
        assert not isinstance(result, EventParseError)


@settings(max_examples=examples(200))
@given(st.sampled_from(EVENT_TYPES), json_values(), st.data())
def test_the_head_scan_reads_only_the_top_level_id_and_type_whatever_comes_before_them(
        event_type: str, noise: object, data: st.DataObject) -> None:
    event = wire_event(event_type)
    before = {"data": {"id": "nested-id", "type": "nested-type", "noise": noise}, "aliyunaccountid": "1"}
    raw = json.dumps({**before, "id": event["id"], "type": event["type"]}, allow_nan=True).encode()
    cut = data.draw(st.integers(min_value=raw.index(event["type"].encode()) + len(event["type"]) + 1,
                                max_value=len(raw)))

    head = scan_head(raw[:cut])

    assert (head.message_id, head.event_type) == (event["id"], event["type"])


@settings(max_examples=examples(100))
@given(st.binary(max_size=300))
def test_the_head_scan_of_arbitrary_bytes_never_raises(raw: bytes) -> None:
    scan_head(raw)
