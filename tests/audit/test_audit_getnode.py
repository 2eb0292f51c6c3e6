"""GetNode completes before/after with what node change events do not carry (resource group, rerun settings)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from audit_helpers import make_auditor, node_event, replay

from openevent.local.fake_dataworks import FakeDataWorks
from openevent.local.fake_sls import SLS_DEMO_KEY_ID, SLS_DEMO_KEY_SECRET

NODE = 100000219  # in the fake's seeded world


@pytest.fixture
def fake_dw() -> Iterator[FakeDataWorks]:
    with FakeDataWorks() as fake:
        fake.add_key(SLS_DEMO_KEY_ID, SLS_DEMO_KEY_SECRET)  # one key pair for DataWorks and SLS, as in production
        yield fake


def _events() -> list[dict[str, object]]:
    create = node_event("NodeChangeCreated", "g-create", "2025-03-14T10:05:05+08:00", nodeId=NODE)
    update = node_event("NodeChangeUpdated", "g-update", "2025-03-14T10:06:18+08:00", nodeId=NODE)
    return [create, update]


def test_the_node_definition_from_getnode_completes_the_state(jsonl: Path, fake_dw: FakeDataWorks) -> None:
    auditor = make_auditor(jsonl=jsonl, env={"DATAWORKS_ENDPOINT": fake_dw.endpoint}, get_node={"enabled": True})

    after = replay(auditor, _events()[:1])[0]["records"][0]["after"]

    assert after["resource_group"] == "group_2" and after["rerun_interval_ms"] == 60000
    assert after["cron"] == "00 30 00 * * ?"  # the event's own value wins over the current definition
    assert [r.action for r in fake_dw.requests] == ["GetNode"]


def test_a_resource_group_change_seen_through_getnode_is_in_the_diff(jsonl: Path, fake_dw: FakeDataWorks) -> None:
    auditor = make_auditor(jsonl=jsonl, env={"DATAWORKS_ENDPOINT": fake_dw.endpoint}, get_node={"enabled": True})
    replay(auditor, _events()[:1])
    fake_dw.world.nodes[NODE]["ResGroupIdentifier"] = "group_prod_large"

    update = replay(auditor, _events()[1:])[0]["records"][0]

    assert update["diff"] == [{"field": "resource_group", "before": "group_2", "after": "group_prod_large"}]


def test_a_failing_getnode_is_noted_and_the_record_still_written(jsonl: Path, fake_dw: FakeDataWorks) -> None:
    auditor = make_auditor(jsonl=jsonl, env={"DATAWORKS_ENDPOINT": fake_dw.endpoint}, get_node={"enabled": True})
    event = node_event("NodeChangeCreated", "g-missing", "2025-03-14T10:05:05+08:00", nodeId=999)

    record = replay(auditor, [event])[0]["records"][0]

    assert record["details"]["get_node_error"] == "GetNode failed: Invalid.Node.NotExist"
    assert record["after"]["cron"] == "00 30 00 * * ?"


def test_a_node_missing_from_getnode_later_is_not_a_removal(jsonl: Path, fake_dw: FakeDataWorks) -> None:
    auditor = make_auditor(jsonl=jsonl, env={"DATAWORKS_ENDPOINT": fake_dw.endpoint}, get_node={"enabled": True})
    replay(auditor, _events()[:1])
    del fake_dw.world.nodes[NODE]

    update = replay(auditor, _events()[1:])[0]["records"][0]

    assert update["diff"] == [] and update["after"]["resource_group"] == "group_2"
