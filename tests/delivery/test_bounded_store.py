"""Every state call is bounded in time: a hung or locked backend fails fast, it never blocks."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from fixtures.hung_server import HungServer
from openevent.delivery.app import open_bounded_store
from openevent.state.base import StateError
from openevent.state.bounded import BoundedStore


def test_a_hung_redis_fails_within_the_call_timeout_and_then_fast() -> None:
    with HungServer() as hung:
        store = open_bounded_store({"OPENEVENT_STATE_URL": f"redis://127.0.0.1:{hung.port}/0",
                                    "OPENEVENT_STATE_TIMEOUT_S": "0.3"})
        started = time.monotonic()
        with pytest.raises(StateError, match="no answer within"):
            store.add_once("k", ttl_s=60)
        first = time.monotonic() - started
        started = time.monotonic()
        with pytest.raises(StateError, match="did not answer recently"):
            store.get("k")
        second = time.monotonic() - started
        store.close()
    assert first < 2.0 and second < first


def test_a_locked_sqlite_file_fails_within_the_call_timeout(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        store = open_bounded_store({"OPENEVENT_STATE_URL": f"sqlite:///{path}", "OPENEVENT_STATE_TIMEOUT_S": "0.3"})
        started = time.monotonic()
        with pytest.raises(StateError):
            store.put("k", {"a": 1})
        assert time.monotonic() - started < 2.0
        store.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_healthy_backend_answers_through_the_bound(tmp_path: Path) -> None:
    store = open_bounded_store({"OPENEVENT_STATE_URL": f"sqlite:///{tmp_path / 's.db'}"})
    assert isinstance(store, BoundedStore)
    assert store.add_once("k", ttl_s=60) and not store.add_once("k", ttl_s=60)
    store.close()


def test_the_memory_backend_is_not_wrapped() -> None:
    assert type(open_bounded_store({"OPENEVENT_STATE_URL": "memory://"})).__name__ == "MemoryStore"
