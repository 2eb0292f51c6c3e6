"""Receivers from environment variables."""

from __future__ import annotations

from openevent.notify.env import receivers_from_env


def test_no_variables_means_no_receivers() -> None:
    assert receivers_from_env({}) == {}


def test_each_webhook_variable_enables_its_receiver() -> None:
    env = {"DINGTALK_WEBHOOK_URL": "https://oapi.dingtalk.com/robot/send?access_token=envtok1",
           "DINGTALK_SECRET": "SECenv-secret-1", "FEISHU_WEBHOOK_URL": "https://open.feishu.cn/open-apis/bot/v2/hook/h",
           "WECOM_WEBHOOK_URL": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1",
           "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/X",
           "ALERT_WEBHOOK_URL": "https://siem.example.com/in", "ALERT_WEBHOOK_SECRET": "env-webhook-secret"}
    receivers = receivers_from_env(env)
    assert sorted(receivers) == ["dingtalk", "feishu", "slack", "webhook", "wecom"]
    assert receivers["dingtalk"].secret == "SECenv-secret-1"  # type: ignore[union-attr]


def test_a_secret_without_its_url_enables_nothing() -> None:
    assert receivers_from_env({"DINGTALK_SECRET": "SECalone-1", "FEISHU_WEBHOOK_URL": ""}) == {}


def test_smtp_variables_configure_email_with_starttls_on_port_587() -> None:
    env = {"SMTP_HOST": "smtp.example.com", "SMTP_PORT": "587", "SMTP_USER": "a@example.com",
           "SMTP_PASSWORD": "env-smtp-pw", "SMTP_TO": "x@example.com,y@example.com"}
    mail = receivers_from_env(env)["email"]
    assert mail.security == "starttls" and mail.to == ["x@example.com", "y@example.com"]  # type: ignore[union-attr]
    assert mail.from_addr == "a@example.com"  # type: ignore[union-attr]
