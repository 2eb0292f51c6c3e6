"""Receivers from environment variables, for functions that run without a config file.

==========================  =================================================================
Variable(s)                 Receiver
==========================  =================================================================
``DINGTALK_WEBHOOK_URL``    ``dingtalk`` (+ ``DINGTALK_SECRET``, ``DINGTALK_KEYWORD``)
``FEISHU_WEBHOOK_URL``      ``feishu`` (+ ``FEISHU_SECRET``, ``FEISHU_KEYWORD``; Lark URLs work too)
``WECOM_WEBHOOK_URL``       ``wecom``
``SLACK_WEBHOOK_URL``       ``slack``
``ALERT_WEBHOOK_URL``       ``webhook`` (+ ``ALERT_WEBHOOK_SECRET``, ``ALERT_WEBHOOK_FORMAT``)
``SMTP_HOST`` + ``SMTP_TO``  ``email`` (+ ``SMTP_PORT``, ``SMTP_USER``, ``SMTP_PASSWORD``,
                            ``SMTP_FROM``, ``SMTP_SECURITY`` = ssl | starttls | plain; the
                            default is ssl on port 465, starttls otherwise)
==========================  =================================================================

Empty variables count as unset. Receivers are named after their kind.

Example:
    >>> sorted(receivers_from_env({"SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/C",
    ...                            "DINGTALK_SECRET": "SECxxxxxxxx"}))
    ['slack']
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from openevent.notify.receivers import NotifyConfig, ReceiverConfig
from openevent.runtime.config import validate


def receivers_from_env(env: Mapping[str, str] | None = None) -> dict[str, ReceiverConfig]:
    """The receivers the environment configures (validated like a config file)."""
    environ = os.environ if env is None else env

    def get(name: str) -> str | None:
        value = environ.get(name, "").strip()
        return value or None

    raw: dict[str, dict[str, Any]] = {}
    if get("DINGTALK_WEBHOOK_URL"):
        raw["dingtalk"] = {"kind": "dingtalk", "url": get("DINGTALK_WEBHOOK_URL"),
                           "secret": get("DINGTALK_SECRET"), "keyword": get("DINGTALK_KEYWORD")}
    if get("FEISHU_WEBHOOK_URL"):
        raw["feishu"] = {"kind": "feishu", "url": get("FEISHU_WEBHOOK_URL"),
                         "secret": get("FEISHU_SECRET"), "keyword": get("FEISHU_KEYWORD")}
    if get("WECOM_WEBHOOK_URL"):
        raw["wecom"] = {"kind": "wecom", "url": get("WECOM_WEBHOOK_URL")}
    if get("SLACK_WEBHOOK_URL"):
        raw["slack"] = {"kind": "slack", "url": get("SLACK_WEBHOOK_URL")}
    if get("ALERT_WEBHOOK_URL"):
        raw["webhook"] = {"kind": "webhook", "url": get("ALERT_WEBHOOK_URL"),
                          "secret": get("ALERT_WEBHOOK_SECRET"),
                          "format": get("ALERT_WEBHOOK_FORMAT") or "openevent"}
    if get("SMTP_HOST") and get("SMTP_TO"):
        port = get("SMTP_PORT")
        security = get("SMTP_SECURITY") or ("ssl" if port in (None, "465") else "starttls")
        raw["email"] = {"kind": "email", "host": get("SMTP_HOST"), "port": port, "security": security,
                        "username": get("SMTP_USER"), "password": get("SMTP_PASSWORD"),
                        "from": get("SMTP_FROM") or get("SMTP_USER"), "to": get("SMTP_TO")}
    config = validate(NotifyConfig, {"receivers": raw}, source="environment")
    return {name: r for name, r in config.receivers.items() if r.enabled}
