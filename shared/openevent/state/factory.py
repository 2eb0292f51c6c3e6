"""``open_store``: the state backend chosen by ``OPENEVENT_STATE_URL``.

Backends are imported only when chosen, so ``redis`` is loaded only for a ``redis://`` URL.
Open the store once per FC instance (at module level or lazily on the first invocation) and
reuse it: a ``memory://`` store lives exactly as long as the object that holds it.

Example:
    >>> store = open_store("memory://")
    >>> type(store).__name__
    'MemoryStore'
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from openevent.state.base import Clock, StateStore, system_clock
from openevent.state.keys import DEFAULT_PREFIX
from openevent.state.url import DEFAULT_STATE_URL, STATE_URL_ENV, parse_state_url


def state_url_from_env(env: Mapping[str, str] | None = None) -> str:
    """``OPENEVENT_STATE_URL`` from ``env`` (default ``os.environ``), ``memory://`` when unset or empty.

    Example:
        >>> state_url_from_env({"OPENEVENT_STATE_URL": "sqlite:///state.db"})
        'sqlite:///state.db'
    """
    environ = os.environ if env is None else env
    return environ.get(STATE_URL_ENV, "").strip() or DEFAULT_STATE_URL


def open_store(url: str | None = None, *, env: Mapping[str, str] | None = None, prefix: str = DEFAULT_PREFIX,
               clock: Clock = system_clock) -> StateStore:
    """Open the state store named by ``url``, or by ``OPENEVENT_STATE_URL`` when ``url`` is ``None``.

    ``clock`` drives expiry for memory and sqlite (tests inject a fake one); Redis always uses
    its own clock. Raises :class:`~openevent.errors.ConfigError` for a bad URL.

    Example:
        >>> open_store(env={"OPENEVENT_STATE_URL": "memory://"}).add_once("event:1", ttl_s=60)
        True
        >>> open_store("memory://?max_entries=10000&default_ttl_s=3600").max_entries
        10000
    """
    parsed = parse_state_url(state_url_from_env(env) if url is None else url)
    if parsed.scheme == "memory":
        from openevent.state.memory import DEFAULT_MAX_ENTRIES, DEFAULT_TTL_S, MemoryStore

        ttl = parsed.default_ttl_s
        return MemoryStore(clock=clock, prefix=prefix,
                           max_entries=DEFAULT_MAX_ENTRIES if parsed.max_entries is None else parsed.max_entries,
                           default_ttl_s=DEFAULT_TTL_S if ttl is None else (ttl or None))
    if parsed.scheme == "sqlite":
        from openevent.state.sqlite import SqliteStore

        return SqliteStore(parsed.path, clock=clock, prefix=prefix)
    from openevent.state.redis import RedisStore

    return RedisStore(host=parsed.host, port=parsed.port, db=parsed.db, username=parsed.username,
                      password=parsed.password, ssl=parsed.scheme == "rediss", prefix=prefix)
