"""Every guard honours its DataWorks extension registration — real handlers, fake DataWorks.

The extension owner switches the extension off per workspace or per extension point in the
registration's parameters (``GetExtension`` → ``ParameterSetting``); a testing extension serves
only its test workspace; workspace admins fill in option values (``GetOptionValueForProject``)
that rules read as ``extension.options.*``. Each test drives ``functions/<guard>/index.py``'s
``handler`` as FC would, against the signature-checking fake.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
from guard_support import COMMIT_FILE, DELETE, DEPLOY_FILE, DOWNLOAD, PROD, SANDBOX, add_ide_detail

from openevent.events.samples import sample_event
from openevent.guard.extension import ExtensionSettings, parse_parameters
from openevent.guard.runner import GuardCallbackError
from openevent.local.fake_dataworks import FakeDataWorks
from openevent.local.fake_dataworks_world import DEFAULT_EXTENSION_CODE
from openevent.local.functions import load_module
from openevent.runtime.context import LocalContext

DENY_ALL = [{"name": "deny-all", "action": "deny", "when": {"event.name": {"exists": True}},
             "message": "everything is blocked here"}]


@dataclass(frozen=True)
class Guard:
    function: str
    event_type: str
    workspace_key: str  # where the sample event carries its workspace id
    event_code: str
    other_code: str  # an extension point of another guard / event

    def event(self, workspace: int = PROD, **overrides: Any) -> dict[str, Any]:
        value: Any = str(workspace) if self.workspace_key == "data.queryDwProjectId" else workspace
        return sample_event(self.event_type, {self.workspace_key: value, **overrides})


WORKSPACE = Guard("workspace_delete_guard", DELETE, "data.projectId", "delete-project", "download-resources")
DOWNLOAD_GUARD = Guard("download_guard", DOWNLOAD, "data.queryDwProjectId", "download-resources", "delete-project")
CHANGE = Guard("change_guard", COMMIT_FILE, "data.projectId", "commit-file", "deploy-file")
GUARDS = [pytest.param(g, id=g.function) for g in (WORKSPACE, DOWNLOAD_GUARD, CHANGE)]
TENANT_LEVEL = [pytest.param(g, id=g.function) for g in (WORKSPACE, DOWNLOAD_GUARD)]


@pytest.fixture
def run(dataworks: FakeDataWorks) -> Iterator[Any]:
    """``run(guard, event)``: the guard's real handler answers one event (a fresh module per guard and test)."""
    modules: dict[str, ModuleType] = {}

    def invoke(guard: Guard, event: dict[str, Any], timeout_s: int = 15) -> dict[str, Any]:
        module = modules.get(guard.function)
        if module is None:
            module = modules[guard.function] = load_module(guard.function, fresh=True)
        out: dict[str, Any] = module.handler(json.dumps(event).encode(),
                                             LocalContext(function_name=guard.function, timeout_s=timeout_s))
        return out

    yield invoke
    for module in modules.values():
        module.reset()


def register(dataworks: FakeDataWorks, parameters: str | dict[str, str] = "", **kw: Any) -> None:
    dataworks.world.add_extension(DEFAULT_EXTENSION_CODE, parameters=parameters, **kw)


def requests(dataworks: FakeDataWorks, action: str) -> int:
    return sum(1 for r in dataworks.requests if r.action == action)


def sent(dataworks: FakeDataWorks, out: dict[str, Any]) -> list[str]:
    return [c.check_result for c in dataworks.callbacks_for(out["message_id"])]


# -- switched off per workspace ---------------------------------------------------------------
@pytest.mark.parametrize("guard", GUARDS)
def test_without_extension_parameters_every_guard_evaluates_its_rules(dataworks, policy_file, run, guard) -> None:  # type: ignore[no-untyped-def]
    policy_file(DENY_ALL)
    register(dataworks)
    out = run(guard, guard.event())
    assert (out["decision"], out["rule"]) == ("FAIL", "deny-all")


@pytest.mark.parametrize("guard", GUARDS)
def test_a_workspace_in_extension_project_disabled_is_answered_ok_unchecked_by_every_guard(  # type: ignore[no-untyped-def]
        dataworks, policy_file, run, guard) -> None:
    policy_file(DENY_ALL)
    register(dataworks, {"extension.project.disabled": f"{SANDBOX},{PROD}"})
    out = run(guard, guard.event(PROD))
    assert (out["decision"], out["rule"], out["callback"]["sent"]) == ("OK", "extension-disabled", True)
    assert f"workspace {PROD}" in out["message"] and "extension.project.disabled" in out["message"]
    assert sent(dataworks, out) == ["OK"]


@pytest.mark.parametrize("guard", GUARDS)
def test_a_workspace_disabled_for_the_guards_own_event_code_is_answered_ok(dataworks, policy_file, run, guard) -> None:  # type: ignore[no-untyped-def]
    policy_file(DENY_ALL)
    register(dataworks, {f"extension.project.{guard.event_code}.disabled": str(PROD)})
    out = run(guard, guard.event(PROD))
    assert (out["decision"], out["rule"]) == ("OK", "extension-disabled")
    assert f"extension.project.{guard.event_code}.disabled" in out["message"]


@pytest.mark.parametrize("guard", GUARDS)
def test_a_key_for_another_event_code_does_not_disable_this_one(dataworks, policy_file, run, guard) -> None:  # type: ignore[no-untyped-def]
    policy_file(DENY_ALL)
    register(dataworks, {f"extension.project.{guard.other_code}.disabled": str(PROD)})
    out = run(guard, guard.event(PROD))
    assert (out["decision"], out["rule"]) == ("FAIL", "deny-all")


@pytest.mark.parametrize("guard", GUARDS)
def test_another_workspace_in_the_disabled_list_does_not_disable_this_one(dataworks, policy_file, run, guard) -> None:  # type: ignore[no-untyped-def]
    policy_file(DENY_ALL)
    register(dataworks, {"extension.project.disabled": str(SANDBOX),
                         f"extension.project.{guard.event_code}.disabled": str(SANDBOX)})
    out = run(guard, guard.event(PROD))
    assert (out["decision"], out["rule"]) == ("FAIL", "deny-all")


def test_the_append_keys_add_to_the_disabled_lists(dataworks, policy_file, run) -> None:  # type: ignore[no-untyped-def]
    policy_file(DENY_ALL)
    register(dataworks, "extension.project.disabled=1\nextension.project.disabled.append=10001\n"
                        "extension.project.commit-file.disabled=2\nextension.project.commit-file.disabled.append=20002")
    first = run(CHANGE, CHANGE.event(PROD))
    second = run(CHANGE, CHANGE.event(SANDBOX))
    assert (first["rule"], second["rule"]) == ("extension-disabled", "extension-disabled")
    assert "extension.project.disabled.append" in first["message"]
    assert "extension.project.commit-file.disabled.append" in second["message"]


def test_a_repeated_parameter_key_keeps_its_last_value(dataworks, policy_file, run) -> None:  # type: ignore[no-untyped-def]
    policy_file(DENY_ALL)
    register(dataworks, f"extension.project.disabled={PROD}\nextension.project.disabled={SANDBOX}")
    assert run(CHANGE, CHANGE.event(PROD))["rule"] == "deny-all"
    assert run(CHANGE, CHANGE.event(SANDBOX))["rule"] == "extension-disabled"


def test_a_file_type_switched_off_for_an_event_code_is_answered_ok(dataworks, policy_file, run) -> None:  # type: ignore[no-untyped-def]
    policy_file(DENY_ALL)
    register(dataworks, "extension.fileType.10.commit-file.enabled=false\n"
                        "extension.fileType.11.commit-file.enabled=true")
    off = run(CHANGE, CHANGE.event(PROD, **{"data.fileType": 10}))
    on = run(CHANGE, CHANGE.event(PROD, **{"data.fileType": 11}))
    deploy = run(CHANGE, sample_event(DEPLOY_FILE, {"data.projectId": PROD, "data.fileType": 10}))
    assert (off["decision"], off["rule"]) == ("OK", "extension-disabled")
    assert "extension.fileType.10.commit-file.enabled=false" in off["message"]
    assert (on["rule"], deploy["rule"]) == ("deny-all", "deny-all")


def test_an_extension_disabled_in_dataworks_is_answered_ok(dataworks, policy_file, run) -> None:  # type: ignore[no-untyped-def]
    policy_file(DENY_ALL)
    register(dataworks, status=3)
    out = run(WORKSPACE, WORKSPACE.event(PROD))
    assert (out["decision"], out["rule"]) == ("OK", "extension-disabled") and "status 3" in out["message"]


def test_a_disabled_workspace_is_answered_ok_even_when_the_policy_does_not_load(dataworks, policy_file, run) -> None:  # type: ignore[no-untyped-def]
    policy_file([{"name": "typo", "action": "deny", "when": {"workspace.idd": 1}}])
    register(dataworks, {"extension.project.disabled": str(PROD)})
    disabled = run(WORKSPACE, WORKSPACE.event(PROD))
    other = run(WORKSPACE, WORKSPACE.event(SANDBOX))
    assert (disabled["decision"], disabled["rule"]) == ("OK", "extension-disabled")
    assert (other["decision"], other["rule"]) == ("FAIL", "failure-policy")


def test_the_policy_can_switch_the_extension_settings_off(dataworks, policy_file, run) -> None:  # type: ignore[no-untyped-def]
    policy_file(DENY_ALL, extension={"enabled": False})
    register(dataworks, {"extension.project.disabled": str(PROD)})
    out = run(CHANGE, CHANGE.event(PROD))
    assert out["rule"] == "deny-all" and requests(dataworks, "GetExtension") == 0


# -- testing status ------------------------------------------------------------------------------
def test_a_testing_extension_serves_only_its_test_workspace(dataworks, policy_file, run) -> None:  # type: ignore[no-untyped-def]
    policy_file(DENY_ALL)
    register(dataworks, status=0, project_testing=SANDBOX)
    other = run(CHANGE, CHANGE.event(PROD))
    testing = run(CHANGE, CHANGE.event(SANDBOX))
    assert (other["decision"], other["rule"]) == ("OK", "extension-testing")
    assert f"test workspace {SANDBOX}" in other["message"] and sent(dataworks, other) == ["OK"]
    assert (testing["decision"], testing["rule"]) == ("FAIL", "deny-all")


@pytest.mark.parametrize("guard", TENANT_LEVEL)
def test_a_testing_extension_on_tenant_level_events_checks_every_workspace(dataworks, policy_file, run, guard) -> None:  # type: ignore[no-untyped-def]
    # DataWorks sends a testing tenant-level extension only its owner's operations: nothing to narrow
    policy_file(DENY_ALL)
    register(dataworks, status=0, project_testing=SANDBOX)
    out = run(guard, guard.event(PROD))
    assert (out["decision"], out["rule"]) == ("FAIL", "deny-all")


@pytest.mark.parametrize("guard", TENANT_LEVEL)
def test_testing_scope_all_events_narrows_tenant_level_events_to_the_test_workspace(  # type: ignore[no-untyped-def]
        dataworks, policy_file, run, guard) -> None:
    policy_file(DENY_ALL, extension={"testing_scope": "all-events"})
    register(dataworks, status=0, project_testing=SANDBOX)
    other = run(guard, guard.event(PROD))
    testing = run(guard, guard.event(SANDBOX))
    assert (other["decision"], other["rule"]) == ("OK", "extension-testing")
    assert (testing["decision"], testing["rule"]) == ("FAIL", "deny-all")


# -- option values -------------------------------------------------------------------------------
OPTION_RULE = [{"name": "workspace-says-no", "action": "deny", "when": {"extension.options.checkStatus": "FAIL"},
                "message": "this workspace's extension option checkStatus is {extension.options.checkStatus}"}]


@pytest.mark.parametrize("guard", GUARDS)
def test_a_workspaces_option_values_reach_the_rules(dataworks, policy_file, run, guard) -> None:  # type: ignore[no-untyped-def]
    policy_file(OPTION_RULE)
    register(dataworks)
    dataworks.world.set_option_values(DEFAULT_EXTENSION_CODE, PROD, {"checkStatus": "FAIL"})
    blocked = run(guard, guard.event(PROD))
    allowed = run(guard, guard.event(SANDBOX))
    assert (blocked["decision"], blocked["rule"]) == ("FAIL", "workspace-says-no")
    assert "checkStatus is FAIL" in blocked["message"]
    assert (allowed["decision"], allowed["rule"]) == ("OK", None)
    [ask] = [r.params for r in dataworks.requests if r.action == "GetOptionValueForProject"][:1]
    assert (ask["ExtensionCode"], ask["ProjectId"]) == (DEFAULT_EXTENSION_CODE, str(PROD))


def test_option_values_are_not_asked_for_unless_a_rule_names_them(dataworks, policy_file, run) -> None:  # type: ignore[no-untyped-def]
    policy_file(DENY_ALL)
    register(dataworks)
    run(CHANGE, CHANGE.event(PROD))
    assert requests(dataworks, "GetOptionValueForProject") == 0


def test_option_values_are_not_asked_for_by_a_rule_that_does_not_apply(dataworks, policy_file, run) -> None:  # type: ignore[no-untyped-def]
    policy_file([{**OPTION_RULE[0], "applies_to": ["DeployFile"]}])
    register(dataworks)
    out = run(CHANGE, CHANGE.event(PROD))
    assert out["decision"] == "OK" and requests(dataworks, "GetOptionValueForProject") == 0


def test_option_values_are_cached_per_workspace(dataworks, policy_file, run) -> None:  # type: ignore[no-untyped-def]
    policy_file(OPTION_RULE)
    register(dataworks)
    for _ in range(3):
        run(DOWNLOAD_GUARD, DOWNLOAD_GUARD.event(PROD))
    assert requests(dataworks, "GetOptionValueForProject") == 1


def test_a_failing_option_lookup_a_rule_needs_is_answered_per_failure_policy(dataworks, policy_file, run) -> None:  # type: ignore[no-untyped-def]
    policy_file(OPTION_RULE, failure_policy="fail-closed")
    register(dataworks)
    dataworks.fail_next(5, "forbidden", action="GetOptionValueForProject")
    out = run(CHANGE, CHANGE.event(PROD))
    assert (out["decision"], out["rule"]) == ("FAIL", "failure-policy")
    assert "GetOptionValueForProject" in out["trouble"]


def test_a_rule_can_use_the_option_value_the_official_sample_reads(dataworks, policy_file, run) -> None:  # type: ignore[no-untyped-def]
    # the MAX_PT best practice: code that calls MAX_PT gets the workspace's checkStatus as its answer
    policy_file([{"name": "max-pt", "action": "deny", "applies_to": ["CommitFile"],
                  "when": {"code.functions": {"contains": "MAX_PT"}, "extension.options.checkStatus": "FAIL"},
                  "message": "code contains a restricted function"}])
    register(dataworks)
    dataworks.world.set_option_values(DEFAULT_EXTENSION_CODE, PROD, {"checkStatus": "FAIL"})
    event = CHANGE.event(PROD)
    add_ide_detail(dataworks.world, event, Content="select * from t where ds = MAX_PT('t');")
    out = run(CHANGE, event)
    assert (out["decision"], out["rule"]) == ("FAIL", "max-pt")


# -- caching and failures ------------------------------------------------------------------------
def test_the_settings_are_asked_for_once_per_instance(dataworks, policy_file, run) -> None:  # type: ignore[no-untyped-def]
    policy_file(DENY_ALL)
    register(dataworks, {"extension.project.disabled": str(SANDBOX)})
    for workspace in (PROD, SANDBOX, PROD):
        run(CHANGE, CHANGE.event(workspace))
    assert requests(dataworks, "GetExtension") == 1
    [ask] = [r.params for r in dataworks.requests if r.action == "GetExtension"]
    assert ask["ExtensionCode"] == DEFAULT_EXTENSION_CODE


def test_the_settings_are_refreshed_after_refresh_s(dataworks, policy_file, run) -> None:  # type: ignore[no-untyped-def]
    # 1 s leaves a loaded CI machine time for two runs before the refresh is due
    policy_file(DENY_ALL, extension={"refresh_s": 1.0})
    register(dataworks)
    assert run(CHANGE, CHANGE.event(PROD))["rule"] == "deny-all"
    register(dataworks, {"extension.project.disabled": str(PROD)})
    assert run(CHANGE, CHANGE.event(PROD))["rule"] == "deny-all"  # still the cached settings
    time.sleep(1.1)
    assert run(CHANGE, CHANGE.event(PROD))["rule"] == "extension-disabled"
    assert requests(dataworks, "GetExtension") == 2


def test_the_per_guard_extension_code_is_the_one_asked_for(dataworks, policy_file, run, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    policy_file(DENY_ALL)
    dataworks.world.add_extension("download-guard-extension", parameters={"extension.project.disabled": str(PROD)})
    monkeypatch.setenv("DATAWORKS_EXTENSION_CODE_DOWNLOAD_GUARD", "download-guard-extension")
    download = run(DOWNLOAD_GUARD, DOWNLOAD_GUARD.event(PROD))
    change = run(CHANGE, CHANGE.event(PROD))
    assert (download["rule"], change["rule"]) == ("extension-disabled", "deny-all")
    asked = {r.params["ExtensionCode"] for r in dataworks.requests if r.action == "GetExtension"}
    assert asked == {"download-guard-extension", DEFAULT_EXTENSION_CODE}


def test_a_failing_get_extension_without_settings_evaluates_the_rules(dataworks, policy_file, run, capsys) -> None:  # type: ignore[no-untyped-def]
    policy_file(DENY_ALL)
    register(dataworks, {"extension.project.disabled": str(PROD)})
    dataworks.fail_next(10, "unavailable", action="GetExtension")
    out = run(CHANGE, CHANGE.event(PROD))
    assert (out["decision"], out["rule"], out.get("trouble")) == ("FAIL", "deny-all", None)  # not the guard's trouble
    warnings = [json.loads(line) for line in capsys.readouterr().out.splitlines()
                if '"guard.extension_settings_unavailable"' in line]
    assert warnings and warnings[0]["state"] == "unavailable" and warnings[0]["level"] == "warning"


def test_a_failing_get_extension_keeps_the_last_good_settings(dataworks, policy_file, run) -> None:  # type: ignore[no-untyped-def]
    # 1 s leaves a loaded CI machine time for two runs before the refresh is due
    policy_file(DENY_ALL, extension={"refresh_s": 1.0})
    register(dataworks, {"extension.project.disabled": str(PROD)})
    assert run(CHANGE, CHANGE.event(PROD))["rule"] == "extension-disabled"
    time.sleep(0.3)
    dataworks.fail_next(10, "unavailable", action="GetExtension")
    assert run(CHANGE, CHANGE.event(PROD))["rule"] == "extension-disabled"


def test_after_a_failed_get_extension_the_next_events_do_not_wait_for_it(dataworks, policy_file, run) -> None:  # type: ignore[no-untyped-def]
    policy_file(DENY_ALL)
    register(dataworks)
    dataworks.fail_next(10, "unavailable", action="GetExtension")
    run(CHANGE, CHANGE.event(PROD))
    asked = requests(dataworks, "GetExtension")
    run(CHANGE, CHANGE.event(SANDBOX))
    assert asked >= 1 and requests(dataworks, "GetExtension") == asked


def test_an_unknown_extension_code_is_no_reason_to_skip_the_rules(dataworks, policy_file, run, monkeypatch,  # type: ignore[no-untyped-def]
                                                                  capsys) -> None:
    policy_file(DENY_ALL)
    monkeypatch.setenv("DATAWORKS_EXTENSION_CODE", "not-registered")
    with pytest.raises(GuardCallbackError):  # the callback with that code is refused too: FC retries
        run(WORKSPACE, WORKSPACE.event(PROD))
    assert [r.code for r in dataworks.requests if r.action == "GetExtension"] == ["Invalid.Extension.NotExists"]
    (decision,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"guard.decision"' in line]
    assert (decision["rule"], decision["result"]) == ("deny-all", "FAIL")


def test_a_hung_get_extension_still_leaves_time_for_enrichment_and_the_answer(dataworks, policy_file, run) -> None:  # type: ignore[no-untyped-def]
    policy_file([{"name": "standard-mode", "action": "deny", "when": {"workspace.mode": "standard"}}])
    register(dataworks)
    dataworks.fail_next(10, "slow", action="GetExtension", delay_s=60)
    started = time.monotonic()
    out = run(WORKSPACE, WORKSPACE.event(PROD), timeout_s=4)
    took = time.monotonic() - started
    assert (out["decision"], out["rule"], out["callback"]["sent"]) == ("FAIL", "standard-mode", True)
    assert took < 4


def test_a_redelivered_message_resends_its_unchecked_ok(dataworks, policy_file, run) -> None:  # type: ignore[no-untyped-def]
    policy_file(DENY_ALL)
    register(dataworks, {"extension.project.disabled": str(PROD)})
    event = CHANGE.event(PROD)
    first = run(CHANGE, event)
    again = run(CHANGE, event)
    assert again["duplicate"] is True and again["decision_id"] == first["decision_id"]
    assert sent(dataworks, first) == ["OK"]


# -- the registration's text -----------------------------------------------------------------------
def test_parameters_are_key_value_lines_and_the_last_repeat_wins() -> None:
    text = "# owner's notes\nextension.project.disabled = 1, 2 \n\nnot a pair\nextension.project.disabled=3\ncustom=a=b"
    assert parse_parameters(text) == {"extension.project.disabled": "3", "custom": "a=b"}


def test_an_unreadable_file_type_switch_turns_nothing_off() -> None:
    settings = ExtensionSettings.from_parameters("extension.fileType.10.commit-file.enabled=maybe")
    assert settings.gate(event_code="commit-file", workspace_id=PROD, file_type=10) is None


def test_a_testing_extension_without_a_test_workspace_serves_none() -> None:
    gate = ExtensionSettings(status=0, project_testing=None).gate(event_code="commit-file", workspace_id=PROD)
    assert gate is not None and gate.rule == "extension-testing" and "no workspace" in gate.message
