"""Hypothesis strategies for hostile DataWorks messages, built from the registry's own sample events.

A hostile message is a sample event of some type with one place changed (an envelope field, a
payload field at any depth, or the whole document), by one of:

* **any JSON** of any type where the model expects another (``{"projectId": [null, {"x": 1.5}]}``), or
  a hostile value of the expected type (``2**63``, ``"9" * 5000``, ``"²"``, ``"{0.__class__}"``, 70,000 characters);
* a **raw token** no Python value serialises to: ``NaN``, ``Infinity``, ``1e400``, 5,000 digits,
  ``2**64``, a lone surrogate ``"\\ud800"``, invalid UTF-8 bytes, an object with duplicate keys;
* **deep nesting** (``[[[[…]]]]`` 150 to 5,000 levels), also inside the JSON-in-string fields the
  models decode themselves (``multipleTimePeriods``, ``extension``, ``runtimeConf``,
  ``granteeObjectList``);
* a **huge** string or array;
* **truncation** of the serialised message at any byte, or a byte flipped.

:func:`hostile_messages` draws the message's bytes.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator, Mapping
from typing import Any

from hypothesis import strategies as st

from openevent.events.registry import REGISTRY
from openevent.events.samples import sample_event

SENTINEL = "\u0000HOSTILE\u0000"
_QUOTED_SENTINEL = json.dumps(SENTINEL).encode()
JSON_IN_STRING_FIELDS = ("multipleTimePeriods", "extension", "runtimeConf", "granteeObjectList")

RAW_TOKENS = [b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-1e400", b"1e-400", b"9" * 5000, b"-" + b"9" * 4400,
              str(2**64).encode(), str(-(2**63) - 1).encode(), b"18446744073709551616.5", b'"\\ud800"',
              b'"\\udfff\\ud800"', b'"\xff\xfe\xfd"', b'"\xc3\x28"', b'"\xed\xa0\x80"', b'{"a": 1, "a": "two"}',
              b'{"id": "inner", "id": 7}', b"[]", b"{}", b'""', b"null", b"true", b'"\\u0000"', b'"\x7f"']


def json_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Any JSON value (floats include NaN and the infinities, which ``json.dumps`` writes as such)."""
    scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80)
               | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=40))
    return st.recursive(scalars, lambda kids: st.lists(kids, max_size=4)
                        | st.dictionaries(st.text(max_size=8), kids, max_size=4), max_leaves=max_leaves)


def deep(depth: int, kind: str = "[") -> str:
    close = "]" if kind == "[" else "}"
    opener = "[" if kind == "[" else '{"a":'
    return opener * depth + ("1" if kind == "{" else "") + close * depth


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a decoded JSON document (containers and leaves), as key/index paths."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value[:3]):
            yield from paths(item, (*prefix, index))


def put(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return doc


EVENT_TYPES = sorted(REGISTRY)
_WIRE_ORDER = ("specversion", "id", "source", "type", "subject", "time", "datacontenttype")


def wire_event(event_type: str) -> dict[str, Any]:
    """A sample event with its envelope keys in EventBridge's order (``id`` and ``type`` first, ``data`` last),
    as in the DataWorks documentation's examples (``tests/events/``)."""
    event = sample_event(event_type)
    ordered = {k: event[k] for k in _WIRE_ORDER if k in event}
    ordered.update({k: v for k, v in event.items() if k not in ordered and k != "data"})
    ordered["data"] = event["data"]
    return ordered

def examples(n: int) -> int:
    """``n`` examples, ten times as many under ``HYPOTHESIS_PROFILE=explore``."""
    return n * (10 if os.environ.get("HYPOTHESIS_PROFILE") == "explore" else 1)


# how a message is made hostile, weighted towards changes the parser may still accept (so that the
# handlers behind it see them): any JSON in a field, then raw tokens, nesting, truncation…
_HOW = ("json",) * 6 + ("same-type",) * 8 + ("raw",) * 3 + ("deep", "deep", "json-in-string", "json-in-string",
                                                           "huge", "truncate", "truncate", "flip", "whole")


def same_type_values(original: Any) -> st.SearchStrategy[Any]:
    """Hostile values of the JSON type the field already has: what a lenient model still accepts."""
    if isinstance(original, bool):
        return st.booleans()
    if isinstance(original, int):
        return st.sampled_from([0, -1, 2**31, 2**53 + 1, 2**63, -(2**63) - 1, 10**30, 10**4000]) | st.integers()
    if isinstance(original, float):
        return st.floats(allow_nan=True, allow_infinity=True)
    if isinstance(original, str):
        return (st.text(max_size=60) | st.sampled_from(["", " ", "\x00", "9" * 5000, "²", "٣", "-1", "1e400",
                                                         "NaN", "9999-99-99 99:99:99", "0000-00-00 00:00:00",
                                                         "*" * 300, "${HOME}", "{x}", "{0.__class__}",
                                                         "<script>", "@all", "x" * 70_000]))
    if isinstance(original, list):
        return st.lists(json_values(max_leaves=4), max_size=5) | st.just([]) | st.just(list(range(20_000)))
    if isinstance(original, dict):
        return st.dictionaries(st.text(max_size=8), json_values(max_leaves=4), max_size=4)
    return json_values()


@st.composite
def hostile_messages(draw: st.DrawFn, types: tuple[str, ...] | list[str] = tuple(EVENT_TYPES),
                     bases: Mapping[str, Mapping[str, Any]] | None = None) -> bytes:
    """A hostile message derived from a sample of one of ``types`` (``bases[type]``'s payload instead of
    the sample's, e.g. a failed instance the notifier alerts on rather than a successful one)."""
    event_type = draw(st.sampled_from(list(types)))
    event = wire_event(event_type)
    if bases and event_type in bases:
        event["data"] = copy.deepcopy(dict(bases[event_type]))
    how = draw(st.sampled_from(_HOW))
    if how in ("truncate", "flip"):
        raw = json.dumps(event, ensure_ascii=False).encode()
        cut = draw(st.integers(min_value=0, max_value=len(raw)))
        if how == "truncate":
            raw = raw[:cut]
        else:
            raw = raw[:cut] + bytes([draw(st.integers(0, 255))]) + raw[cut + 1:]
        return raw
    if how == "whole":
        return json.dumps(draw(json_values()), allow_nan=True).encode()
    places = [p for p in paths(event) if p]
    if draw(st.integers(0, 3)):  # mostly the payload: what the models (and then the handlers) read
        places = [p for p in places if p[0] == "data"] or places
    if how == "json-in-string":
        event.setdefault("data", {})
        field = draw(st.sampled_from(JSON_IN_STRING_FIELDS))
        text = draw(st.sampled_from([deep(100_000), deep(199), deep(5000, "{"), "[" * 3000, '{"a": NaN}',
                                     "[" + "9" * 5000 + "]", '["\\ud800"]', "[1e400]"]))
        event["data"][field] = text if field != "granteeObjectList" else [text]
        return json.dumps(event).encode()
    path = draw(st.sampled_from(places))
    if how == "same-type":
        original: Any = event
        for step in path:
            original = original[step]
        return json.dumps(put(event, path, draw(same_type_values(original))), allow_nan=True).encode()
    if how == "json":
        return json.dumps(put(event, path, draw(json_values())), allow_nan=True).encode()
    if how == "huge":
        size = draw(st.sampled_from([70_000, 300_000, 1_000_000]))
        value = "x" * size if draw(st.booleans()) else list(range(size // 8))
        return json.dumps(put(event, path, value)).encode()
    token = draw(st.sampled_from(RAW_TOKENS)) if how == "raw" else draw(
        st.sampled_from([deep(150), deep(250), deep(5000), deep(300, "{")])).encode()
    return json.dumps(put(event, path, SENTINEL)).encode().replace(_QUOTED_SENTINEL, token, 1)
