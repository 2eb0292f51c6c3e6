"""Helpers for the notifier tests (constants, fake clock, config builders); importable as ``alerting_support``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openevent.local.fake_chat import FakeChat

# 2025-03-14 12:00:00 +08:00, a Friday noon in China
NOON_CST = 1_741_924_800.0
WORKSPACE = 10001
NODE_ID = 700004120003
INSTANCE_ID = 523536569736
OWNER_UID = "1900000001"
OWNER_MOBILE = "13800001111"
LOG = ("2025-03-14 12:01:00 INFO  Start run dwd_orders_di\n"
       "2025-03-14 12:02:10 ERROR FAILED: ODPS-0130071: Semantic analysis exception - column amount\n"
       + "".join(f"2025-03-14 12:02:{i:02d} INFO  cleanup step {i}\n" for i in range(30))
       + "2025-03-14 12:03:00 INFO  Exit code: 1\n")


@dataclass
class FakeClock:
    now: float = NOON_CST

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def dingtalk_config(url: str, **extra: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "receivers": {"dt": {"kind": "dingtalk", "url": url, "secret": "SEC-test-secret"}},
        "owners": {OWNER_UID: {"name": "张三", "mobile": OWNER_MOBILE}},
    }
    config.update(extra)
    return config


def texts(chat: FakeChat, target: str = "tok") -> list[str]:
    """The markdown/text of every accepted message of a robot."""
    out = []
    for m in chat.received(target):
        body = m.body
        inner = body.get(body.get("msgtype"), {}) if isinstance(body, dict) else {}
        out.append(str(inner.get("text") or inner.get("content") or body))
    return out
