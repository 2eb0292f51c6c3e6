"""``openevent bench cost``: the notifier's day for a tenant, with and without s.yaml's status filter.

Shape and arithmetic only (the figures themselves are the benchmark's, in BENCHMARKS.md).
"""

from __future__ import annotations

from typing import Any

import pytest

from openevent.bench.cost_bench import run


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    return run(rounds=1, loops=40, daily=1_000_000, failure_rate=0.1)


def test_the_filter_leaves_only_the_terminal_fifth_of_a_five_status_lifecycle(figures: dict[str, Any]) -> None:
    day = figures["per_day"]

    assert day["without_status_filter"]["invocations"] == 1_000_000
    assert day["with_status_filter"]["invocations"] == 200_000
    assert figures["ratio_after_before"]["invocations"] == 0.2


def test_every_failure_of_the_sample_alerted_through_the_real_handler(figures: dict[str, Any]) -> None:
    assert figures["alerts_sent"] >= 10  # one per distinct failed instance measured (and its warm-up)
    assert set(figures["per_invocation"]) == {"non_terminal", "success", "failure"}


def test_each_invocation_logs_and_fc_adds_its_two_lines(figures: dict[str, Any]) -> None:
    for kind, row in figures["per_invocation"].items():
        assert row["log_lines"] >= 1, kind
    after = figures["per_day"]["with_status_filter"]
    assert after["log_lines"] >= 3 * after["invocations"]


def test_billed_gb_seconds_round_each_invocation_up(figures: dict[str, Any]) -> None:
    for day in figures["per_day"].values():
        assert day["gb_s_billed"] >= day["gb_s"] > 0
