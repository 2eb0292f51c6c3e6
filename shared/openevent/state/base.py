"""The state store interface shared by the notifier, the auditor and the DQ forwarder.

One small surface, the same semantics on every backend (``memory``, ``sqlite``, ``redis``):

* **dedup keys** — :meth:`StateStore.add_once` is true the first time a key is seen and false
  while it lives (EventBridge and FC deliver at least once);
* **windowed counters** — :meth:`StateStore.incr_window` counts in a fixed window that starts
  at the first increment and lasts ``window_s`` ("at most N alerts per instance per day");
* **rate budgets** — :meth:`StateStore.take` / :meth:`StateStore.take_all` consume one unit
  when every budget is under its limit over a **sliding** window (see below);
* **small documents** — :meth:`StateStore.get`, :meth:`StateStore.put`,
  :meth:`StateStore.delete` and the read-modify-write :meth:`StateStore.update`;
* **lists** for pending digests — :meth:`StateStore.append` and the atomic
  :meth:`StateStore.drain` (every item is drained exactly once);
* **locks** — :meth:`StateStore.lock`, "one flusher at a time", released only by its holder.

Every operation is atomic across threads, and across processes for sqlite and redis. Keys
are namespaced as ``<prefix><kind>:<key>`` (prefix ``openevent:``), and every expiry is
honoured: memory and sqlite purge lazily, Redis expires keys itself.

Why budgets slide: the chat receivers count over any rolling 60 s (DingTalk: "more than 20
in a minute" throttles the robot for 10 minutes). A fixed window lets ``2 × limit`` messages
through around a window boundary, which is exactly what trips that throttle; a sliding log
of the last ``limit`` send times never does, and the limits are small (≤ 100), so the log is
cheap.

Values are JSON: documents are JSON objects and list items any JSON value; what you read
back is a fresh copy, never the stored object.

Example:
    >>> from openevent.state import open_store
    >>> store = open_store("memory://")
    >>> store.add_once("event:1", ttl_s=3600), store.add_once("event:1", ttl_s=3600)
    (True, False)
    >>> [store.take("dingtalk:ops", limit=2, window_s=60) for _ in range(3)]
    [True, True, False]
"""

from __future__ import annotations

import json
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from openevent.errors import OpenEventError
from openevent.state.keys import (
    COUNTER,
    DEFAULT_PREFIX,
    DOC,
    LIST,
    LOCK,
    ONCE,
    RATE,
    check_prefix,
    check_seconds,
    storage_key,
)

Clock = Callable[[], float]
"""Seconds since the epoch, like :func:`time.time`; injectable so tests control expiry."""

Doc = dict[str, Any]
UpdateFn = Callable[[Doc | None], Doc | None]
Apply = Callable[[str | None], str | None]
"""What a backend's ``_update`` applies: stored JSON text (or ``None``) → new text (or ``None``)."""


class StateError(OpenEventError):
    """The state backend failed or is unreachable (connection refused, database locked too long, …)."""


@dataclass(frozen=True)
class Budget:
    """A rate budget: at most ``limit`` units within any ``window_s`` seconds under ``key``.

    Example:
        >>> Budget("feishu:ops:s", limit=5, window_s=1)
        Budget(key='feishu:ops:s', limit=5, window_s=1)
    """

    key: str
    limit: int
    window_s: float

    def __post_init__(self) -> None:
        if isinstance(self.limit, bool) or not isinstance(self.limit, int) or self.limit < 0:
            raise ValueError(f"budget limit must be a non-negative integer, got {self.limit!r}")
        check_seconds("window_s", self.window_s)


def _dumps(value: Any) -> str:
    """Serialise a stored value as compact JSON; ``TypeError`` names a value that is not JSON."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"state values must be JSON-serialisable: {exc}") from None


def _loads(text: str | bytes | None) -> Any:
    """The stored JSON value, ``None`` for a missing key."""
    return None if text is None else json.loads(text)


def _check_doc(doc: object, what: str) -> Doc:
    if not isinstance(doc, dict):
        raise TypeError(f"{what} must be a dict (a JSON object), got {type(doc).__name__}")
    return doc


class StateStore(ABC):
    """Dedup keys, windowed counters, rate budgets, documents, lists and locks.

    Subclasses implement the ``_``-prefixed primitives on fully namespaced keys; this class
    validates arguments and builds the keys, so every backend behaves the same.
    """

    def __init__(self, *, prefix: str = DEFAULT_PREFIX) -> None:
        self.prefix = check_prefix(prefix)

    # -- dedup keys -----------------------------------------------------------------------
    def add_once(self, key: str, ttl_s: float) -> bool:
        """True the first time ``key`` is added, false while it lives (``ttl_s`` seconds).

        Example:
            >>> store.add_once(f"event:{event.id}", ttl_s=86400)  # doctest: +SKIP
            True
        """
        return self._add_once(self._key(ONCE, key), check_seconds("ttl_s", ttl_s))

    # -- counters ---------------------------------------------------------------------------
    def incr_window(self, key: str, window_s: float, amount: int = 1) -> int:
        """Add ``amount`` and return the count in the current fixed window.

        The window starts at the first increment and lasts ``window_s``; after it the count
        starts again from zero. Put a calendar date in the key for calendar days.

        Example:
            >>> store.incr_window(f"alerts:{instance_id}:{today}", window_s=86400)  # doctest: +SKIP
            1
        """
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise ValueError(f"amount must be a non-negative integer, got {amount!r}")
        return self._incr_window(self._key(COUNTER, key), check_seconds("window_s", window_s), amount)

    # -- rate budgets ----------------------------------------------------------------------
    def take(self, key: str, limit: int, window_s: float) -> bool:
        """Consume one unit of the budget ``key`` if fewer than ``limit`` were taken in the last ``window_s``.

        Example:
            >>> store.take("dingtalk:ops", limit=20, window_s=60)  # doctest: +SKIP
            True
        """
        return self.take_all([Budget(key, limit, window_s)])

    def take_all(self, budgets: Sequence[Budget]) -> bool:
        """Consume one unit from every budget if each is under its limit; otherwise consume none.

        Use it for receivers with several limits (Feishu: 100 per minute and 5 per second), so a
        refused send does not use up the other budget. On a Redis *cluster* the keys must share
        a hash tag (``"feishu:{ops}:m"``, ``"feishu:{ops}:s"``) because one script touches them all.

        Example:
            >>> store.take_all([Budget("feishu:ops:m", 100, 60),
            ...                 Budget("feishu:ops:s", 5, 1)])  # doctest: +SKIP
            True
        """
        if not budgets:
            raise ValueError("take_all needs at least one budget")
        keyed = [(self._key(RATE, b.key), b.limit, float(b.window_s)) for b in budgets]
        if len({k for k, _, _ in keyed}) != len(keyed):
            raise ValueError("take_all budgets must have distinct keys")
        return self._take_all(keyed)

    # -- documents ---------------------------------------------------------------------------
    def get(self, key: str) -> Doc | None:
        """The document stored under ``key``, or ``None``.

        Example:
            >>> store.get(f"last-status:{instance_id}")  # doctest: +SKIP
            {'status': 'FAILURE', 'at': '2024-05-01T10:00:00Z'}
        """
        value = _loads(self._get(self._key(DOC, key)))
        return None if value is None else _check_doc(value, "stored document")

    def put(self, key: str, doc: Doc, ttl_s: float | None = None) -> None:
        """Store ``doc`` under ``key``, replacing any previous one; expires after ``ttl_s`` (``None``: never).

        Example:
            >>> store.put(f"last-status:{inst}", {"status": "FAILURE"}, ttl_s=7 * 86400)  # doctest: +SKIP
        """
        text = _dumps(_check_doc(doc, "doc"))
        ttl = None if ttl_s is None else check_seconds("ttl_s", ttl_s)
        self._put(self._key(DOC, key), text, ttl)

    def delete(self, key: str) -> bool:
        """Remove the document under ``key``; true when there was one.

        Example:
            >>> store.delete(f"last-status:{instance_id}")  # doctest: +SKIP
            True
        """
        return self._delete(self._key(DOC, key))

    def update(self, key: str, fn: UpdateFn, ttl_s: float | None = None) -> Doc | None:
        """Atomically replace the document under ``key`` by ``fn(current)`` and return the new one.

        ``fn`` receives a copy of the current document (``None`` when absent) and returns the
        new document, or ``None`` to delete it. It must be a pure function: on Redis it runs
        again when another writer got in between. With ``ttl_s=None`` the key keeps its
        current expiry (none for a new key); otherwise it expires ``ttl_s`` from now.

        Example:
            >>> def bump(doc):
            ...     doc = doc or {"n": 0}
            ...     return {"n": doc["n"] + 1}
            >>> store.update("digest:ops", bump)  # doctest: +SKIP
            {'n': 1}
        """
        ttl = None if ttl_s is None else check_seconds("ttl_s", ttl_s)

        def apply(current: str | None) -> str | None:
            old = _loads(current)
            new = fn(None if old is None else _check_doc(old, "stored document"))
            return None if new is None else _dumps(_check_doc(new, "update result"))

        return _loads(self._update(self._key(DOC, key), apply, ttl))  # type: ignore[no-any-return]

    # -- lists -------------------------------------------------------------------------------
    def append(self, key: str, item: Any, ttl_s: float | None = None) -> int:
        """Append a JSON ``item`` to the list ``key`` and return the list's new length.

        With ``ttl_s`` the whole list expires ``ttl_s`` after this append (a safety net for
        digests nobody flushes); with ``None`` its expiry is left as it is.

        Example:
            >>> store.append("digest:ops", {"instance": 42}, ttl_s=86400)  # doctest: +SKIP
            1
        """
        ttl = None if ttl_s is None else check_seconds("ttl_s", ttl_s)
        return self._append(self._key(LIST, key), _dumps(item), ttl)

    def drain(self, key: str) -> list[Any]:
        """Atomically take and remove every item of the list ``key``, oldest first.

        Concurrent drainers and appenders never see an item twice nor lose one.

        Example:
            >>> store.drain("digest:ops")  # doctest: +SKIP
            [{'instance': 42}]
        """
        return [_loads(text) for text in self._drain(self._key(LIST, key))]

    # -- locks -------------------------------------------------------------------------------
    @contextmanager
    def lock(self, key: str, ttl_s: float) -> Iterator[bool]:
        """Try to hold the lock ``key`` for at most ``ttl_s``; yields whether it is held.

        It does not wait: a caller that gets ``False`` lets the holder do the work. The lock is
        released on exit only if still held by this caller (a lock that outlived its ``ttl_s``
        and was taken by someone else stays theirs).

        Example:
            >>> with store.lock("flush:ops", ttl_s=30) as held:  # doctest: +SKIP
            ...     if held:
            ...         send_digest(store.drain("digest:ops"))
        """
        full = self._key(LOCK, key)
        token = uuid.uuid4().hex
        held = self._acquire(full, token, check_seconds("ttl_s", ttl_s))
        try:
            yield held
        finally:
            if held:
                self._release(full, token)

    # -- housekeeping ------------------------------------------------------------------------
    def purge_expired(self) -> int:
        """Remove expired entries now and return how many went (Redis expires keys itself: 0).

        Example:
            >>> store.purge_expired()  # doctest: +SKIP
            3
        """
        return 0

    def close(self) -> None:  # noqa: B027 - backends without connections need not override it
        """Release connections; the store is not used afterwards."""

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _key(self, kind: str, key: str) -> str:
        return storage_key(self.prefix, kind, key)

    # -- backend primitives on namespaced keys ------------------------------------------------
    @abstractmethod
    def _add_once(self, key: str, ttl_s: float) -> bool: ...

    @abstractmethod
    def _incr_window(self, key: str, window_s: float, amount: int) -> int: ...

    @abstractmethod
    def _take_all(self, budgets: list[tuple[str, int, float]]) -> bool: ...

    @abstractmethod
    def _get(self, key: str) -> str | None: ...

    @abstractmethod
    def _put(self, key: str, text: str, ttl_s: float | None) -> None: ...

    @abstractmethod
    def _delete(self, key: str) -> bool: ...

    @abstractmethod
    def _update(self, key: str, apply: Apply, ttl_s: float | None) -> str | None: ...

    @abstractmethod
    def _append(self, key: str, text: str, ttl_s: float | None) -> int: ...

    @abstractmethod
    def _drain(self, key: str) -> list[str]: ...

    @abstractmethod
    def _acquire(self, key: str, token: str, ttl_s: float) -> bool: ...

    @abstractmethod
    def _release(self, key: str, token: str) -> bool: ...


def system_clock() -> float:
    """The default :data:`Clock`: :func:`time.time`."""
    return time.time()
