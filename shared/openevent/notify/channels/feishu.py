"""Feishu (飞书) / Lark custom bot: text, post (rich text) and interactive card.

* Signing: second timestamp, ``sign = base64(HMAC-SHA256(key=ts + "\\n" + secret, msg=b""))``
  (the opposite of DingTalk), both sent as strings **in the JSON body**.
* Mentions: ``<at user_id="…"></at>`` in text, ``{"tag": "at"}`` in post, ``<at id=…></at>``
  in card markdown; ``at_all`` uses the id ``all``. Phone numbers cannot be mentioned.
* Hosts: ``open.feishu.cn`` (Feishu) or ``open.larksuite.com`` (Lark), see :func:`hook_url`.
* Size: the whole request body is kept within 20 KB.
* Answer: ``code`` (fallback ``StatusCode``) must be 0; 11232 (frequency limited) is
  transient; 19021 (sign/timestamp), 19024 (keyword), 19022 (IP), 19001 (token), 9499 permanent.

Example:
    >>> hook_url("abc-123", host="lark")
    'https://open.larksuite.com/open-apis/bot/v2/hook/abc-123'
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
from openevent.notify.labels import SOURCE_NOTE, VIEW_DETAILS, pick
from openevent.notify.limits.truncate import FEISHU_MAX_BODY_BYTES, fit_text
from openevent.notify.markup import Dialect
from openevent.notify.message import Message
from openevent.notify.outcome import Outcome
from openevent.notify.signing import feishu_sign
from openevent.notify.templates import TemplateOverride, render
from openevent.notify.transport import HttpRequest, HttpResponse, Transport

FeishuMsgType = Literal["text", "post", "interactive"]

HOSTS = {"feishu": "https://open.feishu.cn", "lark": "https://open.larksuite.com"}
RETRY_CODES: dict[int, float | None] = {11232: 1.0}
SIGN_RESERVE_BYTES = 96  # room for ,"timestamp":"…","sign":"…" added after rendering
_CARD_COLORS = {"info": "blue", "warning": "orange", "error": "red", "critical": "carmine"}


def hook_url(token: str, host: str = "feishu") -> str:
    """The custom-bot URL for ``token`` on ``host`` (``feishu``, ``lark`` or a base URL)."""
    base = HOSTS.get(host, host).rstrip("/")
    return f"{base}/open-apis/bot/v2/hook/{token}"


class FeishuChannel(HttpChannel):
    kind = "feishu"

    def __init__(self, name: str, url: str, *, secret: str | None = None, keyword: str | None = None,
                 msg_type: FeishuMsgType = "interactive", transport: Transport | None = None,
                 template: TemplateOverride | None = None, clock: Clock | None = None) -> None:
        super().__init__(name, url, transport=transport, template=template, clock=clock)
        self.secret = secret
        self.keyword = keyword
        self.msg_type: FeishuMsgType = msg_type

    def render(self, message: Message) -> Payload:
        msg_type = self.msg_type
        dialect: Dialect = "lark_md" if msg_type == "interactive" else "plain"
        separate = msg_type != "text"  # post and card show title and link outside the body
        r = render(message, dialect, self.template, receiver=self.name,
                   with_title=not separate, with_link=not separate)
        title, body = r.title, r.body
        if self.keyword:
            title = title if self.keyword in title else f"{self.keyword} {title}"
            body = body if self.keyword in body else f"{self.keyword}\n{body}"

        def build(text: str) -> dict[str, Any]:
            if msg_type == "text":
                return {"msg_type": "text", "content": {"text": text + _text_mentions(message)}}
            if msg_type == "post":
                return _post(title, text, message)
            return _card(title, text, message)

        limit = FEISHU_MAX_BODY_BYTES - (SIGN_RESERVE_BYTES if self.secret else 0)
        text = fit_text(body, lambda t: body_size(build(t)), limit, lang=message.lang)
        return Payload(build(text), truncated=text != body)

    def prepare(self, payload: dict[str, Any]) -> HttpRequest:
        if self.secret:
            ts = str(int(self.clock()))
            payload = {"timestamp": ts, "sign": feishu_sign(self.secret, ts), **payload}
        return HttpRequest(self.url, dump_json(payload), {"Content-Type": "application/json; charset=utf-8"})

    def classify(self, response: HttpResponse) -> Outcome:
        return classify_errcode(self.kind, response, key="code", fallback_key="StatusCode",
                                message_keys=("msg", "StatusMessage"), retry_codes=RETRY_CODES)


def _text_mentions(message: Message) -> str:
    m = message.mentions
    ats = [f'<at user_id="{u}"></at>' for u in m.user_ids]
    if m.at_all:
        ats.append('<at user_id="all">所有人</at>' if message.lang == "zh" else '<at user_id="all">all</at>')
    return (" " + " ".join(ats)) if ats else ""


def _post(title: str, text: str, message: Message) -> dict[str, Any]:
    rows: list[list[dict[str, Any]]] = [[{"tag": "text", "text": line}] for line in text.split("\n")]
    if message.link:
        rows.append([{"tag": "a", "text": pick(VIEW_DETAILS, message.lang), "href": message.link}])
    ats = [{"tag": "at", "user_id": u} for u in message.mentions.user_ids]
    if message.mentions.at_all:
        ats.append({"tag": "at", "user_id": "all"})
    if ats:
        rows.append(ats)
    lang_key = "zh_cn" if message.lang == "zh" else "en_us"
    return {"msg_type": "post", "content": {"post": {lang_key: {"title": title, "content": rows}}}}


def _card(title: str, text: str, message: Message) -> dict[str, Any]:
    ats = [f"<at id={u}></at>" for u in message.mentions.user_ids]
    if message.mentions.at_all:
        ats.append("<at id=all></at>")
    content = text + ("\n" + " ".join(ats) if ats else "")
    elements: list[dict[str, Any]] = [{"tag": "div", "text": {"tag": "lark_md", "content": content}}]
    if message.link:
        elements.append({"tag": "action", "actions": [
            {"tag": "button", "text": {"tag": "plain_text", "content": pick(VIEW_DETAILS, message.lang)},
             "url": message.link, "type": "primary"}]})
    note = {"tag": "plain_text", "content": pick(SOURCE_NOTE, message.lang)}
    elements += [{"tag": "hr"}, {"tag": "note", "elements": [note]}]
    return {"msg_type": "interactive", "card": {
        "config": {"wide_screen_mode": True},
        "header": {"title": {"tag": "plain_text", "content": title},
                   "template": _CARD_COLORS[message.severity]},
        "elements": elements}}
