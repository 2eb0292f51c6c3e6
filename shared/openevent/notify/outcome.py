"""The classified result of one delivery attempt: ``sent``, ``retry_after`` or ``permanent``.

Vendors report failures in different ways (DingTalk, Feishu and WeCom with HTTP 200 and a
non-zero code in the body, Slack with a status and a plain-text word, SMTP with reply codes);
every channel turns its answer into an :class:`Outcome` carrying the vendor's own code and
text, so a caller never mistakes a rejected message for a delivered one.

Example:
    >>> o = Outcome.permanent("dingtalk", code=310000, text="sign not match", http_status=200)
    >>> o.ok, o.reason
    (False, 'errcode 310000: sign not match')
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

Status = Literal["sent", "retry_after", "permanent"]


@dataclass(frozen=True)
class Outcome:
    """What happened to a message; ``retry_after`` is the wait in seconds the vendor asked for."""

    status: Status
    channel: str
    code: str | int | None = None
    text: str = ""
    http_status: int | None = None
    retry_after: float | None = None
    receiver: str | None = None
    attempts: int = 1
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return self.status == "sent"

    @property
    def reason(self) -> str:
        """One line for logs and results: ``errcode 310000: sign not match``, ``HTTP 503: …``."""
        if self.status == "sent":
            return "sent"
        label = "errcode" if isinstance(self.code, int) else "code"
        if self.code is None:
            head = f"HTTP {self.http_status}" if self.http_status is not None else self.status
        else:
            head = f"{label} {self.code}"
            if self.http_status is not None and self.http_status != 200:
                head = f"HTTP {self.http_status}, {head}"
        return f"{head}: {self.text}" if self.text and self.text != str(self.code) else head

    @classmethod
    def sent(cls, channel: str, *, http_status: int | None = None, code: str | int | None = None,
             text: str = "") -> Outcome:
        return cls("sent", channel, code=code, text=text, http_status=http_status)

    @classmethod
    def retry(cls, channel: str, *, code: str | int | None = None, text: str = "",
              http_status: int | None = None, after: float | None = None) -> Outcome:
        return cls("retry_after", channel, code=code, text=text, http_status=http_status,
                   retry_after=after)

    @classmethod
    def permanent(cls, channel: str, *, code: str | int | None = None, text: str = "",
                  http_status: int | None = None) -> Outcome:
        return cls("permanent", channel, code=code, text=text, http_status=http_status)

    def with_(self, **changes: Any) -> Outcome:
        """A copy with some fields changed (``receiver``, ``attempts``, ``truncated``)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (what ``openevent notify test`` prints)."""
        return {
            "receiver": self.receiver, "channel": self.channel, "status": self.status,
            "code": self.code, "text": self.text, "http_status": self.http_status,
            "retry_after": self.retry_after, "attempts": self.attempts,
            "truncated": self.truncated, "reason": self.reason,
        }
