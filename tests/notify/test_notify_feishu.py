"""Feishu/Lark custom bot against the fake: body signing, keywords, cards, limits, throttling."""

from __future__ import annotations

import json
from typing import Any

from openevent.local.fake_chat import FakeChat
from openevent.notify.channels.feishu import FeishuChannel, hook_url
from openevent.notify.message import Mentions, Message
from openevent.notify.sender import send_with_retry

SECRET = "feishu-secret-for-tests-01"


def _message(**kw: Any) -> Message:
    base: dict[str, Any] = {"kind": "dq_result", "title": "质量规则 r1 未通过", "severity": "warning",
                            "text": "表 t1 行数为 0", "fields": [("表", "t1"), ("规则", "r1")],
                            "link": "https://dataworks.console.aliyun.com/dq"}
    return Message(**{**base, **kw})


def _channel(url: str, transport: Any, clock: Any, **kw: Any) -> FeishuChannel:
    return FeishuChannel("team", url, transport=transport, clock=clock.time, **kw)


def test_a_correctly_signed_card_is_accepted(chat: FakeChat, transport, clock) -> None:
    url = chat.feishu_bot("hook-1", secret=SECRET)
    outcome = _channel(url, transport, clock, secret=SECRET).send(_message())
    assert (outcome.status, outcome.code) == ("sent", 0)
    body = chat.received("hook-1")[0].body
    assert body["msg_type"] == "interactive" and body["card"]["header"]["template"] == "orange"


def test_timestamp_and_sign_travel_in_the_body_in_seconds(chat: FakeChat, transport, clock) -> None:
    url = chat.feishu_bot("hook-2", secret=SECRET)
    _channel(url, transport, clock, secret=SECRET).send(_message())
    body = chat.received("hook-2")[0].body
    assert body["timestamp"] == str(int(clock.now)) and body["sign"]


def test_a_wrong_secret_is_a_permanent_failure_with_the_vendor_code(chat: FakeChat, transport, clock) -> None:
    url = chat.feishu_bot("hook-3", secret=SECRET)
    outcome = _channel(url, transport, clock, secret="not-the-secret").send(_message())
    assert (outcome.status, outcome.code, outcome.http_status) == ("permanent", 19021, 200)
    assert chat.received("hook-3") == []


def test_a_missing_keyword_is_reported_not_sent(chat: FakeChat, transport, clock) -> None:
    url = chat.feishu_bot("hook-4", keywords=["告警"])
    outcome = _channel(url, transport, clock).send(_message())
    assert (outcome.status, outcome.code, outcome.text) == ("permanent", 19024, "Key Words Not Found")


def test_a_configured_keyword_makes_the_message_pass(chat: FakeChat, transport, clock) -> None:
    url = chat.feishu_bot("hook-5", keywords=["告警"])
    assert _channel(url, transport, clock, keyword="告警").send(_message()).ok


def test_an_unknown_token_is_permanent(chat: FakeChat, transport, clock) -> None:
    url = chat.feishu_bot("hook-6").replace("hook-6", "gone")
    outcome = _channel(url, transport, clock).send(_message())
    assert (outcome.status, outcome.code) == ("permanent", 19001)


def test_text_messages_mention_users_with_at_tags(chat: FakeChat, transport, clock) -> None:
    url = chat.feishu_bot("hook-7")
    msg = _message(mentions=Mentions(user_ids=["ou_123"], at_all=True))
    assert _channel(url, transport, clock, msg_type="text").send(msg).ok
    text = chat.received("hook-7")[0].body["content"]["text"]
    assert '<at user_id="ou_123"></at>' in text and '<at user_id="all">' in text


def test_post_messages_carry_title_link_and_mentions(chat: FakeChat, transport, clock) -> None:
    url = chat.feishu_bot("hook-8")
    msg = _message(mentions=Mentions(user_ids=["ou_123"]))
    assert _channel(url, transport, clock, msg_type="post").send(msg).ok
    post = chat.received("hook-8")[0].body["content"]["post"]["zh_cn"]
    tags = [el["tag"] for row in post["content"] for el in row]
    assert post["title"].endswith("质量规则 r1 未通过") and "a" in tags and "at" in tags


def test_an_over_limit_message_arrives_truncated_and_accepted(chat: FakeChat, transport, clock) -> None:
    url = chat.feishu_bot("hook-9", secret=SECRET)
    outcome = _channel(url, transport, clock, secret=SECRET).send(_message(text="错误详情 " * 5000))
    assert outcome.ok and outcome.truncated
    got = chat.received("hook-9")[0]
    assert len(got.raw) <= 20 * 1024
    assert "个字符未显示" in json.dumps(got.body, ensure_ascii=False)


def test_frequency_limited_is_retry_after_and_retried_within_the_budget(chat: FakeChat, transport, clock,
                                                                       retry_opts) -> None:
    url = chat.feishu_bot("hook-10", secret=SECRET)
    chat.fail_next("hook-10", 2, "throttle")
    outcome = send_with_retry(_channel(url, transport, clock, secret=SECRET), _message(),
                              budget_s=20, **retry_opts)
    assert outcome.ok and outcome.attempts == 3


def test_more_than_five_messages_a_second_are_frequency_limited(chat: FakeChat, transport, clock) -> None:
    url = chat.feishu_bot("hook-11")
    channel = _channel(url, transport, clock)
    outcomes = [channel.send(_message()) for _ in range(6)]
    assert all(o.ok for o in outcomes[:5])
    assert (outcomes[5].status, outcomes[5].code) == ("retry_after", 11232)


def test_lark_host_builds_the_international_url() -> None:
    assert hook_url("t0k3n", "lark") == "https://open.larksuite.com/open-apis/bot/v2/hook/t0k3n"
    assert hook_url("t0k3n") == "https://open.feishu.cn/open-apis/bot/v2/hook/t0k3n"


def test_english_messages_use_the_en_us_post_locale(chat: FakeChat, transport, clock) -> None:
    url = chat.feishu_bot("hook-12")
    assert _channel(url, transport, clock, msg_type="post").send(_message(lang="en")).ok
    assert "en_us" in chat.received("hook-12")[0].body["content"]["post"]
