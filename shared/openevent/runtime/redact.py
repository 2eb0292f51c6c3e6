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
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
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

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None


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
    global _pattern
    ordered = sorted(_secrets, key=len, reverse=True)
    _pattern = re.compile("|".join(re.escape(s) for s in ordered)) if ordered else None


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
    """True when a mapping key names a secret (``DINGTALK_SECRET``, ``accessKeySecret``, …)."""
    return bool(_SECRET_KEY.search(key))


def redact_text(text: str) -> str:
    """Mask registered secrets and secret-bearing query parameters inside ``text``."""
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    if "=" in text:
        text = _SECRET_QUERY.sub(lambda m: f"{m.group(1)}={MASK}", text)
    return text


def redact(value: Any, _depth: int = 0) -> Any:
    """Return a copy of ``value`` with secrets masked (mappings, sequences and strings)."""
    if _depth > 20:
        return value
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        out: dict[Any, Any] = {}
        for k, v in value.items():
            if isinstance(k, str) and is_secret_key(k) and v not in (None, "", False):
                out[k] = MASK if not isinstance(v, Mapping | list) else redact(v, _depth + 1)
            else:
                out[k] = redact(v, _depth + 1)
        return out
    if isinstance(value, list | tuple):
        return type(value)(redact(v, _depth + 1) for v in value)
    return value
