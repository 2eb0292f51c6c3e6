"""The notifier's config: env-only default, validation errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from openevent.alerting.config import NotifierConfig
from openevent.alerting.pipeline import Notifier
from openevent.errors import ConfigError
from openevent.runtime.config import load_config, validate

DEFAULT = Path(__file__).resolve().parents[2] / "functions" / "instance_status_notifier" / "config.yaml"


def test_a_route_to_an_unknown_receiver_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown receiver 'nope'"):
        validate(NotifierConfig, {"routes": [{"receivers": ["nope"]}]})


def test_quiet_hours_need_hh_mm() -> None:
    with pytest.raises(ConfigError, match=r"quiet_hours\.start"):
        validate(NotifierConfig, {"quiet_hours": {"start": "25:00", "end": "08:00"}})


def test_the_default_config_enables_exactly_the_receivers_the_environment_sets() -> None:
    env = {"OPENEVENT_STATE_URL": "memory://", "DINGTALK_WEBHOOK_URL": "https://oapi.dingtalk.com/robot/send?access_token=t",
           "DINGTALK_SECRET": "SECdefault", "ALERT_WEBHOOK_URL": "https://hooks.example.com/x"}
    notifier = Notifier.from_environment(default_config=DEFAULT, env=env)
    assert sorted(notifier.channels) == ["dingtalk", "webhook"]


def test_the_default_config_loads_with_no_receiver_at_all() -> None:
    config = load_config(NotifierConfig, DEFAULT, env={})
    assert config.default_receivers == ["*"] and config.select.instance_dag_types == [0]


def test_openevent_config_wins_over_the_default(tmp_path: Path) -> None:
    own = tmp_path / "own.yaml"
    own.write_text("lang: en\n", encoding="utf-8")
    notifier = Notifier.from_environment(default_config=DEFAULT,
                                         env={"OPENEVENT_CONFIG": str(own), "OPENEVENT_STATE_URL": "memory://"})
    assert notifier.config.lang == "en"
