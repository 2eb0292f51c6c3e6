"""One retry loop: sent | retry_after | permanent, jittered backoff, never past the budget."""

from __future__ import annotations

import pytest

from openevent.delivery.budget import Budget
from openevent.delivery.retry import Attempt, RetryPolicy, Undelivered, retry, retry_call
from support import FakeClock


def run(answers: list[Attempt[str]], *, timeout_s: float = 30, policy: RetryPolicy | None = None,
        reserve_s: float = 0, use_reserve: bool = False) -> tuple[Attempt[str], FakeClock, list[float]]:
    clock = FakeClock()
    budget = Budget(timeout_s=timeout_s, reserve_s=reserve_s, margin_s=0, clock=clock)
    timeouts: list[float] = []

    def attempt(timeout: float) -> Attempt[str]:
        timeouts.append(timeout)
        return answers.pop(0)

    out = retry(attempt, budget=budget, policy=policy, use_reserve=use_reserve, sleep=clock.sleep, rng=lambda: 1.0)
    return out, clock, timeouts


def test_a_sent_outcome_ends_the_loop_at_once() -> None:
    out, clock, _ = run([Attempt.ok("v")])
    assert out.value == "v" and clock.sleeps == []


def test_a_permanent_outcome_is_never_retried() -> None:
    out, _clock, timeouts = run([Attempt.permanent("bad"), Attempt.ok("v")])
    assert out.status == "permanent" and len(timeouts) == 1


def test_transient_outcomes_back_off_exponentially() -> None:
    out, clock, _ = run([Attempt.retry("x"), Attempt.retry("x"), Attempt.ok("v")],
                        policy=RetryPolicy(base_delay_s=0.5, max_delay_s=10))
    assert out.status == "sent" and clock.sleeps == [0.5, 1.0]


def test_the_services_wait_hint_wins_over_the_backoff() -> None:
    _, clock, _ = run([Attempt.retry("x", after=3.0), Attempt.ok("v")])
    assert clock.sleeps == [3.0]


def test_a_wait_longer_than_max_wait_is_returned_instead_of_slept() -> None:
    out, clock, _ = run([Attempt.retry("throttled", after=30.0), Attempt.ok("v")],
                        policy=RetryPolicy(max_wait_s=2.0))
    assert out.status == "retry_after" and clock.sleeps == []


def test_it_never_sleeps_past_the_budget() -> None:
    out, clock, _ = run([Attempt.retry("x", after=4.0)] * 10, timeout_s=10, policy=RetryPolicy(max_attempts=10))
    assert out.status == "retry_after" and clock.now - 1000.0 <= 10


def test_the_attempts_are_limited_by_the_policy() -> None:
    out, _, timeouts = run([Attempt.retry("x")] * 10, policy=RetryPolicy(max_attempts=3))
    assert out.status == "retry_after" and len(timeouts) == 3


def test_each_attempt_is_given_at_most_the_time_left() -> None:
    _, _, timeouts = run([Attempt.ok("v")], timeout_s=4, policy=RetryPolicy(attempt_timeout_s=10))
    assert timeouts == [4.0]


def test_ordinary_work_sees_only_the_budget_without_the_reserve() -> None:
    _, _, timeouts = run([Attempt.ok("v")], timeout_s=10, reserve_s=4, policy=RetryPolicy(attempt_timeout_s=10))
    assert timeouts == [6.0]


def test_retry_call_raises_the_last_error_with_the_attempt_count() -> None:
    clock = FakeClock()

    def fail(_timeout: float) -> str:
        raise ConnectionError("reset")

    with pytest.raises(ConnectionError) as caught:
        retry_call(fail, lambda e: Attempt.retry(e), budget=Budget(timeout_s=30, clock=clock),
                   policy=RetryPolicy(max_attempts=2), sleep=clock.sleep, rng=lambda: 1.0)
    assert caught.value.attempts == 2  # type: ignore[attr-defined]


def test_undelivered_names_what_is_missing() -> None:
    err = Undelivered("event e-1", {"sls": "WriteQuotaExceed", "ops": "HTTP 503"})
    assert err.undone == {"sls": "WriteQuotaExceed", "ops": "HTTP 503"} and "FC will retry" in str(err)
