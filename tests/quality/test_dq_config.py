"""Configuration: environment-only mode, the shipped config.yaml, defaults and validation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from openevent.errors import ConfigError
from openevent.quality.config import (
    ChatDestination,
    QualityConfig,
    SlsDestination,
    WebhookDestination,
    config_from_env,
    load_quality_config,
)
from openevent.runtime.config import validate
from support import ROOT

SHIPPED = ROOT / "functions" / "dq_result_forwarder" / "config.yaml"
FULL_ENV = {
    "DINGTALK_WEBHOOK_URL": "https://oapi.dingtalk.com/robot/send?access_token=dt-token-123456",
    "DINGTALK_SECRET": "SECdingtalk0123456789",
    "FEISHU_WEBHOOK_URL": "https://open.feishu.cn/open-apis/bot/v2/hook/fs-token-123456",
    "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T0/B0/slack-token-123456",
    "ALERT_WEBHOOK_URL": "https://hooks.example.com/dq", "ALERT_WEBHOOK_SECRET": "whsec-0123456789",
    "DQ_SLS_ENDPOINT": "cn-hangzhou-intranet.log.aliyuncs.com", "DQ_SLS_PROJECT": "dw", "DQ_SLS_LOGSTORE": "dq",
    "DQ_CHAT_RESULTS": "critical,exception,warning", "DQ_CHAT_LANG": "en",
}


def summary(config: QualityConfig) -> dict[str, Any]:
    """What a deployment does: enabled destinations with their settings, and the chat receivers used."""
    out: dict[str, Any] = {}
    for name, dest in config.enabled_destinations().items():
        row = dest.model_dump()
        if isinstance(dest, ChatDestination):
            row["receivers"] = {n: r.model_dump() for n, r in config.chat_receivers(dest).items()}
        out[name] = row
    return out


def test_without_a_config_file_the_environment_alone_configures_the_destinations() -> None:
    config = load_quality_config(env=FULL_ENV)

    dests = config.enabled_destinations()
    assert isinstance(dests["chat"], ChatDestination)
    assert sorted(config.chat_receivers(dests["chat"])) == ["dingtalk", "feishu", "slack"]
    assert isinstance(dests["webhook"], WebhookDestination) and dests["webhook"].secret == "whsec-0123456789"
    assert isinstance(dests["sls"], SlsDestination) and (dests["sls"].project, dests["sls"].logstore) == ("dw", "dq")


def test_with_no_variables_set_nothing_is_forwarded() -> None:
    assert load_quality_config(env={}).enabled_destinations() == {}


@pytest.mark.parametrize("env", [FULL_ENV, {}, {"ALERT_WEBHOOK_URL": "https://hooks.example.com/dq"},
                                 {"WECOM_WEBHOOK_URL": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k123456",
                                  "DQ_SLS_ENDPOINT": "e", "DQ_SLS_PROJECT": "p", "DQ_SLS_LOGSTORE": "l"}],
                         ids=["everything", "nothing", "webhook-only", "wecom-and-sls"])
def test_the_shipped_config_file_behaves_like_the_environment_only_mode(env: dict[str, str]) -> None:
    from_file = load_quality_config(SHIPPED, env=env)

    assert summary(from_file) == summary(config_from_env(env))


def test_the_chat_destination_defaults_to_critical_and_exception_results() -> None:
    config = config_from_env({"SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T0/B0/slack-token-123456"})

    assert config.destinations["chat"].filter.results == ["critical", "exception"]


def test_webhook_and_sls_destinations_default_to_every_result() -> None:
    config = config_from_env(FULL_ENV)

    assert config.destinations["webhook"].filter.results == []
    assert config.destinations["sls"].filter.results == []


def test_a_destination_whose_variable_is_unset_is_disabled(tmp_path: Path) -> None:
    path = tmp_path / "dq.yaml"
    path.write_text("destinations:\n  hook: {kind: webhook, url: '${MY_DQ_HOOK}'}\n", encoding="utf-8")

    assert load_quality_config(path, env={}).enabled_destinations() == {}
    assert list(load_quality_config(path, env={"MY_DQ_HOOK": "https://h.example/x"}).enabled_destinations()) == [
        "hook"]


def test_a_chat_destination_naming_an_unknown_receiver_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown receiver"):
        validate(QualityConfig, {"destinations": {"chat": {"kind": "chat", "receivers": ["nobody"]}}})


def test_an_unknown_destination_kind_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"destinations\.x"):
        validate(QualityConfig, {"destinations": {"x": {"kind": "kafka"}}})


def test_a_link_template_with_an_unknown_placeholder_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown placeholder"):
        validate(QualityConfig, {"link_template": "https://dw.example/{instance}"})


def test_webhook_secrets_do_not_appear_in_the_config_repr() -> None:
    config = config_from_env(FULL_ENV)

    assert "whsec-0123456789" not in repr(config)
    assert "hooks.example.com/dq" not in repr(config.destinations["webhook"])
