"""A function's config file: YAML or JSON, ${ENV} interpolation, errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from openevent.errors import ConfigError
from openevent.runtime.config import file_revision, interpolate, load_config
from openevent.runtime.redact import redact_text


class Receiver(BaseModel):
    url: str | None = None
    secret: str | None = None


class Config(BaseModel):
    threshold: int = 10
    receivers: dict[str, Receiver] = {}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_is_loaded_and_validated(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", "threshold: 3\nreceivers:\n  a: {url: http://x}\n")
    cfg = load_config(Config, path, env={})
    assert cfg.threshold == 3 and cfg.receivers["a"].url == "http://x"


def test_json_is_loaded_too(tmp_path: Path) -> None:
    assert load_config(Config, write(tmp_path, "c.json", '{"threshold": 4}'), env={}).threshold == 4


def test_the_path_defaults_to_openevent_config(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", "threshold: 5\n")
    assert load_config(Config, env={"OPENEVENT_CONFIG": str(path)}).threshold == 5


def test_without_a_file_the_defaults_apply() -> None:
    assert load_config(Config, env={}).threshold == 10


def test_env_vars_are_interpolated_with_defaults() -> None:
    env = {"HOOK": "https://h/robot?access_token=abc"}
    assert interpolate({"u": "${HOOK}", "n": "${NOPE:-7}", "mixed": "a-${HOOK}"}, env) == {
        "u": env["HOOK"], "n": "7", "mixed": "a-" + env["HOOK"]}


def test_a_whole_value_reference_to_an_unset_variable_becomes_none(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", "receivers:\n  ding: {url: '${DINGTALK_WEBHOOK_URL}'}\n")
    assert load_config(Config, path, env={}).receivers["ding"].url is None


def test_an_unset_variable_inside_text_is_an_error_naming_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", "receivers:\n  ding: {url: 'https://x/${TOKEN}'}\n")
    with pytest.raises(ConfigError, match=r"receivers\.ding\.url: environment variable TOKEN is not set"):
        load_config(Config, path, env={})


def test_a_wrong_value_names_the_dotted_key(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", "threshold: lots\n")
    with pytest.raises(ConfigError, match=r"threshold: Input should be a valid integer"):
        load_config(Config, path, env={})


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(Config, tmp_path / "nope.yaml", env={})


def test_broken_yaml_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(Config, write(tmp_path, "c.yaml", "a: [1, 2\n"), env={})


def test_a_non_mapping_document_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_config(Config, write(tmp_path, "c.yaml", "- 1\n- 2\n"), env={})


def test_interpolated_secrets_are_registered_for_redaction(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", "receivers:\n  ding: {url: http://x, secret: '${DING_SECRET}'}\n")
    load_config(Config, path, env={"DING_SECRET": "SEC-very-secret-1"})
    assert redact_text("the secret is SEC-very-secret-1") == "the secret is ***"


def test_the_revision_is_a_content_hash(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", "x: 1\n")
    b = write(tmp_path, "b.yaml", "x: 1\n")
    c = write(tmp_path, "c.yaml", "x: 2\n")
    assert file_revision(a) == file_revision(b) != file_revision(c)
    assert file_revision(None) == "none"


def test_an_empty_variable_counts_as_unset_so_the_default_applies() -> None:
    # s.yaml cannot leave a variable out: it passes ${env('NOTIFY_LANG', '')}
    assert interpolate({"lang": "${NOTIFY_LANG:-zh}"}, {"NOTIFY_LANG": ""}) == {"lang": "zh"}


def test_an_empty_whole_value_variable_disables_its_receiver(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yaml", "receivers:\n  ding: {url: '${DINGTALK_WEBHOOK_URL}'}\n")
    assert load_config(Config, path, env={"DINGTALK_WEBHOOK_URL": ""}).receivers["ding"].url is None


def test_the_variables_a_document_references_are_listed_with_whether_they_have_a_default() -> None:
    from openevent.runtime.config import referenced_variables

    doc = {"a": "${X}", "b": ["${Y:-1}", "${X:-2}"], "c": {"d": "https://h/${Z}/p"}, "n": 3}
    assert referenced_variables(doc) == {"X": False, "Y": True, "Z": False}
