"""Parsing ``OPENEVENT_STATE_URL`` into the settings of one backend.

* ``memory://`` — this process only (the default), bounded: ``memory://?max_entries=N`` caps the
  keys it keeps (default 100,000) and ``default_ttl_s=S`` is the expiry of entries written without
  one (default 30 days; ``0``: none), see :mod:`openevent.state.memory`;
* ``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db`` — the text after
  ``sqlite:///`` is the path, as in SQLAlchemy (so an absolute path has four slashes);
* ``redis://[[user]:password@]host[:port][/db]`` and ``rediss://…`` (TLS). The password is
  registered as a secret at once, and never appears in an error message or repr.

Anything else is a :class:`~openevent.errors.ConfigError` naming ``OPENEVENT_STATE_URL``.

Example:
    >>> parse_state_url("redis://:pw-123456@10.0.0.5:6379/2")
    StateURL(scheme='redis', path='', host='10.0.0.5', port=6379, db=2, username=None, password='***')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from openevent.errors import ConfigError
from openevent.runtime.redact import MASK, redact_text, register_secret

STATE_URL_ENV = "OPENEVENT_STATE_URL"
DEFAULT_STATE_URL = "memory://"
_EXPECTED = ("memory://[?max_entries=N&default_ttl_s=S], sqlite:///path, redis://host:port/db "
             "or rediss://host:port/db")
_MEMORY_OPTIONS = ("max_entries", "default_ttl_s")


@dataclass(frozen=True)
class StateURL:
    """A parsed state URL: ``scheme`` plus the fields that scheme uses."""

    scheme: str
    path: str = ""
    host: str = ""
    port: int = 6379
    db: int = 0
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    max_entries: int | None = None
    """memory: the size bound (``None``: the store's default)."""
    default_ttl_s: float | None = None
    """memory: the TTL of entries written without one (``None``: the store's default; ``0``: no expiry)."""

    def __repr__(self) -> str:
        password = None if self.password is None else MASK
        memory = "".join(f", {name}={getattr(self, name)!r}" for name in _MEMORY_OPTIONS
                         if getattr(self, name) is not None)
        return (f"StateURL(scheme={self.scheme!r}, path={self.path!r}, host={self.host!r}, "
                f"port={self.port!r}, db={self.db!r}, username={self.username!r}, password={password!r}{memory})")


def _bad(url: str, problem: str) -> ConfigError:
    return ConfigError(redact_text(f"{STATE_URL_ENV}: {problem} in {url!r} (expected {_EXPECTED})"))


def parse_state_url(url: str) -> StateURL:
    """Parse a state URL, raising :class:`ConfigError` for an unknown scheme or a malformed URL.

    Example:
        >>> parse_state_url("sqlite:///.openevent/state.db").path
        '.openevent/state.db'
        >>> parse_state_url("memory://?max_entries=10000").max_entries
        10000
    """
    if not isinstance(url, str) or not url.strip():
        raise ConfigError(f"{STATE_URL_ENV}: empty state URL (expected {_EXPECTED})")
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep:
        raise _bad(url, "missing '://'")
    if scheme == "memory":
        return _parse_memory(url, rest)
    if scheme == "sqlite":
        return _parse_sqlite(url, rest)
    if scheme in ("redis", "rediss"):
        return _parse_redis(url, scheme)
    raise _bad(url, f"unknown scheme {scheme!r}")


def _parse_memory(url: str, rest: str) -> StateURL:
    where, _, query = rest.partition("?")
    if where.strip("/"):
        raise _bad(url, "memory:// takes nothing after the scheme but ?max_entries=N&default_ttl_s=S")
    try:
        options = dict(parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)))
    except ValueError:
        raise _bad(url, "malformed query string") from None
    unknown = sorted(set(options) - set(_MEMORY_OPTIONS))
    if unknown:
        raise _bad(url, f"unknown memory:// option {unknown[0]!r} (known: {', '.join(_MEMORY_OPTIONS)})")
    max_entries: int | None = None
    if "max_entries" in options:
        text = options["max_entries"].strip().replace("_", "")
        if not (text.isascii() and text.isdigit()) or int(text) < 1:
            raise _bad(url, f"max_entries must be a positive integer, got {options['max_entries']!r}")
        max_entries = int(text)
    default_ttl_s: float | None = None
    if "default_ttl_s" in options:
        try:
            default_ttl_s = float(options["default_ttl_s"])
        except ValueError:
            default_ttl_s = -1.0
        if not (0 <= default_ttl_s < float("inf")):
            raise _bad(url, f"default_ttl_s must be non-negative seconds (0: no expiry), "
                            f"got {options['default_ttl_s']!r}")
    return StateURL(scheme="memory", max_entries=max_entries, default_ttl_s=default_ttl_s)


def _parse_sqlite(url: str, rest: str) -> StateURL:
    if not rest.startswith("/"):
        raise _bad(url, "sqlite URLs have no host: write sqlite:///relative.db or sqlite:////absolute.db")
    path = unquote(rest[1:])
    if not path or path.endswith("/"):
        raise _bad(url, "missing database file path")
    if path == ":memory:" or "?" in path:
        raise _bad(url, "use memory:// for in-memory state; sqlite URLs take a plain file path")
    return StateURL(scheme="sqlite", path=path)


def _parse_redis(url: str, scheme: str) -> StateURL:
    parts = urlsplit(url)
    password = unquote(parts.password) if parts.password else None
    register_secret(password)
    if parts.query or parts.fragment:
        raise _bad(url, "redis URLs take no query string or fragment")
    host = parts.hostname
    if not host:
        raise _bad(url, "missing host")
    try:
        port = parts.port or 6379
    except ValueError:
        raise _bad(url, "port must be a number between 0 and 65535") from None
    db_text = parts.path.strip("/") or "0"
    if not db_text.isdigit():
        raise _bad(url, f"database must be a non-negative integer, got {db_text!r}")
    username = unquote(parts.username) if parts.username else None
    return StateURL(scheme=scheme, host=host, port=port, db=int(db_text), username=username,
                    password=password)
