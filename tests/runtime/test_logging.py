"""Logs are JSON lines with correlation fields, and no secret reaches a log line."""

from __future__ import annotations

import json

import pytest

from openevent.events import parse_one
from openevent.runtime.context import LocalContext
from openevent.runtime.logging import bind_invocation, configure_logging, get_logger
from openevent.runtime.redact import redact, register_secret
from support import load_event


@pytest.fixture
def log_lines(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    configure_logging("stdout", force=True)

    def lines() -> list[dict[str, object]]:
        return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]

    return lines


def test_each_line_is_json_with_level_and_timestamp(log_lines) -> None:  # type: ignore[no-untyped-def]
    get_logger("t").info("hello", n=1)
    (line,) = log_lines()
    assert line["event"] == "hello" and line["level"] == "info" and "timestamp" in line and line["n"] == 1


def test_invocation_fields_are_bound_to_every_line(log_lines) -> None:  # type: ignore[no-untyped-def]
    event = parse_one(load_event("InstanceStatusChanges"))
    ctx = LocalContext(function_name="instance_status_notifier")
    bind_invocation(ctx, event)
    get_logger("t").info("one")
    get_logger("t").warning("two")
    for line in log_lines():
        assert line["fc_request_id"] == ctx.request_id
        assert line["function"] == "instance_status_notifier"
        assert line["event_id"] == event.id and line["event_type"] == event.type
        assert line["workspace_id"] == event.workspace_id and line["tenant_id"] == event.tenant_id


def test_a_new_invocation_starts_with_fresh_fields(log_lines) -> None:  # type: ignore[no-untyped-def]
    bind_invocation(LocalContext(), None, extra="x")
    bind_invocation(LocalContext(), None)
    get_logger("t").info("after")
    assert "extra" not in log_lines()[0]


def test_secret_keys_and_registered_values_are_masked(log_lines) -> None:  # type: ignore[no-untyped-def]
    register_secret("LTAIsecretvalue123")
    get_logger("t").info(
        "call", access_key_secret="abc", password="p", note="key LTAIsecretvalue123 used",
        url="https://oapi.dingtalk.com/robot/send?access_token=tok123&timestamp=1&sign=xyz",
        headers={"Authorization": "Bearer zzz"},
    )
    text = json.dumps(log_lines())
    for secret in ("abc\"", "LTAIsecretvalue123", "tok123", "xyz", "zzz"):
        assert secret not in text


def test_redact_leaves_ordinary_values_alone() -> None:
    assert redact({"nodeId": 5, "name": "dim_user", "items": [1, "a"]}) == {
        "nodeId": 5, "name": "dim_user", "items": [1, "a"]}
