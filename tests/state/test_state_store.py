"""Behaviour every state backend shares (memory, sqlite, redis): the specification of openevent.state."""

from __future__ import annotations

from typing import Any

import pytest
from state_harness import Harness

from openevent.state import Budget, Doc
from openevent.state.memory import MemoryStore

LONG = 3600.0  # seconds: a lifetime no test outlives


# -- dedup keys -------------------------------------------------------------------------------
def test_add_once_is_true_the_first_time_and_false_while_the_key_lives(h: Harness) -> None:
    assert h.store.add_once("event:1", ttl_s=LONG) is True
    assert h.store.add_once("event:1", ttl_s=LONG) is False


def test_add_once_is_true_again_after_the_key_expires(h: Harness) -> None:
    h.store.add_once("event:1", ttl_s=h.ticks(1))
    h.advance(1)
    assert h.store.add_once("event:1", ttl_s=h.ticks(1)) is True


def test_add_once_keys_are_independent(h: Harness) -> None:
    h.store.add_once("event:1", ttl_s=LONG)
    assert h.store.add_once("event:2", ttl_s=LONG) is True


# -- windowed counters --------------------------------------------------------------------------
def test_incr_window_returns_the_running_count_within_the_window(h: Harness) -> None:
    counts = [h.store.incr_window("alerts:i1", window_s=LONG), h.store.incr_window("alerts:i1", window_s=LONG),
              h.store.incr_window("alerts:i1", window_s=LONG, amount=3)]
    assert counts == [1, 2, 5]


def test_incr_window_starts_from_zero_after_the_window(h: Harness) -> None:
    h.store.incr_window("alerts:i1", window_s=h.ticks(1), amount=7)
    h.advance(1)
    assert h.store.incr_window("alerts:i1", window_s=h.ticks(1)) == 1


def test_incr_window_keeps_the_window_opened_by_the_first_increment(h: Harness) -> None:
    h.store.incr_window("alerts:i1", window_s=h.ticks(10))
    h.advance(6)
    h.store.incr_window("alerts:i1", window_s=h.ticks(10))
    h.advance(5)
    assert h.store.incr_window("alerts:i1", window_s=h.ticks(10)) == 1


def test_incr_window_rejects_a_negative_amount(h: Harness) -> None:
    with pytest.raises(ValueError, match="amount"):
        h.store.incr_window("alerts:i1", window_s=LONG, amount=-1)


# -- rate budgets -------------------------------------------------------------------------------
def test_take_allows_up_to_the_limit_then_refuses(h: Harness) -> None:
    taken = [h.store.take("dingtalk:ops", limit=3, window_s=LONG) for _ in range(5)]
    assert taken == [True, True, True, False, False]


def test_take_refills_after_the_window(h: Harness) -> None:
    h.store.take("dingtalk:ops", limit=1, window_s=h.ticks(1))
    h.advance(1)
    assert h.store.take("dingtalk:ops", limit=1, window_s=h.ticks(1)) is True


def test_take_window_slides_so_only_units_older_than_the_window_are_returned(h: Harness) -> None:
    window = h.ticks(10)
    h.store.take("dingtalk:ops", limit=2, window_s=window)  # t=0
    h.advance(6)
    h.store.take("dingtalk:ops", limit=2, window_s=window)  # t=6
    h.advance(5)  # t=11: the first unit left the window, the second has not
    assert [h.store.take("dingtalk:ops", limit=2, window_s=window) for _ in range(2)] == [True, False]


def test_take_with_a_zero_limit_always_refuses(h: Harness) -> None:
    assert h.store.take("muted", limit=0, window_s=LONG) is False


def test_take_all_consumes_from_every_budget_when_all_allow(h: Harness) -> None:
    assert h.store.take_all([Budget("feishu:m", 2, LONG), Budget("feishu:s", 5, LONG)]) is True
    assert [h.store.take("feishu:m", 2, LONG) for _ in range(2)] == [True, False]


def test_take_all_consumes_from_no_budget_when_one_is_exhausted(h: Harness) -> None:
    h.store.take("feishu:s", limit=1, window_s=LONG)
    assert h.store.take_all([Budget("feishu:m", 2, LONG), Budget("feishu:s", 1, LONG)]) is False
    assert [h.store.take("feishu:m", 2, LONG) for _ in range(3)] == [True, True, False]


def test_take_all_rejects_two_budgets_with_the_same_key() -> None:
    with pytest.raises(ValueError, match="distinct"):
        MemoryStore().take_all([Budget("x", 1, 60), Budget("x", 2, 60)])


def test_budget_rejects_a_negative_limit_and_a_non_positive_window() -> None:
    with pytest.raises(ValueError, match="limit"):
        Budget("x", -1, 60)
    with pytest.raises(ValueError, match="window_s"):
        Budget("x", 1, 0)


# -- documents --------------------------------------------------------------------------------
def test_get_returns_none_for_a_missing_document(h: Harness) -> None:
    assert h.store.get("last-status:i1") is None


def test_get_returns_a_copy_of_what_put_stored(h: Harness) -> None:
    doc: Doc = {"status": "FAILURE", "attempts": [1, 2], "meta": {"ok": False, "note": "中文"}}
    h.store.put("last-status:i1", doc)
    got = h.store.get("last-status:i1")
    assert got == doc
    assert got is not None
    got["status"] = "changed"
    assert h.store.get("last-status:i1") == doc


def test_put_replaces_the_previous_document(h: Harness) -> None:
    h.store.put("last-status:i1", {"status": "RUNNING", "extra": 1})
    h.store.put("last-status:i1", {"status": "SUCCESS"})
    assert h.store.get("last-status:i1") == {"status": "SUCCESS"}


def test_put_with_a_ttl_expires_the_document(h: Harness) -> None:
    h.store.put("last-status:i1", {"status": "FAILURE"}, ttl_s=h.ticks(1))
    h.advance(1)
    assert h.store.get("last-status:i1") is None


def test_put_without_a_ttl_removes_a_previous_expiry(h: Harness) -> None:
    h.store.put("last-status:i1", {"status": "RUNNING"}, ttl_s=h.ticks(1))
    h.store.put("last-status:i1", {"status": "SUCCESS"})
    h.advance(1)
    assert h.store.get("last-status:i1") == {"status": "SUCCESS"}


def test_put_rejects_a_document_that_is_not_json(h: Harness) -> None:
    with pytest.raises(TypeError, match="JSON"):
        h.store.put("bad", {"when": object()})


def test_put_rejects_a_document_that_is_not_a_dict(h: Harness) -> None:
    with pytest.raises(TypeError, match="dict"):
        h.store.put("bad", ["not", "a", "dict"])  # type: ignore[arg-type]


def test_delete_removes_the_document_and_says_whether_it_existed(h: Harness) -> None:
    h.store.put("last-status:i1", {"status": "FAILURE"})
    assert h.store.delete("last-status:i1") is True
    assert h.store.get("last-status:i1") is None
    assert h.store.delete("last-status:i1") is False


def test_update_passes_none_for_a_new_document_and_stores_the_result(h: Harness) -> None:
    seen: list[Doc | None] = []

    def start(doc: Doc | None) -> Doc:
        seen.append(doc)
        return {"count": 1}

    assert h.store.update("digest:ops", start) == {"count": 1}
    assert seen == [None]
    assert h.store.get("digest:ops") == {"count": 1}


def test_update_passes_the_current_document(h: Harness) -> None:
    h.store.put("digest:ops", {"count": 4})
    assert h.store.update("digest:ops", lambda d: {"count": (d or {})["count"] + 1}) == {"count": 5}


def test_update_returning_none_deletes_the_document(h: Harness) -> None:
    h.store.put("digest:ops", {"count": 4})
    assert h.store.update("digest:ops", lambda d: None) is None
    assert h.store.get("digest:ops") is None


def test_update_without_a_ttl_keeps_the_current_expiry(h: Harness) -> None:
    h.store.put("digest:ops", {"count": 1}, ttl_s=h.ticks(1))
    h.store.update("digest:ops", lambda d: {"count": 2})
    h.advance(1)
    assert h.store.get("digest:ops") is None


def test_update_with_a_ttl_sets_a_new_expiry(h: Harness) -> None:
    h.store.put("digest:ops", {"count": 1})
    h.store.update("digest:ops", lambda d: {"count": 2}, ttl_s=h.ticks(1))
    h.advance(1)
    assert h.store.get("digest:ops") is None


def test_update_that_raises_leaves_the_document_unchanged(h: Harness) -> None:
    h.store.put("digest:ops", {"count": 1})

    def boom(doc: Doc | None) -> Doc:
        raise RuntimeError("renderer failed")

    with pytest.raises(RuntimeError, match="renderer failed"):
        h.store.update("digest:ops", boom)
    assert h.store.get("digest:ops") == {"count": 1}


# -- lists ------------------------------------------------------------------------------------
def test_append_returns_the_new_length_of_the_list(h: Harness) -> None:
    assert [h.store.append("digest:ops", {"n": n}) for n in range(3)] == [1, 2, 3]


def test_drain_returns_every_item_oldest_first(h: Harness) -> None:
    items: list[Any] = [{"n": 1}, "two", 3, [4], None]
    for item in items:
        h.store.append("digest:ops", item)
    assert h.store.drain("digest:ops") == items


def test_drain_empties_the_list(h: Harness) -> None:
    h.store.append("digest:ops", {"n": 1})
    h.store.drain("digest:ops")
    assert h.store.drain("digest:ops") == []


def test_drain_of_a_list_never_appended_to_is_empty(h: Harness) -> None:
    assert h.store.drain("digest:none") == []


def test_append_with_a_ttl_expires_the_whole_list(h: Harness) -> None:
    h.store.append("digest:ops", {"n": 1})
    h.store.append("digest:ops", {"n": 2}, ttl_s=h.ticks(1))
    h.advance(1)
    assert h.store.drain("digest:ops") == []


def test_append_after_a_list_expired_starts_a_new_list(h: Harness) -> None:
    h.store.append("digest:ops", {"n": 1}, ttl_s=h.ticks(1))
    h.advance(1)
    assert h.store.append("digest:ops", {"n": 2}) == 1


# -- locks ------------------------------------------------------------------------------------
def test_lock_is_held_by_one_holder_at_a_time(h: Harness) -> None:
    with h.store.lock("flush:ops", ttl_s=LONG) as first, h.store.lock("flush:ops", ttl_s=LONG) as second:
        assert (first, second) == (True, False)


def test_lock_is_released_when_its_holder_exits(h: Harness) -> None:
    with h.store.lock("flush:ops", ttl_s=LONG):
        pass
    with h.store.lock("flush:ops", ttl_s=LONG) as held:
        assert held is True


def test_lock_is_free_again_after_its_ttl(h: Harness) -> None:
    with h.store.lock("flush:ops", ttl_s=h.ticks(1)):
        h.advance(1)
        with h.store.lock("flush:ops", ttl_s=LONG) as taken_over:
            assert taken_over is True


def test_lock_holder_whose_ttl_ran_out_does_not_release_the_new_holders_lock(h: Harness) -> None:
    with h.store.lock("flush:ops", ttl_s=h.ticks(1)):
        h.advance(1)
        new_holder = h.store.lock("flush:ops", ttl_s=LONG)
        assert new_holder.__enter__() is True
    with h.store.lock("flush:ops", ttl_s=LONG) as third:
        assert third is False
    new_holder.__exit__(None, None, None)


# -- namespaces and housekeeping -----------------------------------------------------------------
def test_one_key_used_by_every_kind_of_operation_does_not_collide(h: Harness) -> None:
    key = "instance:42"
    h.store.add_once(key, ttl_s=LONG)
    h.store.incr_window(key, window_s=LONG, amount=5)
    h.store.take(key, limit=1, window_s=LONG)
    h.store.put(key, {"status": "FAILURE"})
    h.store.append(key, "item")
    with h.store.lock(key, ttl_s=LONG) as held:
        assert held is True
    assert h.store.get(key) == {"status": "FAILURE"}
    assert h.store.drain(key) == ["item"]
    assert h.store.incr_window(key, window_s=LONG) == 6


def test_stores_with_different_prefixes_do_not_see_each_others_keys(shared: Harness) -> None:
    other = shared.open_again(prefix=shared.prefix + "other:")
    try:
        shared.store.put("doc", {"mine": True})
        assert other.get("doc") is None
        assert other.add_once("event:1", ttl_s=LONG) is True
        assert shared.store.add_once("event:1", ttl_s=LONG) is True
    finally:
        other.close()


def test_two_stores_with_the_same_prefix_share_their_state(shared: Harness) -> None:
    other = shared.open_again()
    try:
        assert shared.store.add_once("event:1", ttl_s=LONG) is True
        assert other.add_once("event:1", ttl_s=LONG) is False
    finally:
        other.close()


def test_purge_expired_removes_expired_entries_and_counts_them(h: Harness) -> None:
    if h.name == "redis":
        assert h.store.purge_expired() == 0  # Redis expires keys itself
        return
    h.store.add_once("event:1", ttl_s=h.ticks(1))
    h.store.put("doc", {"a": 1}, ttl_s=h.ticks(1))
    h.store.take("budget", limit=5, window_s=h.ticks(1))
    h.store.add_once("event:keep", ttl_s=LONG)
    h.advance(1)
    assert h.store.purge_expired() == 3
    assert h.store.add_once("event:keep", ttl_s=LONG) is False


@pytest.mark.parametrize("key", ["", 42])
def test_keys_must_be_non_empty_strings(key: Any) -> None:
    with pytest.raises(ValueError, match="state key"):
        MemoryStore().add_once(key, ttl_s=60)


def test_an_over_long_key_deduplicates_like_any_other_key(h: Harness) -> None:
    key = "event:" + "9" * 5000

    assert h.store.add_once(key, ttl_s=LONG) is True
    assert h.store.add_once(key, ttl_s=LONG) is False


def test_over_long_keys_that_differ_only_in_their_last_character_do_not_collide(h: Harness) -> None:
    head = "event:" + "x" * 5000

    assert h.store.add_once(head + "a", ttl_s=LONG) is True
    assert h.store.add_once(head + "b", ttl_s=LONG) is True


def test_an_over_long_document_key_stores_and_returns_its_document(h: Harness) -> None:
    key = "dq:check:" + "c" * 3000
    h.store.put(key, {"rule": 1})

    assert h.store.get(key) == {"rule": 1}


@pytest.mark.parametrize("ttl", [0, -1, float("inf"), float("nan")])
def test_ttls_must_be_positive_finite_seconds(ttl: float) -> None:
    with pytest.raises(ValueError, match="ttl_s"):
        MemoryStore().add_once("k", ttl_s=ttl)
