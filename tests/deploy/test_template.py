"""Reading s.yaml the way Serverless Devs renders it: files, merge keys, custom-bus rules, timers."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from openevent.deploy.pattern import PatternError
from openevent.deploy.template import load_template
from openevent.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(textwrap.dedent(text))
    return path


BASE = """\
vars:
  bus: ${env('BUS', 'dw-bus')}
  dest: ${json(file(env('DEST_FILE', './dest.json')))}
  common: &common
    A: ${env('A', 'a-default')}
  statuses: ${env('STATUSES', '[5,"5"]')}
  busRules:
    fn:
      status: '{"source":["acs.dataworks"],"data":{"status":${vars.statuses}}}'
resources:
  fn:
    component: fc3
    props:
      functionName: f
      environmentVariables:
        <<: *common
        B: b
      asyncInvokeConfig:
        destinationConfig: ${vars.dest}
      triggers:
        - triggerName: flush
          triggerType: timer
          triggerConfig: {cronExpression: '@every 1m', enable: true, payload: ''}
"""


@pytest.fixture
def template(tmp_path: Path) -> Path:
    (tmp_path / "dest.json").write_text('{"onFailure": {"destination": "acs:mns:cn-hangzhou:1:/queues/q/messages"}}')
    return write(tmp_path, BASE)


def test_a_json_file_named_by_an_environment_variable_is_read_relative_to_the_template(template: Path) -> None:
    (spec,) = load_template(template, env={}).functions
    assert spec.props["asyncInvokeConfig"]["destinationConfig"] == {
        "onFailure": {"destination": "acs:mns:cn-hangzhou:1:/queues/q/messages"}}


def test_a_missing_file_is_a_config_error_naming_it(template: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.json"):
        load_template(template, env={"DEST_FILE": "./nope.json"})


def test_yaml_merge_keys_are_merged_into_the_environment(template: Path) -> None:
    (spec,) = load_template(template, env={"A": "from-shell"}).functions
    assert spec.environment == {"A": "from-shell", "B": "b"}


def test_custom_bus_rules_resolve_variables_inside_the_pattern(template: Path) -> None:
    loaded = load_template(template, env={"STATUSES": '[6,"6"]'})
    ((rule,),) = [f.bus_rules for f in loaded.functions]
    assert (rule.key, rule.pattern["data"], loaded.bus) == ("status", {"status": [6, "6"]}, "dw-bus")


def test_timer_triggers_are_read(template: Path) -> None:
    (spec,) = load_template(template, env={}).functions
    assert [(t.name, t.cron, t.enabled) for t in spec.timers] == [("flush", "@every 1m", True)]
    assert spec.triggers == []  # no eventbridge trigger


def test_an_invalid_custom_bus_pattern_names_the_rule(tmp_path: Path) -> None:
    path = write(tmp_path, """\
        vars:
          busRules:
            fn: '{"source":[{"wildcard":"acs.*"}]}'
        resources:
          fn: {component: fc3, props: {functionName: f}}
        """)
    with pytest.raises(PatternError, match=r"vars\.busRules\.fn .*wildcard"):
        load_template(path, env={})


def test_custom_bus_rules_for_no_resource_are_kept_for_the_check(tmp_path: Path) -> None:
    path = write(tmp_path, """\
        vars:
          busRules:
            gone: '{"source":["acs.dataworks"]}'
        resources:
          fn: {component: fc3, props: {functionName: f}}
        """)
    assert load_template(path, env={}).unknown_bus_rules == ["gone"]
