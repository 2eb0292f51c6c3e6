"""``openevent events list|sample|parse`` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from openevent.events import REGISTRY

ROW_KEYS = {"type", "event_code", "module", "level", "kind", "family", "function"}


def test_list_json_has_every_type_with_the_documented_keys(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("events", "list", "--json")
    rows = result.json()
    assert result.code == 0
    assert {r["type"] for r in rows} == set(REGISTRY)
    assert all(set(r) >= ROW_KEYS for r in rows)


def test_list_names_the_handling_function(run_cli) -> None:  # type: ignore[no-untyped-def]
    rows = {r["type"]: r for r in run_cli("events", "list", "--json").json()}
    assert rows["dataworks:ProjectChange:DeleteProject"]["function"] == "workspace_delete_guard"


def test_list_as_text_has_one_line_per_type(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert len(run_cli("events", "list").out.splitlines()) == len(REGISTRY)


@pytest.mark.parametrize("etype", sorted(REGISTRY))
def test_sample_then_parse_round_trips_for_every_type(run_cli, etype: str) -> None:  # type: ignore[no-untyped-def]
    sample = run_cli("events", "sample", etype)
    assert sample.code == 0
    parsed = run_cli("events", "parse", "-", stdin=sample.out)
    assert parsed.code == 0, parsed.err
    out = parsed.json()
    assert out["type"] == etype
    assert out["data"] == {k: v for k, v in json.loads(sample.out)["data"].items() if v is not None} or out["data"]


def test_sample_gets_a_fresh_id_each_call(run_cli) -> None:  # type: ignore[no-untyped-def]
    a = run_cli("events", "sample", "DeleteProject").json()
    b = run_cli("events", "sample", "DeleteProject").json()
    assert a["id"] != b["id"]


def test_sample_set_overrides_fields_with_json_values(run_cli) -> None:  # type: ignore[no-untyped-def]
    out = run_cli("events", "sample", "InstanceStatusChanges", "--set", "data.status=5", "--set", "id=fixed").json()
    assert out["data"]["status"] == 5 and out["id"] == "fixed"


def test_sample_of_an_unknown_type_is_a_clear_error(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("events", "sample", "NoSuchEvent")
    assert result.code == 2 and result.err.startswith("error: unknown event type")


def test_parse_prints_a_batch_as_an_array(run_cli, events_dir) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("events", "parse", str(events_dir / "variants" / "batch_InstanceStatusChanges.json"))
    assert [e["data"]["status"] for e in result.json()] == [5, 6, 4]


@pytest.mark.parametrize("name", ["not_json.txt", "missing_id.json", "wrong_source.json", "json_scalar.json"])
def test_parse_of_bad_input_exits_2_with_one_error_line(run_cli, events_dir, name: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("events", "parse", str(events_dir / "invalid" / name))
    assert result.code == 2
    assert result.out == ""
    assert result.err.count("\n") == 1 and result.err.startswith("error: ")
    assert "Traceback" not in result.err


def test_python_dash_m_runs_the_same_cli() -> None:
    proc = subprocess.run([sys.executable, "-m", "openevent", "events", "sample", "DeleteProject"],
                          capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout)["type"] == "dataworks:ProjectChange:DeleteProject"
