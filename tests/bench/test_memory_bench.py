"""``openevent bench memory`` in tiny mode: the JSON it prints, and a store bound reached within the run.

(The figures themselves belong in the benchmark's notes, not in tests: the machine is shared.)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from openevent.bench.memory_bench import events_for, slope

FIGURES = {"events", "warmup_events", "samples", "elapsed_s", "rss_warmup_mib", "rss_end_mib",
           "rss_slope_bytes_per_event", "bound_reached_at_event", "rss_slope_after_bound_bytes_per_event",
           "rss_peak_mib", "blocks_warmup", "blocks_end", "blocks_slope_per_event", "store_keys_warmup",
           "store_keys_end", "store_max_entries", "store_evicted", "store_list_items_end", "errors", "first_error",
           "rss_samples_mib"}


@pytest.fixture(scope="module")
def tiny() -> dict[str, Any]:
    """One guard (the fake DataWorks answers its callbacks) and the auditor, 60 events each, a 10-key store."""
    from openevent.bench.memory_bench import run

    return run(events=60, function=None, max_entries=10, samples=6, only=("download_guard", "node_change_auditor"))


def test_the_bench_prints_its_figures_as_json_on_the_last_line(run_cli: Callable[..., Any]) -> None:
    result = run_cli("bench", "memory", "--events", "40", "--function", "workspace_delete_guard",
                     "--max-entries", "10", "--samples", "4")
    assert result.code == 0
    figures = json.loads(result.out.strip().splitlines()[-1])
    assert figures["bench"] == "memory" and figures["events"] == 40
    assert figures["state_url"] == "memory://?max_entries=10" and figures["bounded"] is True
    assert set(figures["functions"]) == {"workspace_delete_guard"}
    assert set(figures["functions"]["workspace_delete_guard"]) == FIGURES


def test_every_function_run_reports_every_figure(tiny: dict[str, Any]) -> None:
    assert set(tiny["functions"]) == {"download_guard", "node_change_auditor"}
    for figures in tiny["functions"].values():
        assert set(figures) == FIGURES


def test_the_store_never_holds_more_than_its_bound_and_evicts_past_it(tiny: dict[str, Any]) -> None:
    for figures in tiny["functions"].values():
        assert figures["store_max_entries"] == 10
        assert figures["store_keys_end"] <= 10 and figures["store_evicted"] > 0
        assert figures["bound_reached_at_event"] is not None


def test_the_guard_answered_every_event_without_an_error(tiny: dict[str, Any]) -> None:
    assert tiny["functions"]["download_guard"]["errors"] == 0


def test_rss_is_sampled_from_the_warm_up_to_the_end(tiny: dict[str, Any]) -> None:
    figures = tiny["functions"]["node_change_auditor"]
    assert figures["warmup_events"] == 6 and figures["samples"] == len(figures["rss_samples_mib"]) >= 6
    assert figures["rss_warmup_mib"] == figures["rss_samples_mib"][0] > 0


def test_an_unknown_function_is_refused_with_one_error_line(run_cli: Callable[..., Any]) -> None:
    result = run_cli("bench", "memory", "--events", "40", "--function", "no_such_function")
    assert result.code == 2 and result.err.startswith("error: unknown function 'no_such_function'")


def test_the_events_of_a_run_are_distinct() -> None:
    ids = [json.loads(raw)["id"] for raw in events_for("instance_status_notifier", 500)]
    assert len(set(ids)) == 500


def test_the_slope_is_the_least_squares_bytes_per_event() -> None:
    assert slope([(0, 100.0), (10, 100.0), (20, 100.0)]) == 0.0
    assert slope([(0, 0.0), (100, 1000.0)]) == 10.0
