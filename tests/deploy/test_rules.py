"""``openevent rules plan|apply`` and ``openevent route`` against the fake EventBridge OpenAPI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from deploy_constants import ACCESS_KEY_SECRET, ACCOUNT_ID, BUS, FIXTURES

from openevent.deploy.template import load_function_patterns, load_functions
from openevent.errors import ConfigError
from openevent.local.fake_eventbridge import FakeEventBridge

GUARD = "oe-workspace-delete-guard"
NOTIFIER = "oe-instance-status-notifier"
GUARD_RULE = f"openevent-{GUARD}"
NOTIFIER_RULE = f"openevent-{NOTIFIER}"
GUARD_PATTERN = {"source": ["acs.dataworks"], "type": ["dataworks:ProjectChange:DeleteProject"]}


def rules_by_name(result: Any) -> dict[str, dict[str, Any]]:
    return {r["rule"]: r for r in result.json()["rules"]}


def write_template(tmp_path: Path, guard_pattern: dict[str, Any]) -> Path:
    text = (FIXTURES / "s.yaml").read_text()
    old = json.dumps(GUARD_PATTERN, separators=(",", ":"))
    assert old in text
    path = tmp_path / "s.yaml"
    path.write_text(text.replace(old, json.dumps(guard_pattern, separators=(",", ":"))))
    return path


# --- template reading --------------------------------------------------------------------


def test_template_patterns_resolve_vars_and_env_defaults(template: Path) -> None:
    patterns = load_function_patterns(template, env={})
    assert patterns[GUARD] == [GUARD_PATTERN]


def test_template_functions_without_eventbridge_triggers_have_no_patterns(template: Path) -> None:
    assert "oe-web-console" not in load_function_patterns(template, env={})


def test_template_env_references_read_the_given_environment(template: Path) -> None:
    regions = {f.name: f.region for f in load_functions(template, env={"OE_TEST_REGION": "cn-beijing"})}
    assert regions[GUARD] == "cn-beijing"


def test_fc2_templates_give_the_service_and_every_trigger() -> None:
    (spec,) = load_functions(FIXTURES / "s_fc2.yaml", env={})
    assert (spec.name, spec.service, [t.name for t in spec.triggers]) == ("node-change-auditor", "openevent",
                                                                          ["nodes", "files"])
    assert [r.key for r in spec.bus_rules] == ["nodes", "files"]


def test_template_with_an_unresolvable_function_name_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("resources:\n  f:\n    component: fc3\n    props:\n      functionName: ${this.name}\n")
    with pytest.raises(ConfigError, match="functionName"):
        load_functions(path, env={})


# --- rules plan / apply ------------------------------------------------------------------


def test_plan_on_an_empty_bus_creates_one_rule_per_function(cli_env: Any, run_cli: Any, template: Path,
                                                            fake: FakeEventBridge) -> None:
    result = run_cli("rules", "plan", "--bus", BUS, "--template", str(template))
    assert result.code == 0, result.err
    assert {name: r["action"] for name, r in rules_by_name(result).items()} == {
        GUARD_RULE: "create", NOTIFIER_RULE: "create"}


def test_plan_changes_nothing(cli_env: Any, run_cli: Any, template: Path, fake: FakeEventBridge) -> None:
    run_cli("rules", "plan", "--bus", BUS, "--template", str(template))
    assert fake.rule_names(BUS) == []
    assert set(fake.actions()) <= {"GetEventBus", "ListRules", "ListTargets", "GetRule"}


def test_plan_shows_the_pattern_to_be_created(cli_env: Any, run_cli: Any, template: Path) -> None:
    result = run_cli("rules", "plan", "--bus", BUS, "--template", str(template))
    assert rules_by_name(result)[GUARD_RULE]["pattern"]["to"] == GUARD_PATTERN


def test_apply_creates_rules_with_the_template_patterns(cli_env: Any, run_cli: Any, template: Path,
                                                        fake: FakeEventBridge) -> None:
    result = run_cli("rules", "apply", "--bus", BUS, "--template", str(template))
    assert result.code == 0, result.err
    rule = fake.rule(BUS, GUARD_RULE)
    assert rule is not None
    assert (json.loads(rule["FilterPattern"]), rule["Status"]) == (GUARD_PATTERN, "ENABLE")


def test_apply_targets_each_rule_at_its_fc3_function(cli_env: Any, run_cli: Any, template: Path,
                                                     fake: FakeEventBridge) -> None:
    run_cli("rules", "apply", "--bus", BUS, "--template", str(template))
    rule = fake.rule(BUS, NOTIFIER_RULE)
    assert rule is not None
    (target,) = rule["Targets"]
    assert (target["Type"], target["Endpoint"]) == (
        "acs.fc.function", f"acs:fc:cn-hangzhou:{ACCOUNT_ID}:functions/{NOTIFIER}")
    params = {p["ResourceKey"]: p for p in target["ParamList"]}
    assert params["functionName"]["Value"] == NOTIFIER and params["Body"]["Form"] == "ORIGINAL"


def test_apply_reports_what_it_did(cli_env: Any, run_cli: Any, template: Path) -> None:
    result = run_cli("rules", "apply", "--bus", BUS, "--template", str(template))
    assert rules_by_name(result)[GUARD_RULE]["done"] == ["CreateRule", "PutTargets"]
    assert result.json()["summary"]["create"] == 2


def test_apply_targets_fc2_functions_through_their_service(cli_env: Any, run_cli: Any,
                                                           fake: FakeEventBridge) -> None:
    run_cli("rules", "apply", "--bus", BUS, "--template", str(FIXTURES / "s_fc2.yaml"))
    assert fake.rule_names(BUS) == ["openevent-node-change-auditor-files", "openevent-node-change-auditor-nodes"]
    rule = fake.rule(BUS, "openevent-node-change-auditor-nodes")
    assert rule is not None
    (target,) = rule["Targets"]
    assert target["Endpoint"] == (f"acs:fc:cn-shanghai:{ACCOUNT_ID}:services/openevent.LATEST/functions/"
                                  "node-change-auditor")
    assert {"ResourceKey": "serviceName", "Form": "CONSTANT", "Value": "openevent"} in target["ParamList"]


def test_second_plan_after_apply_is_unchanged(cli_env: Any, run_cli: Any, template: Path) -> None:
    run_cli("rules", "apply", "--bus", BUS, "--template", str(template))
    result = run_cli("rules", "plan", "--bus", BUS, "--template", str(template))
    assert result.json()["summary"] == {"create": 0, "update": 0, "unchanged": 2, "orphan": 0, "delete": 0}


def test_a_changed_pattern_is_planned_as_an_update_with_its_diff(cli_env: Any, run_cli: Any, template: Path,
                                                                 tmp_path: Path) -> None:
    run_cli("rules", "apply", "--bus", BUS, "--template", str(template))
    changed = dict(GUARD_PATTERN, type=["dataworks:ProjectChange:DeleteProject", "dataworks:X:Y"])
    result = run_cli("rules", "plan", "--bus", BUS, "--template", str(write_template(tmp_path, changed)))
    guard = rules_by_name(result)[GUARD_RULE]
    assert guard["action"] == "update"
    assert guard["pattern"]["changed"] == {"type": {"from": GUARD_PATTERN["type"], "to": changed["type"]}}
    assert "target" not in guard


def test_apply_updates_a_changed_pattern_in_place(cli_env: Any, run_cli: Any, template: Path, tmp_path: Path,
                                                  fake: FakeEventBridge) -> None:
    run_cli("rules", "apply", "--bus", BUS, "--template", str(template))
    changed = {"source": ["acs.dataworks"], "data": {"eventCode": [{"prefix": "delete-"}]}}
    result = run_cli("rules", "apply", "--bus", BUS, "--template", str(write_template(tmp_path, changed)))
    assert rules_by_name(result)[GUARD_RULE]["done"] == ["UpdateRule"]
    rule = fake.rule(BUS, GUARD_RULE)
    assert rule is not None and json.loads(rule["FilterPattern"]) == changed


def test_a_changed_invocation_type_updates_only_the_target(cli_env: Any, run_cli: Any, template: Path) -> None:
    run_cli("rules", "apply", "--bus", BUS, "--template", str(template))
    result = run_cli("rules", "apply", "--bus", BUS, "--template", str(template), "--invocation-type", "Sync")
    assert rules_by_name(result)[GUARD_RULE]["done"] == ["PutTargets"]


def test_a_disabled_rule_is_enabled_again(cli_env: Any, run_cli: Any, template: Path,
                                          fake: FakeEventBridge) -> None:
    run_cli("rules", "apply", "--bus", BUS, "--template", str(template))
    fake._buses[BUS][GUARD_RULE].status = "DISABLE"
    result = run_cli("rules", "apply", "--bus", BUS, "--template", str(template))
    assert rules_by_name(result)[GUARD_RULE]["done"] == ["EnableRule"]


def test_rules_the_template_no_longer_declares_are_reported_as_orphans_and_kept(
        cli_env: Any, run_cli: Any, template: Path, fake: FakeEventBridge) -> None:
    run_cli("rules", "apply", "--bus", BUS, "--template", str(FIXTURES / "s_fc2.yaml"))
    result = run_cli("rules", "apply", "--bus", BUS, "--template", str(template))
    assert rules_by_name(result)["openevent-node-change-auditor-nodes"]["action"] == "orphan"
    assert "openevent-node-change-auditor-nodes" in fake.rule_names(BUS)


def test_a_wrong_secret_is_a_clear_signature_error(cli_env: Any, run_cli: Any, template: Path) -> None:
    cli_env.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "not-the-right-secret")
    result = run_cli("rules", "plan", "--bus", BUS, "--template", str(template))
    assert result.code == 2
    assert result.err.startswith("error: ") and result.err.count("\n") == 1
    assert "SignatureDoesNotMatch" in result.err and "not-the-right-secret" not in result.err


def test_an_unknown_access_key_is_reported(cli_env: Any, run_cli: Any, template: Path) -> None:
    cli_env.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "someone-else")
    result = run_cli("rules", "plan", "--bus", BUS, "--template", str(template))
    assert result.code == 2 and "InvalidAccessKeyId" in result.err


def test_a_missing_bus_is_reported_with_the_service_error_code(cli_env: Any, run_cli: Any,
                                                               template: Path) -> None:
    result = run_cli("rules", "plan", "--bus", "no-such-bus", "--template", str(template))
    assert result.code == 2 and "EventBusNotExist" in result.err


def test_a_missing_account_id_is_a_usage_error(cli_env: Any, run_cli: Any, template: Path) -> None:
    cli_env.delenv("FC_ACCOUNT_ID")
    result = run_cli("rules", "plan", "--bus", BUS, "--template", str(template))
    assert result.code == 2 and "--account-id" in result.err


def test_missing_credentials_are_a_usage_error(cli_env: Any, run_cli: Any, template: Path) -> None:
    cli_env.delenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    result = run_cli("rules", "plan", "--bus", BUS, "--template", str(template))
    assert result.code == 2 and "credentials" in result.err


# --- the fake itself ---------------------------------------------------------------------


def test_fake_rejects_a_replayed_nonce(fake: FakeEventBridge) -> None:
    import urllib.error
    import urllib.request
    from datetime import datetime, timezone

    from openevent.local.fake_eventbridge import rpc_signature

    params = {"AccessKeyId": fake.access_key_id, "Action": "GetEventBus", "EventBusName": BUS, "Format": "JSON",
              "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "n-1", "SignatureVersion": "1.0",
              "Timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "Version": "2020-04-01"}
    params["Signature"] = rpc_signature("POST", params, ACCESS_KEY_SECRET)
    body = "&".join(f"{k}={urllib.request.quote(v, safe='')}" for k, v in params.items()).encode()

    def post() -> tuple[int, dict[str, Any]]:
        req = urllib.request.Request(fake.endpoint + "/", data=body, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    assert post()[0] == 200
    status, payload = post()
    assert (status, payload["Code"]) == (400, "SignatureNonceUsed")


# --- route ---------------------------------------------------------------------------------


def cloud_event(event_type: str, **data: Any) -> dict[str, Any]:
    return {"id": "e-1", "source": "acs.dataworks", "specversion": "1.0", "type": event_type, "data": data}


def test_route_lists_the_functions_whose_patterns_match(run_cli: Any, template: Path, tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(cloud_event("dataworks:InstanceStatusChanges:InstanceStatusChanges",
                                           status="FAILURE")))
    result = run_cli("route", str(path), "--template", str(template))
    assert (result.code, result.json()) == (0, ["instance_status_notifier"])  # the s.yaml resource key


def test_route_of_an_unmatched_event_is_an_empty_list(run_cli: Any, template: Path, tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(cloud_event("dataworks:InstanceStatusChanges:InstanceStatusChanges",
                                           status="RUNNING")))
    assert run_cli("route", str(path), "--template", str(template)).json() == []


def test_route_of_an_array_gives_one_list_per_event(run_cli: Any, template: Path, tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_text(json.dumps([cloud_event("dataworks:ProjectChange:DeleteProject"),
                                cloud_event("dataworks:Other:Thing")]))
    assert run_cli("route", str(path), "--template", str(template)).json() == [["workspace_delete_guard"], []]


def test_route_reports_an_invalid_template_pattern_with_its_function(run_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(cloud_event("dataworks:X:Y")))
    result = run_cli("route", str(path), "--template", str(FIXTURES / "s_bad_pattern.yaml"))
    assert result.code == 2
    assert "change-guard" in result.err and "wildcard" in result.err


def test_route_rejects_input_that_is_not_json(run_cli: Any, template: Path, tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text("{not json")
    result = run_cli("route", str(path), "--template", str(template))
    assert result.code == 2 and result.err.startswith("error: input is not valid JSON")


# --- pruning and removal -------------------------------------------------------------------------


def template_with(tmp_path: Path, name: str, *, prefix: str = "oe", notifier_rules: Any = None) -> Path:
    """The fixture template with another prefix and/or other notifier rules (``vars.busRules``)."""
    import yaml

    document = yaml.safe_load((FIXTURES / "s.yaml").read_text())
    document["vars"]["prefix"] = prefix
    if notifier_rules is not None:
        document["vars"]["busRules"]["instance_status_notifier"] = notifier_rules
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


SPLIT_RULES = {"status": '{"source":["acs.dataworks"],"type":["dataworks:InstanceStatusChanges:InstanceStatusChanges"],'
                         '"data":{"status":[5,"5",6,"6"]}}',
               "alerts": '{"source":["acs.dataworks"],"type":["dataworks:MonitorAlert:WorkbenchMonitorAlert"]}'}


def test_several_rules_of_one_function_are_named_after_their_keys(cli_env: Any, run_cli: Any, tmp_path: Path,
                                                                   fake: FakeEventBridge) -> None:
    run_cli("rules", "apply", "--bus", BUS, "--template", str(template_with(tmp_path, "s.yaml",
                                                                             notifier_rules=SPLIT_RULES)))
    assert fake.rule_names(BUS) == [f"{NOTIFIER_RULE}-alerts", f"{NOTIFIER_RULE}-status", GUARD_RULE]


def test_prune_deletes_an_older_rule_of_the_template_s_own_function(cli_env: Any, run_cli: Any, tmp_path: Path,
                                                                     fake: FakeEventBridge) -> None:
    run_cli("rules", "apply", "--bus", BUS, "--template", str(FIXTURES / "s.yaml"))  # the unfiltered rule
    split = template_with(tmp_path, "s.yaml", notifier_rules=SPLIT_RULES)
    result = run_cli("rules", "apply", "--bus", BUS, "--template", str(split), "--prune")
    assert result.code == 0, result.err
    old = rules_by_name(result)[NOTIFIER_RULE]
    assert (old["action"], old["function"], old["done"]) == ("delete", NOTIFIER, ["DeleteTargets", "DeleteRule"])
    assert NOTIFIER_RULE not in fake.rule_names(BUS)


def test_without_prune_the_older_rule_is_an_orphan_and_kept(cli_env: Any, run_cli: Any, tmp_path: Path,
                                                            fake: FakeEventBridge) -> None:
    run_cli("rules", "apply", "--bus", BUS, "--template", str(FIXTURES / "s.yaml"))
    split = template_with(tmp_path, "s.yaml", notifier_rules=SPLIT_RULES)
    result = run_cli("rules", "apply", "--bus", BUS, "--template", str(split))
    assert rules_by_name(result)[NOTIFIER_RULE]["action"] == "orphan"
    assert NOTIFIER_RULE in fake.rule_names(BUS)


def test_prune_never_touches_the_rules_of_another_deployment_on_the_bus(cli_env: Any, run_cli: Any, tmp_path: Path,
                                                                        fake: FakeEventBridge) -> None:
    run_cli("rules", "apply", "--bus", BUS, "--template", str(template_with(tmp_path, "staging.yaml",
                                                                             prefix="oe-staging")))
    result = run_cli("rules", "apply", "--bus", BUS, "--template", str(FIXTURES / "s.yaml"), "--prune")
    assert result.json()["summary"]["orphan"] == 2 and result.json()["summary"]["delete"] == 0
    assert "openevent-oe-staging-workspace-delete-guard" in fake.rule_names(BUS)


def test_remove_deletes_the_rules_apply_created_with_their_targets(cli_env: Any, run_cli: Any, template: Path,
                                                                   fake: FakeEventBridge) -> None:
    run_cli("rules", "apply", "--bus", BUS, "--template", str(template))
    result = run_cli("rules", "remove", "--bus", BUS, "--template", str(template))
    assert result.code == 0, result.err
    assert {r["rule"]: r["done"] for r in result.json()["rules"]} == {
        GUARD_RULE: ["DeleteTargets", "DeleteRule"], NOTIFIER_RULE: ["DeleteTargets", "DeleteRule"]}
    assert fake.rule_names(BUS) == []


def test_remove_leaves_other_deployments_alone(cli_env: Any, run_cli: Any, template: Path, tmp_path: Path,
                                               fake: FakeEventBridge) -> None:
    staging = template_with(tmp_path, "staging.yaml", prefix="oe-staging")
    run_cli("rules", "apply", "--bus", BUS, "--template", str(staging))
    run_cli("rules", "apply", "--bus", BUS, "--template", str(template))
    run_cli("rules", "remove", "--bus", BUS, "--template", str(template))
    assert fake.rule_names(BUS) == ["openevent-oe-staging-instance-status-notifier",
                                    "openevent-oe-staging-workspace-delete-guard"]


def test_remove_dry_run_lists_what_it_would_delete_and_changes_nothing(cli_env: Any, run_cli: Any, template: Path,
                                                                       fake: FakeEventBridge) -> None:
    run_cli("rules", "apply", "--bus", BUS, "--template", str(template))
    result = run_cli("rules", "remove", "--bus", BUS, "--template", str(template), "--dry-run")
    assert result.json()["removed"] is False and result.json()["summary"]["delete"] == 2
    assert fake.rule_names(BUS) == [NOTIFIER_RULE, GUARD_RULE]
