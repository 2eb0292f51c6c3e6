"""The forwarder end to end, against the fake chat vendors, the fake webhook and the fake SLS service."""

from __future__ import annotations

from pathlib import Path

import pytest
from dq_helpers import (
    chat_messages,
    fake_env,
    feedback_event,
    finished_event,
    make_forwarder,
    webhook_documents,
)

from openevent.events import parse
from openevent.local.fake_chat import FakeChat
from openevent.local.fake_sls import FakeSls
from openevent.state import open_store
from support import load_event


def statuses(result: dict[str, object]) -> dict[str, str]:
    rows = result["forwarded"]
    assert isinstance(rows, list)
    return {row["destination"]: row["status"] for row in rows}


def test_a_failed_strong_rule_gives_one_chat_message_one_webhook_call_and_one_sls_record(
        chat: FakeChat, sls: FakeSls) -> None:
    event = finished_event(2, blockType=1, sampleValue=[{"bizDate": "2025-03-13 00:00:00", "value": 0.0}])
    result = make_forwarder(fake_env(chat, sls, DQ_CHAT_LANG="en")).forward(parse(event))

    assert statuses(result) == {"chat": "sent", "webhook": "sent", "sls": "sent"}
    [message] = chat_messages(chat)
    text = message["markdown"]["text"]
    for expected in ("sales_dw.dwd_order_detail_di", "ds=20250313", "Table row count is greater than 0",
                     "**Expected**: >= 0", "**Actual**: 0", "critical", "BLOCKING"):
        assert expected in text
    [document] = webhook_documents(chat)
    assert document["schema"] == "openevent.dq_result/v1"
    assert document["event"]["id"] == event["id"]
    assert document["result"] == {"code": 2, "name": "critical", "blocking": True, "status": 2}
    [log] = sls.logs
    assert (log["event_id"], log["result_name"], log["result_blocking"]) == (event["id"], "critical", "true")


def test_a_passed_result_goes_only_to_the_webhook_and_sls_under_the_default_filters(
        chat: FakeChat, sls: FakeSls) -> None:
    result = make_forwarder(fake_env(chat, sls)).forward(parse(finished_event(0)))

    assert statuses(result) == {"chat": "filtered", "webhook": "sent", "sls": "sent"}
    assert chat_messages(chat) == []
    assert len(webhook_documents(chat)) == 1
    assert len(sls.logs) == 1


@pytest.mark.parametrize(("code", "name", "to_chat"), [
    (-2, "skipped", False), (-1, "exception", True), (0, "passed", False), (1, "warning", False),
    (2, "critical", True),
])
def test_each_documented_result_value_is_forwarded_with_its_name_and_reaches_chat_only_when_it_is_a_failure(
        chat: FakeChat, sls: FakeSls, code: int, name: str, to_chat: bool) -> None:
    result = make_forwarder(fake_env(chat, sls)).forward(parse(finished_event(code)))

    assert result["level"] == name
    assert statuses(result)["chat"] == ("sent" if to_chat else "filtered")
    assert [d["result"]["code"] for d in webhook_documents(chat)] == [code]
    assert [log["result_name"] for log in sls.logs] == [name]


def test_warnings_reach_chat_when_the_environment_asks_for_them(chat: FakeChat, sls: FakeSls) -> None:
    env = fake_env(chat, sls, DQ_CHAT_RESULTS="critical,exception,warning")
    result = make_forwarder(env).forward(parse(finished_event(1)))

    assert statuses(result)["chat"] == "sent"


def test_a_redelivered_event_is_forwarded_once(chat: FakeChat, sls: FakeSls) -> None:
    forwarder = make_forwarder(fake_env(chat, sls))
    event = finished_event(2)

    first = forwarder.forward(parse(event))
    again = forwarder.forward(parse(event))

    assert statuses(first) == {"chat": "sent", "webhook": "sent", "sls": "sent"}
    assert again == {"event_id": event["id"], "event_type": event["type"], "duplicate": True, "forwarded": []}
    assert (len(chat_messages(chat)), len(webhook_documents(chat)), len(sls.logs)) == (1, 1, 1)


def test_redelivery_is_recognised_by_a_new_forwarder_sharing_the_state_store(
        chat: FakeChat, sls: FakeSls, tmp_path: Path) -> None:
    url, env = f"sqlite:///{tmp_path}/state.db", fake_env(chat, sls)
    event = finished_event(2)
    make_forwarder(env, open_store(url)).forward(parse(event))

    again = make_forwarder(env, open_store(url)).forward(parse(event))

    assert again["duplicate"] is True
    assert len(chat_messages(chat)) == 1


def test_the_docs_payload_with_string_typed_times_and_numbers_is_forwarded_with_numbers_and_iso_times(
        chat: FakeChat, sls: FakeSls) -> None:
    event = load_event("variants/numbers_as_strings_DqcCheckFinishedEvent")
    make_forwarder(fake_env(chat, sls)).forward(parse(event))

    [document] = webhook_documents(chat)
    assert document["rule"]["id"] == 28610334
    assert document["workspace"]["id"] == 10001
    assert document["result"]["code"] == 0
    assert document["actual"] == 48213.0
    assert document["check"]["expected"] == 0.0
    assert document["times"]["begin"] == "2025-03-14T00:41:30+08:00"
    assert document["partition"]["bizdate"] == "2025-03-13T00:00:00+08:00"
    [log] = sls.logs
    assert (log["rule_id"], log["actual"], log["__time__"]) == ("28610334", "48213", 1741884097)


def test_a_feedback_event_is_forwarded_with_its_content_and_the_context_of_its_check(
        chat: FakeChat, sls: FakeSls) -> None:
    forwarder = make_forwarder(fake_env(chat, sls))
    forwarder.forward(parse(finished_event(2, id=521771452)))

    result = forwarder.forward(parse(feedback_event(ruleCheckId=521771452, feedbackContent="Known issue, rerun")))

    assert result["level"] == "feedback"
    assert statuses(result) == {"chat": "filtered", "webhook": "sent", "sls": "sent"}
    document = webhook_documents(chat)[-1]
    assert document["feedback"]["content"] == "Known issue, rerun"
    assert document["table"]["qualified_name"] == "sales_dw.dwd_order_detail_di"
    assert document["result"]["name"] == "critical"


def test_a_feedback_event_on_an_unknown_check_is_still_forwarded(chat: FakeChat, sls: FakeSls) -> None:
    result = make_forwarder(fake_env(chat, sls)).forward(parse(feedback_event()))

    assert statuses(result)["webhook"] == "sent"
    assert webhook_documents(chat)[0]["table"]["name"] is None


def test_a_transient_webhook_failure_is_retried(chat: FakeChat, sls: FakeSls) -> None:
    forwarder = make_forwarder(fake_env(chat, sls))
    chat.fail_next("dq-results", 1, "server_error")

    result = forwarder.forward(parse(finished_event(0)))

    assert statuses(result)["webhook"] == "sent"
    assert chat.request_count("dq-results") == 2


def test_a_transient_sls_failure_is_retried(chat: FakeChat, sls: FakeSls) -> None:
    forwarder = make_forwarder(fake_env(chat, sls))
    sls.fail_next(1, "WriteQuotaExceed")

    result = forwarder.forward(parse(finished_event(0)))

    assert statuses(result)["sls"] == "sent"
    assert len(sls.logs) == 1


def test_a_destination_that_fails_does_not_keep_the_others_from_their_results(
        chat: FakeChat, sls: FakeSls) -> None:
    env = fake_env(chat, sls, DQ_SLS_LOGSTORE="no-such-logstore")
    result = make_forwarder(env).forward(parse(finished_event(2)))

    rows = {row["destination"]: row for row in result["forwarded"]}
    assert rows["sls"]["status"] == "permanent"
    assert "LogStoreNotExist" in rows["sls"]["reason"]
    assert (rows["chat"]["status"], rows["webhook"]["status"]) == ("sent", "sent")


def test_a_wrongly_signed_webhook_is_reported_as_a_permanent_failure(chat: FakeChat, sls: FakeSls) -> None:
    env = fake_env(chat, sls)
    env["ALERT_WEBHOOK_SECRET"] = "not-the-receivers-secret"
    result = make_forwarder(env).forward(parse(finished_event(0)))

    row = next(r for r in result["forwarded"] if r["destination"] == "webhook")
    assert (row["status"], row["reason"]) == ("permanent", 'HTTP 401: {"error": "bad signature"}')


def test_an_event_of_another_type_is_ignored(chat: FakeChat, sls: FakeSls) -> None:
    result = make_forwarder(fake_env(chat, sls)).forward(parse(load_event("InstanceStatusChanges")))

    assert result["forwarded"] == []
    assert "not a Data Quality result event" in result["ignored"]
