"""The vendor-neutral message every channel renders: what happened, how bad, who to @.

Functions build a :class:`Message`; channels turn it into DingTalk markdown, a Feishu card,
a Slack block list, an e-mail… ``fields`` keep their order (a list of ``(name, value)``
pairs; a mapping is accepted and converted), values are stringified.

Example:
    >>> m = Message(kind="instance_failure", title="Node n1 failed", severity="error",
    ...             text="Instance 42 ended with status FAILURE",
    ...             fields={"project": "p1", "node": "n1"},
    ...             mentions=Mentions(mobiles=["13800001111"]), lang="en")
    >>> m.fields
    [('project', 'p1'), ('node', 'n1')]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MessageKind = Literal["guard_decision", "instance_failure", "instance_recovery", "digest",
                      "audit_change", "dq_result", "test"]
Severity = Literal["info", "warning", "error", "critical"]
Lang = Literal["zh", "en"]


class Mentions(BaseModel):
    """Who to @: phone numbers, vendor user ids, or everyone in the group."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mobiles: list[str] = Field(default_factory=list)
    user_ids: list[str] = Field(default_factory=list)
    at_all: bool = False

    def __bool__(self) -> bool:
        return bool(self.mobiles or self.user_ids or self.at_all)


class Message(BaseModel):
    """One notification, independent of the channel that will carry it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: MessageKind
    title: str
    severity: Severity = "info"
    text: str = ""
    markdown: bool = False
    fields: list[tuple[str, str]] = Field(default_factory=list)
    link: str | None = None
    mentions: Mentions = Field(default_factory=Mentions)
    lang: Lang = "zh"

    @field_validator("fields", mode="before")
    @classmethod
    def _ordered_pairs(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, Mapping):
            value = list(value.items())
        if isinstance(value, list | tuple):
            return [(str(k), "" if v is None else str(v)) for k, v in value]
        return value


def connectivity_message(receiver: str, lang: Lang = "zh") -> Message:
    """The connectivity-test message ``openevent notify test`` sends.

    Example:
        >>> connectivity_message("oncall", lang="en").kind
        'test'
    """
    if lang == "zh":
        return Message(kind="test", title="openevent 连通性测试", lang=lang,
                       text=f"接收方 {receiver} 配置正确：这条消息由 `openevent notify test` 发送。",
                       fields=[("receiver", receiver)])
    return Message(kind="test", title="openevent connectivity test", lang=lang,
                   text=f"Receiver {receiver} works: this message was sent by `openevent notify test`.",
                   fields=[("receiver", receiver)])

