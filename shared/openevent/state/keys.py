"""Namespaced storage keys: ``<prefix><kind>:<key>``.

Every operation family (dedup keys, counters, rate budgets, documents, lists, locks) lives in
its own namespace, so one caller key used for a counter and a document never collides and no
backend has to cope with a value of the wrong type.

A caller key longer than :data:`MAX_KEY_LENGTH` (an event id of 5000 characters, a subject
built from one) is not refused: it becomes its first characters plus the SHA-256 of the whole
key (:func:`bounded_key`), the same for the same key on every call and every backend.

Example:
    >>> storage_key("openevent:", ONCE, "evt-1")
    'openevent:once:evt-1'
"""

from __future__ import annotations

import hashlib
import math

DEFAULT_PREFIX = "openevent:"
MAX_KEY_LENGTH = 1024
"""The longest caller key stored as it is; longer keys are shortened to this length by :func:`bounded_key`."""
_HASH_MARK = "~sha256:"
_HEAD_LENGTH = MAX_KEY_LENGTH - len(_HASH_MARK) - 64

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
    """The full backend key for the caller's ``key`` of the given ``kind`` (over-long keys bounded).

    Example:
        >>> storage_key("openevent:", DOC, "instance:42")
        'openevent:doc:instance:42'
        >>> len(storage_key("openevent:", ONCE, "event:" + "x" * 5000)) == len("openevent:once:") + MAX_KEY_LENGTH
        True
    """
    if not isinstance(key, str) or not key:
        raise ValueError(f"state key must be a non-empty string, got {key!r}")
    return f"{prefix}{kind}:{bounded_key(key)}"


def bounded_key(key: str) -> str:
    """``key`` itself up to :data:`MAX_KEY_LENGTH` characters; a longer key keeps its first
    characters and ends in the SHA-256 of all of it, so distinct keys stay distinct and the
    same key always maps to the same stored key.

    Example:
        >>> bounded_key("instance:42")
        'instance:42'
        >>> long = bounded_key("event:" + "x" * 5000)
        >>> len(long), long[:12], long[-72:-64]
        (1024, 'event:xxxxxx', '~sha256:')
    """
    if len(key) <= MAX_KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{key[:_HEAD_LENGTH]}{_HASH_MARK}{digest}"


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
