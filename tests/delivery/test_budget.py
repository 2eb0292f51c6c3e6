"""One deadline per invocation: the start plus the function timeout, with a reserve for the answer."""

from __future__ import annotations

from types import SimpleNamespace

from openevent.delivery.budget import Budget, activate, call_timeout, current_budget
from openevent.runtime.context import LocalContext
from support import FakeClock


def test_the_deadline_is_taken_once_from_the_function_timeout() -> None:
    clock = FakeClock()
    budget = Budget.start(SimpleNamespace(function=SimpleNamespace(timeout=15)), clock=clock, margin_s=0)
    clock.now += 10
    assert budget.remaining() == 5.0  # not the whole timeout again, as remaining_seconds() gave on FC


def test_a_context_without_a_timeout_gets_the_default() -> None:
    assert Budget.start(object()).timeout_s == 30.0


def test_ordinary_work_never_gets_the_reserve() -> None:
    clock = FakeClock()
    budget = Budget(timeout_s=15, reserve_s=5, margin_s=0.5, clock=clock)
    assert (budget.available(), budget.remaining()) == (9.5, 14.5)
    clock.now += 9.5
    assert budget.available() == 0.0 and budget.expired() and not budget.expired(use_reserve=True)


def test_call_timeouts_are_capped_by_what_is_left() -> None:
    clock = FakeClock()
    budget = Budget(timeout_s=10, reserve_s=2, margin_s=0, clock=clock)
    assert budget.call_timeout(30.0) == 8.0 and budget.call_timeout(3.0) == 3.0
    assert budget.call_timeout(30.0, use_reserve=True) == 10.0


def test_the_reserve_never_takes_more_than_half_of_a_short_invocation() -> None:
    assert Budget(timeout_s=4, reserve_s=5).reserve_s == 2.0


def test_an_active_budget_bounds_calls_made_deep_down() -> None:
    clock = FakeClock()
    with activate(Budget(timeout_s=3, margin_s=0, clock=clock)):
        assert call_timeout(10.0) == 3.0
        assert current_budget() is not None
    assert current_budget() is None and call_timeout(10.0) == 10.0


def test_the_wall_deadline_is_what_other_instances_compare_a_claim_with() -> None:
    budget = Budget.start(LocalContext(timeout_s=12))
    assert round(budget.wall_deadline - budget.wall_started) == 12
