"""Turning what FC hands a function (bytes) into :class:`~openevent.events.envelope.Event` objects.

Accepted input: ``bytes``, ``str`` or an already decoded ``dict``/``list``, holding one
CloudEvent, a JSON array of CloudEvents (batched delivery), or the Function Compute
extension shape (``messageId``, ``messageBody``, ``eventType``, …), which is normalised
into the same event object. Anything else raises :class:`~openevent.errors.EventParseError`
whose message names the field and the problem; pydantic's own errors never escape.

Size: a message of more than ``OPENEVENT_MAX_EVENT_BYTES`` (default 10 MB) is refused before it
is decoded; its ``id`` and ``type`` are read from its first bytes (:func:`scan_head`, a bounded
scan), so the error still names them and a guard can answer it. Invalid JSON is scanned the same
way.

Speed: bytes are decoded and validated by pydantic-core in one pass, with the model(s) their
event types name, found without decoding the JSON: a single CloudEvent with its type's
``Event`` class (``model_validate_json``), a batch array with a list of the ``type``-tagged union
of the types it names (one validator per set of types, built once), the FC-extension shape with
:class:`~openevent.events.envelope.FcExtensionMessage` of its ``eventType``. The result is
checked against the guess (the parsed ``type``, the class of every item); anything unusual, and
every error, takes the general path (decode, then validate each object), which gives the precise
message, so both paths return the same events.

Example:
    >>> ev = parse(b'{"id":"1","source":"acs.dataworks","type":"dataworks:InstanceStatusChanges:'
    ...            b'InstanceStatusChanges","data":{"taskId":"7","status":"5","appId":3}}')
    >>> ev.data.status.name, ev.data.task_id, ev.workspace_id
    ('FAILURE', 7, 3)
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Annotated, Any, NamedTuple

import pydantic_core
from pydantic import GetCoreSchemaHandler, TypeAdapter, ValidationError
from pydantic_core import core_schema

from openevent.errors import EventParseError
from openevent.events.envelope import (
    FC_EXTENSION_KEYS,
    Event,
    FcExtensionMessage,
    fc_message_class,
    typed_event_class,
)
from openevent.events.fields import ALERT_KNOWN, ALERT_OTHER, KNOWN_TAG_ERROR, LOC_LABELS, NOISE_LABELS
from openevent.events.registry import BY_EVENT_CODE, REGISTRY, SOURCE

_FC_SHAPE_KEYS = ("messageId", "messageBody")
MAX_EVENT_BYTES_ENV = "OPENEVENT_MAX_EVENT_BYTES"
DEFAULT_MAX_EVENT_BYTES = 10 * 1024 * 1024
HEAD_SCAN_BYTES = 64 * 1024
"""How much of a refused message :func:`scan_head` reads looking for its ``id`` and ``type``."""


def parse(raw: bytes | bytearray | str | Mapping[str, Any] | list[Any]) -> Event | list[Event]:
    """Parse one message: an :class:`Event` for an object, a list of events for a batch array."""
    if type(raw) is bytes or isinstance(raw, (bytearray, str)):  # a tuple is faster here
        data = raw if type(raw) is bytes else (raw.encode(errors="surrogatepass") if isinstance(raw, str)
                                               else bytes(raw))
        limit = _max_event_bytes()
        if len(data) > limit:
            head = scan_head(data)
            raise EventParseError(f"the message is {len(data)} bytes, more than the {limit} accepted "
                                  f"({MAX_EVENT_BYTES_ENV}); it was not parsed",
                                  message_id=head.message_id, event_type=head.event_type)
        fast = _parse_fast(data)
        if fast is not None:
            return fast
        try:
            decoded = pydantic_core.from_json(data)
        except ValueError as exc:
            head = scan_head(data)
            raise EventParseError(f"the message is not valid JSON ({_first_line(exc)})",
                                  message_id=head.message_id, event_type=head.event_type) from None
    else:
        decoded = raw
    if isinstance(decoded, Mapping):
        return parse_object(decoded)
    if isinstance(decoded, list):
        if not decoded:
            raise EventParseError("the batch is an empty JSON array; expected at least one event")
        return [parse_object(item, index=i) for i, item in enumerate(decoded)]
    raise EventParseError(f"the message must be a JSON object or an array of objects, not {_kind(decoded)}")


def parse_one(raw: bytes | bytearray | str | Mapping[str, Any]) -> Event:
    """Parse input that must hold exactly one event (a batch of one is accepted)."""
    result = parse(raw)
    if isinstance(result, list):
        if len(result) != 1:
            raise EventParseError(f"expected one event, got a batch of {len(result)}")
        return result[0]
    return result


def parse_batch(raw: bytes | bytearray | str | Mapping[str, Any] | list[Any]) -> list[Event]:
    """Parse input holding one event or a batch; always returns a list."""
    result = parse(raw)
    return result if isinstance(result, list) else [result]


def parse_object(obj: Any, *, index: int | None = None) -> Event:
    """Validate one decoded JSON object (CloudEvent or FC-extension shape)."""
    prefix = f"[{index}]" if index is not None else ""
    if not isinstance(obj, Mapping):
        raise EventParseError(f"must be a JSON object, not {_kind(obj)}", field=prefix or "")
    if all(k in obj for k in _FC_SHAPE_KEYS) and "type" not in obj:
        obj = _from_fc_extension(obj, prefix)
    message_id = obj.get("id") if isinstance(obj.get("id"), str | int) else None
    etype = obj.get("type")
    if not isinstance(etype, str) or not etype:
        _raise_missing(obj, "type", prefix, message_id)
    source = obj.get("source")
    if source != SOURCE:
        if source is None:
            _raise_missing(obj, "source", prefix, message_id)
        raise EventParseError(f"expected {SOURCE!r}, got {source!r}", field=_join(prefix, "source"),
                              message_id=_str(message_id), event_type=etype)
    cls = typed_event_class(etype)
    try:
        event = cls.model_validate(obj)
    except ValidationError as exc:
        raise _convert(exc, prefix, _str(message_id), etype) from None
    return event


def max_event_bytes(env: Mapping[str, str] | None = None) -> int:
    """The largest message :func:`parse` decodes: ``OPENEVENT_MAX_EVENT_BYTES``, else 10 MB.

    Example:
        >>> max_event_bytes({}), max_event_bytes({"OPENEVENT_MAX_EVENT_BYTES": "1024"})
        (10485760, 1024)
    """
    text = (os.environ if env is None else env).get(MAX_EVENT_BYTES_ENV, "")
    number = int(text) if text.strip().isdigit() and len(text) < 19 else 0
    return number if number > 0 else DEFAULT_MAX_EVENT_BYTES


_ENVIRON = os.environ
# os.environ.get() costs ~0.6 us when the variable is unset (a KeyError inside _Environ), a tenth of a
# small message's parse: read CPython's own mapping (posix: bytes keys) when it has one, and convert
# the text once per value
_ENV_DATA: Mapping[Any, Any] | None = getattr(_ENVIRON, "_data", None)
_ENV_KEY: Any = getattr(_ENVIRON, "encodekey", lambda key: key)(MAX_EVENT_BYTES_ENV)
_limit_cache: list[Any] = [None, DEFAULT_MAX_EVENT_BYTES]


def _max_event_bytes() -> int:
    if _ENV_DATA is None or os.environ is not _ENVIRON:
        return max_event_bytes()
    raw = _ENV_DATA.get(_ENV_KEY)
    if raw != _limit_cache[0]:
        _limit_cache[:] = [raw, max_event_bytes()]
    return int(_limit_cache[1])


class Head(NamedTuple):
    """What :func:`scan_head` read: the message id and type, and whether it is the FC-extension shape."""

    message_id: str | None
    event_type: str | None
    fc_extension: bool = False


# one JSON token at a time (strings with their escapes, punctuation, scalars), whitespace skipped
_TOKEN = re.compile(rb'\s*(?:("(?:[^"\\\x00-\x1f]|\\.)*")|([{}\[\]:,])|'
                    rb'(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|NaN|-?Infinity))')
_HEAD_KEYS = {b'"id"': "id", b'"type"': "type", b'"messageId"': "messageId", b'"eventType"': "eventType"}


def scan_head(data: bytes | bytearray | str, limit: int = HEAD_SCAN_BYTES) -> Head:
    """The top-level ``id`` and ``type`` of a JSON object, read from its first ``limit`` bytes without decoding it.

    A bounded scan for the messages :func:`parse` refuses (too large, not JSON, truncated): it
    tokenises the head, tracks nesting, and takes only the keys of the outermost object, so an
    ``"id"`` nested in ``data`` is never mistaken for the message's. The FC-extension shape's
    ``messageId`` and ``eventType`` (an event code) are read too.

    Example:
        >>> scan_head(b'{"data": {"id": "inner"}, "id": "m-1", "type": "dataworks:ProjectChange:DeleteProject", "da')
        Head(message_id='m-1', event_type='dataworks:ProjectChange:DeleteProject', fc_extension=False)
        >>> scan_head(b'{"eventType": "delete-project", "messageId": 42, "messageBody": {"projectId": 1')
        Head(message_id='42', event_type='dataworks:ProjectChange:DeleteProject', fc_extension=True)
        >>> scan_head(b'[{"id": "a"}]') == scan_head(b'not json') == Head(None, None, False)
        True
    """
    head = (data.encode(errors="surrogatepass") if isinstance(data, str) else bytes(data))[:limit]
    found: dict[str, str] = {}
    depth, pos, expect_key, key = 0, 0, False, None
    while len(found) < 4:
        match = _TOKEN.match(head, pos)
        if match is None or match.end() == pos:
            break
        pos = match.end()
        string, punct, scalar = match.groups()
        if punct is not None:
            if punct in b"{[":
                if depth == 0 and punct == b"[":
                    break  # a batch: its events are answered one by one once it parses
                depth += 1
                expect_key = punct == b"{" and depth == 1
            elif punct in b"}]":
                depth -= 1
                if depth <= 0:
                    break
            elif punct == b"," and depth == 1:
                expect_key, key = True, None
            continue
        if depth != 1:
            continue
        if expect_key and string is not None:
            key, expect_key = _HEAD_KEYS.get(string), False
        elif key is not None:
            value = _scalar_text(string if string is not None else scalar)
            if value and key not in found:
                found[key] = value
            key = None
    message_id = found.get("id") or found.get("messageId")
    event_type = found.get("type")
    if event_type is None and "eventType" in found:
        event_type = BY_EVENT_CODE.get(found["eventType"], f"dataworks:FcExtension:{found['eventType']}")
    return Head(message_id, event_type, "messageId" in found and "type" not in found)


def _scalar_text(token: bytes | None) -> str | None:
    if not token or token in (b"true", b"false", b"null", b"NaN", b"Infinity", b"-Infinity"):
        return None
    try:
        value = pydantic_core.from_json(token)
    except ValueError:
        return None
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None


class _FastClasses(dict[bytes, "tuple[Callable[[bytes], Any], str] | None"]):
    """Type bytes → (``validate_json`` of the typed event class, type), filled on first use.

    ``None`` for what is not a ``dataworks:`` type name. A wrong guess (the first ``dataworks:``
    string is another member's value, or nested data has its own ``type``) is harmless: the
    parsed ``type`` is compared with the expected one and a mismatch or a validation error
    takes the general path. An unknown ``dataworks:`` type shares the generic class.
    """

    def __missing__(self, key: bytes) -> tuple[Callable[[bytes], Any], str] | None:
        etype = key.decode("utf-8", "replace")
        known = etype in REGISTRY or _GENERIC_TYPE.fullmatch(key) is not None
        entry = (typed_event_class(etype).__pydantic_validator__.validate_json, etype) if known else None
        if len(self) < 256:  # bounded: unknown junk must not grow it without limit
            self[key] = entry
        return entry


_GENERIC_TYPE = re.compile(rb"dataworks:[A-Za-z0-9]{1,100}:[A-Za-z0-9]{1,100}")
_FAST_CLASSES = _FastClasses()
_LEADING_SPACE = re.compile(rb"[ \t\n\r]*")
_EVENT_TYPE_VALUE = re.compile(rb'"eventType"[ \t\n\r]*:[ \t\n\r]*"([a-zA-Z0-9-]{1,100})"')
_TYPE_VALUE = re.compile(rb'"type"[ \t\n\r]*:[ \t\n\r]*"(dataworks:[A-Za-z0-9:]{1,200})"')
MAX_BATCH_TYPES = 8
"""A batch naming more types than this (or a type the registry does not know) is validated item by item."""


def _parse_fast(data: bytes) -> Event | list[Event] | None:
    """Decode and validate ``data`` in one pydantic-core pass, or ``None``: the general path decides."""
    first = data[:1]
    if first != b"{":
        start = _LEADING_SPACE.match(data).end()  # type: ignore[union-attr]  # matches the empty string too
        first = data[start:start + 1]
        if first == b"[":
            return _parse_batch_fast(data)
        if first != b"{":
            return None
    pos = data.find(b'"dataworks:')
    if pos > 7:
        entry = _FAST_CLASSES[data[pos + 1:data.find(b'"', pos + 1)]]
        if entry is not None and data[pos - 8:pos].endswith((b'"type":', b'"type": ')):
            try:
                event: Event = entry[0](data)
            except ValidationError:
                return None  # the general path produces the precise error
            return event if event.type == entry[1] else None
    return _parse_fc_extension_fast(data) if b'"messageBody"' in data else None


class _FcEntry(NamedTuple):
    validate_json: Callable[[bytes], Any]  # of the FcExtensionMessage class of the code
    template: Event  # an event of the type, the same fields set as the dict path's: copied, then filled
    code: str


class _FcClasses(dict[bytes, "_FcEntry | None"]):
    """``eventType`` bytes → what the FC-extension fast path needs; ``None`` for codes the registry lacks."""

    def __missing__(self, key: bytes) -> _FcEntry | None:
        code = key.decode("ascii")
        etype = BY_EVENT_CODE.get(code)
        entry = None
        if etype is not None:
            template = typed_event_class(etype).model_construct(
                _fields_set={"specversion", "id", "source", "type", "data", "datacontenttype", "fc_extension"},
                specversion="1.0", id="", source="acs.dataworks", type=etype, datacontenttype="application/json",
                data=None)
            entry = _FcEntry(fc_message_class(etype).__pydantic_validator__.validate_json, template, code)
        if len(self) < 256:
            self[key] = entry
        return entry


_FC_CLASSES = _FcClasses()


def _parse_fc_extension_fast(data: bytes) -> Event | None:
    match = _EVENT_TYPE_VALUE.search(data)
    entry = _FC_CLASSES[match.group(1)] if match is not None else None
    if entry is None:
        return None
    try:
        msg: FcExtensionMessage = entry.validate_json(data)
    except ValidationError:
        return None
    mid = msg.message_id
    if msg.event_type != entry.code or mid == "":  # a nested eventType was found first; an empty id
        return None
    given = msg.model_fields_set
    # the event the dict path validates from {"specversion": "1.0", "id": …, "source", "type", "data",
    # "datacontenttype", "fc_extension"}: every part is validated already (the payload by the message
    # model), so a copy of the type's template gets them without a second validation of the envelope
    event = entry.template.__copy__()
    fields = event.__dict__
    fields["id"] = mid if type(mid) is str else str(mid)
    fields["data"] = msg.message_body
    fields["fc_extension"] = {wire: getattr(msg, name) for wire, name in FC_EXTENSION_KEYS if name in given}
    return event


def _parse_batch_fast(data: bytes) -> list[Event] | None:
    # the usual batch holds one type: try the first one named, then every type the bytes name
    pos = data.find(b'"dataworks:')
    if pos < 0:
        return None
    first = frozenset((data[pos + 1:data.find(b'"', pos + 1)],))
    events = _validate_batch(data, first)
    if events is None:
        types = frozenset(_TYPE_VALUE.findall(data))
        if types != first and 0 < len(types) <= MAX_BATCH_TYPES:
            events = _validate_batch(data, types)
    return events


def _validate_batch(data: bytes, types: frozenset[bytes]) -> list[Event] | None:
    entry = _batch_adapter(types)
    if entry is None:
        return None
    validate_json, classes = entry
    try:
        events: list[Event] = validate_json(data)
    except ValidationError:
        return None
    for event in events:  # the tag read and the ``type`` validated could differ (a duplicate key)
        if classes.get(event.type) is not type(event):
            return None
    return events


class _TaggedEvents:
    """A non-empty JSON array of events, each validated with the class its ``type`` names (a tagged union)."""

    def __init__(self, classes: Mapping[str, type[Event]]) -> None:
        self.classes = classes

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        choices: dict[Any, core_schema.CoreSchema] = {
            etype: handler.generate_schema(cls) for etype, cls in self.classes.items()}
        return core_schema.list_schema(core_schema.tagged_union_schema(choices, discriminator="type"), min_length=1)


@lru_cache(maxsize=64)
def _batch_adapter(types: frozenset[bytes]) -> tuple[Callable[[bytes], Any], dict[str, type[Event]]] | None:
    """The validator of a batch of these types (``None`` unless the registry knows them all), built once."""
    names = {t.decode("utf-8", "replace") for t in types}
    if not names <= REGISTRY.keys():
        return None
    classes = {etype: typed_event_class(etype) for etype in sorted(names)}
    return TypeAdapter(Annotated[Any, _TaggedEvents(classes)]).validate_json, classes


def _from_fc_extension(obj: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    code = obj.get("eventType")
    body = obj.get("messageBody")
    message_id = obj.get("messageId") if isinstance(obj.get("messageId"), str | int) else None
    etype_hint = BY_EVENT_CODE.get(code) if isinstance(code, str) else None
    if isinstance(body, str):  # the body may arrive as JSON text (a Java caller serialising a String)
        try:
            body = pydantic_core.from_json(body)
        except ValueError as exc:
            raise EventParseError(f"is a string that is not JSON ({_first_line(exc)})",
                                  field=_join(prefix, "messageBody"), message_id=_str(message_id),
                                  event_type=etype_hint) from None
    if not isinstance(body, Mapping):
        raise EventParseError(f"must be a JSON object, not {_kind(body)}", field=_join(prefix, "messageBody"),
                              message_id=_str(message_id), event_type=etype_hint)
    if not isinstance(code, str) or not code:
        code = body.get("eventCode") if isinstance(body.get("eventCode"), str) else None
    if not code:
        raise EventParseError("is required to know the event type", field=_join(prefix, "eventType"),
                              message_id=_str(message_id))
    etype = BY_EVENT_CODE.get(code, f"dataworks:FcExtension:{code}")
    envelope = {"specversion": "1.0", "id": message_id, "source": SOURCE, "type": etype, "data": dict(body),
                "datacontenttype": "application/json"}
    envelope["fc_extension"] = {
        k: obj[k] for k in ("eventType", "eventCategoryType", "extensionBizId", "blockBusiness") if k in obj}
    return envelope


def _convert(exc: ValidationError, prefix: str, message_id: str | None, etype: str) -> EventParseError:
    errors = _relevant(exc.errors(include_url=False))
    err = errors[0]
    field = _join(prefix, ".".join(str(p) for p in _clean_loc(err["loc"])))
    problem = err["msg"]
    if err["type"] == "missing":
        problem = "is required"
    elif "input" in err and not isinstance(err["input"], dict | list):
        problem = f"{problem} (got {err['input']!r})"
    extra = len(errors) - 1
    if extra > 0:
        problem += f" (and {extra} more problem{'s' if extra > 1 else ''})"
    return EventParseError(problem, field=field, message_id=message_id, event_type=etype)


def _relevant(errors: list[Any]) -> list[Any]:
    """The errors that say what is wrong, without those of union branches meant for other input kinds.

    A comma-separated-ids field reports the array branch's error (the text and single-number
    branches only say "not a string"/"not an integer"); a monitor alert reports its own shape's
    errors when its tag is known, else those of the "other" alert.
    """
    kept = [e for e in errors if not any(isinstance(p, str) and p in NOISE_LABELS for p in e["loc"])]
    if any(e["type"] == KNOWN_TAG_ERROR for e in kept):
        kept = [e for e in kept if ALERT_OTHER not in e["loc"]]
    else:
        kept = [e for e in kept if ALERT_KNOWN not in e["loc"]]
    return kept or errors


def _clean_loc(loc: tuple[Any, ...]) -> list[Any]:
    """The location as a field path: no validator or union-branch labels, no discriminator tags."""
    out: list[Any] = []
    skip_tag = False
    for part in loc:
        if skip_tag:  # the tagged union puts the tag in the path: data.SLA_ALERT.baselineId -> data.baselineId
            skip_tag = False
            continue
        if isinstance(part, str) and (part in LOC_LABELS or part.startswith("function-")):
            skip_tag = part == ALERT_KNOWN
            continue
        out.append(part)
    return out


def _raise_missing(obj: Mapping[str, Any], key: str, prefix: str, message_id: Any) -> None:
    present = key in obj
    problem = f"must be a non-empty string, not {_kind(obj[key])}" if present else "is required"
    raise EventParseError(problem, field=_join(prefix, key), message_id=_str(message_id))


def _join(prefix: str, field: str) -> str:
    if not prefix:
        return field
    return f"{prefix}.{field}" if field else prefix


def _str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array"}.get(
        type(value), type(value).__name__)


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200]
