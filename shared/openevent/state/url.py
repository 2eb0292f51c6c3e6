"""Parsing ``OPENEVENT_STATE_URL`` into the settings of one backend.

* ``memory://`` — this process only (the default);
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
from urllib.parse import unquote, urlsplit

from openevent.errors import ConfigError
from openevent.runtime.redact import MASK, redact_text, register_secret

STATE_URL_ENV = "OPENEVENT_STATE_URL"
DEFAULT_STATE_URL = "memory://"
_EXPECTED = "memory://, sqlite:///path, redis://host:port/db or rediss://host:port/db"


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

    def __repr__(self) -> str:
        password = None if self.password is None else MASK
        return (f"StateURL(scheme={self.scheme!r}, path={self.path!r}, host={self.host!r}, "
                f"port={self.port!r}, db={self.db!r}, username={self.username!r}, password={password!r})")


def _bad(url: str, problem: str) -> ConfigError:
    return ConfigError(redact_text(f"{STATE_URL_ENV}: {problem} in {url!r} (expected {_EXPECTED})"))


def parse_state_url(url: str) -> StateURL:
    """Parse a state URL, raising :class:`ConfigError` for an unknown scheme or a malformed URL.

    Example:
        >>> parse_state_url("sqlite:///.openevent/state.db").path
        '.openevent/state.db'
    """
    if not isinstance(url, str) or not url.strip():
        raise ConfigError(f"{STATE_URL_ENV}: empty state URL (expected {_EXPECTED})")
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep:
        raise _bad(url, "missing '://'")
    if scheme == "memory":
        if rest.strip("/"):
            raise _bad(url, "memory:// takes nothing after the scheme")
        return StateURL(scheme="memory")
    if scheme == "sqlite":
        return _parse_sqlite(url, rest)
    if scheme in ("redis", "rediss"):
        return _parse_redis(url, scheme)
    raise _bad(url, f"unknown scheme {scheme!r}")


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
