"""Alibaba Cloud EventBridge event patterns: validate a pattern, test whether an event matches it.

Stdlib only, so it can run anywhere (FC, the local bus, the CLI). Semantics follow the Alibaba Cloud
EventBridge "Event patterns" documentation; where the documentation is silent they follow Apache
RocketMQ EventBridge (``tools/pattern``), the open-source implementation of the same matcher.

Rules (documented):

* A pattern is a JSON object with the same nesting as the events it matches. Top-level keys are
  CloudEvents attributes (``source``, ``type``, ``subject``, extensions such as ``aliyunaccountid``)
  whose value is an array of conditions; ``data`` alone may hold a nested object of fields.
* Keys are ANDed; the conditions in one field's array are ORed. ``{}`` matches every event.
* A condition is an exact value (string, number, ``true``/``false``, ``null``; ``""`` matches the
  empty string only, ``null`` the null value only) or an object with one operator: ``prefix``,
  ``suffix``, ``contains``, ``anything-but`` (a value, a list of values, or ``{"prefix"|"suffix": s}``),
  ``numeric`` (``[op, n]`` or ``[op, n, op, n]`` with ``= != > >= < <=``), ``cidr`` (IPv4 only) and
  ``exists`` (``true``/``false``).
* If the event's value is an array, the field matches when any element matches.
* Matching is exact and case-sensitive, and values keep their JSON type (documented: "strings are
  quoted, numbers, ``true``, ``false`` and ``null`` are not"): the string ``"5"`` never equals the
  number ``5``, ``true`` is not ``1``. Numbers compare by their JSON text, so ``300``, ``300.0`` and
  ``3.0e2`` are different values (documented). DataWorks sometimes sends numbers as strings, so a
  filter on such a field lists both forms: ``"status": [5, "5", 6, "6"]``.

Differences from AWS EventBridge (noted where they apply below): no ``$or``, ``wildcard`` or
``equals-ignore-case`` (rejected here); ``contains`` exists on Alibaba only; ``numeric`` accepts
``=``/``!=`` in any position and bounds of ±1e9; ``cidr`` is IPv4 only; nested ``data`` paths do not
descend into arrays of objects (AWS flattens them). Apache RocketMQ EventBridge, the open-source
matcher, compares exact values as text (``"5"`` would equal ``5``); we follow the documented, typed
rule, and a filter that lists both forms routes the same under either reading.

:func:`mismatch` says why an event does not match (``route --explain``).

Example:
    >>> pattern = {"source": ["acs.dataworks"], "data": {"eventCode": [{"prefix": "node-"}]}}
    >>> matches(pattern, {"source": "acs.dataworks", "data": {"eventCode": "node-change-created"}})
    True
    >>> matches(pattern, {"source": "acs.dataworks", "data": {"eventCode": "instance-status"}})
    False
"""

from __future__ import annotations

import ipaddress
import json
import math
from collections.abc import Mapping
from typing import Any

from openevent.errors import OpenEventError

DATA_KEY = "data"
OPERATORS = ("prefix", "suffix", "contains", "anything-but", "numeric", "cidr", "exists")
NUMERIC_OPERATORS = ("=", "!=", ">", ">=", "<", "<=")
NUMERIC_LIMIT = 1.0e9  # reference implementation: pattern numbers must be within ±1.0E9
NUMERIC_TOLERANCE = 1.0e-7  # reference implementation: numbers closer than this compare equal
_AWS_ONLY = ("$or", "wildcard", "equals-ignore-case")
_MISSING = object()

__all__ = ["OPERATORS", "PatternError", "matches", "mismatch", "parse_pattern", "validate_pattern"]


class PatternError(OpenEventError, ValueError):
    """An event pattern is not valid; ``path`` names where (``data.state[0]``), ``reason`` why."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}" if path else reason)


def parse_pattern(pattern: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    """The pattern as a dict (JSON text is parsed), validated.

    Example:
        >>> parse_pattern('{"source": ["acs.oss"]}')
        {'source': ['acs.oss']}
    """
    if isinstance(pattern, (str, bytes)):
        try:
            loaded = json.loads(pattern)
        except ValueError as exc:
            raise PatternError("", f"the pattern is not valid JSON ({exc})") from None
    else:
        loaded = pattern
    validate_pattern(loaded)
    return dict(loaded)


def validate_pattern(pattern: Any) -> None:
    """Raise :class:`PatternError` naming the path and the reason if ``pattern`` is invalid.

    Example:
        >>> validate_pattern({"source": [{"prefix": ""}]})
        Traceback (most recent call last):
        ...
        openevent.deploy.pattern.PatternError: source[0].prefix: must be a non-empty string
    """
    if not isinstance(pattern, Mapping):
        raise PatternError("", "the pattern must be a JSON object")
    for key, value in pattern.items():
        if key == "$or":
            raise PatternError(key, "'$or' exists on AWS EventBridge, not on Alibaba Cloud "
                                    "(use one rule per branch)")
        if key == DATA_KEY:
            if not isinstance(value, Mapping):
                raise PatternError(key, "must be an object of field patterns")
            _validate_object(value, key)
        elif isinstance(value, list):
            _validate_conditions(value, str(key))
        else:
            # Only data nests: CloudEvents attributes are flat (reference implementation).
            raise PatternError(str(key), "must be an array of conditions")


def matches(pattern: str | bytes | Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """True if ``event`` (a CloudEvent as a dict) matches ``pattern``; invalid patterns raise.

    Example:
        >>> matches({"data": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}}, {"data": {"c-count": 5}})
        True
    """
    return mismatch(pattern, event) is None


def mismatch(pattern: str | bytes | Mapping[str, Any], event: Mapping[str, Any]) -> str | None:
    """Why ``event`` does not match ``pattern`` (the first field that fails), ``None`` when it matches.

    Example:
        >>> mismatch({"data": {"status": [5, 6]}}, {"data": {"status": "5"}})
        'data.status: "5" matches none of [5, 6]'
        >>> mismatch({"data": {"status": [5, "5"]}}, {"data": {"status": "5"}}) is None
        True
    """
    checked = parse_pattern(pattern)
    for key, conditions in checked.items():
        if key == DATA_KEY:
            # A data pattern never matches an event without data (reference implementation).
            if DATA_KEY not in event:
                return "data: the event has no data"
            why = _object_mismatch(conditions, event[DATA_KEY], DATA_KEY)
            if why is not None:
                return why
        else:
            why = _field_mismatch(conditions, event.get(key, _MISSING), str(key))
            if why is not None:
                return why
    return None


# --- validation ---------------------------------------------------------------------------


def _validate_object(obj: Mapping[str, Any], path: str) -> None:
    if not obj:
        raise PatternError(path, "a nested pattern must name at least one field")
    for key, value in obj.items():
        sub = f"{path}.{key}"
        if isinstance(value, list):
            _validate_conditions(value, sub)
        elif isinstance(value, Mapping):
            _validate_object(value, sub)
        else:
            raise PatternError(sub, "must be an array of conditions or a nested object")


def _validate_conditions(conditions: list[Any], path: str) -> None:
    if not conditions:
        raise PatternError(path, "the array of conditions must not be empty")
    for index, condition in enumerate(conditions):
        sub = f"{path}[{index}]"
        if _is_scalar(condition):
            _check_number(condition, sub)
        elif isinstance(condition, Mapping):
            _validate_operator(condition, sub)
        else:
            raise PatternError(sub, "nested arrays are not supported")


def _validate_operator(condition: Mapping[str, Any], path: str) -> None:
    if len(condition) != 1:
        raise PatternError(path, "a condition object must have exactly one operator")
    ((name, arg),) = condition.items()
    sub = f"{path}.{name}"
    if name in _AWS_ONLY:
        raise PatternError(sub, f"operator {name!r} exists on AWS EventBridge, not on Alibaba Cloud")
    if name not in OPERATORS:
        raise PatternError(sub, f"unknown operator (supported: {', '.join(OPERATORS)})")
    if name in ("prefix", "suffix", "contains"):
        # Empty strings are rejected for prefix/suffix by the reference; contains follows suit.
        if not isinstance(arg, str) or not arg:
            raise PatternError(sub, "must be a non-empty string")
    elif name == "anything-but":
        _validate_anything_but(arg, sub)
    elif name == "numeric":
        _validate_numeric(arg, sub)
    elif name == "cidr":
        _validate_cidr(arg, sub)
    elif not isinstance(arg, bool):  # exists
        raise PatternError(sub, "must be true or false")


def _validate_anything_but(arg: Any, path: str) -> None:
    if _is_scalar(arg):
        _check_number(arg, path)
    elif isinstance(arg, list):
        for index, item in enumerate(arg):
            if not _is_scalar(item):
                raise PatternError(f"{path}[{index}]", "an anything-but list holds only strings, numbers, "
                                                       "booleans or null")
    elif isinstance(arg, Mapping):
        # Alibaba documents {"prefix": …}; the reference implementation also accepts suffix (as AWS does).
        if len(arg) != 1 or next(iter(arg)) not in ("prefix", "suffix"):
            raise PatternError(path, "an anything-but object takes exactly one of prefix or suffix")
        ((name, value),) = arg.items()
        if not isinstance(value, str) or not value:
            raise PatternError(f"{path}.{name}", "must be a non-empty string")
    else:
        raise PatternError(path, "must be a value, a list of values, or {prefix|suffix: string}")


def _validate_numeric(arg: Any, path: str) -> None:
    # AWS requires a lower bound before an upper bound and has no "!="; Alibaba's reference takes
    # one or two (operator, number) pairs in any order and ANDs them.
    if not isinstance(arg, list) or len(arg) not in (2, 4):
        raise PatternError(path, "must be [operator, number] or [operator, number, operator, number]")
    for index in range(0, len(arg), 2):
        operator, number = arg[index], arg[index + 1]
        if operator not in NUMERIC_OPERATORS:
            raise PatternError(f"{path}[{index}]", f"operator must be one of {' '.join(NUMERIC_OPERATORS)}")
        if not _is_number(number):
            raise PatternError(f"{path}[{index + 1}]", "must be a number")
        if not -NUMERIC_LIMIT <= number <= NUMERIC_LIMIT:
            raise PatternError(f"{path}[{index + 1}]", "must be between -1.0E9 and 1.0E9 inclusive")


def _validate_cidr(arg: Any, path: str) -> None:
    if not isinstance(arg, str) or not arg:
        raise PatternError(path, "must be an IPv4 CIDR block such as 10.0.0.0/24")
    if _ipv4_network(arg) is None:
        raise PatternError(path, f"{arg!r} is not an IPv4 address or CIDR block (IPv6 is not supported)")


def _check_number(value: Any, path: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise PatternError(path, "numbers must be finite")


# --- matching -----------------------------------------------------------------------------


def _object_mismatch(pattern: Mapping[str, Any], container: Any, path: str) -> str | None:
    for key, sub in pattern.items():
        # Paths do not descend into arrays: a list where an object is expected is "not found".
        value = container.get(key, _MISSING) if isinstance(container, Mapping) else _MISSING
        where = f"{path}.{key}"
        why = _field_mismatch(sub, value, where) if isinstance(sub, list) else _object_mismatch(sub, value, where)
        if why is not None:
            return why
    return None


def _field_mismatch(conditions: list[Any], value: Any, path: str) -> str | None:
    if any(_match_condition(condition, value) for condition in conditions):
        return None
    shown = "missing" if value is _MISSING else _json(value)
    return f"{path}: {shown} matches none of {_json(conditions)}"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)


def _match_condition(condition: Any, value: Any) -> bool:
    if value is _MISSING:
        # Only {"exists": false} matches a field the event does not have.
        return isinstance(condition, Mapping) and condition.get("exists") is False
    if isinstance(value, Mapping):
        return False  # conditions apply to leaves only, exists included (as on AWS)
    if isinstance(value, list):
        if not all(_is_scalar(item) for item in value):
            return False
        return any(_match_scalar(condition, item) for item in value)
    return _match_scalar(condition, value)


def _match_scalar(condition: Any, value: Any) -> bool:
    if not isinstance(condition, Mapping):
        return _equal(condition, value)
    ((name, arg),) = condition.items()
    if name == "exists":
        return bool(arg)
    if name == "anything-but":
        if isinstance(arg, Mapping):
            return not _match_scalar(arg, value)
        excluded = arg if isinstance(arg, list) else [arg]
        return not any(_equal(item, value) for item in excluded)
    if name == "numeric":
        return _is_number(value) and all(
            _compare(arg[i], value, arg[i + 1]) for i in range(0, len(arg), 2))
    if not isinstance(value, str):
        return False
    if name == "prefix":
        return value.startswith(arg)
    if name == "suffix":
        return value.endswith(arg)
    if name == "contains":
        return arg in value
    return _in_cidr(arg, value)


def _equal(expected: Any, value: Any) -> bool:
    """Same JSON type and same value: ``"5"`` is not ``5``, ``true`` is not ``1``, ``null`` is not ``""``."""
    if _json_kind(expected) != _json_kind(value):
        return False
    return _text(expected) == _text(value)


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str):
        return "string"
    return "number"


def _text(value: Any) -> str:
    """The JSON text of a scalar (numbers compare by spelling: ``300`` is not ``300.0``).

    Parsed floats lose their spelling, so ``3.0e2`` reads as ``300.0`` here, unlike the service.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _compare(operator: str, value: float, bound: float) -> bool:
    diff = 0 if abs(value - bound) <= NUMERIC_TOLERANCE else (1 if value > bound else -1)
    return {
        "=": diff == 0, "!=": diff != 0, ">": diff > 0, ">=": diff >= 0, "<": diff < 0, "<=": diff <= 0,
    }[operator]


def _in_cidr(block: str, value: str) -> bool:
    network = _ipv4_network(block)
    try:
        address = ipaddress.IPv4Address(value)
    except ValueError:
        return False
    # The documentation says "falls within a CIDR block": network and broadcast addresses count
    # (the reference's SubnetUtils would exclude them).
    return network is not None and address in network


def _ipv4_network(block: str) -> ipaddress.IPv4Network | None:
    try:
        return ipaddress.IPv4Network(block, strict=False)  # a plain address is a /32
    except ValueError:
        return None


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
