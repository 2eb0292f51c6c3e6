"""WeCom group robot against the fake: mentions, byte limits, errcodes."""

from __future__ import annotations

from typing import Any

from openevent.local.fake_chat import FakeChat
from openevent.notify.channels.wecom import WeComChannel
from openevent.notify.message import Mentions, Message
from openevent.notify.sender import send_with_retry


def _message(**kw: Any) -> Message:
    base: dict[str, Any] = {"kind": "instance_failure", "title": "任务失败", "severity": "critical",
                            "text": "实例失败", "fields": {"项目": "p1"}}
    return Message(**{**base, **kw})


def _channel(url: str, transport: Any, clock: Any, **kw: Any) -> WeComChannel:
    return WeComChannel("ops", url, transport=transport, clock=clock.time, **kw)


def test_a_markdown_message_is_accepted(chat: FakeChat, transport, clock) -> None:
    url = chat.wecom_robot("key-1")
    outcome = _channel(url, transport, clock).send(_message(mentions=Mentions(user_ids=["wangqing"])))
    assert (outcome.status, outcome.code) == ("sent", 0)
    content = chat.received("key-1")[0].body["markdown"]["content"]
    assert "<@wangqing>" in content and '<font color="warning">' in content


def test_text_messages_mention_by_mobile_and_user_id(chat: FakeChat, transport, clock) -> None:
    url = chat.wecom_robot("key-2")
    msg = _message(mentions=Mentions(mobiles=["13800001111"], user_ids=["wangqing"], at_all=True))
    assert _channel(url, transport, clock, msg_type="text").send(msg).ok
    text = chat.received("key-2")[0].body["text"]
    assert text["mentioned_mobile_list"] == ["13800001111"]
    assert text["mentioned_list"] == ["wangqing", "@all"]


def test_an_invalid_key_is_a_permanent_failure_with_the_vendor_code(chat: FakeChat, transport, clock) -> None:
    url = chat.wecom_robot("key-3").replace("key-3", "bad-key")
    outcome = _channel(url, transport, clock).send(_message())
    assert (outcome.status, outcome.code, outcome.http_status) == ("permanent", 93000, 200)
    assert outcome.text.startswith("invalid webhook url")


def test_an_over_limit_text_arrives_truncated_within_2048_bytes(chat: FakeChat, transport, clock) -> None:
    url = chat.wecom_robot("key-4")
    outcome = _channel(url, transport, clock, msg_type="text").send(_message(text="错误" * 3000))
    assert outcome.ok and outcome.truncated
    assert len(chat.received("key-4")[0].body["text"]["content"].encode()) <= 2048


def test_an_over_limit_markdown_arrives_truncated_within_4096_bytes(chat: FakeChat, transport, clock) -> None:
    url = chat.wecom_robot("key-5")
    msg = _message(text="错误" * 3000, mentions=Mentions(user_ids=["wangqing"]))
    assert _channel(url, transport, clock).send(msg).ok
    content = chat.received("key-5")[0].body["markdown"]["content"]
    assert len(content.encode()) <= 4096 and content.endswith("<@wangqing>")


def test_api_freq_out_of_limit_is_retry_after_and_retried(chat: FakeChat, transport, clock, retry_opts) -> None:
    url = chat.wecom_robot("key-6")
    chat.fail_next("key-6", 1, "throttle")
    outcome = send_with_retry(_channel(url, transport, clock), _message(), budget_s=90, **retry_opts)
    assert outcome.ok and outcome.attempts == 2 and clock.slept == [60.0]


def test_the_twenty_first_message_in_a_minute_is_rate_limited(chat: FakeChat, transport, clock) -> None:
    url = chat.wecom_robot("key-7")
    channel = _channel(url, transport, clock, msg_type="text")
    outcomes = [channel.send(_message()) for _ in range(21)]
    assert (outcomes[-1].status, outcomes[-1].code) == ("retry_after", 45009)
