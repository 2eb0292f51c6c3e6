"""The command line tells the truth: versions, configs, event types, where the fakes and the trail are."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from openevent.events.samples import sample_event
from openevent.local.stack import LocalStack

ROOT = Path(__file__).resolve().parents[2]
DOWNLOAD = "dataworks:ResourcesDownload:DownloadResources"


@pytest.fixture(autouse=True)
def plain_shell(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("OPENEVENT_CONFIG", "OPENEVENT_AUDIT_JSONL", "DATAWORKS_ENDPOINT", "DATAWORKS_EXTENSION_CODE",
                 "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "FC_FUNCTION_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(ROOT)
    return monkeypatch


def event_file(tmp_path: Path, event: Any) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    return str(path)


def deny_everything_policy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text("rules:\n  - name: shell-config\n    action: deny\n    when: {download.rows: {gte: 0}}\n"
                    "    message: the policy from the shell\n")
    return path


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    from openevent import __version__
    from openevent.cli import main

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"openevent {__version__}"


def test_invoke_uses_the_config_the_shell_names(run_cli: Callable[..., Any], tmp_path: Path,
                                                plain_shell: pytest.MonkeyPatch) -> None:
    plain_shell.setenv("OPENEVENT_CONFIG", str(deny_everything_policy(tmp_path)))
    result = run_cli("invoke", "download_guard", "--event", event_file(tmp_path, sample_event(DOWNLOAD)))
    assert result.code == 0, result.err
    assert (result.json()["decision"], result.json()["rule"]) == ("FAIL", "shell-config")


def test_config_on_the_command_line_wins_over_the_shell(run_cli: Callable[..., Any], tmp_path: Path,
                                                         plain_shell: pytest.MonkeyPatch) -> None:
    plain_shell.setenv("OPENEVENT_CONFIG", str(tmp_path / "not-this-one.yaml"))
    result = run_cli("invoke", "download_guard", "--config", str(deny_everything_policy(tmp_path)),
                     "--event", event_file(tmp_path, sample_event(DOWNLOAD)))
    assert result.json()["rule"] == "shell-config"


@pytest.mark.parametrize("where", ["command line", "shell"])
def test_a_missing_config_file_is_exit_2_with_one_error_line(run_cli: Callable[..., Any], tmp_path: Path,
                                                             plain_shell: pytest.MonkeyPatch, where: str) -> None:
    missing = tmp_path / "missing.yaml"
    args = ["--config", str(missing)] if where == "command line" else []
    if where == "shell":
        plain_shell.setenv("OPENEVENT_CONFIG", str(missing))
    result = run_cli("invoke", "download_guard", *args, "--event", event_file(tmp_path, sample_event(DOWNLOAD)))
    assert (result.code, result.out) == (2, "")
    assert result.err.count("\n") == 1 and result.err.startswith(f"error: {missing}: config file does not exist")


def test_an_event_the_function_does_not_declare_is_refused_in_one_line(run_cli: Callable[..., Any],
                                                                      tmp_path: Path) -> None:
    result = run_cli("invoke", "node_change_auditor", "--event", event_file(tmp_path, sample_event(DOWNLOAD)))
    assert (result.code, result.out) == (2, "")
    assert result.err.count("\n") == 1
    assert result.err.startswith(f"error: node_change_auditor does not handle {DOWNLOAD}; it handles "
                                 "dataworks:ProjectChange:ProjectDeleted, ")


def test_any_type_invokes_the_function_anyway(run_cli: Callable[..., Any], tmp_path: Path) -> None:
    result = run_cli("invoke", "dq_result_forwarder", "--any-type",
                     "--event", event_file(tmp_path, sample_event(DOWNLOAD)))
    assert result.code == 0 and result.json()["forwarded"] == []


def test_a_timer_event_is_passed_to_the_notifier(run_cli: Callable[..., Any], tmp_path: Path) -> None:
    timer = {"triggerTime": "2025-03-14T02:00:00Z", "triggerName": "flush", "payload": '{"flush":true}'}
    result = run_cli("invoke", "instance_status_notifier", "--event", event_file(tmp_path, timer))
    assert result.code == 0, result.err
    assert result.json()["trigger"] == "timer"


def test_the_local_stack_says_how_to_point_a_guard_at_its_fake_dataworks(run_cli: Callable[..., Any],
                                                                        tmp_path: Path,
                                                                        plain_shell: pytest.MonkeyPatch) -> None:
    with LocalStack(tmp_path / "state") as stack:
        line = stack.exports()
        assert line == (f"export DATAWORKS_ENDPOINT={stack.dataworks.endpoint} "
                        f"DATAWORKS_EXTENSION_CODE={stack.extension_code}")
        for assignment in line.removeprefix("export ").split():
            name, _, value = assignment.partition("=")
            plain_shell.setenv(name, value)
        result = run_cli("invoke", "download_guard", "--event", event_file(tmp_path, sample_event(DOWNLOAD)))
        assert result.code == 0, result.err
        assert result.json()["callback"]["sent"] is True
        assert [c["action"] for c in stack.callbacks()] == ["CallbackExtension"]


def test_audit_show_finds_the_trail_serve_and_demo_write(run_cli: Callable[..., Any], tmp_path: Path,
                                                         plain_shell: pytest.MonkeyPatch) -> None:
    trail = tmp_path / ".openevent" / "audit.jsonl"
    event = event_file(tmp_path, sample_event("dataworks:NodeChange:NodeChangeCreated"))
    written = run_cli("invoke", "node_change_auditor", "--event", event, f"--env=OPENEVENT_AUDIT_JSONL={trail}",
                      "--env=OPENEVENT_STATE_URL=memory://")
    assert written.code == 0, written.err
    assert trail.is_file()
    plain_shell.chdir(tmp_path)
    result = run_cli("audit", "show", "--json")
    assert result.code == 0, result.err
    assert len(result.json()) == 1 and "reading .openevent/audit.jsonl" in result.err


def test_the_readmes_local_invoke_of_an_edited_policy_runs_as_written(run_cli: Callable[..., Any], tmp_path: Path,
                                                                      plain_shell: pytest.MonkeyPatch) -> None:
    """README "Local development": sample a big download, copy the policy, invoke against serve's fake."""
    lines = [ln.split("#", 1)[0].split(">", 1) for ln in (ROOT / "README.md").read_text().splitlines()
             if "d.json" in ln or "my-policy.yaml" in ln]
    [(sample, out), (copy,), (invoke,)] = lines
    assert copy.split() == ["cp", "functions/download_guard/config.yaml", "my-policy.yaml"]
    (tmp_path / "my-policy.yaml").write_bytes((ROOT / copy.split()[1]).read_bytes())
    plain_shell.chdir(tmp_path)
    sampled = run_cli(*sample.split()[1:])
    assert sampled.code == 0, sampled.err
    (tmp_path / out.strip()).write_text(sampled.out)
    with LocalStack(tmp_path / "state") as stack:
        for assignment in stack.exports().removeprefix("export ").split():
            name, _, value = assignment.partition("=")
            plain_shell.setenv(name, value)
        result = run_cli(*invoke.split()[1:])
        assert result.code == 0, result.err
        assert (result.json()["decision"], result.json()["rule"]) == ("FAIL", "row-limit")
        assert [c["action"] for c in stack.callbacks()] == ["CallbackExtension"]
