"""The normalised DQ result (``openevent.dq_result/v1``) built from the two DQ events."""

from __future__ import annotations

import pytest
from dq_helpers import feedback_event, finished_event

from openevent.events import parse
from openevent.quality.result import NotAQualityEventError, log_contents, normalise
from support import load_event


@pytest.mark.parametrize(("code", "name"), [(-2, "skipped"), (-1, "exception"), (0, "passed"), (1, "warning"),
                                            (2, "critical")])
def test_each_documented_check_result_gets_its_documented_name(code: int, name: str) -> None:
    result = normalise(parse(finished_event(code)))

    assert result.result is not None
    assert (result.result.code, result.result.name, result.level) == (code, name, name)


def test_an_undocumented_check_result_is_kept_with_an_unknown_name() -> None:
    result = normalise(parse(finished_event(7)))

    assert result.result is not None
    assert (result.result.code, result.result.name) == (7, "unknown_7")


def test_a_strong_rule_at_the_critical_threshold_is_blocking() -> None:
    assert normalise(parse(finished_event(2, blockType=1))).blocking is True


@pytest.mark.parametrize(("block_type", "code"), [(0, 2), (1, 1), (1, -1), (1, 0)])
def test_weak_rules_and_non_critical_results_are_not_blocking(block_type: int, code: int) -> None:
    assert normalise(parse(finished_event(code, blockType=block_type))).blocking is False


def test_the_table_partition_rule_metric_and_values_are_normalised() -> None:
    r = normalise(parse(load_event("DqcCheckFinishedEvent")))

    assert (r.workspace.id, r.workspace.name) == (10001, "sales_dw")
    assert (r.table.project, r.table.name, r.table.qualified_name) == ("sales_dw", "dwd_order_detail_di",
                                                                       "sales_dw.dwd_order_detail_di")
    assert (r.partition.expression, r.partition.filter) == ("ds=20250313", "ds=$[yyyymmdd-1]")
    assert (r.rule.id, r.rule.name, r.rule.strong) == (28610334, "Table row count is greater than 0", True)
    assert (r.metric.method, r.metric.column) == ("table_count", None)
    assert (r.check.method, r.check.operator, r.check.expected) == ("fixed", ">=", 0.0)
    assert (r.actual, r.reference[0].value, r.reference[0].group) == (
        48213.0, 47980.0, "Number of table rows, 1-day difference")


def test_a_scheduled_check_names_the_node_that_produced_the_data() -> None:
    trigger = normalise(parse(load_event("DqcCheckFinishedEvent"))).trigger

    assert (trigger.type, trigger.node_id, trigger.manual) == ("CWF2", "700004120003", False)


def test_a_manually_triggered_check_has_no_node() -> None:
    trigger = normalise(parse(finished_event(0, externalType="", externalId="triggerByManual"))).trigger

    assert (trigger.node_id, trigger.manual) == (None, True)


def test_times_in_the_docs_string_form_become_iso_times_in_china_time() -> None:
    times = normalise(parse(load_event("DqcCheckFinishedEvent"))).times

    assert (times.begin, times.end, times.duration, times.duration_s) == (
        "2025-03-14T00:41:30+08:00", "2025-03-14T00:41:37+08:00", "7s", 7.0)


def test_times_sent_as_epoch_milliseconds_become_the_same_iso_times() -> None:
    times = normalise(parse(finished_event(0, beginTime=1741884090000, endTime="1741884097000"))).times

    assert (times.begin, times.end) == ("2025-03-14T00:41:30+08:00", "2025-03-14T00:41:37+08:00")


def test_numbers_sent_as_strings_are_numbers_in_the_result() -> None:
    r = normalise(parse(load_event("variants/numbers_as_strings_DqcCheckFinishedEvent")))

    assert (r.rule.id, r.check_id, r.entity_id, r.rule.block_type, r.actual, r.check.expected) == (
        28610334, 521771452, 1562431, 1, 48213.0, 0.0)


def test_html_escaped_operators_and_partitions_are_decoded() -> None:
    r = normalise(parse(load_event("variants/gson_escaped_DqcCheckFinishedEvent")))

    assert r.check.operator == ">="
    assert r.partition.expression is not None and "=" in r.partition.expression


def test_warning_and_critical_thresholds_are_read_when_the_payload_carries_them() -> None:
    check = normalise(parse(finished_event(1, fixedCheck=False, warningThreshold=0.1, criticalThreshold="0.6",
                                           lowerValue=2344, upperValue=22200))).check

    assert (check.method, check.warning_threshold, check.critical_threshold, check.lower, check.upper) == (
        "fluctuation", 0.1, 0.6, 2344.0, 22200.0)


def test_a_column_level_rule_names_its_column() -> None:
    assert normalise(parse(finished_event(0, property="order_amount"))).metric.column == "order_amount"


def test_a_feedback_event_carries_its_content_user_time_and_check() -> None:
    r = normalise(parse(load_event("DqcCheckFeedbackEvent")))

    assert r.level == "feedback"
    assert r.feedback is not None
    assert (r.feedback.content, r.feedback.user, r.feedback.rule_check_id) == ("Skip", "1987654321012345",
                                                                                521771452)
    assert r.feedback.at == "2025-03-14T14:07:10+08:00"
    assert (r.rule.id, r.table.env_type, r.workspace.id) == (28610334, "ODPS", 10001)


def test_the_json_document_starts_with_its_schema_version() -> None:
    doc = normalise(parse(feedback_event())).to_json()

    assert next(iter(doc)) == "schema"
    assert doc["schema"] == "openevent.dq_result/v1"


def test_the_log_record_is_flat_text_without_empty_values() -> None:
    record = log_contents(normalise(parse(load_event("DqcCheckFinishedEvent"))))

    assert all(isinstance(v, str) for v in record.values())
    assert (record["table_name"], record["result_code"], record["rule_strong"], record["actual"]) == (
        "dwd_order_detail_di", "0", "true", "48213")
    assert "table_database" not in record


def test_other_event_types_are_refused() -> None:
    with pytest.raises(NotAQualityEventError, match="InstanceStatusChanges"):
        normalise(parse(load_event("InstanceStatusChanges")))
