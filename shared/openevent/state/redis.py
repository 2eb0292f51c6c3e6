"""State in Redis (``redis://`` / ``rediss://``): ApsaraDB for Redis or Tair in the function's VPC.

Concurrent FC instances agree because every operation is one atomic Redis step: ``SET NX PX``
for dedup keys and locks, Lua scripts for windowed counters, rate budgets and lock release,
``MULTI`` for list append and drain, and ``WATCH``/``MULTI`` (optimistic, retried) for
document updates. Budgets use the Redis server's clock (``TIME``), so instances with skewed
clocks still share one sliding window. Redis expires keys itself. The ``redis`` package is
imported only when this backend is opened, so other backends pay nothing for it.

Example:
    >>> store = RedisStore(host="127.0.0.1", port=6379)  # doctest: +SKIP
    >>> store.add_once("event:1", ttl_s=60)  # doctest: +SKIP
    True
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from openevent.runtime.redact import redact_text, register_secret
from openevent.state.base import Apply, StateError, StateStore
from openevent.state.keys import DEFAULT_PREFIX, to_millis

_RETRIES, _RETRY_BASE_S, _RETRY_CAP_S = 2, 0.02, 0.2  # reconnect attempts after a dropped connection
_UPDATE_GIVE_UP_S = 10.0  # optimistic update: retry conflicts (with jittered backoff) this long

# KEYS[1] counter; ARGV amount, window ms. The window starts with the key's first increment.
_INCR_WINDOW = """
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return n
"""

# KEYS budgets (sorted sets of send times in ms); ARGV limit_i, window_ms_i pairs, then a unique
# member. Sliding log on the server clock: prune, check every budget, then add to all or none.
_TAKE_ALL = """
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = #KEYS
for i = 1, n do
  local limit = tonumber(ARGV[2 * i - 1])
  local window = tonumber(ARGV[2 * i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  if redis.call('ZCARD', KEYS[i]) >= limit then
    return 0
  end
end
local member = ARGV[2 * n + 1]
for i = 1, n do
  redis.call('ZADD', KEYS[i], now, member)
  redis.call('PEXPIRE', KEYS[i], ARGV[2 * i])
end
return 1
"""

# KEYS[1] lock; ARGV[1] the holder's token: delete only our own lock.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisStore(StateStore):
    """The :class:`~openevent.state.base.StateStore` kept in Redis; safe across FC instances."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 6379, db: int = 0,
                 username: str | None = None, password: str | None = None, ssl: bool = False,
                 timeout_s: float = 5.0, prefix: str = DEFAULT_PREFIX) -> None:
        super().__init__(prefix=prefix)
        register_secret(password)
        try:
            import redis
        except ImportError:  # pragma: no cover - depends on the environment
            raise StateError("the 'redis' package is needed for redis:// state URLs (pip install redis)") \
                from None
        self._redis: Any = redis  # typed loosely: mypy passes whether or not redis ships its stubs
        self._where = f"{'rediss' if ssl else 'redis'}://{host}:{port}/{db}"
        from redis.backoff import ExponentialBackoff
        from redis.retry import Retry

        # An FC invocation has seconds, not minutes: retry a dropped connection briefly, then fail.
        self._client: Any = redis.Redis(
            host=host, port=port, db=db, username=username, password=password, ssl=ssl,
            socket_timeout=timeout_s, socket_connect_timeout=timeout_s, health_check_interval=30,
            retry=Retry(ExponentialBackoff(cap=_RETRY_CAP_S, base=_RETRY_BASE_S), _RETRIES),
            decode_responses=True,
        )
        self._incr_script = self._client.register_script(_INCR_WINDOW)
        self._take_script = self._client.register_script(_TAKE_ALL)
        self._release_script = self._client.register_script(_RELEASE)

    def __repr__(self) -> str:
        return f"RedisStore({self._where!r}, prefix={self.prefix!r})"

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except self._redis.RedisError as exc:
            raise StateError(redact_text(f"state store {self._where}: {type(exc).__name__}: {exc}")) from None

    def _add_once(self, key: str, ttl_s: float) -> bool:
        with self._errors():
            return bool(self._client.set(key, "1", nx=True, px=to_millis(ttl_s)))

    def _incr_window(self, key: str, window_s: float, amount: int) -> int:
        with self._errors():
            return int(self._incr_script(keys=[key], args=[amount, to_millis(window_s)]))

    def _take_all(self, budgets: list[tuple[str, int, float]]) -> bool:
        args: list[Any] = []
        for _, limit, window_s in budgets:
            args += [limit, to_millis(window_s)]
        args.append(uuid.uuid4().hex)
        with self._errors():
            return bool(self._take_script(keys=[key for key, _, _ in budgets], args=args))

    def _get(self, key: str) -> str | None:
        with self._errors():
            value = self._client.get(key)
        return None if value is None else str(value)

    def _put(self, key: str, text: str, ttl_s: float | None) -> None:
        with self._errors():
            self._client.set(key, text, px=None if ttl_s is None else to_millis(ttl_s))

    def _delete(self, key: str) -> bool:
        with self._errors():
            return int(self._client.delete(key)) > 0

    def _update(self, key: str, apply: Apply, ttl_s: float | None) -> str | None:
        deadline = time.monotonic() + _UPDATE_GIVE_UP_S
        attempt = 0
        with self._errors(), self._client.pipeline(transaction=True) as pipe:
            while attempt == 0 or time.monotonic() < deadline:
                attempt += 1
                try:
                    pipe.watch(key)
                    current = pipe.get(key)
                    new = apply(None if current is None else str(current))
                    pipe.multi()
                    if new is None:
                        pipe.delete(key)
                    elif ttl_s is None:
                        pipe.set(key, new, keepttl=True)
                    else:
                        pipe.set(key, new, px=to_millis(ttl_s))
                    pipe.execute()
                    return new
                except self._redis.WatchError:
                    time.sleep(random.uniform(0, 0.001 * min(attempt, 20)))
                finally:
                    pipe.reset()
        raise StateError(f"state store {self._where}: update of {key!r} kept conflicting; gave up "
                         f"after {attempt} attempts")

    def _append(self, key: str, text: str, ttl_s: float | None) -> int:
        with self._errors(), self._client.pipeline(transaction=True) as pipe:
            pipe.rpush(key, text)
            if ttl_s is not None:
                pipe.pexpire(key, to_millis(ttl_s))
            return int(pipe.execute()[0])

    def _drain(self, key: str) -> list[str]:
        with self._errors(), self._client.pipeline(transaction=True) as pipe:
            pipe.lrange(key, 0, -1)
            pipe.delete(key)
            items, _ = pipe.execute()
        return [str(item) for item in items]

    def _acquire(self, key: str, token: str, ttl_s: float) -> bool:
        with self._errors():
            return bool(self._client.set(key, token, nx=True, px=to_millis(ttl_s)))

    def _release(self, key: str, token: str) -> bool:
        with self._errors():
            return bool(self._release_script(keys=[key], args=[token]))

    def ping(self) -> bool:
        """True when the server answers; raises :class:`StateError` when it cannot be reached.

        Example:
            >>> store.ping()  # doctest: +SKIP
            True
        """
        with self._errors():
            return bool(self._client.ping())

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()
