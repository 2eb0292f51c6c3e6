"""In-process state: a dict behind one lock, for a single local process (``memory://``).

Nothing is shared between processes or FC instances, so dedup and budgets hold only within
one instance. Expired entries are dropped when touched and swept every few hundred writes.

Example:
    >>> clock = [1000.0]
    >>> store = MemoryStore(clock=lambda: clock[0])
    >>> store.add_once("k", ttl_s=10)
    True
    >>> clock[0] += 10
    >>> store.add_once("k", ttl_s=10)
    True
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from openevent.state.base import Apply, Clock, StateStore, system_clock
from openevent.state.keys import DEFAULT_PREFIX

_SWEEP_EVERY = 512


@dataclass
class _Entry:
    value: Any
    expires_at: float | None


class MemoryStore(StateStore):
    """The :class:`~openevent.state.base.StateStore` kept in this process's memory."""

    def __init__(self, *, clock: Clock = system_clock, prefix: str = DEFAULT_PREFIX) -> None:
        super().__init__(prefix=prefix)
        self._clock = clock
        self._lock = threading.Lock()
        self._data: dict[str, _Entry] = {}
        self._writes = 0

    def __repr__(self) -> str:
        return f"MemoryStore(prefix={self.prefix!r}, keys={len(self._data)})"

    # all helpers below run with self._lock held
    def _live(self, key: str, now: float) -> _Entry | None:
        entry = self._data.get(key)
        if entry is not None and entry.expires_at is not None and entry.expires_at <= now:
            del self._data[key]
            return None
        return entry

    def _set(self, key: str, value: Any, expires_at: float | None) -> None:
        self._data[key] = _Entry(value, expires_at)
        self._writes += 1
        if self._writes % _SWEEP_EVERY == 0:
            self._sweep(self._clock())

    def _sweep(self, now: float) -> int:
        dead = [k for k, e in self._data.items() if e.expires_at is not None and e.expires_at <= now]
        for k in dead:
            del self._data[k]
        return len(dead)

    def _add_once(self, key: str, ttl_s: float) -> bool:
        with self._lock:
            now = self._clock()
            if self._live(key, now) is not None:
                return False
            self._set(key, True, now + ttl_s)
            return True

    def _incr_window(self, key: str, window_s: float, amount: int) -> int:
        with self._lock:
            now = self._clock()
            entry = self._live(key, now)
            if entry is None:
                self._set(key, amount, now + window_s)
                return amount
            entry.value += amount
            return int(entry.value)

    def _take_all(self, budgets: list[tuple[str, int, float]]) -> bool:
        with self._lock:
            now = self._clock()
            logs: list[list[float]] = []
            for key, limit, window_s in budgets:
                entry = self._live(key, now)
                log = [t for t in (entry.value if entry else []) if t > now - window_s]
                if len(log) >= limit:
                    return False
                logs.append(log)
            for (key, _, window_s), log in zip(budgets, logs, strict=True):
                log.append(now)
                self._set(key, log, now + window_s)
            return True

    def _get(self, key: str) -> str | None:
        with self._lock:
            entry = self._live(key, self._clock())
            return None if entry is None else str(entry.value)

    def _put(self, key: str, text: str, ttl_s: float | None) -> None:
        with self._lock:
            self._set(key, text, None if ttl_s is None else self._clock() + ttl_s)

    def _delete(self, key: str) -> bool:
        with self._lock:
            existed = self._live(key, self._clock()) is not None
            self._data.pop(key, None)
            return existed

    def _update(self, key: str, apply: Apply, ttl_s: float | None) -> str | None:
        with self._lock:
            now = self._clock()
            entry = self._live(key, now)
            new = apply(None if entry is None else str(entry.value))
            if new is None:
                self._data.pop(key, None)
            else:
                expires_at = (entry.expires_at if entry else None) if ttl_s is None else now + ttl_s
                self._set(key, new, expires_at)
            return new

    def _append(self, key: str, text: str, ttl_s: float | None) -> int:
        with self._lock:
            now = self._clock()
            entry = self._live(key, now)
            items: list[str] = entry.value if entry else []
            items.append(text)
            expires_at = (entry.expires_at if entry else None) if ttl_s is None else now + ttl_s
            self._set(key, items, expires_at)
            return len(items)

    def _drain(self, key: str) -> list[str]:
        with self._lock:
            entry = self._live(key, self._clock())
            self._data.pop(key, None)
            return [] if entry is None else list(entry.value)

    def _acquire(self, key: str, token: str, ttl_s: float) -> bool:
        with self._lock:
            now = self._clock()
            if self._live(key, now) is not None:
                return False
            self._set(key, token, now + ttl_s)
            return True

    def _release(self, key: str, token: str) -> bool:
        with self._lock:
            entry = self._live(key, self._clock())
            if entry is None or entry.value != token:
                return False
            del self._data[key]
            return True

    def purge_expired(self) -> int:
        """Drop every expired entry now; returns how many went."""
        with self._lock:
            return self._sweep(self._clock())
