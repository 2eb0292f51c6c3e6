"""``openevent bench bus``: a tiny run reports events/s, p50/p99 and the ratio for 1 and N clients.

No timing is asserted: only the shape of the figures and how they relate.
"""

from __future__ import annotations

import json
import statistics
from typing import Any

import pytest

from openevent.bench.bus_bench import TARGET_RATIO, run

RUN_KEYS = {"clients", "events", "elapsed_s", "events_per_s", "rounds_events_per_s", "p50_ms", "p99_ms", "errors"}


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    return run(events=6, clients=3, rounds=2, warmup=6)


def test_both_runs_post_every_event_and_report_their_figures(figures: dict[str, Any]) -> None:
    for name, clients in (("one_client", 1), ("concurrent", 3)):
        row = figures[name]
        assert set(row) == RUN_KEYS, name
        assert (row["clients"], row["events"], len(row["rounds_events_per_s"])) == (clients, 12, 2)
        assert row["events_per_s"] > 0 and 0 < row["p50_ms"] <= row["p99_ms"]


def test_the_rate_is_the_median_of_the_rounds(figures: dict[str, Any]) -> None:
    for name in ("one_client", "concurrent"):
        row = figures[name]
        assert row["events_per_s"] == pytest.approx(statistics.median(row["rounds_events_per_s"]), abs=0.1), name


def test_the_ratio_is_the_concurrent_rate_over_the_single_client_rate(figures: dict[str, Any]) -> None:
    expected = figures["concurrent"]["events_per_s"] / figures["one_client"]["events_per_s"]

    assert figures["ratio"] == pytest.approx(expected, abs=0.01)
    assert figures["target_ratio"] == TARGET_RATIO and figures["meets_target"] == (figures["ratio"] >= TARGET_RATIO)
    assert (figures["bench"], figures["workers"], figures["keep_alive"]) == ("bus", 1, True)


def test_the_cli_prints_the_figures_as_json_on_the_last_line(run_cli) -> None:  # type: ignore[no-untyped-def]
    out = run_cli("bench", "bus", "--events", "6", "--clients", "2", "--workers", "2", "--rounds", "1", "--warmup", "4")

    assert out.code == 0, out.err
    figures = json.loads(out.out.strip().splitlines()[-1])
    assert (figures["bench"], figures["workers"], figures["concurrent"]["clients"]) == ("bus", 2, 2)
    assert figures["one_client"]["events"] == figures["concurrent"]["events"] == 6
