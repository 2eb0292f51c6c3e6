"""DingTalk (钉钉) custom robot: text, markdown and actionCard, optional 加签 and keyword.

* Signing: millisecond timestamp, ``HMAC-SHA256(key=secret, msg=ts + "\\n" + secret)``,
  base64, added to the **query** next to ``access_token`` and URL-encoded exactly once.
* Mentions: ``at.atMobiles`` / ``at.atUserIds`` / ``at.isAtAll``; every mobile and user id is
  also written as ``@…`` in the text, as DingTalk requires for the mention to show.
* Keyword: when configured and missing, it is put in front of the title and the text.
* Size: the whole JSON body is kept within 20,000 bytes (text cut with a "… N more" note).
* Answer: HTTP 200 with ``errcode``; only ``errcode == 0`` is success. 130101/410100 (send
  too fast) and -1 (busy) are transient, everything else (310000 sign/keyword/IP/timestamp,
  300005 token, …) permanent. ``actionCard`` does not render @mentions; the ``at`` field is omitted.

Example:
    >>> from openevent.notify.message import Message
    >>> ch = DingTalkChannel("ops", "https://oapi.dingtalk.com/robot/send?access_token=T", msg_type="text")
    >>> ch.render(Message(kind="test", title="hi", lang="en")).body["msgtype"]
    'text'
"""

from __future__ import annotations

from typing import Any, Literal

from openevent.notify.channels.base import (
    Clock,
    HttpChannel,
    Payload,
    body_size,
    classify_errcode,
    dump_json,
)
from openevent.notify.labels import VIEW_DETAILS, pick
from openevent.notify.limits.truncate import DINGTALK_MAX_BODY_BYTES, fit_text
from openevent.notify.markup import Dialect
from openevent.notify.message import Message
from openevent.notify.outcome import Outcome
from openevent.notify.signing import dingtalk_signed_url
from openevent.notify.templates import TemplateOverride, render
from openevent.notify.transport import HttpRequest, HttpResponse, Transport

DingTalkMsgType = Literal["text", "markdown", "actionCard"]

RETRY_CODES: dict[int, float | None] = {130101: 60.0, 410100: 60.0, -1: None}
TITLE_MAX_CHARS = 100


class DingTalkChannel(HttpChannel):
    kind = "dingtalk"

    def __init__(self, name: str, url: str, *, secret: str | None = None, keyword: str | None = None,
                 msg_type: DingTalkMsgType = "markdown", transport: Transport | None = None,
                 template: TemplateOverride | None = None, clock: Clock | None = None) -> None:
        super().__init__(name, url, transport=transport, template=template, clock=clock)
        self.secret = secret
        self.keyword = keyword
        self.msg_type: DingTalkMsgType = msg_type

    def render(self, message: Message) -> Payload:
        msg_type = self.msg_type
        if msg_type == "actionCard" and not message.link:
            msg_type = "markdown"
        dialect: Dialect = "plain" if msg_type == "text" else "dingtalk_md"
        r = render(message, dialect, self.template, receiver=self.name, with_link=msg_type != "actionCard")
        title, body = r.title, r.body
        if self.keyword:
            title = title if self.keyword in title else f"{self.keyword} {title}"
            body = body if self.keyword in body else f"{self.keyword}\n{body}"
        title = title[:TITLE_MAX_CHARS]
        suffix = _mention_suffix(message) if msg_type != "actionCard" else ""

        def build(text: str) -> dict[str, Any]:
            return _payload(msg_type, title, text + suffix, message, self._button(message))

        text = fit_text(body, lambda t: body_size(build(t)), DINGTALK_MAX_BODY_BYTES, lang=message.lang)
        return Payload(build(text), truncated=text != body)

    @staticmethod
    def _button(message: Message) -> tuple[str, str] | None:
        return (pick(VIEW_DETAILS, message.lang), message.link) if message.link else None

    def prepare(self, payload: dict[str, Any]) -> HttpRequest:
        url = self.url
        if self.secret:
            url = dingtalk_signed_url(url, self.secret, int(self.clock() * 1000))
        return HttpRequest(url, dump_json(payload), {"Content-Type": "application/json; charset=utf-8"})

    def classify(self, response: HttpResponse) -> Outcome:
        return classify_errcode(self.kind, response, key="errcode", fallback_key=None,
                                message_keys=("errmsg",), retry_codes=RETRY_CODES)


def _mention_suffix(message: Message) -> str:
    ats = [f"@{m}" for m in message.mentions.mobiles] + [f"@{u}" for u in message.mentions.user_ids]
    return ("\n\n" + " ".join(ats)) if ats else ""


def _payload(msg_type: str, title: str, text: str, message: Message,
             button: tuple[str, str] | None) -> dict[str, Any]:
    at = {"atMobiles": list(message.mentions.mobiles), "atUserIds": list(message.mentions.user_ids),
          "isAtAll": message.mentions.at_all}
    if msg_type == "text":
        return {"msgtype": "text", "text": {"content": text}, "at": at}
    if msg_type == "actionCard" and button is not None:
        return {"msgtype": "actionCard",
                "actionCard": {"title": title, "text": text, "btnOrientation": "0",
                               "singleTitle": button[0], "singleURL": button[1]}}
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text}, "at": at}
