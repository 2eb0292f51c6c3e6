"""Where DataWorks' docs disagree with themselves, parsing is lenient in exactly those places (§11)."""

from __future__ import annotations

from openevent.events import parse_batch, parse_one
from openevent.events.codes import DagType, DqCheckResult, InstanceStatus, RemindType
from openevent.events.models.monitor import BaselineAlert, EventAlert, OtherAlert, RuleAlert
from support import load_event


def test_numbers_sent_as_strings_are_read_as_numbers() -> None:
    event = parse_one(load_event("variants/numbers_as_strings_InstanceStatusChanges"))
    assert isinstance(event.data.task_id, int)
    assert event.data.status is InstanceStatus(event.data.status.value)
    assert isinstance(event.workspace_id, int)


def test_dq_results_accept_string_times_and_string_numbers() -> None:
    event = parse_one(load_event("variants/numbers_as_strings_DqcCheckFinishedEvent"))
    assert event.data.check_result in set(DqCheckResult)
    assert isinstance(event.data.begin_time, str)


def test_gson_escapes_decode_to_the_same_payload_as_the_plain_sample() -> None:
    escaped = parse_one(load_event("variants/gson_escaped_DqcCheckFinishedEvent"))
    plain = parse_one(load_event("DqcCheckFinishedEvent"))
    assert escaped.data.op == plain.data.op == ">="
    assert escaped.data.actual_expression == plain.data.actual_expression


def test_a_missing_event_code_is_taken_from_the_registry() -> None:
    event = parse_one(load_event("variants/missing_eventcode_NodeChangeDeleted"))
    assert event.data.event_code is None
    assert event.event_code == "node-change-deleted"


def test_dispatch_is_on_type_even_when_event_code_disagrees() -> None:
    event = parse_one(load_event("variants/eventcode_mismatch_BatchUpdateDataQualityRules"))
    assert event.type == "dataworks:DqcCheck:BatchUpdateDataQualityRules"
    assert event.event_code == "update-data-quality-rule"  # what the message says, kept


def test_comma_separated_id_strings_become_id_lists() -> None:
    event = parse_one(load_event("variants/monitor_alert_REMIND_ALERT_NODE"))
    assert isinstance(event.data, RuleAlert)
    assert event.data.node_ids and all(isinstance(i, int) for i in event.data.node_ids)
    assert event.data.task_ids and len(event.data.task_ids) > 1
    assert event.data.remind_type in set(RemindType)


def test_each_monitor_alert_shape_gets_its_own_model() -> None:
    assert isinstance(parse_one(load_event("WorkbenchMonitorAlert")).data, BaselineAlert)
    assert isinstance(parse_one(load_event("variants/monitor_alert_TOPIC_ALERT")).data, EventAlert)
    resource = parse_one(load_event("variants/monitor_alert_REMIND_ALERT_GATEWAY_RES")).data
    assert isinstance(resource, RuleAlert) and resource.resource_group_identifier


def test_an_unknown_alarm_type_is_kept_generically() -> None:
    raw = load_event("WorkbenchMonitorAlert")
    raw["data"] = {"alarmType": "NEW_ALERT", "projectId": 10001, "whatever": [1]}
    event = parse_one(raw)
    assert isinstance(event.data, OtherAlert)
    assert event.payload_dict()["whatever"] == [1]


def test_json_inside_strings_is_decoded() -> None:
    event = parse_one(load_event("BackfillData"))
    assert isinstance(event.data.multiple_time_periods, list)
    assert "bizBeginTime" in event.data.multiple_time_periods[0]


def test_unknown_extra_fields_are_kept() -> None:
    raw = load_event("DeleteProject")
    raw["data"]["brandNewField"] = {"x": 1}
    raw["brandNewEnvelopeField"] = "y"
    event = parse_one(raw)
    assert event.payload_dict()["brandNewField"] == {"x": 1}
    assert event.model_extra == {"brandNewEnvelopeField": "y"}


def test_unknown_codes_are_kept_instead_of_failing() -> None:
    raw = load_event("InstanceStatusChanges")
    raw["data"]["status"] = 42
    raw["data"]["dagType"] = 9
    event = parse_one(raw)
    assert event.data.status == 42 and event.data.status.name == "UNKNOWN_42"
    assert event.data.dag_type == 9 and event.data.dag_type not in list(DagType)


def test_both_documented_not_run_codes_are_not_run() -> None:
    zero = parse_one(load_event("variants/status_not_run_zero")).data.status
    one = parse_one(load_event("variants/status_not_run_one")).data.status
    assert zero.is_not_run and one.is_not_run


def test_a_non_iso_publish_time_stays_a_string() -> None:
    event = parse_one(load_event("variants/aliyunpublishtime_PRC"))
    assert event.aliyunpublishtime is not None and event.aliyunpublishtime.endswith("PRC")


def test_an_unknown_dataworks_type_gives_a_generic_event() -> None:
    event = parse_one(load_event("variants/unknown_type_from_dataworks"))
    assert not event.known
    assert event.spec.callback_api is None and not event.spec.verified
    assert event.normalised()["data"]


def test_the_fc_extension_shape_becomes_the_same_event_object() -> None:
    event = parse_one(load_event("variants/fc_extension_DownloadResources"))
    raw = load_event("variants/fc_extension_DownloadResources")
    assert event.type == "dataworks:ResourcesDownload:DownloadResources"
    assert event.message_id == raw["messageId"]
    assert event.delivery == "fc-extension"
    assert event.fc_extension is not None and event.fc_extension["extensionBizId"] == raw["extensionBizId"]


def test_a_batch_array_gives_one_event_per_item() -> None:
    events = parse_batch(load_event("variants/batch_InstanceStatusChanges"))  # type: ignore[arg-type]
    assert [e.data.status.name for e in events] == ["FAILURE", "SUCCESS", "RUNNING"]
    assert len({e.id for e in events}) == 3


def test_a_single_event_is_a_batch_of_one_for_parse_batch() -> None:
    assert len(parse_batch(load_event("DeleteProject"))) == 1
