"""Environment values with a fixed set of meanings are checked, not guessed (``openevent.runtime.envcheck``)."""

from __future__ import annotations

import pytest
import structlog

from openevent.errors import ConfigError
from openevent.runtime.envcheck import (
    check_environment,
    environment_problems,
    needs_shared_state_warning,
    state_degradation,
)


@pytest.mark.parametrize(("name", "value"), [
    ("OPENEVENT_FAILURE_POLICY", "fail-opn"),
    ("OPENEVENT_LOG_LEVEL", "verbose"),
    ("OPENEVENT_LOG_STREAM", "stdot"),
    ("OPENEVENT_STATE_URL", "redis:/host"),
    ("OPENEVENT_STATE_URL", "postgres://db"),
    ("OPENEVENT_STATE_TIMEOUT_S", "two"),
    ("OPENEVENT_STATE_TIMEOUT_S", "-1"),
    ("NOTIFY_LANG", "de"),
    ("DQ_CHAT_LANG", "EN"),
    ("NOTIFY_DIGEST_WINDOW_S", "1m"),
    ("DATAWORKS_REGION_FOR_LINKS", "hangzhou"),
    ("DATAWORKS_EXTENSION_CODE", "code with spaces"),
    ("DATAWORKS_EXTENSION_CODE_DOWNLOAD_GUARD", "a/b"),
    ("SLACK_WEBHOOK_URL", "hooks.slack.com/services/T/B/X"),
])
def test_a_value_without_a_meaning_is_a_problem_naming_the_variable(name: str, value: str) -> None:
    (problem,) = environment_problems({name: value}, on_fc=False)
    assert problem.name == name and problem.line().startswith(f"{name}: ")


@pytest.mark.parametrize(("name", "value"), [
    ("OPENEVENT_FAILURE_POLICY", "fail-open"),
    ("OPENEVENT_LOG_LEVEL", "WARNING"),
    ("OPENEVENT_STATE_URL", "rediss://:secret@r-bp1x.redis.rds.aliyuncs.com:6380/0"),
    ("OPENEVENT_STATE_URL", "sqlite:////tmp/state.db"),
    ("OPENEVENT_STATE_TIMEOUT_S", "1.5"),
    ("NOTIFY_LANG", "en"),
    ("DATAWORKS_REGION_FOR_LINKS", "ap-southeast-1"),
    ("DATAWORKS_EXTENSION_CODE", "0c1a2b3c4d5e6f708192a3b4c5d6e7f8"),
    ("DINGTALK_WEBHOOK_URL", "https://oapi.dingtalk.com/robot/send?access_token=x"),
])
def test_a_meaningful_value_is_accepted(name: str, value: str) -> None:
    assert environment_problems({name: value}, on_fc=True) == []


def test_an_empty_value_counts_as_unset() -> None:
    # s.yaml passes ${env('X', '')} for every variable the deploying shell does not set
    assert environment_problems({"OPENEVENT_FAILURE_POLICY": "", "NOTIFY_LANG": " "}) == []


def test_variables_it_does_not_know_are_left_alone() -> None:
    assert environment_problems({"HOME": "/root", "GUARD_CONTACT": "anything at all"}) == []


def test_on_fc_a_path_under_the_read_only_code_directory_is_a_problem() -> None:
    env = {"OPENEVENT_AUDIT_JSONL": "/code/audit.jsonl", "OPENEVENT_STATE_URL": "sqlite:///state.db"}
    assert environment_problems(env, on_fc=False) == []
    assert [p.name for p in environment_problems(env, on_fc=True)] == ["OPENEVENT_AUDIT_JSONL", "OPENEVENT_STATE_URL"]


def test_fc_is_recognised_by_the_function_name_the_runtime_sets() -> None:
    env = {"FC_FUNCTION_NAME": "openevent-node-change-auditor", "OPENEVENT_AUDIT_JSONL": "/code/a.jsonl"}
    assert [p.name for p in environment_problems(env)] == ["OPENEVENT_AUDIT_JSONL"]


def test_a_webhook_url_problem_never_shows_the_url() -> None:
    (problem,) = environment_problems({"FEISHU_WEBHOOK_URL": "open.feishu.cn/open-apis/bot/v2/hook/tok3n"})
    assert "tok3n" not in problem.line()


def test_a_state_url_problem_never_shows_the_password() -> None:
    (problem,) = environment_problems({"OPENEVENT_STATE_URL": "redis://:hunter2-secret@host:notaport/0"})
    assert "hunter2-secret" not in problem.problem


def test_check_environment_raises_one_error_listing_every_bad_value() -> None:
    with pytest.raises(ConfigError) as caught:
        check_environment("download_guard", kind="guard",
                          env={"OPENEVENT_FAILURE_POLICY": "fail-opn", "OPENEVENT_LOG_LEVEL": "loud"})
    text = str(caught.value)
    assert text.startswith("download_guard: bad environment: ")
    assert "OPENEVENT_FAILURE_POLICY: 'fail-opn'" in text and "OPENEVENT_LOG_LEVEL: 'loud'" in text


def test_on_fc_a_function_on_memory_state_logs_an_error_and_keeps_working() -> None:
    with structlog.testing.capture_logs() as logs:
        assert check_environment("instance_status_notifier", timer=True,
                                 env={"FC_FUNCTION_NAME": "openevent-instance-status-notifier"}) == []
    (entry,) = [e for e in logs if e["event"] == "state.memory_on_fc"]
    assert entry["log_level"] == "error" and "digested and quiet-hour alerts" in entry["problem"]


def test_off_fc_memory_state_is_fine_and_silent() -> None:
    with structlog.testing.capture_logs() as logs:
        check_environment("instance_status_notifier", timer=True, env={})
    assert logs == []


def test_shared_state_means_no_warning() -> None:
    assert needs_shared_state_warning("x", env={"OPENEVENT_STATE_URL": "rediss://host:6380/0"}) is None
    assert needs_shared_state_warning("x", env={"OPENEVENT_STATE_URL": ""}) is not None  # empty = memory://


def test_what_degrades_without_shared_state_depends_on_the_function() -> None:
    assert "timer" in state_degradation("consumer", timer=True)
    assert "decided again" in state_degradation("guard")
    assert "delivered again" in state_degradation("consumer")
