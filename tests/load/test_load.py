"""The local bus under a tenant's load, every event delivered twice out of order: nothing lost, nothing twice.

The reduced run of ``openevent bench load`` (CI): 300 distinct events at 100 per second, mixed across
all six functions as a tenant's traffic is (status changes dominating), each posted twice in a
shuffled order to ``openevent serve``'s bus, whose functions share one SQLite state file. Every
extension event has exactly one callback, every audited event its records once in the JSONL trail
and in SLS, every alert reached each of its receivers once (alone or in a digest), every DQ result
each destination once. ``openevent bench load`` runs the full 5,000 events at 200/s
(RELIABILITY.md has its figures).
"""

from __future__ import annotations

from typing import Any

import pytest

from openevent.bench.load_bench import run

pytestmark = pytest.mark.load

FUNCTIONS = {"workspace_delete_guard", "download_guard", "change_guard", "instance_status_notifier",
             "node_change_auditor", "dq_result_forwarder"}


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    return run(events=300, rate=100, duplicates=True)


def test_every_event_delivered_twice_out_of_order_is_handled_with_nothing_lost(figures: dict[str, Any]) -> None:
    assert figures["deliveries"] == 600
    assert figures["lost"]["total"] == 0, figures["lost"]


def test_no_callback_record_alert_or_result_is_delivered_twice(figures: dict[str, Any]) -> None:
    assert figures["duplicated"]["total"] == 0, figures["duplicated"]


def test_the_mix_reaches_all_six_functions_and_status_events_dominate(figures: dict[str, Any]) -> None:
    expected = figures["expected"]

    assert set(figures["per_function"]) == FUNCTIONS
    assert expected["status_events"] > expected["events"] / 2
    assert min(expected["extension_events"], expected["audited_events"], expected["alerting_events"]) > 0


def test_p50_and_p99_are_reported_per_function(figures: dict[str, Any]) -> None:
    for function, row in figures["per_function"].items():
        assert row["invocations"] > 0 and 0 < row["p50_ms"] <= row["p99_ms"], function
        assert row["http_p50_ms"] is not None
