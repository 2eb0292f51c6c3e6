"""Notification channels: DingTalk, Feishu/Lark, WeCom, Slack, generic webhook and e-mail.

A function builds a vendor-neutral :class:`Message`, picks receivers from its config (or
from environment variables) and sends; every send ends in a classified :class:`Outcome`
(``sent`` / ``retry_after`` / ``permanent`` with the vendor's code and text). DingTalk,
Feishu and WeCom report failures with HTTP 200 and a non-zero code in the body; the channels
read that code, so a rejected message is never reported as sent.

Public API (imported lazily: importing this package loads neither ``http.client`` nor ``jinja2``):

* :class:`Message`, :class:`Mentions`, :func:`connectivity_message` — what to say;
* :class:`Outcome` — what happened;
* :class:`NotifyConfig` (``receivers:`` of a config file), :func:`receivers_from_env`,
  :func:`enabled_receivers`, :func:`build_channel`, :func:`build_channels` — where to send;
* :class:`Channel` — the interface (``send(message, timeout=…) -> Outcome``);
* :func:`send_with_retry`, :func:`send_all` — delivery with retries inside a time budget;
* :class:`TemplateOverride` — a receiver's Jinja2 ``template: {title, body}``.

Example:
    >>> from openevent.notify import Message, Mentions, build_channels, receivers_from_env, send_all
    >>> channels = build_channels(receivers_from_env({}))
    >>> msg = Message(kind="instance_failure", title="任务 n1 失败", severity="error",
    ...               fields={"项目": "p1"}, mentions=Mentions(mobiles=["13800001111"]))
    >>> send_all(channels, msg, budget_s=20)
    []
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from openevent._lazy import lazy_exports

if TYPE_CHECKING:
    from openevent.notify.channels.base import Channel
    from openevent.notify.env import receivers_from_env
    from openevent.notify.message import Mentions, Message, connectivity_message
    from openevent.notify.outcome import Outcome
    from openevent.notify.receivers import (
        NotifyConfig,
        ReceiverConfig,
        build_channel,
        build_channels,
        enabled_receivers,
    )
    from openevent.notify.sender import send_all, send_with_retry
    from openevent.notify.templates import TemplateOverride

__all__ = [
    "Channel", "Mentions", "Message", "NotifyConfig", "Outcome", "ReceiverConfig", "TemplateOverride",
    "build_channel", "build_channels", "connectivity_message", "enabled_receivers", "receivers_from_env",
    "send_all", "send_with_retry",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "channels.base": ["Channel"],
    "env": ["receivers_from_env"],
    "message": ["Mentions", "Message", "connectivity_message"],
    "outcome": ["Outcome"],
    "receivers": ["NotifyConfig", "ReceiverConfig", "build_channel", "build_channels", "enabled_receivers"],
    "sender": ["send_all", "send_with_retry"],
    "templates": ["TemplateOverride"],
})
