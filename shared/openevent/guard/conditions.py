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
``regex``       (text) contains a match of one of the Python regular expressions (``re.search``,
                case-sensitive: write ``(?i)`` for case-insensitive); only the first
                :data:`MAX_REGEX_INPUT` characters are searched (``not_regex``: none matches)
``in_window``   (``now`` only) lies inside ``{days: [mon, …], hours: "HH:MM-HH:MM"}``;
                ``outside_window`` is the opposite
==============  =====================================================================

A list-valued fact (``sql.tables``, ``workspace.tags``) satisfies ``eq``, ``in``, ``glob`` and
``regex`` when any element does, and ``not_in``/``not_glob``/``not_regex`` when no element does.

Regular expressions are compiled when the policy is loaded and searched over a bounded prefix of
the fact. Python's ``re`` has no timeout, so the shapes that make a search explode on long text are
refused at load: a nested unbounded repetition (``(a+)+``: exponential) and a pattern that *begins*
with an unbounded repetition (``\\w+\\(``, ``.*x``: retried from every position, quadratic on a long
token such as a hex blob in a string literal) — begin with a literal, ``\\b`` or ``^`` instead.
A fact that is absent never satisfies a positive operator.

Example:
    >>> facts = {"download": {"rows": 2_000_000}, "operator": {"uid": "42"}}
    >>> matches({"download.rows": {"gt": 1_000_000}, "operator.uid": {"not_in": ["7"]}}, facts)
    True
"""

from __future__ import annotations

import fnmatch
import functools
import ipaddress
import re
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from openevent.errors import ConfigError

OPERATORS = frozenset({
    "eq", "ne", "in", "not_in", "glob", "not_glob", "gt", "gte", "lt", "lte", "cidr", "not_cidr", "contains",
    "exists", "in_window", "outside_window", "regex", "not_regex",
})
MAX_REGEX_INPUT = 200_000
"""``regex`` searches at most this many characters of a fact (the start of a long file's code)."""
MAX_REGEX_PATTERN = 1000
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
                if op in ("regex", "not_regex"):
                    for pattern in _as_list(operand):
                        compile_regex(pattern, loc)
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
    if op in ("not_in", "not_glob", "not_cidr", "not_regex", "ne"):
        if value is _MISSING or value is None:
            return True
        positive = {"not_in": "in", "not_glob": "glob", "not_cidr": "cidr", "not_regex": "regex", "ne": "eq"}[op]
        return not _holds(positive, value, operand)
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
    if op == "regex":
        patterns = [compile_regex(p, op) for p in _as_list(operand)]
        return any(p.search(str(v)[:MAX_REGEX_INPUT]) is not None for v in items for p in patterns)
    number, bound = _number(value), _number(operand)
    if number is None or bound is None:
        return False
    return {"gt": number > bound, "gte": number >= bound, "lt": number < bound, "lte": number <= bound}[op]


def compile_regex(pattern: Any, where: str = "regex") -> re.Pattern[str]:
    r"""The compiled ``pattern`` (compiled once per process), or :class:`ConditionError` naming ``where``.

    Refused: text that is not a regular expression, patterns over 1000 characters, and nested
    unbounded repetitions (``(a+)+``, ``(x*)*``), whose backtracking can take exponential time.

    Example:
        >>> compile_regex(r"(?i)max_pt\s*\(").search("select MAX_PT ('t')") is not None
        True
        >>> compile_regex("(a+)+$", "rules.r.when.code.text.regex")
        Traceback (most recent call last):
        ...
        openevent.guard.conditions.ConditionError: rules.r.when.code.text.regex: ...
    """
    if not isinstance(pattern, str):
        raise ConditionError(f"{where}: expects a regular expression (text), got {type(pattern).__name__}")
    try:
        return _compile(pattern)
    except ConditionError as exc:
        raise ConditionError(f"{where}: {exc}") from None


@functools.lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    if len(pattern) > MAX_REGEX_PATTERN:
        raise ConditionError(f"the regular expression is longer than {MAX_REGEX_PATTERN} characters")
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ConditionError(f"invalid regular expression {pattern!r}: {exc}") from None
    if _nested_repeat(pattern):
        raise ConditionError(f"the regular expression {pattern!r} repeats a repetition without bound "
                             "(like (a+)+), which can take exponential time; simplify it")
    if _leading_repeat(pattern):
        raise ConditionError(f"the regular expression {pattern!r} begins with an unbounded repetition, which "
                             "is retried from every position (quadratic time on long text); begin with a "
                             r"literal, \b or ^ (e.g. \bname\s*\( rather than \w+\s*\(; x rather than .*x)")
    return compiled


def _sre_modules() -> tuple[Any, Any]:
    """The regex parser's constants and parser: ``re._constants``/``re._parser`` from Python 3.11,
    ``sre_constants``/``sre_parse`` before (the same trees; 3.11 deprecates the old names)."""
    if sys.version_info >= (3, 11):
        from re import _constants, _parser  # type: ignore[attr-defined]
        return _constants, _parser
    import sre_constants  # pragma: no cover - Python 3.10 (the FC runtime)
    import sre_parse  # pragma: no cover
    return sre_constants, sre_parse  # pragma: no cover


def _nested_repeat(pattern: str) -> bool:
    """Whether an unbounded repetition contains another one (the shape of catastrophic backtracking).

    A heuristic, not a proof: ``(a|aa)+`` still backtracks a lot; the input cap bounds the rest.
    """
    _constants, _parser = _sre_modules()
    repeats = (_constants.MAX_REPEAT, _constants.MIN_REPEAT)

    def walk(items: Any, inside: bool) -> bool:
        for op, av in items:
            if op in repeats:
                _low, high, sub = av
                endless = high == _constants.MAXREPEAT or high > 100
                if (endless and inside) or walk(sub, inside or endless):
                    return True
                continue
            elif op == _constants.SUBPATTERN:
                children = [av[-1]]
            elif op == _constants.BRANCH:
                children = list(av[1])
            elif op in (_constants.ASSERT, _constants.ASSERT_NOT):
                children = [av[1]]
            else:
                continue
            if any(walk(child, inside) for child in children):
                return True
        return False  # atomic groups and possessive repeats never backtrack into themselves

    return walk(_parser.parse(pattern), False)


def _leading_repeat(pattern: str) -> bool:
    """Whether a search may start with an unbounded repetition (nothing anchors it to few positions)."""
    _constants, _parser = _sre_modules()
    anchors = (_constants.AT_BEGINNING, _constants.AT_BEGINNING_STRING, _constants.AT_BOUNDARY,
               _constants.AT_BEGINNING_LINE)

    def starts(items: Any) -> bool | None:
        """True: starts with an unbounded repeat; False: starts safely; None: matched nothing yet."""
        for op, av in items:
            if op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT):
                low, high, sub = av
                if high == _constants.MAXREPEAT or high > 100:
                    return True
                inner = starts(sub)
                if inner:
                    return True
                if inner is False and low > 0:
                    return False
                continue  # optional (x?, x{0,3}): the search may also start with what follows
            if op == _constants.SUBPATTERN:
                inner = starts(av[-1])
            elif op == _constants.BRANCH:
                found = [starts(branch) for branch in av[1]]
                inner = True if any(found) else None if None in found else False
            elif op == _constants.AT:
                if av in anchors:
                    return False
                continue
            elif op in (_constants.ASSERT, _constants.ASSERT_NOT):
                continue  # look-arounds consume nothing
            else:
                return False  # a literal, a class, a possessive or atomic group: few starting positions
            if inner is not None:
                return inner
        return None  # nothing that must consume a character

    return bool(starts(_parser.parse(pattern)))


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
