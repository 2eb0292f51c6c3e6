"""Namespaced storage keys: ``<prefix><kind>:<key>``.

Every operation family (dedup keys, counters, rate budgets, documents, lists, locks) lives in
its own namespace, so one caller key used for a counter and a document never collides and no
backend has to cope with a value of the wrong type.

Example:
    >>> storage_key("openevent:", ONCE, "evt-1")
    'openevent:once:evt-1'
"""

from __future__ import annotations

import math

DEFAULT_PREFIX = "openevent:"
MAX_KEY_LENGTH = 1024

ONCE = "once"
COUNTER = "count"
RATE = "rate"
DOC = "doc"
LIST = "list"
LOCK = "lock"


def check_prefix(prefix: str) -> str:
    """Return ``prefix`` when usable as a namespace; raise ``ValueError`` otherwise.

    Example:
        >>> check_prefix("openevent:test:")
        'openevent:test:'
    """
    if not isinstance(prefix, str) or not prefix or any(ch.isspace() for ch in prefix):
        raise ValueError(f"state key prefix must be a non-empty string without spaces, got {prefix!r}")
    return prefix


def storage_key(prefix: str, kind: str, key: str) -> str:
    """The full backend key for the caller's ``key`` of the given ``kind``.

    Example:
        >>> storage_key("openevent:", DOC, "instance:42")
        'openevent:doc:instance:42'
    """
    if not isinstance(key, str) or not key:
        raise ValueError(f"state key must be a non-empty string, got {key!r}")
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"state key longer than {MAX_KEY_LENGTH} characters: {key[:40]!r}…")
    return f"{prefix}{kind}:{key}"


def check_seconds(name: str, value: float) -> float:
    """Return ``value`` as float when it is a positive finite number of seconds.

    Example:
        >>> check_seconds("ttl_s", 60)
        60.0
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds, got {value!r}")
    seconds = float(value)
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")
    return seconds


def to_millis(seconds: float) -> int:
    """Whole milliseconds for a positive duration, never below 1 (Redis ``PX`` takes integers).

    Example:
        >>> to_millis(0.0001), to_millis(1.5)
        (1, 1500)
    """
    return max(1, math.ceil(seconds * 1000))
