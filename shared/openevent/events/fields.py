"""Lenient field types for the places where DataWorks' docs disagree with themselves (§11).

* :data:`CsvIds` — a list of ids sent as a JSON array *or* a comma-separated string.
* :data:`JsonIn` — a value that is sometimes double-encoded as a JSON string.
* :data:`Id` — a numeric id sent as a number or a string (masked or odd values kept as text).
* :data:`Stamp` — a time sent as epoch milliseconds, a string of epoch ms or ``yyyy-MM-dd HH:mm:ss``.

The conversions here are total: a value that cannot be read (an epoch beyond ``datetime``'s
years 1–9999, ``"²"`` which ``str.isdigit()`` accepts and ``int()`` refuses, more digits than
``int()`` converts) gives ``None`` (or stays text, for ids), never an exception — the caller keeps
the raw value and, given a ``field`` name, a warning names it (:func:`log_unreadable`).

Example:
    >>> from pydantic import TypeAdapter
    >>> TypeAdapter(CsvIds).validate_python("1,2, 3")
    [1, 2, 3]
    >>> TypeAdapter(JsonIn).validate_python('[{"a": 1}]')
    [{'a': 1}]
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

from pydantic import Field, GetCoreSchemaHandler
from pydantic_core import core_schema


def _split_text(value: str) -> list[int | str]:
    parts = value.split(",")
    if value.isascii() and value.replace(",", "").isdigit():  # the usual "1,2,3": ints at C speed
        try:
            return list(map(int, parts))
        except ValueError:  # an empty part, or more digits than int() converts
            pass
    return [_id(p) for p in parts if p.strip()]


def _one_id(value: int) -> list[int | str]:
    return [value]


# Union branch labels: pydantic-core puts them in error locations. ``openevent.events.parse`` drops
# the errors of the branches that only catch other input kinds (NOISE_LABELS) and the labels themselves
# (LOC_LABELS), so an error reads ``data.taskIds.0: …`` as it would without the union.
IDS_LIST, IDS_TEXT, IDS_ONE = "ids:list", "ids:text", "ids:one"
JSON_TEXT, JSON_VALUE = "json:text", "json:value"
# the monitor alert union (openevent.events.models.monitor): the alarmType-tagged union of the known
# shapes, then the "other" alert, which refuses a known tag with KNOWN_TAG_ERROR
ALERT_KNOWN, ALERT_OTHER, KNOWN_TAG_ERROR = "alert:known", "alert:other", "alarm_type_known"
NOISE_LABELS = frozenset({IDS_TEXT, IDS_ONE, JSON_TEXT})
LOC_LABELS = frozenset({IDS_LIST, JSON_VALUE, ALERT_KNOWN, ALERT_OTHER})


class _CsvIdsSchema:
    """A JSON array of ids validated in pydantic-core (no Python call); a comma-separated string
    or a single number is converted by a small function (the only Python on this field)."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.union_schema([
            (handler(source), IDS_LIST),
            (core_schema.no_info_after_validator_function(_split_text, core_schema.str_schema(strict=True)),
             IDS_TEXT),
            (core_schema.no_info_after_validator_function(_one_id, core_schema.int_schema(strict=True)), IDS_ONE),
        ], mode="left_to_right")


# pydantic-core's decoder, as for the message itself: nesting past its recursion limit, numbers past
# every range and lone surrogates are refused, and the text is kept (``json.loads`` raised RecursionError
# on ``"[[[…"`` and let ``"\ud800"`` through to break UTF-8 later). Only text that starts (after
# whitespace) with ``[`` or ``{`` is decoded; ``"123"`` and ``"null"`` stay text.
_JSON_TEXT = core_schema.chain_schema([core_schema.str_schema(strict=True, pattern=r"^\s*[\[{]"),
                                       core_schema.json_schema()])


class _JsonInSchema:
    """JSON text decoded inside pydantic-core, in the same pass as the message (no Python call)."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.union_schema([(_JSON_TEXT, JSON_TEXT), (core_schema.any_schema(), JSON_VALUE)],
                                        mode="left_to_right")


def _id(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        number = ascii_int(value)
        if number is not None:
            return number
    return value


def ascii_int(text: str) -> int | None:
    """``text`` (ASCII digits, nothing else) as an int; ``None`` for anything ``int()`` would refuse or misread.

    ``str.isdigit()`` alone is not enough: it accepts ``"²"``, which ``int()`` refuses, and
    Arabic-Indic ``"٣"``, which no DataWorks id uses; both stay text, as pydantic keeps them.

    Example:
        >>> ascii_int("10001"), ascii_int("²"), ascii_int("٣"), ascii_int("9***4"), ascii_int("-5")
        (10001, None, None, None, None)
    """
    if not (text.isascii() and text.isdigit()):
        return None
    try:
        return int(text)
    except ValueError:  # more digits than int() converts (sys.get_int_max_str_digits())
        return None


def log_unreadable(field: str, value: Any, expected: str) -> None:
    """Log (a warning) that ``field`` holds ``value``, which cannot be read as ``expected``; the value is kept."""
    from openevent.runtime.logging import get_logger

    text = str(value)
    get_logger("openevent.events").warning("event.field_unreadable", field=field, expected=expected,
                                           value=text if len(text) <= 200 else text[:200] + "…",
                                           value_type=type(value).__name__)


CsvIds = Annotated[list[int | str], _CsvIdsSchema()]
JsonIn = Annotated[Any, _JsonInSchema()]
# validated in pydantic-core without Python callbacks (a hot path): an int when the value
# reads as one ("10001" -> 10001), else the text as sent (masked ids such as "9***4")
Id = Annotated[int | str, Field(union_mode="left_to_right")]
Stamp = Annotated[int | str, Field(union_mode="left_to_right")]

_CST = timezone(timedelta(hours=8))


def stamp_to_datetime(value: Any, tz: timezone = _CST, *, field: str | None = None) -> datetime | None:
    """Interpret a DataWorks time (epoch ms, or ``yyyy-MM-dd HH:mm:ss`` in China time); ``None`` when unreadable.

    Never raises: an epoch outside ``datetime``'s range, non-ASCII digits, a negative year or
    text that is no time give ``None`` (with a warning naming ``field`` when it is given).

    >>> stamp_to_datetime(1652700577000).isoformat()
    '2022-05-16T19:29:37+08:00'
    >>> stamp_to_datetime("2023-02-15 20:14:48").isoformat()
    '2023-02-15T20:14:48+08:00'
    >>> stamp_to_datetime(10**20), stamp_to_datetime("²"), stamp_to_datetime("-0001-01-01 00:00:00")
    (None, None, None)
    """
    if value is None or value == "":
        return None
    moment = _stamp(value, tz)
    if moment is None and field is not None:
        log_unreadable(field, value, "a time (epoch ms or yyyy-MM-dd HH:mm:ss)")
    return moment


def _stamp(value: Any, tz: timezone) -> datetime | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        millis = value if isinstance(value, int) else ascii_int(value)
        if millis is None:
            return None
        try:
            return datetime.fromtimestamp(millis / 1000.0, tz)
        except (OverflowError, OSError, ValueError):  # beyond years 1-9999 or the platform's time_t
            return None
    if not isinstance(value, str):
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
