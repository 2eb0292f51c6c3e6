"""Retries inside a time budget, on a fake clock."""

from __future__ import annotations

from dataclasses import dataclass, field

from openevent.notify.message import Message
from openevent.notify.outcome import Outcome
from openevent.notify.sender import send_all, send_with_retry

MSG = Message(kind="test", title="t")


@dataclass
class Scripted:
    """A channel that answers from a script (a test double for the retry loop only)."""

    answers: list[Outcome]
    kind: str = "demo"
    name: str = "demo"
    timeouts: list[float] = field(default_factory=list)

    def send(self, message: Message, *, timeout: float = 10.0) -> Outcome:
        self.timeouts.append(timeout)
        return self.answers.pop(0)


def test_a_sent_outcome_is_returned_after_one_attempt(clock, retry_opts) -> None:
    ch = Scripted([Outcome.sent("demo")])
    out = send_with_retry(ch, MSG, budget_s=10, **retry_opts)
    assert (out.status, out.attempts, out.receiver) == ("sent", 1, "demo")


def test_a_permanent_outcome_is_never_retried(clock, retry_opts) -> None:
    ch = Scripted([Outcome.permanent("demo", code=310000), Outcome.sent("demo")])
    assert send_with_retry(ch, MSG, budget_s=60, **retry_opts).status == "permanent"
    assert clock.slept == []


def test_transient_failures_back_off_exponentially_without_a_hint(clock, retry_opts) -> None:
    ch = Scripted([Outcome.retry("demo"), Outcome.retry("demo"), Outcome.sent("demo")])
    assert send_with_retry(ch, MSG, budget_s=60, **retry_opts).ok
    assert clock.slept == [1.0, 2.0]


def test_the_vendors_wait_hint_is_honoured(clock, retry_opts) -> None:
    ch = Scripted([Outcome.retry("demo", after=7), Outcome.sent("demo")])
    send_with_retry(ch, MSG, budget_s=60, **retry_opts)
    assert clock.slept == [7.0]


def test_it_never_sleeps_past_the_deadline(clock, retry_opts) -> None:
    ch = Scripted([Outcome.retry("demo", after=4)] * 10)
    out = send_with_retry(ch, MSG, budget_s=10, max_attempts=10, **retry_opts)
    assert out.status == "retry_after" and sum(clock.slept) <= 10
    assert clock.now - 1_700_000_000.0 <= 10


def test_attempt_timeouts_are_capped_by_the_time_left(clock, retry_opts) -> None:
    ch = Scripted([Outcome.retry("demo", after=3), Outcome.sent("demo")])
    send_with_retry(ch, MSG, budget_s=5, timeout_s=10, **retry_opts)
    assert ch.timeouts == [5.0, 2.0]


def test_max_attempts_bounds_the_retries(clock, retry_opts) -> None:
    ch = Scripted([Outcome.retry("demo", after=1)] * 5)
    out = send_with_retry(ch, MSG, budget_s=600, max_attempts=3, **retry_opts)
    assert out.attempts == 3


def test_no_budget_means_no_attempt(clock, retry_opts) -> None:
    ch = Scripted([Outcome.sent("demo")])
    out = send_with_retry(ch, MSG, budget_s=0, **retry_opts)
    assert (out.status, out.code, out.attempts) == ("retry_after", "budget_exhausted", 0)


def test_send_all_returns_one_contract_row_per_receiver(clock, retry_opts, json_logs) -> None:
    channels = {"a": Scripted([Outcome.sent("demo")], name="a"),
                "b": Scripted([Outcome.permanent("demo", code=93000, text="invalid webhook url")], name="b")}
    rows = send_all(channels, MSG, budget_s=10, **retry_opts)
    assert rows == [{"receiver": "a", "kind": "demo", "status": "sent", "reason": "sent"},
                    {"receiver": "b", "kind": "demo", "status": "permanent",
                     "reason": "errcode 93000: invalid webhook url"}]
