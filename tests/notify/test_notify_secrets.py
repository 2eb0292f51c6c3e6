"""Secrets never reach log lines, outcomes or repr."""

from __future__ import annotations

from openevent.local.fake_chat import FakeChat
from openevent.notify.message import Message
from openevent.notify.receivers import NotifyConfig, build_channels
from openevent.notify.sender import send_all
from openevent.runtime.config import validate

DT_SECRET = "SECleak-check-dingtalk-1"
FS_SECRET = "leak-check-feishu-secret"


def test_failed_deliveries_log_no_secret_token_or_url(chat: FakeChat, transport, clock, retry_opts,
                                                      json_logs) -> None:
    dt_url = chat.dingtalk_robot("leak-token-dt", secret=DT_SECRET)
    fs_url = chat.feishu_bot("leak-token-fs", secret=FS_SECRET)
    wc_url = chat.wecom_robot("leak-key-wecom").replace("leak-key-wecom", "leak-key-wrong")
    cfg = validate(NotifyConfig, {"receivers": {
        "d": {"kind": "dingtalk", "url": dt_url, "secret": "SECleak-wrong-secret-1"},
        "f": {"kind": "feishu", "url": fs_url, "secret": "leak-wrong-feishu-secret"},
        "w": {"kind": "wecom", "url": wc_url}}})
    channels = build_channels(cfg.receivers, transport=transport, clock=clock.time)
    rows = send_all(channels, Message(kind="test", title="t"), budget_s=5, **retry_opts)
    assert [r["status"] for r in rows] == ["permanent"] * 3
    logs = json_logs.readouterr().err
    assert logs.count("notify.outcome") == 3
    for secret in ("leak-token-dt", "leak-token-fs", "leak-key-wrong", "SECleak-wrong-secret-1",
                   "leak-wrong-feishu-secret", str(chat.base_url) + "/robot"):
        assert secret not in logs
        assert secret not in repr(rows) + repr(channels) + repr(cfg)
