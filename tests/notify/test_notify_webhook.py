"""Generic JSON webhook against the fake sink: payload shapes, HMAC headers, status handling."""

from __future__ import annotations

from typing import Any

from openevent.local.fake_chat import FakeChat
from openevent.notify.channels.webhook import WebhookChannel
from openevent.notify.message import Message
from openevent.notify.sender import send_with_retry

SECRET = "webhook-secret-for-tests"


def _message(**kw: Any) -> Message:
    base: dict[str, Any] = {"kind": "audit_change", "title": "Node n1 changed", "text": "SQL edited",
                            "fields": [("node", "n1"), ("operator", "alice")], "lang": "en"}
    return Message(**{**base, **kw})


def _channel(url: str, transport: Any, clock: Any, **kw: Any) -> WebhookChannel:
    return WebhookChannel("siem", url, transport=transport, clock=clock.time, **kw)


def test_a_signed_delivery_is_accepted_with_both_signature_headers(chat: FakeChat, transport, clock) -> None:
    url = chat.webhook_sink("siem", secret=SECRET)
    outcome = _channel(url, transport, clock, secret=SECRET).send(_message())
    assert (outcome.status, outcome.http_status) == ("sent", 200)
    headers = chat.received("siem")[0].headers
    assert headers["x-openevent-signature"].startswith(f"t={int(clock.now)},v1=")
    assert headers["x-hub-signature-256"].startswith("sha256=")


def test_the_default_payload_is_the_documented_document(chat: FakeChat, transport, clock) -> None:
    url = chat.webhook_sink("doc")
    _channel(url, transport, clock).send(_message())
    body = chat.received("doc")[0].body
    assert body["version"] == "1" and body["kind"] == "audit_change" and body["receiver"] == "siem"
    assert body["fields"] == [{"name": "node", "value": "n1"}, {"name": "operator", "value": "alice"}]
    assert body["sent_at"] == "2023-11-14T22:13:20Z"


def test_a_wrong_secret_is_a_permanent_failure(chat: FakeChat, transport, clock) -> None:
    url = chat.webhook_sink("strict", secret=SECRET)
    outcome = _channel(url, transport, clock, secret="another-secret").send(_message())
    assert (outcome.status, outcome.http_status) == ("permanent", 401)


def test_the_alertmanager_format_is_a_v4_document(chat: FakeChat, transport, clock) -> None:
    url = chat.webhook_sink("am")
    _channel(url, transport, clock, format="alertmanager").send(_message(kind="instance_failure"))
    body = chat.received("am")[0].body
    assert (body["version"], body["status"], body["receiver"]) == ("4", "firing", "siem")
    assert body["alerts"][0]["labels"]["node"] == "n1"
    assert body["alerts"][0]["endsAt"] == "0001-01-01T00:00:00Z"


def test_custom_headers_are_sent(chat: FakeChat, transport, clock) -> None:
    url = chat.webhook_sink("hdr")
    _channel(url, transport, clock, headers={"Authorization": "Bearer tok-123456"}).send(_message())
    assert chat.received("hdr")[0].headers["authorization"] == "Bearer tok-123456"


def test_429_with_retry_after_is_retried_within_the_budget(chat: FakeChat, transport, clock, retry_opts) -> None:
    url = chat.webhook_sink("busy")
    chat.fail_next("busy", 1, "throttle")
    outcome = send_with_retry(_channel(url, transport, clock), _message(), budget_s=10, **retry_opts)
    assert outcome.ok and clock.slept == [2.0]


def test_an_unknown_endpoint_is_permanent(chat: FakeChat, transport, clock) -> None:
    url = chat.webhook_sink("x").replace("/hooks/x", "/hooks/nope")
    outcome = _channel(url, transport, clock).send(_message())
    assert (outcome.status, outcome.http_status) == ("permanent", 404)
