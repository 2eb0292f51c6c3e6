"""WeCom (企业微信) group robot: text and markdown; the key in the URL is the only credential.

* Mentions: text uses ``mentioned_list`` (user ids, ``@all``) and ``mentioned_mobile_list``;
  markdown accepts only ``<@userid>`` inside the content (phone numbers cannot be mentioned).
* Size: ``content`` within 2,048 bytes (text) or 4,096 bytes (markdown), UTF-8.
* Answer: HTTP 200 with ``errcode``; 45009 (api freq out of limit) and -1 (busy) are
  transient, 93000 (invalid webhook url) and every other non-zero code permanent.

Example:
    >>> from openevent.notify.message import Message, Mentions
    >>> ch = WeComChannel("ops", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K", msg_type="text")
    >>> m = Message(kind="test", title="hi", mentions=Mentions(mobiles=["13800001111"]))
    >>> ch.render(m).body["text"]["mentioned_mobile_list"]
    ['13800001111']
"""

from __future__ import annotations

from typing import Any, Literal

from openevent.notify.channels.base import Clock, HttpChannel, Payload, classify_errcode
from openevent.notify.limits.truncate import (
    WECOM_MARKDOWN_MAX_BYTES,
    WECOM_TEXT_MAX_BYTES,
    fit_text,
    utf8_len,
)
from openevent.notify.message import Message
from openevent.notify.outcome import Outcome
from openevent.notify.templates import TemplateOverride, render
from openevent.notify.transport import HttpResponse, Transport

WeComMsgType = Literal["text", "markdown"]

RETRY_CODES: dict[int, float | None] = {45009: 60.0, -1: None}


class WeComChannel(HttpChannel):
    kind = "wecom"

    def __init__(self, name: str, url: str, *, msg_type: WeComMsgType = "markdown",
                 transport: Transport | None = None, template: TemplateOverride | None = None,
                 clock: Clock | None = None) -> None:
        super().__init__(name, url, transport=transport, template=template, clock=clock)
        self.msg_type: WeComMsgType = msg_type

    def render(self, message: Message) -> Payload:
        m = message.mentions
        if self.msg_type == "text":
            body = render(message, "plain", self.template, receiver=self.name).body
            text = fit_text(body, utf8_len, WECOM_TEXT_MAX_BYTES, lang=message.lang)
            inner: dict[str, Any] = {"content": text}
            users = list(m.user_ids) + (["@all"] if m.at_all else [])
            if users:
                inner["mentioned_list"] = users
            if m.mobiles:
                inner["mentioned_mobile_list"] = list(m.mobiles)
            return Payload({"msgtype": "text", "text": inner}, truncated=text != body)
        body = render(message, "wecom_md", self.template, receiver=self.name).body
        suffix = ("\n" + " ".join(f"<@{u}>" for u in m.user_ids)) if m.user_ids else ""
        text = fit_text(body, lambda t: utf8_len(t + suffix), WECOM_MARKDOWN_MAX_BYTES, lang=message.lang)
        return Payload({"msgtype": "markdown", "markdown": {"content": text + suffix}},
                       truncated=text != body)

    def classify(self, response: HttpResponse) -> Outcome:
        return classify_errcode(self.kind, response, key="errcode", fallback_key=None,
                                message_keys=("errmsg",), retry_codes=RETRY_CODES)
