"""Receiver configuration: discriminated models, disabled receivers, redaction, the factory."""

from __future__ import annotations

from pathlib import Path

import pytest

from openevent.errors import ConfigError
from openevent.notify.channels.dingtalk import DingTalkChannel
from openevent.notify.channels.email import EmailChannel
from openevent.notify.channels.feishu import FeishuChannel
from openevent.notify.receivers import NotifyConfig, build_channel, build_channels, enabled_receivers
from openevent.runtime.config import load_config, validate
from openevent.runtime.redact import redact_text

CONFIG = """
title: ignored
receivers:
  oncall-dingtalk:
    kind: dingtalk
    url: ${DT_URL}
    secret: ${DT_SECRET}
    keyword: 告警
    msg_type: markdown
  team-feishu: {kind: feishu, url: "${FS_URL}"}
  mail: {kind: email, preset: directmail-cn-hangzhou, from: alerts@example.com,
         password: "${MAIL_PW}", to: "a@example.com, b@example.com"}
"""


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_a_receiver_whose_url_variable_is_unset_is_disabled_not_an_error(tmp_path: Path) -> None:
    env = {"DT_URL": "https://oapi.dingtalk.com/robot/send?access_token=abc123def456",
           "DT_SECRET": "SECabcdef0123456789", "MAIL_PW": "mail-password-1"}
    cfg = load_config(NotifyConfig, _write(tmp_path), env=env)
    assert sorted(enabled_receivers(cfg.receivers)) == ["mail", "oncall-dingtalk"]
    assert not cfg.receivers["team-feishu"].enabled


def test_the_factory_builds_one_channel_per_enabled_receiver(tmp_path: Path) -> None:
    env = {"DT_URL": "https://oapi.dingtalk.com/robot/send?access_token=abc123def456",
           "DT_SECRET": "SECabcdef0123456789", "FS_URL": "https://open.feishu.cn/open-apis/bot/v2/hook/u-1-2-3"}
    channels = build_channels(load_config(NotifyConfig, _write(tmp_path), env=env).receivers)
    assert isinstance(channels["oncall-dingtalk"], DingTalkChannel)
    assert isinstance(channels["team-feishu"], FeishuChannel)
    assert channels["oncall-dingtalk"].keyword == "告警"  # type: ignore[attr-defined]


def test_secrets_and_webhook_tokens_are_masked_in_repr() -> None:
    cfg = validate(NotifyConfig, {"receivers": {"d": {
        "kind": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=tok-repr-777",
        "secret": "SECrepr-secret-777"}}})
    text = repr(cfg)
    assert "tok-repr-777" not in text and "SECrepr-secret-777" not in text


def test_secrets_are_registered_for_log_redaction() -> None:
    validate(NotifyConfig, {"receivers": {"f": {
        "kind": "feishu", "url": "https://open.feishu.cn/open-apis/bot/v2/hook/hook-token-888",
        "secret": "feishu-registered-888"}}})
    assert "hook-token-888" not in redact_text("posting to hook-token-888 failed")
    assert "feishu-registered-888" not in redact_text("secret feishu-registered-888")


def test_an_unknown_kind_is_a_config_error_naming_the_receiver() -> None:
    with pytest.raises(ConfigError, match=r"receivers\.x"):
        validate(NotifyConfig, {"receivers": {"x": {"kind": "pager", "url": "u"}}})


def test_an_unknown_option_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="secrett"):
        validate(NotifyConfig, {"receivers": {"x": {"kind": "slack", "url": "u", "secrett": "s"}}})


def test_a_lark_receiver_with_a_token_uses_the_larksuite_host() -> None:
    cfg = validate(NotifyConfig, {"receivers": {"l": {"kind": "lark", "token": "lark-token-1"}}})
    channel = build_channel("l", cfg.receivers["l"])
    assert channel.url == "https://open.larksuite.com/open-apis/bot/v2/hook/lark-token-1"  # type: ignore[attr-defined]


def test_an_email_preset_fills_directmail_host_port_and_ssl() -> None:
    cfg = validate(NotifyConfig, {"receivers": {"m": {
        "kind": "email", "preset": "directmail-ap-southeast-1", "from": "a@example.com",
        "password": "pw-preset-1", "to": "oncall@example.com"}}})
    channel = build_channel("m", cfg.receivers["m"])
    assert isinstance(channel, EmailChannel)
    assert (channel.host, channel.port, channel.security) == ("smtpdm-ap-southeast-1.aliyuncs.com", 465, "ssl")
    assert channel.username == "a@example.com" and channel.to == ["oncall@example.com"]


def test_an_unknown_email_preset_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown preset"):
        validate(NotifyConfig, {"receivers": {"m": {"kind": "email", "preset": "gmail", "to": "x"}}})


def test_building_a_disabled_receiver_is_a_config_error() -> None:
    cfg = validate(NotifyConfig, {"receivers": {"s": {"kind": "slack", "url": None}}})
    with pytest.raises(ConfigError, match="disabled"):
        build_channel("s", cfg.receivers["s"])
