"""State in one SQLite file (``sqlite:///path``), for local runs and tests.

Every operation is one ``BEGIN IMMEDIATE`` transaction, so threads and separate processes
sharing the file agree (SQLite serialises writers; readers never block in WAL mode). Each
thread of each process gets its own connection. Expired rows are ignored when read, deleted
when their key is touched, and swept every few hundred writes or by :meth:`purge_expired`.

Example:
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "state.db")
    >>> with SqliteStore(path) as store:
    ...     store.append("digest:ops", {"n": 1})
    ...     store.drain("digest:ops")
    1
    [{'n': 1}]
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from openevent.state.base import Apply, Clock, StateError, StateStore, system_clock
from openevent.state.keys import DEFAULT_PREFIX

_SWEEP_EVERY = 256
_BUSY_TIMEOUT_S = 30.0

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at REAL)",
    "CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires_at) WHERE expires_at IS NOT NULL",
    "CREATE TABLE IF NOT EXISTS list_item (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, "
    "value TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS list_item_key ON list_item (key, id)",
    "CREATE TABLE IF NOT EXISTS rate_mark (key TEXT NOT NULL, at REAL NOT NULL, expires_at REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS rate_mark_key ON rate_mark (key, at)",
    "CREATE INDEX IF NOT EXISTS rate_mark_expires ON rate_mark (expires_at)",
)
_LIVE = "(expires_at IS NULL OR expires_at > ?)"


class SqliteStore(StateStore):
    """The :class:`~openevent.state.base.StateStore` kept in a SQLite database file."""

    def __init__(self, path: str | os.PathLike[str], *, clock: Clock = system_clock,
                 prefix: str = DEFAULT_PREFIX) -> None:
        super().__init__(prefix=prefix)
        self.path = Path(path)
        self._clock = clock
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        self._busy: set[int] = set()  # ids of connections inside an operation right now
        self._doomed: set[int] = set()  # busy when close() ran: closed by their thread when it is done
        self._writes = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StateError(f"cannot create the directory {self.path.parent}: {exc}") from None
        with self._tx() as db:
            for statement in _SCHEMA:
                db.execute(statement)

    def __repr__(self) -> str:
        return f"SqliteStore(path={str(self.path)!r}, prefix={self.prefix!r})"

    # -- connection and transaction --------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            conn = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn, self._local.pid = conn, os.getpid()
            with self._all_lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def _using(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, marked busy while in use: :meth:`close` never frees it mid-statement.

        Closing a connection another thread is executing on crashes the interpreter (a hung
        operation a :class:`~openevent.state.bounded.BoundedStore` gave up on is still running).
        """
        try:
            db = self._conn()
        except sqlite3.Error as exc:
            raise StateError(f"state database {self.path}: {exc}") from None
        with self._all_lock:
            self._busy.add(id(db))
        try:
            yield db
        finally:
            with self._all_lock:
                self._busy.discard(id(db))
                doomed = id(db) in self._doomed
                self._doomed.discard(id(db))
            if doomed:
                with suppress(sqlite3.Error):
                    db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._using() as db:
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StateError(f"state database {self.path}: {exc}") from None
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            try:
                db.execute("COMMIT")
            except sqlite3.Error as exc:
                db.execute("ROLLBACK")
                raise StateError(f"state database {self.path}: {exc}") from None

    @contextmanager
    def _write(self) -> Iterator[tuple[sqlite3.Connection, float]]:
        """A write transaction with the current time, sweeping expired rows now and then."""
        try:
            with self._tx() as db:
                now = self._clock()
                yield db, now
                self._writes += 1
                if self._writes % _SWEEP_EVERY == 0:
                    self._sweep(db, now)
        except sqlite3.Error as exc:
            raise StateError(f"state database {self.path}: {exc}") from None

    @staticmethod
    def _sweep(db: sqlite3.Connection, now: float) -> int:
        gone = db.execute("DELETE FROM kv WHERE expires_at <= ?", (now,)).rowcount
        gone += db.execute("DELETE FROM rate_mark WHERE expires_at <= ?", (now,)).rowcount
        db.execute("DELETE FROM list_item WHERE key NOT IN (SELECT key FROM kv)")
        return gone

    @staticmethod
    def _live_row(db: sqlite3.Connection, key: str, now: float) -> tuple[str, float | None] | None:
        row = db.execute("SELECT value, expires_at FROM kv WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        if row[1] is not None and row[1] <= now:
            db.execute("DELETE FROM kv WHERE key = ?", (key,))
            return None
        return str(row[0]), row[1]

    @staticmethod
    def _upsert(db: sqlite3.Connection, key: str, value: str, expires_at: float | None) -> None:
        db.execute("INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?) "
                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
                   (key, value, expires_at))

    # -- primitives ------------------------------------------------------------------------
    def _add_once(self, key: str, ttl_s: float) -> bool:
        with self._write() as (db, now):
            if self._live_row(db, key, now) is not None:
                return False
            self._upsert(db, key, "1", now + ttl_s)
            return True

    def _incr_window(self, key: str, window_s: float, amount: int) -> int:
        with self._write() as (db, now):
            row = self._live_row(db, key, now)
            if row is None:
                self._upsert(db, key, str(amount), now + window_s)
                return amount
            count = int(row[0]) + amount
            db.execute("UPDATE kv SET value = ? WHERE key = ?", (str(count), key))
            return count

    def _take_all(self, budgets: list[tuple[str, int, float]]) -> bool:
        with self._write() as (db, now):
            for key, limit, window_s in budgets:
                db.execute("DELETE FROM rate_mark WHERE key = ? AND at <= ?", (key, now - window_s))
                (used,) = db.execute("SELECT count(*) FROM rate_mark WHERE key = ?", (key,)).fetchone()
                if used >= limit:
                    return False
            db.executemany("INSERT INTO rate_mark (key, at, expires_at) VALUES (?, ?, ?)",
                           [(key, now, now + window_s) for key, _, window_s in budgets])
            return True

    def _get(self, key: str) -> str | None:
        try:
            with self._using() as db:
                row = db.execute(f"SELECT value FROM kv WHERE key = ? AND {_LIVE}", (key, self._clock())).fetchone()
        except sqlite3.Error as exc:
            raise StateError(f"state database {self.path}: {exc}") from None
        return None if row is None else str(row[0])

    def _put(self, key: str, text: str, ttl_s: float | None) -> None:
        with self._write() as (db, now):
            self._upsert(db, key, text, None if ttl_s is None else now + ttl_s)

    def _delete(self, key: str) -> bool:
        with self._write() as (db, now):
            existed = self._live_row(db, key, now) is not None
            db.execute("DELETE FROM kv WHERE key = ?", (key,))
            return existed

    def _update(self, key: str, apply: Apply, ttl_s: float | None) -> str | None:
        with self._write() as (db, now):
            row = self._live_row(db, key, now)
            new = apply(None if row is None else row[0])
            if new is None:
                db.execute("DELETE FROM kv WHERE key = ?", (key,))
            else:
                expires_at = (row[1] if row else None) if ttl_s is None else now + ttl_s
                self._upsert(db, key, new, expires_at)
            return new

    def _append(self, key: str, text: str, ttl_s: float | None) -> int:
        with self._write() as (db, now):
            row = self._live_row(db, key, now)
            if row is None:
                db.execute("DELETE FROM list_item WHERE key = ?", (key,))
            expires_at = (row[1] if row else None) if ttl_s is None else now + ttl_s
            self._upsert(db, key, "", expires_at)
            db.execute("INSERT INTO list_item (key, value) VALUES (?, ?)", (key, text))
            (length,) = db.execute("SELECT count(*) FROM list_item WHERE key = ?", (key,)).fetchone()
            return int(length)

    def _drain(self, key: str) -> list[str]:
        with self._write() as (db, now):
            live = self._live_row(db, key, now) is not None
            items = [str(r[0]) for r in db.execute("SELECT value FROM list_item WHERE key = ? ORDER BY id",
                                                   (key,))] if live else []
            db.execute("DELETE FROM list_item WHERE key = ?", (key,))
            db.execute("DELETE FROM kv WHERE key = ?", (key,))
            return items

    def _acquire(self, key: str, token: str, ttl_s: float) -> bool:
        with self._write() as (db, now):
            if self._live_row(db, key, now) is not None:
                return False
            self._upsert(db, key, token, now + ttl_s)
            return True

    def _release(self, key: str, token: str) -> bool:
        with self._write() as (db, now):
            return db.execute(f"DELETE FROM kv WHERE key = ? AND value = ? AND {_LIVE}",
                              (key, token, now)).rowcount > 0

    def purge_expired(self) -> int:
        """Delete every expired row now; returns how many keys and rate marks went."""
        with self._write() as (db, now):
            return self._sweep(db, now)

    def close(self) -> None:
        """Close every connection this store opened (in any thread); one in use is closed when its operation ends."""
        with self._all_lock:
            conns, self._all = self._all, []
            idle = [conn for conn in conns if id(conn) not in self._busy]
            self._doomed.update(id(conn) for conn in conns if id(conn) in self._busy)
            self._local = threading.local()
        for conn in idle:
            with suppress(sqlite3.Error):
                conn.close()
