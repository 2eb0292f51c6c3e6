"""Builders for the DQ forwarder tests: corpus DQ events with chosen values, an environment wired to fakes."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from openevent.local.fake_chat import FakeChat
from openevent.local.fake_sls import SLS_DEMO_KEY_ID, SLS_DEMO_KEY_SECRET, FakeSls
from openevent.quality.config import config_from_env
from openevent.quality.forward import Forwarder
from openevent.runtime.credentials import Credentials
from openevent.state import StateStore, open_store
from support import load_event

SLS_PROJECT, SLS_LOGSTORE = "dw-quality", "dq-results"
DINGTALK_TOKEN, DINGTALK_SECRET = "dq-oncall-token", "SECdq0123456789abcdef"
HOOK_NAME, HOOK_SECRET = "dq-results", "whsec-dq-0123456789"
CREDENTIALS = Credentials(SLS_DEMO_KEY_ID, SLS_DEMO_KEY_SECRET)


def finished_event(result: int = 0, *, event_id: str | None = None, **data: Any) -> dict[str, Any]:
    """The corpus ``DqcCheckFinishedEvent`` with ``checkResult`` = ``result``, a fresh id and ``data`` changes."""
    event = copy.deepcopy(load_event("DqcCheckFinishedEvent"))
    event["id"] = event_id or str(uuid.uuid4())
    event["data"].update({"checkResult": result, "checkResultStatus": result, **data})
    return event


def feedback_event(*, event_id: str | None = None, **data: Any) -> dict[str, Any]:
    """The corpus ``DqcCheckFeedbackEvent`` with a fresh id and ``data`` changes."""
    event = copy.deepcopy(load_event("DqcCheckFeedbackEvent"))
    event["id"] = event_id or str(uuid.uuid4())
    event["data"].update(data)
    return event


def fake_env(chat: FakeChat, sls: FakeSls, **extra: str) -> dict[str, str]:
    """Environment variables that point every destination of the env-only mode at the fakes."""
    return {
        "DINGTALK_WEBHOOK_URL": chat.dingtalk_robot(DINGTALK_TOKEN, secret=DINGTALK_SECRET),
        "DINGTALK_SECRET": DINGTALK_SECRET,
        "ALERT_WEBHOOK_URL": chat.webhook_sink(HOOK_NAME, secret=HOOK_SECRET),
        "ALERT_WEBHOOK_SECRET": HOOK_SECRET,
        "DQ_SLS_ENDPOINT": sls.endpoint, "DQ_SLS_PROJECT": SLS_PROJECT, "DQ_SLS_LOGSTORE": SLS_LOGSTORE,
        **extra,
    }


def make_forwarder(env: dict[str, str], store: StateStore | None = None) -> Forwarder:
    """A forwarder configured from ``env`` alone, with SLS credentials the fake accepts and no real sleeping."""
    return Forwarder(config_from_env(env), store or open_store("memory://"), credentials=CREDENTIALS,
                     sleep=lambda _s: None)


def chat_messages(chat: FakeChat) -> list[Any]:
    return [m.body for m in chat.received(DINGTALK_TOKEN)]


def webhook_documents(chat: FakeChat) -> list[Any]:
    return [m.body for m in chat.received(HOOK_NAME)]


def handler_env(chat: FakeChat, sls: FakeSls, state_url: str, **extra: str) -> dict[str, str]:
    """The environment of the deployed function: env-only mode wired to the fakes, ``state_url`` shared."""
    return fake_env(chat, sls, OPENEVENT_STATE_URL=state_url, ALIBABA_CLOUD_ACCESS_KEY_ID=SLS_DEMO_KEY_ID,
                    ALIBABA_CLOUD_ACCESS_KEY_SECRET=SLS_DEMO_KEY_SECRET, **extra)


def invoke_handler(module: Any, event: Any, *, timeout_s: int = 30) -> dict[str, Any]:
    """``module.handler`` called as FC calls it: the event's bytes and a context with ``timeout_s``."""
    import json

    from openevent.runtime.context import LocalContext

    context = LocalContext(function_name="dq_result_forwarder", timeout_s=timeout_s)
    result: dict[str, Any] = module.handler(json.dumps(event).encode(), context)
    return result


def rows_by_part(result: dict[str, Any]) -> dict[str, str]:
    """``{destination or destination:receiver: status}`` of a forward result."""
    return {(f"{r['destination']}:{r['receiver']}" if r.get("receiver") else r["destination"]): r["status"]
            for r in result["forwarded"]}
