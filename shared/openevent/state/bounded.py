"""A state store whose every call is bounded in time: a hung backend degrades, it never blocks.

A Redis that accepts connections but never replies, or a SQLite file another process holds
locked, would otherwise stall a handler for the backend's own timeouts (30–45 s), past a
guard's FC timeout. :class:`BoundedStore` runs each backend operation on a small worker pool
and waits at most ``timeout()`` seconds (the caller passes the invocation budget's share);
past it the call raises :class:`~openevent.state.base.StateError` and the store is considered
*down* for ``cooldown_s``, during which calls fail at once instead of waiting again. Callers
treat a :class:`StateError` as "no state" (a guard answers without dedup, with a warning).

The memory backend cannot hang and is never wrapped (see :func:`bound`).

Example:
    >>> import os, tempfile
    >>> from openevent.state import open_store
    >>> path = os.path.join(tempfile.mkdtemp(), "state.db")
    >>> store = bound(open_store(f"sqlite:///{path}"), timeout=lambda: 1.0)
    >>> type(store).__name__, store.add_once("k", ttl_s=60)
    ('BoundedStore', True)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from openevent.state.base import Apply, StateError, StateStore
from openevent.state.keys import DEFAULT_PREFIX

DEFAULT_COOLDOWN_S = 10.0
_WORKERS = 4
T = TypeVar("T")


class BoundedStore(StateStore):
    """Delegates to ``inner``, waiting at most ``timeout()`` seconds for each operation.

    ``inner`` may be a store or a function that opens one: opening (a SQLite schema check
    on a locked file, a first Redis connection) then happens inside the first bounded call.
    """

    def __init__(self, inner: StateStore | Callable[[], StateStore], *, timeout: Callable[[], float],
                 cooldown_s: float = DEFAULT_COOLDOWN_S, clock: Callable[[], float] = time.monotonic,
                 prefix: str = DEFAULT_PREFIX) -> None:
        super().__init__(prefix=inner.prefix if isinstance(inner, StateStore) else prefix)
        self._inner: StateStore | None = inner if isinstance(inner, StateStore) else None
        self._opener: Callable[[], StateStore] | None = None if isinstance(inner, StateStore) else inner
        self._open_lock = threading.Lock()
        self._timeout = timeout
        self._cooldown_s = cooldown_s
        self._clock = clock
        self._down_until = 0.0
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"BoundedStore({self._inner!r})"

    @property
    def inner(self) -> StateStore:
        """The backend (opened on first use)."""
        if self._inner is None:
            with self._open_lock:
                if self._inner is None:
                    assert self._opener is not None
                    self._inner = self._opener()
        return self._inner

    @property
    def down(self) -> bool:
        """True while a recent call timed out (calls fail fast until the cooldown ends)."""
        return self._clock() < self._down_until

    def _run(self, op: str, call: Callable[[StateStore], T]) -> T:
        if self.down:
            raise StateError(f"state store {op}: skipped, the store did not answer recently")
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="openevent-state")
            pool = self._pool
        wait = max(0.01, float(self._timeout()))
        future: Future[T] = pool.submit(lambda: call(self.inner))
        try:
            return future.result(timeout=wait)
        except FutureTimeout:
            future.cancel()
            self._down_until = self._clock() + self._cooldown_s
            raise StateError(f"state store {op}: no answer within {wait:.2f}s") from None
        except StateError:
            raise
        except Exception as exc:  # a backend bug or a connection error the backend did not wrap
            raise StateError(f"state store {op}: {type(exc).__name__}: {exc}") from None

    def _add_once(self, key: str, ttl_s: float) -> bool:
        return self._run("add_once", lambda s: s._add_once(key, ttl_s))

    def _incr_window(self, key: str, window_s: float, amount: int) -> int:
        return self._run("incr_window", lambda s: s._incr_window(key, window_s, amount))

    def _take_all(self, budgets: list[tuple[str, int, float]]) -> bool:
        return self._run("take_all", lambda s: s._take_all(budgets))

    def _get(self, key: str) -> str | None:
        return self._run("get", lambda s: s._get(key))

    def _put(self, key: str, text: str, ttl_s: float | None) -> None:
        self._run("put", lambda s: s._put(key, text, ttl_s))

    def _delete(self, key: str) -> bool:
        return self._run("delete", lambda s: s._delete(key))

    def _update(self, key: str, apply: Apply, ttl_s: float | None) -> str | None:
        return self._run("update", lambda s: s._update(key, apply, ttl_s))

    def _append(self, key: str, text: str, ttl_s: float | None) -> int:
        return self._run("append", lambda s: s._append(key, text, ttl_s))

    def _drain(self, key: str) -> list[str]:
        return self._run("drain", lambda s: s._drain(key))

    def _acquire(self, key: str, token: str, ttl_s: float) -> bool:
        return self._run("lock", lambda s: s._acquire(key, token, ttl_s))

    def _release(self, key: str, token: str) -> bool:
        return self._run("unlock", lambda s: s._release(key, token))

    def purge_expired(self) -> int:
        return self._run("purge", lambda s: s.purge_expired())

    def close(self) -> None:
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        if self._inner is not None:
            self._inner.close()


def bound(store: StateStore | Callable[[], StateStore], *, timeout: Callable[[], float],
          cooldown_s: float = DEFAULT_COOLDOWN_S) -> StateStore:
    """``store`` (or the store ``store()`` opens) bounded in time, unless it cannot block (memory)."""
    from openevent.state.memory import MemoryStore

    if isinstance(store, MemoryStore | BoundedStore):
        return store
    return BoundedStore(store, timeout=timeout, cooldown_s=cooldown_s)


class UnavailableStore(StateStore):
    """A store that could not be opened: every call raises :class:`StateError` (callers degrade)."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason

    def __repr__(self) -> str:
        return f"UnavailableStore({self.reason!r})"

    def _fail(self, *_args: Any) -> Any:
        raise StateError(f"state store unavailable: {self.reason}")

    _add_once = _incr_window = _take_all = _get = _put = _delete = _fail  # type: ignore[assignment]
    _update = _append = _drain = _acquire = _release = _fail  # type: ignore[assignment]


def unavailable_store(reason: str) -> StateStore:
    """A stand-in for a store that could not be opened (``reason`` is in every error).

    Example:
        >>> unavailable_store("bad URL").add_once("k", ttl_s=1)
        Traceback (most recent call last):
        ...
        openevent.state.base.StateError: state store unavailable: bad URL
    """
    return UnavailableStore(reason)
