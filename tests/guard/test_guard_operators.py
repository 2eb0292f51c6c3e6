"""The guard rule operators at their edges: boundaries, case, absent facts, malformed values.

Each test evaluates one ``when`` against facts with :func:`openevent.guard.conditions.matches`,
the function every guard rule goes through.
"""

from __future__ import annotations

from typing import Any

import pytest

from openevent.guard.conditions import ConditionError, matches, validate_when


def holds(op: str, operand: Any, value: Any = None, *, present: bool = True) -> bool:
    """Whether ``fact: {op: operand}`` holds when the fact is ``value`` (or absent)."""
    facts: dict[str, Any] = {"fact": value} if present else {}
    return matches({"fact": {op: operand}}, facts)


# -- gt / gte / lt / lte ------------------------------------------------------------------------
def test_gte_holds_at_the_boundary_and_gt_does_not() -> None:
    assert holds("gte", 1_000_000, 1_000_000)
    assert not holds("gt", 1_000_000, 1_000_000)


def test_gt_holds_just_above_the_boundary() -> None:
    assert holds("gt", 1_000_000, 1_000_001)


def test_lte_holds_at_the_boundary_and_lt_does_not() -> None:
    assert holds("lte", 100, 100)
    assert not holds("lt", 100, 100)


def test_lt_holds_just_below_the_boundary() -> None:
    assert holds("lt", 100, 99.999)


def test_a_number_sent_as_text_compares_as_a_number() -> None:
    assert holds("gt", 1_000_000, "2000000")
    assert holds("lte", 1_000_000, " 1000000 ")


def test_integers_beyond_float_precision_compare_exactly() -> None:
    assert holds("gt", 2**53, 2**53 + 1)
    assert not holds("lte", 2**53, 2**53 + 1)


def test_an_integer_beyond_the_float_range_compares_without_error() -> None:
    assert holds("gt", 1_000_000, 10**400)
    assert holds("gt", 1_000_000, "9" * 400)
    assert not holds("lt", 1e300, 10**400)


def test_a_fact_that_is_not_a_number_satisfies_no_comparison() -> None:
    for op in ("gt", "gte", "lt", "lte"):
        assert not holds(op, 0, "9***4"), op
        assert not holds(op, 0, "²"), op  # a digit to str.isdigit(), not a number


def test_a_boolean_fact_satisfies_no_comparison() -> None:
    assert not holds("gt", 0, True)
    assert not holds("lte", 1, False)


def test_a_missing_fact_satisfies_no_comparison() -> None:
    for op in ("gt", "gte", "lt", "lte"):
        assert not holds(op, 0, present=False), op


def test_a_comparison_needs_a_number_operand() -> None:
    for operand in ("10", True, None):
        with pytest.raises(ConditionError, match=r"when\.fact\.gt: expects a number"):
            validate_when({"fact": {"gt": operand}}, "when")


# -- glob / not_glob ----------------------------------------------------------------------------
def test_glob_is_case_insensitive_in_the_value() -> None:
    assert holds("glob", ["prod_*"], "PROD_Reporting")


def test_glob_is_case_insensitive_in_the_pattern() -> None:
    assert holds("glob", ["PROD_*"], "prod_reporting")


def test_not_glob_is_case_insensitive_too() -> None:
    assert not holds("not_glob", ["prod_*"], "PROD_reporting")


def test_glob_matches_the_whole_value_not_a_part_of_it() -> None:
    assert not holds("glob", ["prod_*"], "old_prod_reporting")


def test_glob_on_a_list_fact_holds_when_any_element_matches() -> None:
    assert holds("glob", ["*.dim_*"], ["sales_dw.fact_orders", "sales_dw.DIM_customer"])


def test_glob_on_a_missing_fact_does_not_hold_and_not_glob_does() -> None:
    assert not holds("glob", ["*"], present=False)
    assert holds("not_glob", ["prod_*"], present=False)


# -- in / not_in --------------------------------------------------------------------------------
def test_in_on_a_missing_fact_does_not_hold() -> None:
    assert not holds("in", [10001, 10002], present=False)


def test_in_on_a_null_fact_does_not_hold_even_when_the_list_has_null() -> None:
    assert not holds("in", [None, 10001], None)


def test_not_in_on_a_missing_fact_holds() -> None:
    assert holds("not_in", ["1900000099"], present=False)


def test_not_in_on_a_listed_value_does_not_hold() -> None:
    assert not holds("not_in", ["1900000099"], 1900000099)  # ids compare as text


# -- exists -------------------------------------------------------------------------------------
def test_exists_false_holds_for_a_missing_fact() -> None:
    assert holds("exists", False, present=False)


def test_exists_false_holds_for_a_null_fact() -> None:
    assert holds("exists", False, None)


def test_exists_false_does_not_hold_for_a_present_fact_even_an_empty_one() -> None:
    assert not holds("exists", False, "")
    assert not holds("exists", False, 0)


def test_exists_true_does_not_hold_for_a_missing_fact() -> None:
    assert not holds("exists", True, present=False)


# -- cidr / not_cidr ----------------------------------------------------------------------------
def test_cidr_with_an_invalid_address_does_not_hold() -> None:
    for address in ("198.10.X.X", "not-an-ip", "", "300.1.1.1"):
        assert not holds("cidr", ["0.0.0.0/0"], address), address


def test_not_cidr_with_an_invalid_address_holds() -> None:
    assert holds("not_cidr", ["10.0.0.0/8"], "198.10.X.X")


def test_cidr_holds_for_an_address_inside_a_network_and_not_outside() -> None:
    assert holds("cidr", ["10.0.0.0/8", "192.168.1.0/24"], "192.168.1.77")
    assert not holds("cidr", ["10.0.0.0/8"], "11.0.0.1")


def test_an_ipv6_address_is_in_no_ipv4_network() -> None:
    assert not holds("cidr", ["0.0.0.0/0"], "2001:db8::1")


def test_an_invalid_network_is_refused_when_the_policy_loads() -> None:
    with pytest.raises(ConditionError, match=r"when\.fact\.cidr:"):
        validate_when({"fact": {"cidr": ["10.0.0.0/33"]}}, "when")


# -- contains -----------------------------------------------------------------------------------
def test_contains_on_text_is_a_case_insensitive_substring_test() -> None:
    assert holds("contains", "DROP TABLE", "select 1; drop table sales_dw.dim_customer")


def test_contains_on_a_number_compares_the_whole_value_not_its_digits() -> None:
    assert not holds("contains", 234, 12345)
    assert holds("contains", 12345, 12345)


def test_contains_on_a_list_holds_when_an_element_equals_the_operand() -> None:
    assert holds("contains", ["env=prod", "protect"], ["env=dev", "protect"])
    assert not holds("contains", "env", ["env=dev"])  # elements are compared whole


def test_contains_on_a_missing_fact_does_not_hold() -> None:
    assert not holds("contains", "x", present=False)
