"""The memory store is bounded: at most ``max_entries`` keys (expired ones evicted first, then the least
recently used) and a default TTL for entries written without one, configurable in ``memory://?…``."""

from __future__ import annotations

import pytest

from openevent.errors import ConfigError
from openevent.state import open_store, parse_state_url
from openevent.state.memory import DEFAULT_MAX_ENTRIES, DEFAULT_TTL_S, MemoryStore

LONG = 3600.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


# -- the size bound -----------------------------------------------------------------------------
def test_the_store_never_holds_more_than_max_entries_keys() -> None:
    store = MemoryStore(max_entries=100)
    for i in range(1000):
        store.add_once(f"event:{i}", ttl_s=LONG)
    assert store.size == 100


def test_past_the_bound_the_oldest_key_is_evicted_first() -> None:
    store = MemoryStore(max_entries=3)
    for key in ("a", "b", "c", "d"):
        store.put(key, {"k": key})
    assert [store.get(k) is not None for k in ("a", "b", "c", "d")] == [False, True, True, True]


def test_reading_a_key_makes_it_recently_used_so_another_is_evicted() -> None:
    store = MemoryStore(max_entries=3)
    for key in ("a", "b", "c"):
        store.put(key, {"k": key})
    store.get("a")
    store.put("d", {"k": "d"})
    assert store.get("a") is not None and store.get("b") is None


def test_rewriting_a_key_makes_it_recently_used() -> None:
    store = MemoryStore(max_entries=2)
    store.add_once("event:a", ttl_s=LONG)
    store.incr_window("count:b", window_s=LONG)
    store.incr_window("count:b", window_s=LONG)
    store.add_once("event:a", ttl_s=LONG)  # a read: still live
    store.put("doc:c", {"c": 1})
    assert store.add_once("event:a", ttl_s=LONG) is False
    assert store.incr_window("count:b", window_s=LONG) == 1  # it was evicted: a new window


def test_expired_entries_are_evicted_before_any_live_one() -> None:
    clock = Clock()
    store = MemoryStore(max_entries=3, clock=clock)
    store.put("old-live", {"v": 1}, ttl_s=LONG)
    store.put("short-1", {"v": 2}, ttl_s=10)
    store.put("short-2", {"v": 3}, ttl_s=10)
    clock.now += 10
    store.put("new", {"v": 4})
    store.put("newer", {"v": 5})
    assert store.get("old-live") == {"v": 1}
    assert (store.get("new"), store.get("newer")) == ({"v": 4}, {"v": 5})
    assert store.evicted == 0


def test_an_evicted_dedup_key_is_seen_again_as_new() -> None:
    store = MemoryStore(max_entries=1)
    store.add_once("event:1", ttl_s=LONG)
    store.add_once("event:2", ttl_s=LONG)
    assert store.add_once("event:1", ttl_s=LONG) is True


def test_eviction_counts_the_live_entries_it_dropped() -> None:
    store = MemoryStore(max_entries=10)
    for i in range(25):
        store.add_once(f"event:{i}", ttl_s=LONG)
    assert store.evicted == 15


def test_an_empty_store_is_still_truthy() -> None:
    assert bool(MemoryStore()) is True  # `store or open_store(...)` must keep a store passed in


def test_the_default_bound_is_one_hundred_thousand_keys() -> None:
    assert MemoryStore().max_entries == DEFAULT_MAX_ENTRIES == 100_000


def test_an_unbounded_store_keeps_every_key() -> None:
    store = MemoryStore(max_entries=None)
    for i in range(500):
        store.add_once(f"event:{i}", ttl_s=LONG)
    assert store.size == 500


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_max_entries_must_be_a_positive_integer(bad: object) -> None:
    with pytest.raises(ValueError, match="max_entries"):
        MemoryStore(max_entries=bad)  # type: ignore[arg-type]


# -- the default TTL ------------------------------------------------------------------------------
def test_a_document_put_without_a_ttl_expires_after_the_default_ttl() -> None:
    clock = Clock()
    store = MemoryStore(clock=clock, default_ttl_s=100)
    store.put("doc", {"a": 1})
    clock.now += 99
    assert store.get("doc") == {"a": 1}
    clock.now += 1
    assert store.get("doc") is None


def test_a_new_document_updated_without_a_ttl_gets_the_default_ttl() -> None:
    clock = Clock()
    store = MemoryStore(clock=clock, default_ttl_s=100)
    store.update("doc", lambda _: {"n": 1})
    clock.now += 100
    assert store.get("doc") is None


def test_a_list_appended_without_a_ttl_gets_the_default_ttl() -> None:
    clock = Clock()
    store = MemoryStore(clock=clock, default_ttl_s=100)
    store.append("digest:ops", {"i": 1})
    clock.now += 100
    assert store.drain("digest:ops") == []


def test_an_explicit_ttl_wins_over_the_default_ttl() -> None:
    clock = Clock()
    store = MemoryStore(clock=clock, default_ttl_s=100)
    store.put("doc", {"a": 1}, ttl_s=1000)
    clock.now += 500
    assert store.get("doc") == {"a": 1}


def test_the_default_ttl_is_thirty_days() -> None:
    clock = Clock()
    store = MemoryStore(clock=clock)
    store.put("doc", {"a": 1})
    clock.now += DEFAULT_TTL_S - 1
    assert store.get("doc") == {"a": 1}
    clock.now += 1
    assert store.get("doc") is None
    assert DEFAULT_TTL_S == 30 * 86400


def test_without_a_default_ttl_an_entry_written_without_one_never_expires() -> None:
    clock = Clock()
    store = MemoryStore(clock=clock, default_ttl_s=None)
    store.put("doc", {"a": 1})
    clock.now += 10 * 365 * 86400
    assert store.get("doc") == {"a": 1}


def test_expired_entries_are_dropped_on_the_next_write_without_being_read() -> None:
    clock = Clock()
    store = MemoryStore(clock=clock)
    for i in range(50):
        store.add_once(f"event:{i}", ttl_s=10)
    clock.now += 10
    store.add_once("event:new", ttl_s=10)
    assert store.size == 1


# -- configuration through the state URL -----------------------------------------------------------
def test_the_state_url_sets_the_bound_and_the_default_ttl() -> None:
    store = open_store("memory://?max_entries=500&default_ttl_s=60")
    assert isinstance(store, MemoryStore)
    assert (store.max_entries, store.default_ttl_s) == (500, 60.0)


def test_a_plain_memory_url_gets_the_default_bound_and_ttl() -> None:
    store = open_store("memory://")
    assert isinstance(store, MemoryStore)
    assert (store.max_entries, store.default_ttl_s) == (DEFAULT_MAX_ENTRIES, DEFAULT_TTL_S)


def test_a_default_ttl_of_zero_in_the_url_means_no_default_ttl() -> None:
    store = open_store("memory://?default_ttl_s=0")
    assert isinstance(store, MemoryStore)
    assert store.default_ttl_s is None


def test_the_parsed_url_shows_its_memory_options() -> None:
    assert repr(parse_state_url("memory://?max_entries=10")) == (
        "StateURL(scheme='memory', path='', host='', port=6379, db=0, username=None, password=None, "
        "max_entries=10)")


@pytest.mark.parametrize(("url", "problem"), [
    ("memory://?max_entries=0", "max_entries must be a positive integer"),
    ("memory://?max_entries=many", "max_entries must be a positive integer"),
    ("memory://?default_ttl_s=-5", "default_ttl_s must be non-negative"),
    ("memory://?default_ttl_s=inf", "default_ttl_s must be non-negative"),
    ("memory://?size=10", "unknown memory:// option 'size'"),
    ("memory://?max_entries", "malformed query string"),
])
def test_a_bad_memory_option_is_a_config_error_naming_the_variable(url: str, problem: str) -> None:
    with pytest.raises(ConfigError, match="OPENEVENT_STATE_URL") as err:
        parse_state_url(url)
    assert problem in str(err.value)
