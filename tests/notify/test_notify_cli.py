"""``openevent notify test``: one connectivity message, the classified outcome as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openevent.cli import main
from openevent.local.fake_chat import FakeChat

SECRET = "SECcli-secret-424242"


def _config(tmp_path: Path, url: str, secret: str) -> Path:
    path = tmp_path / "notifier.yaml"
    path.write_text(f"rules: []\nreceivers:\n  oncall:\n    kind: dingtalk\n    url: '{url}'\n"
                    f"    secret: '{secret}'\n  later:\n    kind: slack\n    url: ${{UNSET_SLACK_URL_X}}\n",
                    encoding="utf-8")
    return path


@pytest.fixture
def live_chat():
    with FakeChat() as fake:  # the CLI signs with the real clock
        yield fake


def test_a_working_receiver_prints_sent_and_exits_0(live_chat: FakeChat, tmp_path: Path, capsys) -> None:
    url = live_chat.dingtalk_robot("cli-tok-1", secret=SECRET)
    code = main(["notify", "test", "oncall", "--config", str(_config(tmp_path, url, SECRET))])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and (out["status"], out["receiver"], out["channel"]) == ("sent", "oncall", "dingtalk")
    assert live_chat.received("cli-tok-1")[0].body["msgtype"] == "markdown"


def test_a_rejected_message_prints_the_vendor_code_and_exits_1(live_chat: FakeChat, tmp_path: Path,
                                                              capsys) -> None:
    url = live_chat.dingtalk_robot("cli-tok-2", secret=SECRET)
    code = main(["notify", "test", "oncall", "--config", str(_config(tmp_path, url, "SECwrong-cli-0000"))])
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert code == 1 and (out["status"], out["code"], out["text"]) == ("permanent", 310000, "sign not match")
    assert "cli-tok-2" not in captured.out + captured.err
    assert "SECwrong-cli-0000" not in captured.out + captured.err


def test_an_unknown_receiver_exits_2_naming_the_known_ones(tmp_path: Path, capsys) -> None:
    code = main(["notify", "test", "nope", "--config", str(_config(tmp_path, "http://x/?access_token=t", "s"))])
    assert code == 2 and "known: later, oncall" in capsys.readouterr().err


def test_a_disabled_receiver_exits_2(tmp_path: Path, capsys) -> None:
    code = main(["notify", "test", "later", "--config", str(_config(tmp_path, "http://x/?access_token=t", "s"))])
    assert code == 2 and "disabled" in capsys.readouterr().err


def test_the_config_path_defaults_to_openevent_config(live_chat: FakeChat, tmp_path: Path, capsys,
                                                      monkeypatch) -> None:
    url = live_chat.dingtalk_robot("cli-tok-3", secret=SECRET)
    monkeypatch.setenv("OPENEVENT_CONFIG", str(_config(tmp_path, url, SECRET)))
    assert main(["notify", "test", "oncall"]) == 0


def test_without_a_config_receivers_come_from_the_environment(live_chat: FakeChat, capsys, monkeypatch) -> None:
    monkeypatch.delenv("OPENEVENT_CONFIG", raising=False)
    monkeypatch.setenv("SLACK_WEBHOOK_URL", live_chat.slack_hook("T9/B9/cli-env-hook"))
    assert main(["notify", "test", "slack", "--lang", "en"]) == 0
    assert "connectivity test" in live_chat.received("T9/B9/cli-env-hook")[0].body["text"]
