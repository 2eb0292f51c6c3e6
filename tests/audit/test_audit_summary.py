"""Chat summaries of selected changes: once per receiver, never failing the audit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from audit_helpers import lifecycle, make_auditor, replay

from openevent.local.fake_chat import FakeChat


@pytest.fixture
def chat() -> Iterator[FakeChat]:
    with FakeChat() as fake:
        yield fake


def _auditor(jsonl: Path, chat: FakeChat, **summary: object) -> object:
    url = chat.dingtalk_robot("audit-tok", secret="SEC-audit", keywords=["审计"])
    return make_auditor(jsonl=jsonl, chat_summary={"receivers": ["oncall"], **summary},
                        receivers={"oncall": {"kind": "dingtalk", "url": url, "secret": "SEC-audit",
                                              "keyword": "审计"}})


def test_freezing_and_deleting_a_node_are_summarised_in_chat(jsonl: Path, chat: FakeChat) -> None:
    results = replay(_auditor(jsonl, chat), lifecycle())  # type: ignore[arg-type]

    assert [r["sinks"].get("chat:oncall") for r in results] == [None, None, "sent", "sent"]
    assert len(chat.received("audit-tok")) == 2


def test_a_redelivered_change_is_not_summarised_twice(jsonl: Path, chat: FakeChat) -> None:
    auditor = _auditor(jsonl, chat)
    replay(auditor, lifecycle()[:3])  # type: ignore[arg-type]

    again = replay(auditor, lifecycle()[2:3])  # type: ignore[arg-type]

    assert again[0]["sinks"]["chat:oncall"] == "already-sent" and len(chat.received("audit-tok")) == 1


def test_only_the_configured_workspaces_are_summarised(jsonl: Path, chat: FakeChat) -> None:
    replay(_auditor(jsonl, chat, workspaces=["99999"]), lifecycle())  # type: ignore[arg-type]

    assert chat.received("audit-tok") == []


def test_a_failing_chat_receiver_does_not_fail_the_audit(jsonl: Path, chat: FakeChat) -> None:
    auditor = _auditor(jsonl, chat, budget_s=0.5)
    chat.fail_next("audit-tok", 10, "server_error")

    results = replay(auditor, lifecycle()[:3])  # type: ignore[arg-type]

    assert results[2]["sinks"] == {"jsonl": "written", "chat:oncall": "failed"}
