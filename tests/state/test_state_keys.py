"""Storage keys: namespaced per operation family, bounded in length, never refused for being long."""

from __future__ import annotations

import hashlib

from openevent.state.keys import DOC, MAX_KEY_LENGTH, ONCE, bounded_key, storage_key


def test_a_key_up_to_the_maximum_length_is_stored_as_it_is() -> None:
    key = "k" * MAX_KEY_LENGTH

    assert storage_key("openevent:", ONCE, key) == f"openevent:once:{key}"


def test_a_longer_key_is_bounded_to_the_maximum_length() -> None:
    assert len(bounded_key("event:" + "x" * 5000)) == MAX_KEY_LENGTH
    assert len(bounded_key("k" * (MAX_KEY_LENGTH + 1))) == MAX_KEY_LENGTH


def test_a_bounded_key_keeps_the_start_of_the_key_and_ends_in_the_sha256_of_all_of_it() -> None:
    key = "instance:" + "7" * 5000

    bounded = bounded_key(key)

    assert bounded.startswith("instance:777")
    assert bounded.endswith("~sha256:" + hashlib.sha256(key.encode()).hexdigest())


def test_bounding_is_deterministic() -> None:
    key = "event:" + "é" * 3000

    assert bounded_key(key) == bounded_key(str(key))
    assert storage_key("openevent:", DOC, key) == storage_key("openevent:", DOC, key)


def test_long_keys_with_the_same_start_get_different_bounded_keys() -> None:
    start = "event:" + "x" * 5000

    assert bounded_key(start + "1") != bounded_key(start + "2")


def test_a_key_with_lone_surrogates_is_bounded_without_error() -> None:
    assert len(bounded_key("\ud800" * 2000)) == MAX_KEY_LENGTH
