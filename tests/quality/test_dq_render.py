"""The chat message of a DQ result, and the console link it carries."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from dq_helpers import feedback_event, finished_event

from openevent.events import parse
from openevent.quality.links import DEFAULT_LINK_TEMPLATE, console_link
from openevent.quality.render import render_message
from openevent.quality.result import normalise


def test_a_failed_strong_rule_message_names_table_partition_rule_expected_actual_and_blocking() -> None:
    r = normalise(parse(finished_event(2, sampleValue=[{"value": 0}])))
    message = render_message(r, lang="en")
    fields = dict(message.fields)

    assert message.kind == "dq_result"
    assert message.severity == "critical"
    assert message.title == "BLOCKING · DQ critical: sales_dw.dwd_order_detail_di ds=20250313"
    assert fields["Table"] == "sales_dw.dwd_order_detail_di"
    assert fields["Partition"] == "ds=20250313"
    assert fields["Rule"] == "Table row count is greater than 0 (#28610334, strong)"
    assert (fields["Expected"], fields["Actual"]) == (">= 0", "0")
    assert fields["Blocking"].startswith("yes")
    assert fields["Triggered by"] == "node 700004120003 (CWF2)"
    assert "holding the downstream instance" in message.text


def test_a_weak_rule_failure_is_not_announced_as_blocking() -> None:
    message = render_message(normalise(parse(finished_event(2, blockType=0))), lang="en")

    assert not message.title.startswith("BLOCKING")
    assert dict(message.fields)["Blocking"] == "no"


def test_severity_follows_the_result_level() -> None:
    levels = {code: render_message(normalise(parse(finished_event(code)))).severity for code in (-2, -1, 0, 1, 2)}

    assert levels == {-2: "info", -1: "error", 0: "info", 1: "warning", 2: "critical"}


def test_the_message_is_in_chinese_by_default() -> None:
    message = render_message(normalise(parse(finished_event(2))))

    assert message.lang == "zh"
    assert message.title.startswith("阻塞 · 数据质量 严重")
    assert dict(message.fields)["分区"] == "ds=20250313"


def test_expected_shows_thresholds_and_bounds_and_actual_the_reference_of_a_fluctuation_check() -> None:
    r = normalise(parse(finished_event(1, fixedCheck=False, op="", trend="up", warningThreshold=0.1,
                                       criticalThreshold=0.6, lowerValue=2344, upperValue=22200)))
    fields = dict(render_message(r, lang="en").fields)

    assert fields["Expected"] == "trend up; warning 0.1, critical 0.6; between 2344 and 22200"
    assert fields["Actual"] == "48213 (reference 47980)"


def test_discrete_samples_are_shown_per_group() -> None:
    r = normalise(parse(finished_event(2, discrete=True, sampleValue=[
        {"discreteProperty": "web", "value": 12}, {"discreteProperty": "app", "value": 0}])))

    assert dict(render_message(r, lang="en").fields)["Actual"].startswith("web=12, app=0")


def test_a_feedback_message_shows_the_feedback_and_who_gave_it() -> None:
    message = render_message(normalise(parse(feedback_event(feedbackContent="Known issue, rerun"))), lang="en")
    fields = dict(message.fields)

    assert message.title == "DQ feedback on rule 28610334: Known issue, rerun"
    assert (fields["Feedback"], fields["By"]) == ("Known issue, rerun", "1987654321012345")


def test_the_default_link_opens_the_check_detail_page_of_the_workspace_in_its_region() -> None:
    link = console_link(normalise(parse(finished_event(2))), DEFAULT_LINK_TEMPLATE)

    assert link is not None
    parts = urlsplit(link)
    assert (parts.netloc, parse_qs(parts.query)["defaultProjectId"]) == ("dqc-cn-hangzhou.data.aliyun.com", ["10001"])
    route = parse_qs(parts.fragment.split("?", 1)[1])
    assert route["tableName"] == ["dwd_order_detail_di"]
    assert route["bizDate"] == ["1741795200000"]
    assert route["executeTime"] == ["1741884090000"]


def test_a_custom_link_template_is_filled_and_url_encoded() -> None:
    r = normalise(parse(finished_event(2, tableName="a b")))

    assert console_link(r, "https://dw.example/{workspace_id}/{table}?rule={rule_id}") == (
        "https://dw.example/10001/a%20b?rule=28610334")


def test_no_link_when_a_placeholder_cannot_be_filled() -> None:
    assert console_link(normalise(parse(feedback_event())), DEFAULT_LINK_TEMPLATE) is None
