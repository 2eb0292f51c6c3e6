"""Redaction of secrets before anything is logged or printed.

Two mechanisms work together:

* key-based: a mapping value whose key looks secret (``secret``, ``token``, ``password``,
  ``access_key``, ``signature``, ``sign``, …) is replaced by ``"***"``;
* value-based: every secret value registered with :func:`register_secret` (config values
  interpolated from the environment, credentials) is masked wherever it appears inside a
  string, including URLs with ``access_token=…`` query parameters.

Example:
    >>> register_secret("s3cr3t-value")
    >>> redact({"url": "https://x/?access_token=s3cr3t-value", "secret": "abc"})
    {'url': 'https://x/?access_token=***', 'secret': '***'}

Redaction runs on every log line, so it is cheap where it can be without weakening either
mechanism: whether a key name is secret-like is decided once per name (a bounded cache);
numbers, booleans and ``None`` are never scanned; a string shorter than the shortest registered
secret, or holding none of the registered secrets (a plain ``in`` test per secret while there are
few, per distinct 4-character prefix when there are many), skips the registry's regex; only a
string holding ``=`` is scanned for secret query parameters; and :func:`redact_fields` (the log
processor's entry point) copies a nested mapping or list only when something in it was masked.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

MASK = "***"

_SECRET_KEY = re.compile(
    r"(secret|token|password|passwd|access_?key|accesskey|signature|^sign$|authorization|credential|"
    r"api_?key|private_?key|webhook_?secret|cookie)",
    re.IGNORECASE,
)
# query parameters that carry secrets in webhook URLs and signed requests
_SECRET_QUERY = re.compile(
    r"(?i)\b(access_token|accesskeyid|signature|sign|securitytoken|token|key)=([^&\s\"']+)"
)
_MIN_SECRET_LEN = 6
_MAX_DEPTH = 20
_FULL_LITERALS = 8
"""Up to this many secrets, a string is tested for each secret itself before the regex runs."""
_PREFIX_LEN = 4
_MAX_PREFIXES = 64
"""Past :data:`_FULL_LITERALS`: tested for each distinct prefix of this length (up to this many;
beyond, the regex always runs)."""
_KEY_CACHE_MAX = 4096
_SCALARS = frozenset({int, float, bool, type(None)})


@dataclass(frozen=True)
class _Matcher:
    """An immutable snapshot of the registry: swapped whole, so readers need no lock."""

    pattern: re.Pattern[str] | None = None
    min_len: int = 0
    literals: tuple[str, ...] | None = ()
    """Texts one of which a string must hold for the regex to be worth running (``None``: always run it)."""


_lock = threading.Lock()
_secrets: set[str] = set()
_matcher = _Matcher()
_key_cache: dict[str, bool] = {}


def register_secret(value: str | None) -> None:
    """Remember ``value`` so that it is masked in every later log line and printed output."""
    if not value or len(value) < _MIN_SECRET_LEN:
        return
    with _lock:
        if value in _secrets:
            return
        _secrets.add(value)
        _compile()


def _compile() -> None:
    global _matcher
    ordered = sorted(_secrets, key=len, reverse=True)
    if not ordered:
        _matcher = _Matcher()
        return
    literals: tuple[str, ...] | None
    if len(ordered) <= _FULL_LITERALS:
        literals = tuple(ordered)
    else:
        prefixes = tuple(sorted({s[:_PREFIX_LEN] for s in ordered}))
        literals = prefixes if len(prefixes) <= _MAX_PREFIXES else None
    _matcher = _Matcher(re.compile("|".join(re.escape(s) for s in ordered)), len(ordered[-1]), literals)


def registered_secrets() -> frozenset[str]:
    """Every value registered so far (the test suite scans all captured output for them).

    Example:
        >>> register_secret("another-s3cret")
        >>> "another-s3cret" in registered_secrets()
        True
    """
    with _lock:
        return frozenset(_secrets)


def restore_secrets(values: frozenset[str] | set[str]) -> None:
    """Make the registry exactly ``values`` (a :func:`registered_secrets` snapshot): tests reset it between tests.

    Example:
        >>> before = registered_secrets()
        >>> register_secret("only-for-this-test")
        >>> restore_secrets(before)
        >>> "only-for-this-test" in registered_secrets()
        False
    """
    with _lock:
        _secrets.clear()
        _secrets.update(v for v in values if v and len(v) >= _MIN_SECRET_LEN)
        _compile()


def is_secret_key(key: str) -> bool:
    """True when a mapping key names a secret (``DINGTALK_SECRET``, ``accessKeySecret``, …).

    Decided once per key name (a cache of at most a few thousand names, emptied when full).

    Example:
        >>> is_secret_key("accessKeySecret"), is_secret_key("sign"), is_secret_key("design")
        (True, True, False)
    """
    hit = _key_cache.get(key)
    if hit is None:
        hit = _SECRET_KEY.search(key) is not None
        if len(_key_cache) >= _KEY_CACHE_MAX:
            _key_cache.clear()
        _key_cache[key] = hit
    return hit


def redact_text(text: str) -> str:
    """Mask registered secrets and secret-bearing query parameters inside ``text``.

    Example:
        >>> redact_text("GET /send?sign=abc&ts=1")
        'GET /send?sign=***&ts=1'
    """
    matcher = _matcher
    pattern = matcher.pattern
    if pattern is not None and len(text) >= matcher.min_len:
        literals = matcher.literals
        if literals is None:
            text = pattern.sub(MASK, text)
        else:
            for literal in literals:
                if literal in text:
                    text = pattern.sub(MASK, text)
                    break
    if "=" in text:
        text = _SECRET_QUERY.sub(_mask_query, text)
    return text


def _mask_query(match: re.Match[str]) -> str:
    return f"{match.group(1)}={MASK}"


def _masks(key: Any, value: Any) -> bool:
    """Whether ``value`` is replaced by the mask because its ``key`` names a secret."""
    return isinstance(key, str) and is_secret_key(key) and value not in (None, "", False)


def redact(value: Any, _depth: int = 0) -> Any:
    """Return a copy of ``value`` with secrets masked (mappings, sequences and strings).

    Example:
        >>> redact({"nodeId": 5, "token": "abc", "items": ["a", {"password": "x"}]})
        {'nodeId': 5, 'token': '***', 'items': ['a', {'password': '***'}]}
    """
    if _depth > _MAX_DEPTH:
        return value
    kind = type(value)
    if kind is str:
        return redact_text(value)
    if kind in _SCALARS:
        return value
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        out: dict[Any, Any] = {}
        for k, v in value.items():
            if _masks(k, v):
                out[k] = MASK if not isinstance(v, Mapping | list) else redact(v, _depth + 1)
            else:
                out[k] = redact(v, _depth + 1)
        return out
    if isinstance(value, list | tuple):
        return type(value)(redact(v, _depth + 1) for v in value)
    return value


def _masked(value: Any, depth: int) -> Any:
    """:func:`redact`, copy-on-write: ``value`` itself when nothing in it changes (a plain dict, list or tuple)."""
    kind = type(value)
    if kind is str:
        return redact_text(value)
    if kind in _SCALARS or depth > _MAX_DEPTH:
        return value
    if kind is dict:
        out: dict[Any, Any] | None = None
        for k, v in value.items():
            if _masks(k, v):
                new = MASK if not isinstance(v, Mapping | list) else _masked(v, depth + 1)
            else:
                new = _masked(v, depth + 1)
            if new is not v:
                if out is None:
                    out = dict(value)
                out[k] = new
        return value if out is None else out
    if kind is list or kind is tuple:
        items: list[Any] | None = None
        for i, v in enumerate(value):
            new = _masked(v, depth + 1)
            if new is not v:
                if items is None:
                    items = list(value)
                items[i] = new
        return value if items is None else kind(items)
    return redact(value, depth)  # str subclasses, other mappings and sequences: always a fresh copy


def redact_fields(fields: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Mask secrets in the values of ``fields`` **in place** and return it (the log processor's entry point).

    Same masking as :func:`redact`; nested dicts and lists that hold nothing to mask are kept
    as they are (not copied), and those that do are replaced by masked copies, so what the caller
    passed in as a value is never modified.

    Example:
        >>> nested = {"password": "x"}
        >>> redact_fields({"event": "login", "attempt": 2, "user": nested})
        {'event': 'login', 'attempt': 2, 'user': {'password': '***'}}
        >>> nested
        {'password': 'x'}
    """
    changed: list[tuple[str, Any]] = []
    for k, v in fields.items():
        if _masks(k, v):
            new = MASK if not isinstance(v, Mapping | list) else _masked(v, 1)
        else:
            new = _masked(v, 1)
        if new is not v:
            changed.append((k, new))
    for k, new in changed:
        fields[k] = new
    return fields
