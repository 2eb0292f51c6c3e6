"""Redaction's shortcuts never let a secret through: the key cache, the skipped scalars and short
strings, the per-secret pre-check before the regex, and the copy-on-write log processor."""

from __future__ import annotations

import json
from typing import Any

import pytest

from openevent.runtime import redact as redact_module
from openevent.runtime.logging import configure_logging, get_logger, redact_processor
from openevent.runtime.redact import (
    MASK,
    is_secret_key,
    redact,
    redact_fields,
    redact_text,
    register_secret,
    registered_secrets,
    restore_secrets,
)

SECRET = "k8Vq2-registered-secret"


@pytest.fixture(autouse=True)
def one_secret() -> None:
    register_secret(SECRET)


# -- key names --------------------------------------------------------------------------------
def test_a_secret_like_key_is_recognised_every_time_it_is_asked() -> None:
    assert [is_secret_key("accessKeySecret") for _ in range(3)] == [True, True, True]
    assert [is_secret_key("nodeName") for _ in range(3)] == [False, False, False]


def test_the_key_cache_stays_bounded_and_still_answers_after_it_is_emptied() -> None:
    for i in range(redact_module._KEY_CACHE_MAX * 2):
        is_secret_key(f"field_{i}")
    assert len(redact_module._key_cache) <= redact_module._KEY_CACHE_MAX
    assert is_secret_key("webhook_secret") is True and is_secret_key("field_1") is False


# -- values that cannot hold a secret, and values that can ------------------------------------------
def test_numbers_booleans_and_none_pass_through_unchanged() -> None:
    assert redact({"n": 5, "x": 1.5, "ok": True, "none": None}) == {"n": 5, "x": 1.5, "ok": True, "none": None}


def test_a_secret_key_with_a_number_is_masked_but_zero_and_false_are_kept() -> None:
    assert redact({"token": 12345, "secret": 0, "password": False}) == {"token": MASK, "secret": 0,
                                                                        "password": False}


def test_a_string_shorter_than_every_secret_still_has_its_query_secrets_masked() -> None:
    assert redact_text("key=abc") == f"key={MASK}"


def test_a_registered_secret_is_masked_anywhere_inside_a_string() -> None:
    assert redact_text(f"prefix{SECRET}suffix") == f"prefix{MASK}suffix"


def test_a_string_without_any_registered_secret_is_returned_as_it_is() -> None:
    text = "a plain log message about node dim_user"
    assert redact_text(text) is text


def test_with_many_secrets_registered_each_is_still_masked() -> None:
    many = [f"tok{i:03d}-{'x' * (i % 7)}-many-secret" for i in range(100)]
    for value in many:
        register_secret(value)
    for value in (many[0], many[57], many[-1], SECRET):
        assert redact_text(f"before {value} after") == f"before {MASK} after"


def test_with_more_distinct_prefixes_than_are_pre_checked_each_secret_is_still_masked() -> None:
    many = [f"{i:04d}-distinct-prefix-secret" for i in range(redact_module._MAX_PREFIXES + 10)]
    for value in many:
        register_secret(value)
    assert redact_module._matcher.literals is None  # the regex runs on every long enough string
    assert redact_text(f"a {many[3]} b {many[-1]}") == f"a {MASK} b {MASK}"


def test_with_secrets_sharing_a_prefix_the_longest_match_is_masked() -> None:
    for i in range(20):
        register_secret(f"CAIS-sts-token-{i:02d}-0123456789")
    register_secret("CAIS-sts-token-05-0123456789-longer")
    assert redact_text("t=CAIS-sts-token-05-0123456789-longer!") == f"t={MASK}!"


def test_a_secret_registered_after_an_earlier_line_is_masked_in_the_next_one() -> None:
    value = "late-registered-9f2e"
    assert redact_text(f"x {value}") == f"x {value}"
    register_secret(value)
    assert redact_text(f"x {value}") == f"x {MASK}"


def test_a_secret_is_masked_again_after_the_registry_is_restored() -> None:
    before = registered_secrets()
    restore_secrets(frozenset())
    assert redact_text(f"x {SECRET}") == f"x {SECRET}"
    restore_secrets(before)
    assert redact_text(f"x {SECRET}") == f"x {MASK}"


# -- the log processor ------------------------------------------------------------------------------
def test_the_processor_masks_secrets_nested_in_dicts_lists_and_tuples() -> None:
    event: dict[str, Any] = {"event": "x", "rows": [{"url": f"https://h/?a={SECRET}"}],
                             "pair": ("ok", SECRET), "deep": {"a": {"b": [SECRET]}}}
    out = redact_processor(None, "info", event)
    assert SECRET not in json.dumps(out)
    assert out["pair"] == ("ok", MASK)


def test_the_processor_never_modifies_a_value_the_caller_passed() -> None:
    rows = [{"receiver": "ops", "url": f"https://h/?x={SECRET}"}]
    headers = {"Authorization": "Bearer abc"}
    redact_fields({"rows": rows, "headers": headers})
    assert rows == [{"receiver": "ops", "url": f"https://h/?x={SECRET}"}]
    assert headers == {"Authorization": "Bearer abc"}


def test_the_processor_keeps_nested_values_that_hold_nothing_to_mask() -> None:
    rows = [{"receiver": "ops", "status": "sent"}]
    assert redact_fields({"rows": rows})["rows"] is rows


def test_the_processor_gives_the_same_result_as_redact() -> None:
    event = {"event": "call", "access_key_secret": "abc", "n": 3, "note": f"used {SECRET}",
             "headers": {"Authorization": "Bearer zzz", "X": "y"}, "items": [1, "token=t0k", None],
             "cookie": [{"a": "b"}], "empty_secret": "", "tup": ("sign=s1",)}
    assert redact_fields(dict(event)) == redact(event)


def test_a_value_deeper_than_the_depth_limit_is_left_as_redact_leaves_it() -> None:
    deep: Any = SECRET
    for _ in range(30):
        deep = {"d": deep}
    assert redact_fields({"v": deep}) == redact({"v": deep})


def test_a_line_logged_with_a_registered_secret_shows_only_the_mask(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("stdout", force=True)
    get_logger("t").info("sent", url=f"https://oapi.dingtalk.com/robot/send?access_token={SECRET}", attempt=1)
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["url"] == f"https://oapi.dingtalk.com/robot/send?access_token={MASK}" and line["attempt"] == 1
