"""Slack incoming webhook: plain ``text`` or Block Kit ``blocks`` (with ``text`` as fallback).

* Mentions: user ids as ``<@U…>``, ``at_all`` as ``<!channel>``; phone numbers are ignored.
* Size: header text ≤ 150 chars, section text ≤ 3,000 chars, top-level text ≤ 40,000 chars.
* Answer: 200 with body ``ok`` is success; 429 carries ``Retry-After`` (transient), 5xx is
  transient, other statuses carry a plain-text code (``invalid_payload``, ``no_service``,
  ``channel_is_archived``, …) and are permanent.

Example:
    >>> from openevent.notify.message import Message
    >>> ch = SlackChannel("ops", "https://hooks.slack.com/services/T/B/X")
    >>> [b["type"] for b in ch.render(Message(kind="test", title="hi", text="t", lang="en")).body["blocks"]]
    ['header', 'section']
"""

from __future__ import annotations

from typing import Any, Literal

from openevent.notify.channels.base import Clock, HttpChannel, Payload, classify_http
from openevent.notify.labels import VIEW_DETAILS, pick
from openevent.notify.limits.truncate import (
    SLACK_HEADER_MAX_CHARS,
    SLACK_SECTION_MAX_CHARS,
    SLACK_TEXT_MAX_CHARS,
    fit_text,
)
from openevent.notify.message import Message
from openevent.notify.outcome import Outcome
from openevent.notify.templates import TemplateOverride, render
from openevent.notify.transport import HttpResponse, Transport

SlackMsgType = Literal["text", "blocks"]


class SlackChannel(HttpChannel):
    kind = "slack"

    def __init__(self, name: str, url: str, *, msg_type: SlackMsgType = "blocks",
                 transport: Transport | None = None, template: TemplateOverride | None = None,
                 clock: Clock | None = None) -> None:
        super().__init__(name, url, transport=transport, template=template, clock=clock)
        self.msg_type: SlackMsgType = msg_type

    def render(self, message: Message) -> Payload:
        mentions = _mentions(message)
        if self.msg_type == "text":
            body = render(message, "slack_mrkdwn", self.template, receiver=self.name).body
            full = (mentions + "\n" + body) if mentions else body
            text = fit_text(full, len, SLACK_TEXT_MAX_CHARS, lang=message.lang)
            return Payload({"text": text}, truncated=text != full)
        r = render(message, "slack_mrkdwn", self.template, receiver=self.name,
                   with_title=False, with_link=False)
        title = r.title
        if len(title) > SLACK_HEADER_MAX_CHARS:
            title = title[:SLACK_HEADER_MAX_CHARS - 1] + "…"
        blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": title}}]
        truncated = False
        if r.body.strip():
            text = fit_text(r.body, len, SLACK_SECTION_MAX_CHARS, lang=message.lang)
            truncated = text != r.body
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
        if message.link:
            blocks.append({"type": "actions", "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": pick(VIEW_DETAILS, message.lang)},
                 "url": message.link}]})
        if mentions:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": mentions}})
        fallback = (mentions + " " + r.title) if mentions else r.title
        return Payload({"text": fallback[:SLACK_TEXT_MAX_CHARS], "blocks": blocks}, truncated=truncated)

    def classify(self, response: HttpResponse) -> Outcome:
        body = response.text.strip()
        if response.status == 200 and body == "ok":
            return Outcome.sent(self.kind, http_status=200, text="ok")
        transient = classify_http(self.kind, response)
        if transient is not None:
            return transient.with_(code=body[:100] or None)
        if response.status == 200:
            return Outcome.permanent(self.kind, code="unexpected_response", text=body[:200], http_status=200)
        return Outcome.permanent(self.kind, code=body[:100] or None, text=body[:200],
                                 http_status=response.status)


def _mentions(message: Message) -> str:
    ats = [f"<@{u}>" for u in message.mentions.user_ids]
    if message.mentions.at_all:
        ats.append("<!channel>")
    return " ".join(ats)
