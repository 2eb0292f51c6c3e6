"""Conditions of guard rules: ``fact.path: {operator: operand}`` mappings over a facts dict.

A rule's ``when`` is a mapping (every key must hold: AND) or a list of mappings (any one
must hold: OR). Each key is a dotted path into the facts (``workspace.identifier``,
``download.rows``, ``sql.tables``, ``now``); each value is either a plain value (equality)
or a mapping of operators, all of which must hold:

==============  =====================================================================
operator        holds when the fact …
==============  =====================================================================
``eq`` / ``ne`` equals / differs from the operand (ids compare as text: 10001 == "10001")
``in``          is one of the operand list (``not_in``: none of them)
``glob``        matches one of the shell-style patterns, case-insensitively (``not_glob``)
``gt`` ``gte``  is a number greater than (or equal to) the operand; ``lt``/``lte`` likewise
                (numeric text such as ``"2000000"`` counts, integers compare exactly at any size)
``cidr``        is an IPv4/IPv6 address inside one of the networks (``not_cidr``)
``contains``    (a list or text) contains the operand, or one of the operand list
``exists``      is present and not null (``exists: false`` for absent)
``in_window``   (``now`` only) lies inside ``{days: [mon, …], hours: "HH:MM-HH:MM"}``;
                ``outside_window`` is the opposite
==============  =====================================================================

A list-valued fact (``sql.tables``, ``workspace.tags``) satisfies ``eq``, ``in`` and
``glob`` when any element does, and ``not_in``/``not_glob`` when no element does.
A fact that is absent never satisfies a positive operator.

Example:
    >>> facts = {"download": {"rows": 2_000_000}, "operator": {"uid": "42"}}
    >>> matches({"download.rows": {"gt": 1_000_000}, "operator.uid": {"not_in": ["7"]}}, facts)
    True
"""

from __future__ import annotations

import fnmatch
import ipaddress
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from openevent.errors import ConfigError

OPERATORS = frozenset({
    "eq", "ne", "in", "not_in", "glob", "not_glob", "gt", "gte", "lt", "lte", "cidr", "not_cidr", "contains",
    "exists", "in_window", "outside_window",
})
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MISSING = object()


class ConditionError(ConfigError):
    """A condition is malformed (found when the policy is loaded, not when an event arrives)."""


def lookup(facts: Mapping[str, Any], path: str) -> Any:
    """The value at dotted ``path`` in ``facts``; a private marker when absent."""
    node: Any = facts
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        else:
            return _MISSING
    return node


def validate_when(when: Any, where: str) -> None:
    """Raise :class:`ConditionError` for an unknown operator or a malformed operand."""
    groups = when if isinstance(when, list) else [when]
    for gi, group in enumerate(groups):
        if not isinstance(group, Mapping) or not group:
            raise ConditionError(f"{where}[{gi}]: a condition group must be a non-empty mapping")
        for path, cond in group.items():
            if not isinstance(cond, Mapping):
                continue
            for op, operand in cond.items():
                loc = f"{where}.{path}.{op}"
                if op not in OPERATORS:
                    raise ConditionError(f"{loc}: unknown operator; use one of {', '.join(sorted(OPERATORS))}")
                if op in ("in", "not_in", "glob", "not_glob", "cidr", "not_cidr") and not isinstance(
                        operand, list | str | int):
                    raise ConditionError(f"{loc}: expects a list")
                if op in ("gt", "gte", "lt", "lte") and (
                        not isinstance(operand, int | float) or isinstance(operand, bool)):
                    raise ConditionError(f"{loc}: expects a number")
                if op in ("cidr", "not_cidr"):
                    for net in _as_list(operand):
                        try:
                            ipaddress.ip_network(str(net), strict=False)
                        except ValueError as exc:
                            raise ConditionError(f"{loc}: {exc}") from None
                if op in ("in_window", "outside_window"):
                    parse_window(operand, loc)


def matches(when: Any, facts: Mapping[str, Any]) -> bool:
    """True when ``when`` (a mapping, or a list of mappings for OR) holds for ``facts``."""
    if isinstance(when, list):
        return any(_group(g, facts) for g in when)
    return _group(when, facts)


def _group(group: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    for path, cond in group.items():
        value = lookup(facts, path)
        ops = cond if isinstance(cond, Mapping) else {"eq": cond}
        if not all(_holds(op, value, operand) for op, operand in ops.items()):
            return False
    return True


def _holds(op: str, value: Any, operand: Any) -> bool:
    if op == "exists":
        return (value is not _MISSING and value is not None) == bool(operand)
    if op in ("not_in", "not_glob", "not_cidr", "ne"):
        if value is _MISSING or value is None:
            return True
        return not _holds({"not_in": "in", "not_glob": "glob", "not_cidr": "cidr", "ne": "eq"}[op], value, operand)
    if value is _MISSING or value is None:
        return False
    if op in ("in_window", "outside_window"):
        if not isinstance(value, datetime):
            raise TypeError(f"{op} applies to the 'now' fact, not to {type(value).__name__}")
        inside = in_window(value, parse_window(operand, op))
        return inside if op == "in_window" else not inside
    items = value if isinstance(value, list | tuple | set | frozenset) else [value]
    if op == "eq":
        return any(_same(v, operand) for v in items)
    if op == "in":
        return any(_same(v, o) for v in items for o in _as_list(operand))
    if op == "glob":
        return any(fnmatch.fnmatchcase(str(v).lower(), str(p).lower()) for v in items for p in _as_list(operand))
    if op == "contains":
        if isinstance(value, str):
            return any(str(o).lower() in value.lower() for o in _as_list(operand))
        return any(_same(v, o) for v in items for o in _as_list(operand))
    if op == "cidr":
        return any(_in_network(v, net) for v in items for net in _as_list(operand))
    number, bound = _number(value), _number(operand)
    if number is None or bound is None:
        return False
    return {"gt": number > bound, "gte": number >= bound, "lt": number < bound, "lte": number <= bound}[op]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or str(a).lower() == str(b).lower()
    return a == b or str(a).strip().lower() == str(b).strip().lower()


def _as_list(operand: Any) -> Sequence[Any]:
    return operand if isinstance(operand, list | tuple) else [operand]


def _number(value: Any) -> int | float | None:
    """A fact as a number: an int exactly (of any size), numeric ASCII text as an int or a float, else None.

    Ints are never turned into floats, so ``2**53 + 1 > 2**53`` and a 400-digit row count compare
    exactly (Python compares ints with floats exactly too).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text.isascii():
        return None  # "²" passes str.isdigit() but is no number
    if text.lstrip("+-").isdigit():
        try:
            return int(text)
        except ValueError:  # more digits than int() converts (sys.get_int_max_str_digits())
            pass
    try:
        return float(text)
    except ValueError:
        return None


def _in_network(value: Any, net: Any) -> bool:
    try:
        return ipaddress.ip_address(str(value).strip()) in ipaddress.ip_network(str(net), strict=False)
    except ValueError:
        return False  # masked ("198.10.X.X") or empty addresses are in no network


def parse_window(spec: Any, where: str) -> tuple[frozenset[int], int, int]:
    """``{days: [mon, …], hours: "HH:MM-HH:MM"}`` → (weekday numbers, start minute, end minute)."""
    if not isinstance(spec, Mapping):
        raise ConditionError(f"{where}: expects {{days: [...], hours: 'HH:MM-HH:MM'}}")
    days_spec = spec.get("days", list(DAYS))
    days: set[int] = set()
    for d in _as_list(days_spec):
        text = str(d).lower()[:3]
        if "-" in str(d):
            first, last = (p.strip().lower()[:3] for p in str(d).split("-", 1))
            if first not in DAYS or last not in DAYS:
                raise ConditionError(f"{where}.days: unknown day range {d!r}")
            i, j = DAYS.index(first), DAYS.index(last)
            days.update(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
        elif text in DAYS:
            days.add(DAYS.index(text))
        else:
            raise ConditionError(f"{where}.days: unknown day {d!r}; use mon..sun")
    hours = str(spec.get("hours", "00:00-24:00"))
    try:
        start_s, end_s = hours.split("-", 1)
        start, end = _minute(start_s), _minute(end_s)
    except ValueError:
        raise ConditionError(f"{where}.hours: expects 'HH:MM-HH:MM', got {hours!r}") from None
    return frozenset(days), start, end


def _minute(text: str) -> int:
    hh, _, mm = text.strip().partition(":")
    minute = int(hh) * 60 + int(mm or 0)
    if not 0 <= minute <= 24 * 60:
        raise ValueError(text)
    return minute


def in_window(moment: datetime, window: tuple[frozenset[int], int, int]) -> bool:
    """Whether ``moment`` (already in the policy's time zone) lies in the window.

    A window whose end is before its start spans midnight and belongs to its start day.
    """
    days, start, end = window
    minute = moment.hour * 60 + moment.minute
    if start <= end:
        return moment.weekday() in days and start <= minute < end
    if minute >= start:
        return moment.weekday() in days
    return (moment.weekday() - 1) % 7 in days and minute < end
