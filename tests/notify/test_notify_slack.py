"""Slack incoming webhook against the fake: blocks, plain-text errors, 429 + Retry-After, limits."""

from __future__ import annotations

from typing import Any

from openevent.local.fake_chat import FakeChat
from openevent.notify.channels.slack import SlackChannel
from openevent.notify.message import Mentions, Message
from openevent.notify.sender import send_with_retry


def _message(**kw: Any) -> Message:
    base: dict[str, Any] = {"kind": "instance_failure", "title": "Node n1 failed", "severity": "error",
                            "text": "Instance 42 <failed> & stopped", "fields": {"project": "p1"},
                            "link": "https://example.com/i/42", "lang": "en"}
    return Message(**{**base, **kw})


def _channel(url: str, transport: Any, clock: Any, **kw: Any) -> SlackChannel:
    return SlackChannel("intl", url, transport=transport, clock=clock.time, **kw)


def test_a_blocks_message_is_accepted_with_a_text_fallback(chat: FakeChat, transport, clock) -> None:
    url = chat.slack_hook("T1/B1/X1")
    outcome = _channel(url, transport, clock).send(_message(mentions=Mentions(user_ids=["U123"])))
    assert (outcome.status, outcome.http_status) == ("sent", 200)
    body = chat.received("T1/B1/X1")[0].body
    assert body["text"].startswith("<@U123>")
    assert [b["type"] for b in body["blocks"]] == ["header", "section", "actions", "section"]


def test_mrkdwn_special_characters_are_escaped(chat: FakeChat, transport, clock) -> None:
    url = chat.slack_hook("T1/B1/X2")
    _channel(url, transport, clock).send(_message())
    section = chat.received("T1/B1/X2")[0].body["blocks"][1]["text"]["text"]
    assert "&lt;failed&gt; &amp; stopped" in section


def test_a_removed_webhook_is_permanent_with_slacks_plain_text_code(chat: FakeChat, transport, clock) -> None:
    url = chat.slack_hook("T1/B1/X3").replace("X3", "gone")
    outcome = _channel(url, transport, clock).send(_message())
    assert (outcome.status, outcome.code, outcome.http_status) == ("permanent", "no_service", 404)


def test_a_long_section_arrives_truncated_within_3000_characters(chat: FakeChat, transport, clock) -> None:
    url = chat.slack_hook("T1/B1/X4")
    outcome = _channel(url, transport, clock).send(_message(text="stack frame\n" * 1000))
    assert outcome.ok and outcome.truncated
    section = chat.received("T1/B1/X4")[0].body["blocks"][1]["text"]["text"]
    assert len(section) <= 3000 and "more characters" in section


def test_a_long_title_fits_the_header_block(chat: FakeChat, transport, clock) -> None:
    url = chat.slack_hook("T1/B1/X5")
    assert _channel(url, transport, clock).send(_message(title="t" * 400)).ok


def test_429_honours_retry_after_and_is_retried(chat: FakeChat, transport, clock, retry_opts) -> None:
    url = chat.slack_hook("T1/B1/X6")
    chat.fail_next("T1/B1/X6", 1, "throttle")
    outcome = send_with_retry(_channel(url, transport, clock), _message(), budget_s=10, **retry_opts)
    assert outcome.ok and outcome.attempts == 2 and clock.slept == [1.0]


def test_a_burst_over_the_rate_is_429_with_retry_after(chat: FakeChat, transport, clock) -> None:
    url = chat.slack_hook("T1/B1/X7")
    channel = _channel(url, transport, clock, msg_type="text")
    outcomes = [channel.send(_message()) for _ in range(4)]
    assert (outcomes[-1].status, outcomes[-1].http_status, outcomes[-1].retry_after) == ("retry_after", 429, 1.0)


def test_plain_text_messages_are_accepted(chat: FakeChat, transport, clock) -> None:
    url = chat.slack_hook("T1/B1/X8")
    assert _channel(url, transport, clock, msg_type="text").send(_message(mentions=Mentions(at_all=True))).ok
    assert chat.received("T1/B1/X8")[0].body["text"].startswith("<!channel>")
