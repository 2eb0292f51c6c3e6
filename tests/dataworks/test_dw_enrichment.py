"""Enrichment calls return the fake's seeded data as typed views; GetProject answers are cached."""

from __future__ import annotations

import pytest

from openevent.dataworks.client import DataWorksClient
from openevent.dataworks.enrichment import (
    ProjectCache,
    get_ide_event_detail,
    get_instance,
    get_instance_log,
    get_node,
    get_project,
)
from openevent.dataworks.errors import DataWorksApiError
from openevent.local.fake_dataworks import FakeDataWorks
from support import FakeClock

SEEDED_MESSAGE = "8a8b8c8d-0000-4000-8000-000000000001"


def test_get_project_returns_the_seeded_workspace(client: DataWorksClient) -> None:
    ws = get_project(client, 3000002)

    assert (ws.project_id, ws.identifier, ws.name, ws.mode, ws.status, ws.owner) == (
        3000002, "sales_dw", "Sales DW", "standard", "AVAILABLE", "1900000001")
    assert ws.tags == {"env": "prod", "team": "sales", "criticality": "high"}
    assert ws.raw["ProjectMode"] == 3


def test_get_project_by_identifier(client: DataWorksClient) -> None:
    ws = get_project(client, identifier="sandbox_dev")

    assert (ws.project_id, ws.mode) == (3000003, "basic")


def test_changes_to_the_fake_world_are_visible(fake: FakeDataWorks, client: DataWorksClient) -> None:
    fake.world.add_workspace(42, "finance", mode="standard", tags={"pii": "yes"}, status=7)

    ws = get_project(client, 42)

    assert (ws.identifier, ws.status, ws.tags) == ("finance", "FROZEN", {"pii": "yes"})


def test_get_project_answers_from_the_cache_within_its_ttl(fake: FakeDataWorks, client: DataWorksClient) -> None:
    cache = ProjectCache(ttl_s=60, clock=FakeClock())

    first = get_project(client, 3000002, cache=cache)
    again = get_project(client, 3000002, cache=cache)
    by_identifier = get_project(client, identifier="sales_dw", cache=cache)

    assert first == again == by_identifier
    assert len(fake.requests) == 1


def test_get_project_asks_again_once_the_ttl_has_passed(fake: FakeDataWorks, client: DataWorksClient) -> None:
    clock = FakeClock()
    cache = ProjectCache(ttl_s=60, clock=clock)
    get_project(client, 3000002, cache=cache)

    clock.sleep(61)
    get_project(client, 3000002, cache=cache)

    assert len(fake.requests) == 2


def test_the_default_project_cache_is_shared_by_clients_of_one_endpoint(fake: FakeDataWorks,
                                                                        client: DataWorksClient) -> None:
    get_project(client, 3000003)
    get_project(DataWorksClient.from_environment(env={"DATAWORKS_ENDPOINT": fake.endpoint}), 3000003)

    assert len(fake.requests) == 1


def test_unknown_workspace_is_a_permanent_error(fake: FakeDataWorks, client: DataWorksClient) -> None:
    with pytest.raises(DataWorksApiError) as caught:
        get_project(client, 999)

    assert not caught.value.transient and len(fake.requests) == 1


def test_get_instance_returns_the_seeded_instance(client: DataWorksClient) -> None:
    inst = get_instance(client, 453000169)

    assert (inst.instance_id, inst.node_id, inst.node_name, inst.status, inst.dag_type) == (
        453000169, 100000219, "ods_orders_daily", "FAILURE", "DAILY")
    assert inst.finish_time == 1652700700000


def test_get_node_returns_the_seeded_node(client: DataWorksClient) -> None:
    node = get_node(client, 100000219)

    assert (node.node_name, node.project_id, node.owner_id, node.program_type, node.baseline_id) == (
        "ods_orders_daily", 3000002, "1900000001", "ODPS_SQL", 7001)


def test_get_instance_log_returns_the_log_text(client: DataWorksClient) -> None:
    log = get_instance_log(client, 453000169)

    assert "ODPS-0130071" in log.text
    assert log.tail(1) == "2022-05-16 19:31:40 INFO  Exit code: 1"


def test_get_ide_event_detail_returns_the_committed_file(client: DataWorksClient) -> None:
    detail = get_ide_event_detail(client, SEEDED_MESSAGE, 3000002)

    assert (detail.kind, detail.file_name, detail.file_type, detail.change_type) == (
        "CommittedFile", "ods_orders_daily", 10, "UPDATE")
    assert detail.content is not None and "MAX_PT" in detail.content


def test_get_ide_event_detail_of_a_table_event(fake: FakeDataWorks, client: DataWorksClient) -> None:
    fake.world.add_ide_event("msg-table", 3000002, "TableModel", TableName="dim_user")

    detail = get_ide_event_detail(client, "msg-table", 3000002)

    assert (detail.kind, detail.table_name) == ("TableModel", "dim_user")
    assert len(detail.raw["TableModel"]["Columns"]) == 2


def test_ide_event_detail_of_another_workspace_is_refused(client: DataWorksClient) -> None:
    with pytest.raises(DataWorksApiError):
        get_ide_event_detail(client, SEEDED_MESSAGE, 3000003)
