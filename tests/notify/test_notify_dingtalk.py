"""DingTalk custom robot against the fake: signing, keywords, mentions, limits, throttling."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from openevent.local.fake_chat import FakeChat
from openevent.notify.channels.dingtalk import DingTalkChannel
from openevent.notify.message import Mentions, Message
from openevent.notify.sender import send_with_retry
from openevent.notify.transport import HttpTransport

SECRET = "SECdingtalk-test-secret-0001"


def _message(**kw: Any) -> Message:
    base: dict[str, Any] = {"kind": "instance_failure", "title": "任务 n1 失败", "severity": "error",
                            "text": "实例 42 运行失败", "fields": {"项目": "p1", "节点": "n1"}}
    return Message(**{**base, **kw})


def _channel(url: str, transport: HttpTransport, clock: Any, **kw: Any) -> DingTalkChannel:
    return DingTalkChannel("oncall", url, transport=transport, clock=clock.time, **kw)


def test_a_correctly_signed_markdown_message_is_accepted(chat: FakeChat, transport, clock) -> None:
    url = chat.dingtalk_robot("tok1", secret=SECRET)
    outcome = _channel(url, transport, clock, secret=SECRET).send(_message())
    assert outcome.status == "sent" and outcome.code == 0
    assert chat.received("tok1")[0].body["msgtype"] == "markdown"


def test_the_signature_travels_in_the_query_next_to_the_access_token(chat: FakeChat, transport, clock) -> None:
    url = chat.dingtalk_robot("tok2", secret=SECRET)
    _channel(url, transport, clock, secret=SECRET).send(_message())
    query = chat.received("tok2")[0].query
    assert query["access_token"] == "tok2"
    assert query["timestamp"] == str(int(clock.now * 1000))


def test_a_wrong_secret_is_a_permanent_failure_with_the_vendor_code(chat: FakeChat, transport, clock) -> None:
    url = chat.dingtalk_robot("tok3", secret=SECRET)
    outcome = _channel(url, transport, clock, secret="SECwrong-secret-000").send(_message())
    assert (outcome.status, outcome.code, outcome.text) == ("permanent", 310000, "sign not match")
    assert outcome.http_status == 200
    assert chat.received("tok3") == []


def test_a_clock_more_than_an_hour_off_is_reported_as_invalid_timestamp(chat: FakeChat, transport, clock) -> None:
    url = chat.dingtalk_robot("tok4", secret=SECRET)
    channel = DingTalkChannel("oncall", url, secret=SECRET, transport=transport,
                              clock=lambda: clock.now - 3601)
    outcome = channel.send(_message())
    assert (outcome.status, outcome.code, outcome.text) == ("permanent", 310000, "invalid timestamp")


def test_an_unknown_token_is_permanent(chat: FakeChat, transport, clock) -> None:
    url = chat.dingtalk_robot("tok5").replace("tok5", "deleted")
    outcome = _channel(url, transport, clock).send(_message())
    assert (outcome.status, outcome.code) == ("permanent", 300005)


def test_a_missing_keyword_is_reported_not_sent(chat: FakeChat, transport, clock) -> None:
    url = chat.dingtalk_robot("tok6", keywords=["告警"])
    outcome = _channel(url, transport, clock).send(_message())
    assert (outcome.status, outcome.code, outcome.text) == ("permanent", 310000, "keywords not in content")


def test_a_configured_keyword_is_added_to_title_and_text(chat: FakeChat, transport, clock) -> None:
    url = chat.dingtalk_robot("tok7", keywords=["告警"])
    outcome = _channel(url, transport, clock, keyword="告警").send(_message())
    assert outcome.ok
    md = chat.received("tok7")[0].body["markdown"]
    assert "告警" in md["title"] and "告警" in md["text"]


def test_mentioned_mobiles_go_in_at_and_are_repeated_in_the_text(chat: FakeChat, transport, clock) -> None:
    url = chat.dingtalk_robot("tok8")
    msg = _message(mentions=Mentions(mobiles=["13800001111"], user_ids=["user123"]))
    _channel(url, transport, clock).send(msg)
    body = chat.received("tok8")[0].body
    assert body["at"] == {"atMobiles": ["13800001111"], "atUserIds": ["user123"], "isAtAll": False}
    assert "@13800001111" in body["markdown"]["text"] and "@user123" in body["markdown"]["text"]


def test_text_messages_carry_the_content_and_mentions(chat: FakeChat, transport, clock) -> None:
    url = chat.dingtalk_robot("tok9")
    msg = _message(mentions=Mentions(mobiles=["13800001111"], at_all=True))
    assert _channel(url, transport, clock, msg_type="text").send(msg).ok
    body = chat.received("tok9")[0].body
    assert body["msgtype"] == "text" and body["text"]["content"].endswith("@13800001111")
    assert body["at"]["isAtAll"] is True


def test_an_action_card_has_a_view_details_button(chat: FakeChat, transport, clock) -> None:
    url = chat.dingtalk_robot("tok10")
    msg = _message(link="https://dataworks.console.aliyun.com/x")
    assert _channel(url, transport, clock, msg_type="actionCard").send(msg).ok
    card = chat.received("tok10")[0].body["actionCard"]
    assert card["singleURL"] == "https://dataworks.console.aliyun.com/x" and card["singleTitle"] == "查看详情"


def test_an_over_limit_message_arrives_truncated_and_accepted(chat: FakeChat, transport, clock) -> None:
    url = chat.dingtalk_robot("tok11", secret=SECRET)
    msg = _message(text="日志行：任务失败，错误堆栈如下。\n" * 2000,
                   mentions=Mentions(mobiles=["13800001111"]))
    outcome = _channel(url, transport, clock, secret=SECRET).send(msg)
    assert outcome.ok and outcome.truncated
    got = chat.received("tok11")[0]
    assert len(got.raw) <= 20_000
    assert "个字符未显示" in got.body["markdown"]["text"]
    assert got.body["markdown"]["text"].endswith("@13800001111")


def test_throttling_is_retry_after_and_is_retried_within_the_budget(chat: FakeChat, transport, clock,
                                                                   retry_opts) -> None:
    url = chat.dingtalk_robot("tok12", secret=SECRET)
    chat.fail_next("tok12", 1, "throttle")
    outcome = send_with_retry(_channel(url, transport, clock, secret=SECRET), _message(),
                              budget_s=120, **retry_opts)
    assert outcome.ok and outcome.attempts == 2
    assert clock.slept == [60.0]


def test_throttling_is_not_retried_when_the_wait_exceeds_the_budget(chat: FakeChat, transport, clock,
                                                                   retry_opts) -> None:
    url = chat.dingtalk_robot("tok13")
    chat.fail_next("tok13", 1, "throttle")
    outcome = send_with_retry(_channel(url, transport, clock), _message(), budget_s=30, **retry_opts)
    assert (outcome.status, outcome.code, outcome.retry_after) == ("retry_after", 130101, 60.0)
    assert clock.slept == [] and chat.request_count("tok13") == 1


def test_the_twenty_first_message_in_a_minute_is_throttled(chat: FakeChat, transport, clock) -> None:
    url = chat.dingtalk_robot("tok14")
    channel = _channel(url, transport, clock)
    outcomes = [channel.send(_message()) for _ in range(21)]
    assert all(o.ok for o in outcomes[:20])
    assert (outcomes[20].status, outcomes[20].code) == ("retry_after", 130101)


def test_a_server_error_is_retried(chat: FakeChat, transport, clock, retry_opts) -> None:
    url = chat.dingtalk_robot("tok15")
    chat.fail_next("tok15", 1, "server_error")
    outcome = send_with_retry(_channel(url, transport, clock), _message(), budget_s=30, **retry_opts)
    assert outcome.ok and outcome.attempts == 2


def test_the_webhook_url_keeps_its_host_and_path(chat: FakeChat, transport, clock) -> None:
    url = chat.dingtalk_robot("tok16", secret=SECRET)
    request = _channel(url, transport, clock, secret=SECRET).prepare({"msgtype": "text"})
    assert urlsplit(request.url).path == "/robot/send"
