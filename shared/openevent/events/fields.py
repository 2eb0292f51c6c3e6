"""Lenient field types for the places where DataWorks' docs disagree with themselves (§11).

* :data:`CsvIds` — a list of ids sent as a JSON array *or* a comma-separated string.
* :data:`JsonIn` — a value that is sometimes double-encoded as a JSON string.
* :data:`Id` — a numeric id sent as a number or a string (masked or odd values kept as text).
* :data:`Stamp` — a time sent as epoch milliseconds, a string of epoch ms or ``yyyy-MM-dd HH:mm:ss``.

Example:
    >>> from pydantic import TypeAdapter
    >>> TypeAdapter(CsvIds).validate_python("1,2, 3")
    [1, 2, 3]
    >>> TypeAdapter(JsonIn).validate_python('[{"a": 1}]')
    [{'a': 1}]
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

from pydantic import BeforeValidator, Field


def _split_ids(value: Any) -> Any:
    if isinstance(value, str):
        return [_id(p) for p in value.split(",") if p.strip()]
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    return value


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("[", "{"):
            try:
                return json.loads(text)
            except ValueError:
                return value
    return value


def _id(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        text = value.strip()
        if text.isdigit():
            return int(text)
    return value


CsvIds = Annotated[list[int | str], BeforeValidator(_split_ids)]
JsonIn = Annotated[Any, BeforeValidator(_maybe_json)]
# validated in pydantic-core without Python callbacks (a hot path): an int when the value
# reads as one ("10001" -> 10001), else the text as sent (masked ids such as "9***4")
Id = Annotated[int | str, Field(union_mode="left_to_right")]
Stamp = Annotated[int | str, Field(union_mode="left_to_right")]

_CST = timezone(timedelta(hours=8))


def stamp_to_datetime(value: int | str | None, tz: timezone = _CST) -> datetime | None:
    """Interpret a DataWorks time (epoch ms, or ``yyyy-MM-dd HH:mm:ss`` in China time).

    >>> stamp_to_datetime(1652700577000).isoformat()
    '2022-05-16T19:29:37+08:00'
    >>> stamp_to_datetime("2023-02-15 20:14:48").isoformat()
    '2023-02-15T20:14:48+08:00'
    """
    if value is None or value == "":
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return datetime.fromtimestamp(int(value) / 1000.0, tz)
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
