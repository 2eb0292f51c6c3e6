"""A node's life, create → update (cron) → update (freeze) → delete: diffs name exactly what changed."""

from __future__ import annotations

import json
from pathlib import Path

from audit_helpers import jsonl_records, lifecycle, make_auditor, node_event, replay

from openevent.audit.sinks.sls import log_contents
from openevent.local.fake_sls import FakeSls
from openevent.state import open_store


def test_each_step_of_the_lifecycle_yields_one_record(jsonl: Path) -> None:
    results = replay(make_auditor(jsonl=jsonl), lifecycle())

    assert [[r["action"] for r in res["records"]] for res in results] == [["create"], ["update"], ["update"],
                                                                          ["delete"]]


def test_the_first_sighting_records_the_state_without_a_diff(jsonl: Path) -> None:
    create = replay(make_auditor(jsonl=jsonl), lifecycle()[:1])[0]["records"][0]

    assert create["baseline"] is True and create["diff"] is None and create["before"] is None
    assert create["after"]["cron"] == "00 30 00 * * ?" and create["after"]["scheduler_type"] == "NORMAL"


def test_a_cron_change_is_a_diff_of_the_cron_only(jsonl: Path) -> None:
    update = replay(make_auditor(jsonl=jsonl), lifecycle()[:2])[1]["records"][0]

    assert update["diff"] == [{"field": "cron", "before": "00 30 00 * * ?", "after": "00 45 01 * * ?"}]
    assert update["labels"] == ["schedule-changed"]


def test_freezing_is_a_change_of_the_scheduler_type_to_pause(jsonl: Path) -> None:
    freeze = replay(make_auditor(jsonl=jsonl), lifecycle()[:3])[2]["records"][0]

    assert freeze["diff"] == [{"field": "scheduler_type", "before": "NORMAL", "after": "PAUSE"}]
    assert freeze["labels"] == ["frozen"]
    assert freeze["before"]["cron"] == "00 45 01 * * ?"


def test_a_delete_records_the_last_known_state(jsonl: Path) -> None:
    delete = replay(make_auditor(jsonl=jsonl), lifecycle())[3]["records"][0]

    assert delete["after"] is None and delete["diff"] is None
    assert delete["before"]["scheduler_type"] == "PAUSE" and delete["before"]["cron"] == "00 45 01 * * ?"
    assert delete["labels"] == ["node-deleted"]


def test_a_delete_without_a_known_state_records_what_the_message_says(jsonl: Path) -> None:
    delete = replay(make_auditor(jsonl=jsonl), lifecycle()[3:])[0]["records"][0]

    assert delete["baseline"] is True and delete["before"]["scheduler_type"] == "PAUSE"


def test_an_owner_change_is_labelled(jsonl: Path) -> None:
    events = [lifecycle()[0], node_event("NodeChangeUpdated", "evt-owner", "2025-03-14T10:08:00+08:00",
                                         ownerId="1987654321000001")]

    owner = replay(make_auditor(jsonl=jsonl), events)[1]["records"][0]

    assert [c["field"] for c in owner["diff"]] == ["owner"] and owner["labels"] == ["owner-changed"]
    assert owner["resource"]["owner"] == "1987654321000001"


def test_the_lifecycle_lands_in_the_jsonl_file_and_at_sls_and_a_replay_adds_nothing(
        jsonl: Path, fake_sls: FakeSls) -> None:
    auditor = make_auditor(jsonl=jsonl, sls_endpoint=fake_sls.endpoint)

    first = replay(auditor, lifecycle())
    again = replay(auditor, lifecycle())

    diffs = [[c["field"] for c in r["diff"] or []] for r in jsonl_records(jsonl)]
    assert diffs == [[], ["cron"], ["scheduler_type"], []]
    assert [log.get("diff_fields", "") for log in fake_sls.logs] == [
        "", "cron", "scheduler_type", ""]
    assert len({log["audit_id"] for log in fake_sls.logs}) == 4
    assert all(res["sinks"] == {"jsonl": "written", "sls": "written"} for res in first)
    assert all(res["sinks"] == {"jsonl": "already-written", "sls": "already-written"} for res in again)
    assert [r["records"] for r in again] == [r["records"] for r in first]


def test_a_replay_with_a_new_auditor_on_the_same_state_store_adds_nothing(tmp_path: Path, fake_sls: FakeSls) -> None:
    jsonl = tmp_path / "audit.jsonl"
    store = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    replay(make_auditor(jsonl=jsonl, sls_endpoint=fake_sls.endpoint, store=store), lifecycle())

    replay(make_auditor(jsonl=jsonl, sls_endpoint=fake_sls.endpoint, store=store), lifecycle())

    assert len(jsonl_records(jsonl)) == 4 and len(fake_sls.logs) == 4


def test_sls_logs_carry_the_diff_topic_and_tags(jsonl: Path, fake_sls: FakeSls) -> None:
    replay(make_auditor(jsonl=jsonl, sls_endpoint=fake_sls.endpoint), lifecycle()[:2])

    log = fake_sls.logs[1]
    assert log["__topic__"] == "openevent_audit" and log["__tag__:team"] == "dp"
    assert json.loads(log["diff"]) == [{"after": "00 45 01 * * ?", "before": "00 30 00 * * ?", "field": "cron"}]
    assert log["resource_id"] == "700004120003" and log["actor_uid"] == "1987654321012345"
    assert fake_sls.groups[1].compress_type == "lz4"


def test_log_contents_flatten_the_record_into_text_pairs(jsonl: Path) -> None:
    from openevent.audit.record import record_from_dict

    record = record_from_dict(replay(make_auditor(jsonl=jsonl), lifecycle()[:2])[1]["records"][0])

    contents = dict(log_contents(record))
    assert contents["diff_fields"] == "cron" and contents["where_workspace_id"] == "10001"
    assert all(isinstance(v, str) for v in contents.values())
