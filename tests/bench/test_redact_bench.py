"""``openevent bench redact`` in tiny mode: on the log lines and audit records the notifier and the
auditor really produce, the current redaction gives exactly what the previous one gave."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="module")
def tiny() -> dict[str, Any]:
    from openevent.bench.redact_bench import run

    return run(rounds=1, loops=20)


def test_log_event_dicts_are_masked_exactly_as_before(tiny: dict[str, Any]) -> None:
    assert tiny["event_dicts"]["count"] > 0 and tiny["event_dicts"]["mismatches"] == 0


def test_audit_records_are_masked_exactly_as_before(tiny: dict[str, Any]) -> None:
    assert tiny["audit_records"]["count"] > 0 and tiny["audit_records"]["mismatches"] == 0


def test_the_figures_name_both_algorithms_and_both_handlers(tiny: dict[str, Any]) -> None:
    assert {"previous_us", "current_us", "speedup"} <= set(tiny["event_dicts"])
    assert set(tiny["warm"]) == {"instance_status_notifier", "node_change_auditor"}
    assert {"previous_median_ms", "current_median_ms", "saved_share"} <= set(tiny["warm"]["node_change_auditor"])


def test_the_previous_algorithm_kept_for_comparison_still_masks() -> None:
    from openevent.bench.redact_bench import previous_redact

    assert previous_redact({"token": "abc", "url": "https://x/?sign=s"}) == {"token": "***",
                                                                              "url": "https://x/?sign=***"}
