"""The notifier end to end on fakes: a failure alerts once, richly; redelivery is silent; success recovers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alerting_support import INSTANCE_ID, OWNER_MOBILE, WORKSPACE, FakeClock, dingtalk_config, texts

from openevent.alerting.pipeline import Notifier
from openevent.local.fake_chat import FakeChat
from openevent.local.fake_dataworks import FakeDataWorks

MakeNotifier = Callable[..., Notifier]
MakeEvent = Callable[..., dict[str, Any]]


def test_a_scheduled_failure_sends_one_dingtalk_message_with_node_owner_bizdate_log_and_link(
        chat: FakeChat, dingtalk: str, dataworks: FakeDataWorks, make_notifier: MakeNotifier,
        instance_event: MakeEvent) -> None:
    result = make_notifier(dingtalk_config(dingtalk)).handle_raw(instance_event())

    assert result["notifications"] == [{"receiver": "dt", "kind": "dingtalk", "status": "sent",
                                        "reason": "sent (route default)"}]
    [message] = chat.received("tok")
    text = message.body["markdown"]["text"]
    assert "dwd_orders_di" in message.body["markdown"]["title"]
    assert "张三 (1900000001)" in text and f"@{OWNER_MOBILE}" in text
    assert message.body["at"]["atMobiles"] == [OWNER_MOBILE]
    assert "2022-05-16" in text  # the bizdate GetInstance reports
    assert "ERROR FAILED: ODPS-0130071" in text
    assert f"https://dataworks.data.aliyun.com/cn-hangzhou/sc?defaultProjectId={WORKSPACE}" in text
    assert f"taskId={INSTANCE_ID}" in text


def test_the_error_line_comes_before_the_log_tail(chat: FakeChat, dingtalk: str, dataworks: FakeDataWorks,
                                                  make_notifier: MakeNotifier, instance_event: MakeEvent) -> None:
    make_notifier(dingtalk_config(dingtalk)).handle_raw(instance_event())

    text = texts(chat)[0]
    assert text.index("ODPS-0130071") < text.index("cleanup step 29") < text.index("Exit code: 1")
    assert "cleanup step 0\n" not in text  # only the last lines of the log


def test_the_same_event_delivered_again_produces_nothing(chat: FakeChat, dingtalk: str, dataworks: FakeDataWorks,
                                                         make_notifier: MakeNotifier,
                                                         instance_event: MakeEvent) -> None:
    notifier = make_notifier(dingtalk_config(dingtalk))
    notifier.handle_raw(instance_event())

    again = notifier.handle_raw(instance_event())

    assert again["notifications"] == []
    assert again["skipped"].startswith("duplicate event")
    assert len(chat.received("tok")) == 1


def test_success_after_an_alerted_failure_sends_a_recovery_message(
        chat: FakeChat, dingtalk: str, dataworks: FakeDataWorks, make_notifier: MakeNotifier,
        instance_event: MakeEvent) -> None:
    notifier = make_notifier(dingtalk_config(dingtalk))
    notifier.handle_raw(instance_event("evt-fail", status=5))

    result = notifier.handle_raw(instance_event("evt-ok", status=6))

    assert [r["status"] for r in result["notifications"]] == ["sent"]
    recovery = chat.received("tok")[-1].body["markdown"]
    assert "已恢复" in recovery["title"] and "dwd_orders_di" in recovery["title"]


def test_success_without_an_alerted_failure_sends_nothing(chat: FakeChat, dingtalk: str, dataworks: FakeDataWorks,
                                                          make_notifier: MakeNotifier,
                                                          instance_event: MakeEvent) -> None:
    result = make_notifier(dingtalk_config(dingtalk)).handle_raw(instance_event(status=6))

    assert result["notifications"] == [] and "no alerted failure" in result["skipped"]
    assert chat.received("tok") == []


def test_a_second_failure_of_the_same_instance_within_the_repeat_window_is_suppressed(
        chat: FakeChat, dingtalk: str, no_dataworks: None, make_notifier: MakeNotifier,
        instance_event: MakeEvent, clock: FakeClock) -> None:
    notifier = make_notifier(dingtalk_config(dingtalk, noise={"repeat_window_s": 1800}))
    notifier.handle_raw(instance_event("e1"))
    clock.advance(600)

    result = notifier.handle_raw(instance_event("e2"))

    assert result["notifications"][0]["status"] == "suppressed"
    assert "repeat of instance:" in result["notifications"][0]["reason"]
    assert len(chat.received("tok")) == 1


def test_an_instance_alerts_at_most_the_daily_cap(chat: FakeChat, dingtalk: str, no_dataworks: None,
                                                  make_notifier: MakeNotifier, instance_event: MakeEvent,
                                                  clock: FakeClock) -> None:
    notifier = make_notifier(dingtalk_config(dingtalk, noise={"repeat_window_s": 60, "max_per_instance_per_day": 2}))
    statuses = []
    for i in range(4):
        statuses.append(notifier.handle_raw(instance_event(f"e{i}"))["notifications"][0]["status"])
        clock.advance(120)

    assert statuses == ["sent", "sent", "suppressed", "suppressed"]


def test_when_enrichment_fails_the_alert_still_goes_out_with_the_ids_and_a_note(
        chat: FakeChat, dingtalk: str, dataworks: FakeDataWorks, make_notifier: MakeNotifier,
        instance_event: MakeEvent) -> None:
    dataworks.fail_next(10, "forbidden")

    result = make_notifier(dingtalk_config(dingtalk)).handle_raw(instance_event())

    assert result["notifications"][0]["status"] == "sent"
    text = texts(chat)[0]
    assert str(INSTANCE_ID) in text
    assert "GetInstance failed: Forbidden.Access" in text


def test_without_dataworks_credentials_the_alert_carries_a_note(chat: FakeChat, dingtalk: str, no_dataworks: None,
                                                                make_notifier: MakeNotifier,
                                                                instance_event: MakeEvent) -> None:
    make_notifier(dingtalk_config(dingtalk)).handle_raw(instance_event())

    assert "enrichment skipped: no DataWorks credentials" in texts(chat)[0]


def test_an_unknown_instance_is_reported_by_its_ids(chat: FakeChat, dingtalk: str, dataworks: FakeDataWorks,
                                                    make_notifier: MakeNotifier, instance_event: MakeEvent) -> None:
    make_notifier(dingtalk_config(dingtalk)).handle_raw(instance_event(task_id=99999, node_id=88888))

    text = texts(chat)[0]
    assert "99999" in text and "Invalid.Instance.NotExist" in text


def test_excluded_nodes_do_not_alert(chat: FakeChat, dingtalk: str, dataworks: FakeDataWorks,
                                     make_notifier: MakeNotifier, instance_event: MakeEvent) -> None:
    config = dingtalk_config(dingtalk, select={"exclude": [{"nodes": ["dwd_*"]}]})

    result = make_notifier(config).handle_raw(instance_event())

    assert result["skipped"] == "filtered out (select.exclude)"
    assert chat.received("tok") == []


def test_a_failed_send_is_reported_as_failed(chat: FakeChat, no_dataworks: None, make_notifier: MakeNotifier,
                                             instance_event: MakeEvent) -> None:
    url = chat.dingtalk_robot("tok", secret="another-secret")  # our secret does not match

    result = make_notifier(dingtalk_config(url)).handle_raw(instance_event())

    assert result["notifications"][0]["status"] == "failed"
    assert "sign not match" in result["notifications"][0]["reason"]


def test_a_vendor_throttle_collapses_the_alert_into_the_next_digest(
        chat: FakeChat, dingtalk: str, no_dataworks: None, make_notifier: MakeNotifier,
        instance_event: MakeEvent, clock: FakeClock) -> None:
    notifier = make_notifier(dingtalk_config(dingtalk))
    chat.fail_next("tok", 1, "throttle")

    first = notifier.handle_raw(instance_event("e1"))
    clock.advance(120)
    flushed = notifier.handle_raw({"triggerTime": "2025-03-14T04:02:00Z", "triggerName": "flush", "payload": ""})

    assert first["notifications"][0]["status"] == "digested"
    assert [r["status"] for r in flushed["notifications"]] == ["sent"]
    assert str(INSTANCE_ID) in texts(chat)[-1]


def test_a_backfill_failure_alerts_only_when_enabled(chat: FakeChat, dingtalk: str, no_dataworks: None,
                                                     make_notifier: MakeNotifier, instance_event: MakeEvent) -> None:
    off = make_notifier(dingtalk_config(dingtalk)).handle_raw(instance_event("b1", dag_type=3))
    on = make_notifier(dingtalk_config(dingtalk, select={"instance_dag_types": [0, 3]})).handle_raw(
        instance_event("b2", dag_type=3))

    assert off["notifications"] == [] and "dagType 3" in off["skipped"]
    assert on["notifications"][0]["status"] == "sent"
