"""The EventBridge pattern matcher, operator by operator, from the documented examples.

Events and patterns follow Alibaba Cloud EventBridge "Event patterns" (the OSS sample event and the
per-operator examples); each case reads: pattern, event, expected result.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from openevent.deploy.pattern import PatternError, matches, mismatch, parse_pattern, validate_pattern

# The sample event of the documentation.
OSS_EVENT: dict[str, Any] = {
    "id": "7adc8c1a-645d-4476-bdef-5d6fb57f****",
    "source": "acs.oss",
    "specversion": "1.0",
    "type": "oss:ObjectCreated:PostObject",
    "datacontenttype": "application/json",
    "dataschema": "http://example.com/test.json",
    "subject": "acs:oss:cn-hangzhou:1234567:xls-papk/game_apk/123.jpg",
    "time": "2020-08-17T16:04:46.149Asia/Shanghai",
    "data": {"name": "test", "scope": 100},
}


def event_with(**data: Any) -> dict[str, Any]:
    event = copy.deepcopy(OSS_EVENT)
    event["data"] = data
    return event


def test_empty_pattern_matches_every_event() -> None:
    assert matches({}, OSS_EVENT)


@pytest.mark.parametrize(("pattern", "expected"), [
    ({"source": ["acs.oss"]}, True),
    ({"source": ["acs.mns"]}, False),
    ({"source": ["ACS.OSS"]}, False),  # case-sensitive
    ({"data": {"name": ["test"], "scope": [100]}}, True),
    ({"data": {"scope": [100.0]}}, False),  # numbers compare as text: 100 and 100.0 differ
], ids=["exact-match", "exact-other-value", "exact-is-case-sensitive", "exact-nested-data",
        "exact-number-spelling-matters"])
def test_exact_value_matching(pattern: dict[str, Any], expected: bool) -> None:
    assert matches(pattern, OSS_EVENT) is expected


def test_a_string_never_equals_a_number() -> None:
    # Documented: values follow JSON, strings quoted, numbers not. The open-source matcher would
    # compare text; a filter that lists both forms routes the same either way.
    assert not matches({"data": {"n": ["300"]}}, event_with(n=300))
    assert not matches({"data": {"n": [300]}}, event_with(n="300"))


def test_a_filter_listing_both_forms_matches_the_number_and_the_string() -> None:
    pattern = {"data": {"status": [5, "5", 6, "6"]}}
    assert [matches(pattern, event_with(status=s)) for s in (5, "5", 6, "6", 4, "4")] == [
        True, True, True, True, False, False]


def test_booleans_are_not_numbers_and_null_is_not_a_string() -> None:
    assert not matches({"data": {"f": [1]}}, event_with(f=True))
    assert not matches({"data": {"f": [True]}}, event_with(f=1))
    assert not matches({"data": {"f": ["null"]}}, event_with(f=None))


def test_anything_but_a_number_still_matches_its_string_form() -> None:
    assert matches({"data": {"status": [{"anything-but": 5}]}}, event_with(status="5"))


def test_mismatch_names_the_field_and_the_value_that_failed() -> None:
    assert mismatch({"source": ["acs.oss"], "data": {"status": [5, "5"]}}, event_with(status=4)) == (
        "data.status: 4 matches none of [5, \"5\"]")
    assert mismatch({"data": {"status": [5]}}, event_with()) == "data.status: missing matches none of [5]"
    assert mismatch({"type": ["x"]}, OSS_EVENT) == 'type: "oss:ObjectCreated:PostObject" matches none of ["x"]'
    assert mismatch({"source": ["acs.oss"]}, OSS_EVENT) is None


@pytest.mark.parametrize(("pattern", "expected"), [
    ({"source": [{"prefix": "acs."}]}, True),
    ({"source": [{"prefix": "aliyun."}]}, False),
    ({"data": {"scope": [{"prefix": "10"}]}}, False),  # prefix applies to strings only
], ids=["prefix-match", "prefix-no-match", "prefix-ignores-numbers"])
def test_prefix_matching(pattern: dict[str, Any], expected: bool) -> None:
    assert matches(pattern, OSS_EVENT) is expected


@pytest.mark.parametrize(("pattern", "expected"), [
    ({"subject": [{"suffix": ".jpg"}]}, True),
    ({"subject": [{"suffix": ".txt"}]}, False),
    ({"subject": [{"suffix": ".txt"}, {"suffix": ".jpg"}]}, True),
], ids=["suffix-match", "suffix-no-match", "suffix-any-of-several"])
def test_suffix_matching(pattern: dict[str, Any], expected: bool) -> None:
    assert matches(pattern, OSS_EVENT) is expected


@pytest.mark.parametrize(("event_type", "expected"), [
    ("cms:Alert:Normal", True),
    ("cms:Alert:Critical", False),
])
def test_contains_matching(event_type: str, expected: bool) -> None:
    event = dict(OSS_EVENT, type=event_type)
    assert matches({"type": [{"contains": "Normal"}]}, event) is expected


@pytest.mark.parametrize(("condition", "value", "expected"), [
    ({"anything-but": "initializing"}, "initializing", False),
    ({"anything-but": "initializing"}, "running", True),
    ({"anything-but": 123}, 123, False),
    ({"anything-but": 123}, 456, True),
    ({"anything-but": ["stopped", "overloaded"]}, "stopped", False),
    ({"anything-but": ["stopped", "overloaded"]}, "running", True),
    ({"anything-but": {"prefix": "init"}}, "initializing", False),
    ({"anything-but": {"prefix": "init"}}, "running", True),
    ({"anything-but": {"suffix": "ing"}}, "running", False),
], ids=["string-excluded", "string-other", "number-excluded", "number-other", "list-excluded",
        "list-other", "prefix-excluded", "prefix-other", "suffix-excluded"])
def test_anything_but_matching(condition: dict[str, Any], value: Any, expected: bool) -> None:
    assert matches({"data": {"state": [condition]}}, event_with(state=value)) is expected


def test_anything_but_does_not_match_a_missing_field() -> None:
    assert not matches({"data": {"state": [{"anything-but": "initializing"}]}}, event_with())


NUMERIC_PATTERN = {"data": {
    "c-count": [{"numeric": [">", 0, "<=", 5]}],
    "d-count": [{"numeric": ["<", 10]}],
    "x-limit": [{"numeric": ["=", 301.8]}],
}}


def test_numeric_matching_documented_example_matches() -> None:
    assert matches(NUMERIC_PATTERN, event_with(**{"c-count": 5, "d-count": 7, "x-limit": 301.8}))


@pytest.mark.parametrize("data", [
    {"c-count": 6, "d-count": 7, "x-limit": 301.8},
    {"c-count": 0, "d-count": 7, "x-limit": 301.8},
    {"c-count": 5, "d-count": 10, "x-limit": 301.8},
    {"c-count": 5, "d-count": 7, "x-limit": 301.9},
    {"c-count": "5", "d-count": 7, "x-limit": 301.8},
], ids=["above-upper-bound", "at-exclusive-lower-bound", "at-exclusive-upper-bound", "not-equal",
        "string-is-not-a-number"])
def test_numeric_matching_rejects_values_outside_the_range(data: dict[str, Any]) -> None:
    assert not matches(NUMERIC_PATTERN, event_with(**data))


def test_numeric_not_equal_operator() -> None:
    pattern = {"data": {"n": [{"numeric": ["!=", 3]}]}}
    assert matches(pattern, event_with(n=4)) and not matches(pattern, event_with(n=3))


@pytest.mark.parametrize(("ip", "expected"), [
    ("10.0.0.123", True),
    ("10.0.1.1", False),
    ("not-an-ip", False),
])
def test_cidr_matching(ip: str, expected: bool) -> None:
    pattern = {"data": {"source-ip": [{"cidr": "10.0.0.0/24"}]}}
    assert matches(pattern, event_with(**{"source-ip": ip})) is expected


def test_exists_false_matches_an_event_without_the_field() -> None:
    assert matches({"data": {"state": [{"exists": False}]}}, event_with(name="test"))


def test_exists_false_does_not_match_an_event_with_the_field() -> None:
    assert not matches({"data": {"state": [{"exists": False}]}}, event_with(state="running"))


def test_exists_true_matches_a_present_field_even_when_null() -> None:
    assert matches({"data": {"state": [{"exists": True}]}}, event_with(state=None))


def test_exists_only_applies_to_leaf_fields() -> None:
    assert not matches({"data": {"detail": [{"exists": True}]}}, event_with(detail={"a": 1}))


def test_empty_string_and_null_are_matched_by_their_own_values() -> None:
    pattern = {"data": {"eventVersion": [""], "responseElements": [None]}}
    assert matches(pattern, event_with(eventVersion="", responseElements=None))


def test_empty_string_pattern_does_not_match_null() -> None:
    assert not matches({"data": {"eventVersion": [""]}}, event_with(eventVersion=None))


def test_null_pattern_does_not_match_empty_string() -> None:
    assert not matches({"data": {"responseElements": [None]}}, event_with(responseElements=""))


def test_values_in_a_pattern_array_are_ored() -> None:
    assert matches({"source": ["acs.mns", "acs.oss"]}, OSS_EVENT)


def test_keys_are_anded() -> None:
    assert not matches({"source": ["acs.oss"], "type": ["oss:ObjectRemoved:DeleteObject"]}, OSS_EVENT)


def test_combined_conditions_on_envelope_and_data() -> None:
    pattern = {"source": ["acs.oss"], "data": {"name": [{"prefix": "te"}], "scope": [{"numeric": [">", 50]}]}}
    assert matches(pattern, OSS_EVENT)


def test_an_array_in_the_event_matches_when_any_element_matches() -> None:
    assert matches({"data": {"resources": ["r2"]}}, event_with(resources=["r1", "r2"]))


def test_an_array_in_the_event_does_not_match_when_no_element_matches() -> None:
    assert not matches({"data": {"resources": ["r3"]}}, event_with(resources=["r1", "r2"]))


def test_deeply_nested_data_fields_are_matched_by_nesting_the_pattern() -> None:
    pattern = {"data": {"order": {"status": ["PAID"]}}}
    assert matches(pattern, event_with(order={"status": "PAID", "amount": 3}))


def test_a_data_pattern_never_matches_an_event_without_data() -> None:
    event = {k: v for k, v in OSS_EVENT.items() if k != "data"}
    assert not matches({"data": {"state": [{"exists": False}]}}, event)


def test_a_pattern_given_as_json_text_is_parsed() -> None:
    assert matches('{"source": ["acs.oss"]}', OSS_EVENT)


@pytest.mark.parametrize(("pattern", "path"), [
    (["acs.oss"], ""),
    ('{"source": [', ""),
    ({"source": "acs.oss"}, "source"),
    ({"source": []}, "source"),
    ({"source": {"nested": ["x"]}}, "source"),
    ({"data": ["x"]}, "data"),
    ({"data": {}}, "data"),
    ({"data": {"a": "x"}}, "data.a"),
    ({"source": [["acs.oss"]]}, "source[0]"),
    ({"source": [{"regex": "acs.*"}]}, "source[0].regex"),
    ({"source": [{"prefix": "a", "suffix": "b"}]}, "source[0]"),
    ({"source": [{"prefix": ""}]}, "source[0].prefix"),
    ({"source": [{"suffix": 1}]}, "source[0].suffix"),
    ({"type": [{"contains": ""}]}, "type[0].contains"),
    ({"data": {"n": [{"numeric": [">", 0, "<"]}]}}, "data.n[0].numeric"),
    ({"data": {"n": [{"numeric": ["~", 0]}]}}, "data.n[0].numeric[0]"),
    ({"data": {"n": [{"numeric": [">", "0"]}]}}, "data.n[0].numeric[1]"),
    ({"data": {"n": [{"numeric": [">", 2e9]}]}}, "data.n[0].numeric[1]"),
    ({"data": {"ip": [{"cidr": "2001:db8::/32"}]}}, "data.ip[0].cidr"),
    ({"data": {"ip": [{"cidr": "10.0.0.0/33"}]}}, "data.ip[0].cidr"),
    ({"data": {"s": [{"exists": "yes"}]}}, "data.s[0].exists"),
    ({"data": {"s": [{"anything-but": {"contains": "x"}}]}}, "data.s[0].anything-but"),
    ({"data": {"s": [{"anything-but": [{"prefix": "x"}]}]}}, "data.s[0].anything-but[0]"),
    ({"source": [{"wildcard": "acs.*"}]}, "source[0].wildcard"),
    ({"source": [{"equals-ignore-case": "ACS.OSS"}]}, "source[0].equals-ignore-case"),
], ids=["not-an-object", "invalid-json", "value-not-array", "empty-array", "nested-outside-data",
        "data-not-object", "empty-data", "data-leaf-not-array", "nested-array", "unknown-operator",
        "two-operators", "empty-prefix", "suffix-not-string", "empty-contains", "numeric-odd-length",
        "numeric-unknown-operator", "numeric-string-operand", "numeric-out-of-range", "cidr-ipv6",
        "cidr-bad-mask", "exists-not-boolean", "anything-but-contains", "anything-but-list-of-objects",
        "aws-wildcard", "aws-equals-ignore-case"])
def test_invalid_patterns_are_rejected_naming_the_path(pattern: Any, path: str) -> None:
    with pytest.raises(PatternError) as info:
        validate_pattern(parse_pattern(pattern) if isinstance(pattern, str) else pattern)
    assert info.value.path == path
    assert info.value.reason


def test_matching_with_an_invalid_pattern_raises_rather_than_answering() -> None:
    with pytest.raises(PatternError):
        matches({"source": "acs.oss"}, OSS_EVENT)


def test_aws_only_operators_are_named_as_such() -> None:
    with pytest.raises(PatternError, match="AWS"):
        validate_pattern({"$or": [{"source": ["a"]}]})
