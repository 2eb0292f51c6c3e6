"""``openevent audit show``: the local JSONL trail as a table or JSON, filtered."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import lifecycle, make_auditor, node_event, replay

from support import load_event


@pytest.fixture
def trail(jsonl: Path) -> Path:
    auditor = make_auditor(jsonl=jsonl)
    replay(auditor, lifecycle())
    other = node_event("NodeChangeCreated", "evt-other", "2025-03-13T09:00:00+08:00", nodeId=42,
                       operator="1987654321000009")
    replay(auditor, [other, load_event("KillInstance")])
    return jsonl


def test_show_prints_a_table_with_the_changes(run_cli: Callable[..., Any], trail: Path) -> None:
    result = run_cli("audit", "show", "--node", "700004120003", str(trail))

    lines = result.out.splitlines()
    assert result.code == 0 and lines[0].split()[:3] == ["TIME", "ACTION", "KIND"]
    assert len(lines) == 5 and "cron: 00 30 00 * * ? → 00 45 01 * * ?" in lines[2]
    assert "scheduler_type: NORMAL → PAUSE" in lines[3]


def test_show_filters_by_operator_as_json(run_cli: Callable[..., Any], trail: Path) -> None:
    records = run_cli("audit", "show", "--operator", "1987654321000009", "--json", str(trail)).json()

    assert [r["resource"]["id"] for r in records] == ["42"]


def test_show_filters_by_workspace_and_time(run_cli: Callable[..., Any], trail: Path) -> None:
    records = run_cli("audit", "show", "--workspace", "10001", "--since", "2025-03-14T02:06:00Z", "--json",
                      str(trail)).json()

    assert [r["event_id"] for r in records][:3] == ["evt-cron", "evt-freeze", "evt-delete"]
    assert "evt-create" not in [r["event_id"] for r in records]


def test_show_reads_the_file_named_by_the_environment(run_cli: Callable[..., Any], trail: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENEVENT_AUDIT_JSONL", str(trail))

    assert len(run_cli("audit", "show", "--json").json()) == 6


def test_show_skips_and_reports_lines_that_are_not_records(run_cli: Callable[..., Any], trail: Path) -> None:
    with trail.open("a", encoding="utf-8") as fh:
        fh.write('{"truncated": \n')

    result = run_cli("audit", "show", "--json", str(trail))

    assert len(result.json()) == 6 and "skipped 1 line" in result.err


def test_a_bad_since_value_is_an_input_error(run_cli: Callable[..., Any], trail: Path) -> None:
    result = run_cli("audit", "show", "--since", "yesterday", str(trail))

    assert result.code == 2 and result.err.startswith("error: --since")


def test_a_missing_trail_file_is_an_input_error(run_cli: Callable[..., Any], tmp_path: Path) -> None:
    result = run_cli("audit", "show", str(tmp_path / "none.jsonl"))

    assert result.code == 2 and "cannot read" in result.err
