"""In-process state: a bounded dict behind one lock, for a single local process (``memory://``).

Nothing is shared between processes or FC instances, so dedup and budgets hold only within
one instance. A warm FC instance may live for days, so the store is bounded in size and in time:

* **a size bound** — at most ``max_entries`` keys (default :data:`DEFAULT_MAX_ENTRIES`;
  ``memory://?max_entries=N``). Writing past it first drops expired entries, then the least
  recently used ones (reads and writes both count as use);
* **a default TTL** — an entry written without one (``put``/``update``/``append`` with
  ``ttl_s=None``) expires :data:`DEFAULT_TTL_S` after it was written (``memory://?default_ttl_s=S``;
  ``default_ttl_s=0`` keeps such entries until they are evicted by the size bound);
* expired entries are dropped when touched, and in expiry order on every write (a heap of
  expiry times, so a write costs O(log n), never a scan of the whole store).

Evicting a key only ever makes the store forget: a dedup key is seen again as new, a counter
starts again from zero — the same as after an FC instance is recycled.

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

import heapq
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from openevent.state.base import Apply, Clock, StateStore, system_clock
from openevent.state.keys import DEFAULT_PREFIX

DEFAULT_MAX_ENTRIES = 100_000
"""Keys one memory store holds at most (about 1–3 KB each for the handlers' documents)."""
DEFAULT_TTL_S = 30 * 86400.0
"""How long an entry written without a TTL lives (30 days: the auditor's default node-state TTL)."""


@dataclass
class _Entry:
    value: Any
    expires_at: float | None
    stamp: int
    """Which heap item stands for this entry's expiry (items of replaced entries are stale)."""


class MemoryStore(StateStore):
    """The :class:`~openevent.state.base.StateStore` kept in this process's memory, bounded.

    ``max_entries`` bounds the keys kept (``None``: unbounded); ``default_ttl_s`` is the expiry
    of entries written without a TTL (``None``: they never expire, only the size bound evicts them).

    Example:
        >>> store = MemoryStore(max_entries=2)
        >>> for key in ("a", "b", "c"):
        ...     store.put(key, {"k": key})
        >>> store.get("a"), store.get("c"), store.size
        (None, {'k': 'c'}, 2)
    """

    def __init__(self, *, clock: Clock = system_clock, prefix: str = DEFAULT_PREFIX,
                 max_entries: int | None = DEFAULT_MAX_ENTRIES, default_ttl_s: float | None = DEFAULT_TTL_S) -> None:
        super().__init__(prefix=prefix)
        if max_entries is not None and (isinstance(max_entries, bool) or not isinstance(max_entries, int)
                                        or max_entries < 1):
            raise ValueError(f"max_entries must be a positive integer or None, got {max_entries!r}")
        if default_ttl_s is not None and not default_ttl_s > 0:
            raise ValueError(f"default_ttl_s must be positive seconds or None, got {default_ttl_s!r}")
        self.max_entries = max_entries
        self.default_ttl_s = default_ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._data: OrderedDict[str, _Entry] = OrderedDict()  # least recently used first
        self._expiry: list[tuple[float, int, str]] = []  # (expires_at, stamp, key): a min-heap
        self._stamp = 0
        self.evicted = 0
        """Live entries dropped by the size bound so far (expired ones are not counted)."""

    def __repr__(self) -> str:
        return f"MemoryStore(prefix={self.prefix!r}, keys={len(self._data)})"

    @property
    def size(self) -> int:
        """Entries held now (expired ones not yet dropped included).

        Not ``__len__``: an empty store must stay truthy (``store or open_store()`` keeps it).
        """
        return len(self._data)

    # all helpers below run with self._lock held
    def _live(self, key: str, now: float) -> _Entry | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry.expires_at is not None and entry.expires_at <= now:
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return entry

    def _set(self, key: str, value: Any, expires_at: float | None, now: float | None = None) -> None:
        if now is None:
            now = self._clock()
        if expires_at is None and self.default_ttl_s is not None:
            expires_at = now + self.default_ttl_s
        entry = self._data.get(key)
        if entry is not None and entry.expires_at == expires_at:
            entry.value = value  # same expiry: its heap item still stands for it
            self._data.move_to_end(key)
        else:
            self._stamp += 1
            self._data[key] = _Entry(value, expires_at, self._stamp)
            self._data.move_to_end(key)
            if expires_at is not None:
                heapq.heappush(self._expiry, (expires_at, self._stamp, key))
        self._sweep(now)
        if self.max_entries is not None:
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)
                self.evicted += 1
        if len(self._expiry) > 2 * len(self._data) + 1024:
            self._compact()

    def _sweep(self, now: float) -> int:
        """Drop the entries whose expiry has passed, soonest first; returns how many went."""
        heap, data, gone = self._expiry, self._data, 0
        while heap and heap[0][0] <= now:
            _, stamp, key = heapq.heappop(heap)
            entry = data.get(key)
            if entry is not None and entry.stamp == stamp:
                del data[key]
                gone += 1
        return gone

    def _compact(self) -> None:
        """Rebuild the heap from the live entries (items of replaced or deleted entries pile up otherwise)."""
        self._expiry = [(e.expires_at, e.stamp, k) for k, e in self._data.items() if e.expires_at is not None]
        heapq.heapify(self._expiry)

    def _add_once(self, key: str, ttl_s: float) -> bool:
        with self._lock:
            now = self._clock()
            if self._live(key, now) is not None:
                return False
            self._set(key, True, now + ttl_s, now)
            return True

    def _incr_window(self, key: str, window_s: float, amount: int) -> int:
        with self._lock:
            now = self._clock()
            entry = self._live(key, now)
            if entry is None:
                self._set(key, amount, now + window_s, now)
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
                self._set(key, log, now + window_s, now)
            return True

    def _get(self, key: str) -> str | None:
        with self._lock:
            entry = self._live(key, self._clock())
            return None if entry is None else str(entry.value)

    def _put(self, key: str, text: str, ttl_s: float | None) -> None:
        with self._lock:
            now = self._clock()
            self._set(key, text, None if ttl_s is None else now + ttl_s, now)

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
                self._set(key, new, expires_at, now)
            return new

    def _append(self, key: str, text: str, ttl_s: float | None) -> int:
        with self._lock:
            now = self._clock()
            entry = self._live(key, now)
            items: list[str] = entry.value if entry else []
            items.append(text)
            expires_at = (entry.expires_at if entry else None) if ttl_s is None else now + ttl_s
            self._set(key, items, expires_at, now)
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
            self._set(key, token, now + ttl_s, now)
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
