"""`openevent check`: the shipped tree passes; each typo that used to deploy fine is refused, by name.

Every test checks a copy of the tree (s.yaml, deploy/, functions/) with one mistake in it, through the
CLI as the pre-deploy action runs it: exit 2 and one ``error: <file>: <key>: <problem>`` line per problem.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from deploy_paths import ROOT, S_YAML

from openevent.runtime.envcheck import VARIABLES

NOTIFIER_CONFIG = "functions/instance_status_notifier/config.yaml"
DOWNLOAD_POLICY = "functions/download_guard/config.yaml"
EXTENSION_CODE = "0c1a2b3c4d5e6f708192a3b4c5d6e7f8"


@pytest.fixture(autouse=True)
def deploying_shell(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A shell that exports none of the variables s.yaml reads (every default applies) but the extension code.

    The code is what registering the extension gives (docs/deploy.md, step 6); without it a guard
    cannot answer EventBridge deliveries, and the check warns (tested below).
    """
    names = set(re.findall(r"env\('([A-Z0-9_]+)'", S_YAML.read_text(encoding="utf-8")))
    for name in names | {v.name for v in VARIABLES} | {"OPENEVENT_FUNCTIONS_DIR", "FC_FUNCTION_NAME"}:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATAWORKS_EXTENSION_CODE", EXTENSION_CODE)
    return monkeypatch


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the deployable tree."""
    shutil.copy(S_YAML, tmp_path / "s.yaml")
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    shutil.copytree(ROOT / "functions", tmp_path / "functions",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return tmp_path


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def check(run_cli: Callable[..., Any], tree: Path, *args: str) -> Any:
    return run_cli("check", "--template", str(tree / "s.yaml"), *args)


def errors(result: Any) -> list[str]:
    return [line for line in result.err.splitlines() if line.startswith("error: ")]


def warnings(result: Any) -> list[str]:
    return [line for line in result.err.splitlines() if line.startswith("warning: ")]


# --- the shipped tree ----------------------------------------------------------------------------


def test_the_shipped_tree_passes_once_the_extension_code_is_exported(run_cli: Callable[..., Any]) -> None:
    result = run_cli("check", "--template", str(S_YAML))
    assert (result.code, errors(result)) == (0, [])
    assert result.json()["errors"] == 0 and result.json()["functions"] >= 6


def test_a_guard_without_an_extension_code_is_a_warning_that_strict_refuses(
        run_cli: Callable[..., Any], deploying_shell: pytest.MonkeyPatch) -> None:
    deploying_shell.delenv("DATAWORKS_EXTENSION_CODE")
    deploying_shell.setenv("DATAWORKS_EXTENSION_CODE_DOWNLOAD_GUARD", EXTENSION_CODE)
    result = run_cli("check", "--template", str(S_YAML))
    problems = [w for w in warnings(result) if "DATAWORKS_EXTENSION_CODE: empty" in w]
    assert result.code == 0 and len(problems) == 2  # the workspace and change guards; download_guard has its own
    assert all("cannot answer EventBridge deliveries without its extension code" in w for w in problems)
    assert run_cli("check", "--template", str(S_YAML), "--strict").code == 2


def test_the_shipped_tree_warns_about_memory_state_and_the_missing_failure_destination(
        run_cli: Callable[..., Any]) -> None:
    lines = warnings(run_cli("check", "--template", str(S_YAML)))
    assert any("instance_status_notifier keeps its state in memory://" in w for w in lines)
    assert any("no failure destination" in w for w in lines)


def test_strict_turns_warnings_into_a_failed_check(run_cli: Callable[..., Any]) -> None:
    assert run_cli("check", "--template", str(S_YAML), "--strict").code == 2


def test_a_shared_state_url_a_failure_destination_and_extension_codes_leave_no_warning(
        run_cli: Callable[..., Any], tree: Path, deploying_shell: pytest.MonkeyPatch) -> None:
    deploying_shell.setenv("OPENEVENT_STATE_URL", "rediss://:pw@r-bp1example.redis.rds.aliyuncs.com:6380/0")
    deploying_shell.setenv("OPENEVENT_VPC_CONFIG_FILE", "./deploy/vpc.example.json")
    deploying_shell.setenv("OPENEVENT_ASYNC_DESTINATION_FILE", "./deploy/async-destination.example.json")
    result = check(run_cli, tree, "--strict")
    assert (result.code, result.err) == (0, "")


# --- s.yaml ---------------------------------------------------------------------------------------


def test_a_misspelt_fc3_prop_is_named_with_the_likely_intent(run_cli: Callable[..., Any], tree: Path) -> None:
    edit(tree / "s.yaml", "      timeout: 60\n", "      timeout: 60\n      memorySise: 256\n")
    result = check(run_cli, tree)
    assert result.code == 2
    assert any(".props.memorySise: unknown key (did you mean memorySize?)" in e for e in errors(result))


def test_a_value_the_fc3_schema_forbids_is_an_error(run_cli: Callable[..., Any], tree: Path) -> None:
    edit(tree / "s.yaml", "memorySize: 256                  # peak RSS measured at ~48 MB",
         "memorySize: 100")
    result = check(run_cli, tree)
    assert result.code == 2 and any("memorySize: 100 is not a multiple of 64" in e for e in errors(result))


def test_a_misspelt_trigger_config_key_is_an_error(run_cli: Callable[..., Any], tree: Path) -> None:
    edit(tree / "s.yaml", "            enable: true\n", "            enabled: true\n")
    result = check(run_cli, tree)
    assert result.code == 2
    assert any("triggers[0].triggerConfig.enabled: unknown key (did you mean enable?)" in e for e in errors(result))


def test_a_deploy_that_does_not_run_the_check_first_is_refused(run_cli: Callable[..., Any], tree: Path) -> None:
    edit(tree / "s.yaml", "    - run: openevent check --template s.yaml\n      path: ./\n", "")
    result = check(run_cli, tree)
    assert any("actions.pre-deploy: does not run `openevent check`" in e for e in errors(result))


def test_a_function_folder_without_a_resource_is_an_error(run_cli: Callable[..., Any], tree: Path) -> None:
    shutil.copytree(tree / "functions" / "download_guard", tree / "functions" / "upload_guard")
    edit(tree / "functions" / "upload_guard" / "index.py", '"download_guard"', '"upload_guard"')
    result = check(run_cli, tree)
    assert any("resources.upload_guard: no resource for functions/upload_guard" in e for e in errors(result))


def test_a_missing_initializer_is_an_error(run_cli: Callable[..., Any], tree: Path) -> None:
    notifier = "# peak RSS measured at ~60 MB\n      timeout: 60\n      instanceConcurrency: 1\n"
    edit(tree / "s.yaml", notifier + "      instanceLifecycleConfig:\n"
                                     "        initializer: {handler: index.initialize, timeout: 30}\n", notifier)
    result = check(run_cli, tree)
    assert any("resources.instance_status_notifier.props.instanceLifecycleConfig.initializer: no initializer" in e
               for e in errors(result))


def test_an_initializer_naming_no_function_of_the_index_is_an_error(run_cli: Callable[..., Any], tree: Path) -> None:
    edit(tree / "s.yaml", "handler: index.initialize", "handler: index.initialise")
    result = check(run_cli, tree)
    assert any("initializer.handler: 'index.initialise': functions/workspace_delete_guard/index.py defines no "
               "initialise()" in e for e in errors(result))


def test_the_notifier_without_its_timer_trigger_is_an_error(run_cli: Callable[..., Any], tree: Path) -> None:
    edit(tree / "s.yaml", "            enable: true\n", "            enable: false\n")
    result = check(run_cli, tree)
    assert any("instance_status_notifier.props.triggers: no enabled timer trigger" in e for e in errors(result))


def test_a_timer_schedule_fc_cannot_read_is_an_error(run_cli: Callable[..., Any], tree: Path,
                                                     deploying_shell: pytest.MonkeyPatch) -> None:
    deploying_shell.setenv("OPENEVENT_FLUSH_SCHEDULE", "every minute")
    result = check(run_cli, tree)
    assert any("cronExpression: 'every minute' is not '@every <n>m|h'" in e for e in errors(result))


# --- routing --------------------------------------------------------------------------------------


def test_a_workspace_level_type_on_a_default_bus_trigger_is_an_error(run_cli: Callable[..., Any], tree: Path) -> None:
    edit(tree / "s.yaml", '"type":["dataworks:ProjectChange:ProjectDeleted"]}',
         '"type":["dataworks:ProjectChange:ProjectDeleted","dataworks:NodeChange:NodeChangeCreated"]}')
    result = check(run_cli, tree)
    assert any("node_change_auditor.props.triggers[0].triggerConfig.eventRuleFilterPattern: workspace-level "
               "dataworks:NodeChange:NodeChangeCreated never arrive on the default bus" in e for e in errors(result))


def test_a_workspace_level_type_in_no_custom_bus_rule_is_an_error(run_cli: Callable[..., Any], tree: Path) -> None:
    edit(tree / "s.yaml", '"dataworks:DqcCheck:DqcCheckFeedbackEvent",', "")
    result = check(run_cli, tree)
    assert any("vars.busRules.dq_result_forwarder: workspace-level dataworks:DqcCheck:DqcCheckFeedbackEvent are in "
               "no custom-bus rule" in e for e in errors(result))


def test_a_tenant_level_type_without_a_default_bus_trigger_is_an_error(run_cli: Callable[..., Any], tree: Path) -> None:
    edit(tree / "s.yaml", '"dataworks:ResourcesDownload:DownloadResourcesExecute","dataworks:ResourcesUpload:'
                          'UploadDataToTable"]}\'\n            eventSourceConfig',
         '"dataworks:ResourcesDownload:DownloadResourcesExecute"]}\'\n            eventSourceConfig')
    result = check(run_cli, tree)
    assert any("download_guard.props.triggers: tenant-level dataworks:ResourcesUpload:UploadDataToTable reach "
               "download_guard through no default-bus trigger" in e for e in errors(result))


def test_a_rule_that_sends_a_function_types_it_does_not_handle_is_an_error(run_cli: Callable[..., Any],
                                                                           tree: Path) -> None:
    edit(tree / "s.yaml", '"type":["dataworks:MonitorAlert:WorkbenchMonitorAlert"]', '"type":[{"prefix":"dataworks:"}]')
    result = check(run_cli, tree)
    assert any("vars.busRules.instance_status_notifier.alerts: routes " in e and "which does not handle them" in e
               for e in errors(result))


def test_a_status_filter_without_the_string_forms_is_a_warning(run_cli: Callable[..., Any], tree: Path,
                                                               deploying_shell: pytest.MonkeyPatch) -> None:
    deploying_shell.setenv("OPENEVENT_NOTIFY_STATUSES", "[5,6]")
    result = check(run_cli, tree)
    assert result.code == 0
    assert any('data.status: lists 5 without "5": DataWorks sometimes sends numbers as strings' in w
               for w in warnings(result))


def test_a_custom_bus_rule_for_no_resource_is_an_error(run_cli: Callable[..., Any], tree: Path) -> None:
    edit(tree / "s.yaml", "  busRules:\n", "  busRules:\n    old_notifier: '{\"source\":[\"acs.dataworks\"]}'\n")
    result = check(run_cli, tree)
    assert any("vars.busRules.old_notifier: names no resource of this template" in e for e in errors(result))


# --- environment ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "value", "problem"), [
    ("OPENEVENT_FAILURE_POLICY", "fail-opn", "'fail-opn' is not one of fail-closed, fail-open"),
    ("OPENEVENT_LOG_LEVEL", "verbose", "'verbose' is not one of debug, info"),
    ("OPENEVENT_STATE_URL", "redis:/10.0.0.5", "missing '://'"),
    ("NOTIFY_LANG", "fr", "'fr' is not one of zh, en"),
    ("OPENEVENT_AUDIT_JSONL", "/code/audit.jsonl", "is under /code, which is read-only on FC"),
    ("OPENEVENT_STATE_URL", "sqlite:///state.db", "on FC only /tmp is writable"),
    ("DINGTALK_WEBHOOK_URL", "oapi.dingtalk.com/robot/send?access_token=t0ken", "is not an http(s):// URL"),
], ids=["failure-policy", "log-level", "state-url", "notify-lang", "audit-under-code", "sqlite-under-code",
        "webhook-url"])
def test_an_exported_value_without_a_meaning_is_an_error_naming_the_variable(
        run_cli: Callable[..., Any], tree: Path, deploying_shell: pytest.MonkeyPatch, name: str, value: str,
        problem: str) -> None:
    deploying_shell.setenv(name, value)
    result = check(run_cli, tree)
    assert result.code == 2
    assert any(f"environmentVariables.{name}: " in e and problem in e for e in errors(result)), errors(result)


def test_a_variable_a_config_reads_but_s_yaml_does_not_pass_is_an_error(run_cli: Callable[..., Any],
                                                                        tree: Path) -> None:
    edit(tree / "s.yaml", "        NOTIFY_LANG: ${env('NOTIFY_LANG', '')}                        # zh (default) | en\n",
         "")
    result = check(run_cli, tree)
    assert any("instance_status_notifier.props.environmentVariables.NOTIFY_LANG: " in e and
               "instance_status_notifier/config.yaml reads ${NOTIFY_LANG}; s.yaml does not pass it "
               "(add NOTIFY_LANG: ${env('NOTIFY_LANG', '')})" in e for e in errors(result))


def test_a_variable_a_new_config_line_reads_must_reach_the_function(run_cli: Callable[..., Any], tree: Path) -> None:
    edit(tree / NOTIFIER_CONFIG, "  console: https://dataworks.data.aliyun.com",
         "  console: ${DATAWORKS_CONSOLE_URL:-https://dataworks.data.aliyun.com}")
    result = check(run_cli, tree)
    assert any("environmentVariables.DATAWORKS_CONSOLE_URL: " in e and
               "instance_status_notifier/config.yaml reads ${DATAWORKS_CONSOLE_URL}" in e for e in errors(result))


def test_redis_at_a_private_address_without_vpc_settings_is_a_warning(run_cli: Callable[..., Any], tree: Path,
                                                                      deploying_shell: pytest.MonkeyPatch) -> None:
    deploying_shell.setenv("OPENEVENT_STATE_URL", "redis://10.0.0.5:6379/0")
    result = check(run_cli, tree)
    assert any("Redis at 10.0.0.5 is reachable only from the VPC" in w for w in warnings(result))


def test_incomplete_vpc_settings_are_an_error(run_cli: Callable[..., Any], tree: Path,
                                              deploying_shell: pytest.MonkeyPatch) -> None:
    (tree / "deploy" / "vpc.json").write_text('{"vpcId": "vpc-1", "vSwitchIds": [], "securityGroupId": ""}')
    deploying_shell.setenv("OPENEVENT_VPC_CONFIG_FILE", "./deploy/vpc.json")
    result = check(run_cli, tree)
    assert any("props.vpcConfig: incomplete: vSwitchIds, securityGroupId missing" in e for e in errors(result))


def test_a_failure_destination_that_is_not_an_arn_is_an_error(run_cli: Callable[..., Any], tree: Path,
                                                              deploying_shell: pytest.MonkeyPatch) -> None:
    (tree / "deploy" / "dlq.json").write_text('{"onFailure": {"destination": "openevent-dlq"}}')
    deploying_shell.setenv("OPENEVENT_ASYNC_DESTINATION_FILE", "./deploy/dlq.json")
    result = check(run_cli, tree)
    assert any("destinationConfig.onFailure.destination: 'openevent-dlq' is not an ARN" in e for e in errors(result))


# --- configs and policies -------------------------------------------------------------------------


def test_an_unknown_config_key_is_an_error_naming_file_and_key(run_cli: Callable[..., Any], tree: Path) -> None:
    edit(tree / NOTIFIER_CONFIG, "digest:\n", "digset:\n  window_s: 60\ndigest:\n")
    result = check(run_cli, tree)
    assert result.code == 2
    assert any(e.endswith(f"{NOTIFIER_CONFIG}: digset: Extra inputs are not permitted") for e in errors(result))


def test_a_policy_with_a_misspelt_action_is_an_error(run_cli: Callable[..., Any], tree: Path) -> None:
    edit(tree / DOWNLOAD_POLICY, "  - name: row-limit\n    action: deny", "  - name: row-limit\n    action: dney")
    result = check(run_cli, tree)
    assert any(f"{DOWNLOAD_POLICY}: rules.1.action: Input should be 'deny', 'warn' or 'allow'" in e
               for e in errors(result))


def test_a_policy_with_an_unknown_operator_is_an_error(run_cli: Callable[..., Any], tree: Path) -> None:
    edit(tree / DOWNLOAD_POLICY, "download.rows: {gt: 1000000}", "download.rows: {gtt: 1000000}")
    result = check(run_cli, tree)
    (line,) = [e for e in errors(result) if DOWNLOAD_POLICY in e]
    assert "rules.row-limit.when.download.rows.gtt: unknown operator" in line


def test_whatever_load_policy_rejects_is_reported_one_line_per_problem(
        run_cli: Callable[..., Any], tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from openevent.errors import ConfigError
    from openevent.guard import policy

    def refuse(path: str | None = None, **_options: Any) -> Any:
        raise ConfigError(f"{path}: rules.0.when: unknown fact downlod.rows; rules.2.applies_to: unknown event X")

    monkeypatch.setattr(policy, "load_policy", refuse)
    result = check(run_cli, tree)
    lines = [e for e in errors(result) if DOWNLOAD_POLICY in e]
    assert lines == [f"error: {tree / DOWNLOAD_POLICY}: rules.0.when: unknown fact downlod.rows",
                     f"error: {tree / DOWNLOAD_POLICY}: rules.2.applies_to: unknown event X"]


def test_check_of_one_function_validates_the_given_config(run_cli: Callable[..., Any], tmp_path: Path) -> None:
    bad = tmp_path / "policy.yaml"
    bad.write_text((ROOT / DOWNLOAD_POLICY).read_text().replace("action: warn", "action: warning", 1))
    result = run_cli("check", "download_guard", "--config", str(bad))
    assert result.code == 2
    assert errors(result) == [f"error: {bad}: rules.2.action: Input should be 'deny', 'warn' or 'allow'"]


def test_check_of_one_function_with_a_missing_config_is_one_error_line(run_cli: Callable[..., Any],
                                                                      tmp_path: Path) -> None:
    result = run_cli("check", "download_guard", "--config", str(tmp_path / "nope.yaml"))
    assert (result.code, result.err) == (2, f"error: {tmp_path / 'nope.yaml'}: config file does not exist\n")


def test_check_of_one_function_reports_bad_environment_values(run_cli: Callable[..., Any],
                                                              deploying_shell: pytest.MonkeyPatch) -> None:
    deploying_shell.setenv("OPENEVENT_FAILURE_POLICY", "fail-opn")
    result = run_cli("check", "download_guard", "--config", str(ROOT / DOWNLOAD_POLICY))
    assert result.code == 2 and errors(result) == [
        "error: environment: OPENEVENT_FAILURE_POLICY: 'fail-opn' is not one of fail-closed, fail-open"]


def test_checking_another_tree_leaves_the_functions_this_process_runs_alone(run_cli: Callable[..., Any],
                                                                           tree: Path) -> None:
    from openevent.local.functions import declaration

    before = declaration("download_guard").directory
    check(run_cli, tree)
    assert declaration("download_guard").directory == before


def test_check_refuses_a_guard_policy_that_names_an_unknown_fact(run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    policy = tmp_path / "policy.yaml"
    policy.write_text("rules:\n  - {name: row-limit, action: deny, when: {download.row: {gt: 1}}}\n", encoding="utf-8")
    out = run_cli("check", "download_guard", "--config", str(policy))
    assert out.code == 2
    assert "rules.row-limit.when.download.row: unknown fact" in out.out + out.err
