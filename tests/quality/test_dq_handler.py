"""The FC function ``dq_result_forwarder``: deployed with environment variables alone, invoked like FC."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from dq_helpers import chat_messages, fake_env, finished_event, webhook_documents

from openevent.local.fake_chat import FakeChat
from openevent.local.fake_sls import SLS_DEMO_KEY_ID, SLS_DEMO_KEY_SECRET, FakeSls
from openevent.local.functions import load_module
from openevent.runtime.context import LocalContext


@pytest.fixture
def handler_env(chat: FakeChat, sls: FakeSls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The function's environment: no OPENEVENT_CONFIG, receivers and SLS from variables, sqlite state."""
    monkeypatch.delenv("OPENEVENT_CONFIG", raising=False)
    env = fake_env(chat, sls, OPENEVENT_STATE_URL=f"sqlite:///{tmp_path}/state.db",
                   ALIBABA_CLOUD_ACCESS_KEY_ID=SLS_DEMO_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET=SLS_DEMO_KEY_SECRET)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    module = load_module("dq_result_forwarder")
    module.reset()
    yield
    module.reset()


def invoke(event: object) -> dict[str, object]:
    handler = load_module("dq_result_forwarder").handler
    result: dict[str, object] = handler(json.dumps(event).encode(), LocalContext(function_name="dq_result_forwarder"))
    return result


@pytest.mark.usefixtures("handler_env")
def test_the_function_forwards_a_critical_result_with_environment_variables_alone(
        chat: FakeChat, sls: FakeSls) -> None:
    event = finished_event(2)

    result = invoke(event)

    assert result["event_id"] == event["id"]
    assert [(r["destination"], r["status"]) for r in result["forwarded"]] == [  # type: ignore[attr-defined]
        ("chat", "sent"), ("webhook", "sent"), ("sls", "sent")]
    assert (len(chat_messages(chat)), len(webhook_documents(chat)), len(sls.logs)) == (1, 1, 1)


@pytest.mark.usefixtures("handler_env")
def test_the_function_returns_the_forwarder_contract_for_a_redelivery() -> None:
    event = finished_event(0)
    invoke(event)

    assert invoke(event) == {"event_id": event["id"], "event_type": event["type"], "duplicate": True,
                             "forwarded": []}


@pytest.mark.usefixtures("handler_env")
def test_a_batched_delivery_gives_one_result_per_event() -> None:
    events = [finished_event(2), finished_event(0)]

    result = invoke(events)

    assert [r["event_id"] for r in result["events"]] == [e["id"] for e in events]  # type: ignore[attr-defined]
