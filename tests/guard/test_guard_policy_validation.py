"""A guard's policy cannot misfire silently: what it names must exist, apply, and be available.

A typo used to switch a rule off without a word (``download.row`` for ``download.rows``,
``applies_to: [DeleteProjects]``, a fact only enrichment provides while enrichment is off). Loaded
for a guard, such a policy does not load: the real handler answers per the failure policy, with
the error naming the file, the rule and the key, and ``openevent check`` reports the same lines
(:func:`openevent.guard.policy.validate_policy_file`). The ``regex`` operator for code rules is
specified at the end.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from guard_support import COMMIT_FILE, DELETE, DOWNLOAD, PROD, add_ide_detail

from openevent.errors import ConfigError
from openevent.events.samples import sample_event
from openevent.guard import change, transfer, workspace
from openevent.guard.conditions import MAX_REGEX_INPUT, ConditionError, _compile, matches, validate_when
from openevent.guard.policy import (
    FACT_TYPES,
    Policy,
    PolicySchema,
    load_policy,
    template_fields,
    validate_policy_file,
)
from openevent.local.functions import declaration, function_path, load_module
from openevent.runtime.context import LocalContext

GUARD_NAMES = ("workspace_delete_guard", "download_guard", "change_guard")


@pytest.fixture
def load() -> Iterator[Any]:
    """``load(name)``: the real guard function module, fresh for the test."""
    loaded: list[ModuleType] = []

    def make(name: str) -> ModuleType:
        module = load_module(name, fresh=True)
        loaded.append(module)
        return module

    yield make
    for module in loaded:
        module.reset()


def answer(module: ModuleType, function: str, event_type: str,
           overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    raw = json.dumps(sample_event(event_type, overrides)).encode()
    out: dict[str, Any] = module.handler(raw, LocalContext(function_name=function, timeout_s=15))
    return out


def rule(name: str = "r", when: Any = None, **extra: Any) -> dict[str, Any]:
    return {"name": name, "action": "deny", "when": when if when is not None else {"day": "sun"}, **extra}


def problems(schema_of: Any, *rules: dict[str, Any], **options: Any) -> list[tuple[str, str]]:
    return Policy.model_validate({**options, "rules": list(rules)}).validate_for(PolicySchema.of(schema_of))


def keys(found: list[tuple[str, str]]) -> list[str]:
    return [k for k, _ in found]


# -- the real handlers: a misfiring policy is answered per the failure policy --------------------------
@pytest.mark.parametrize(("failure_policy", "expected"), [("fail-closed", "FAIL"), ("fail-open", "OK")])
def test_a_misspelt_fact_is_answered_per_failure_policy_naming_the_key(  # type: ignore[no-untyped-def]
        dataworks, policy_file, load, failure_policy, expected) -> None:
    path = policy_file([rule("row-limit", {"download.row": {"gt": 1000000}})], failure_policy=failure_policy)
    out = answer(load("download_guard"), "download_guard", DOWNLOAD)
    assert (out["decision"], out["rule"]) == (expected, "failure-policy")
    assert f"{path}: rules.row-limit.when.download.row: unknown fact (did you mean download.rows?)" in out["trouble"]
    assert [c.check_result for c in dataworks.callbacks_for(out["message_id"])] == [expected]


def test_an_unknown_event_name_in_applies_to_is_answered_per_failure_policy(dataworks, policy_file, load) -> None:  # type: ignore[no-untyped-def]
    policy_file([rule("protected", {"workspace.id": {"in": [PROD]}}, applies_to=["DeleteProjects"])])
    out = answer(load("workspace_delete_guard"), "workspace_delete_guard", DELETE)
    assert (out["decision"], out["rule"]) == ("FAIL", "failure-policy")
    assert "rules.protected.applies_to[0]: unknown event DeleteProjects (did you mean DeleteProject?)" in out["trouble"]


def test_an_event_of_another_guard_in_applies_to_is_answered_per_failure_policy(dataworks, policy_file, load) -> None:  # type: ignore[no-untyped-def]
    policy_file([rule("big", {"download.rows": {"gt": 10}}, applies_to=["DownloadResources", "CommitFile"])])
    out = answer(load("download_guard"), "download_guard", DOWNLOAD)
    assert out["rule"] == "failure-policy"
    assert "rules.big.applies_to[1]: CommitFile is not handled by download_guard" in out["trouble"]


@pytest.mark.parametrize(("function", "event_type", "key", "cond"), [
    ("download_guard", DOWNLOAD, "download.file_name", {"gt": 10}),       # gt on a str
    ("workspace_delete_guard", DELETE, "workspace.id", {"cidr": ["10.0.0.0/8"]}),  # cidr on an int
    ("download_guard", DOWNLOAD, "download.rows", {"glob": "1*"}),         # glob on an int
])
def test_an_operator_that_cannot_apply_to_the_facts_type_is_answered_per_failure_policy(  # type: ignore[no-untyped-def]
        dataworks, policy_file, load, function, event_type, key, cond) -> None:
    policy_file([rule("typed", {key: cond})])
    out = answer(load(function), function, event_type)
    (op,) = cond
    assert out["rule"] == "failure-policy"
    assert f"rules.typed.when.{key}.{op}: {op} cannot apply to {key}" in out["trouble"]


def test_a_fact_that_needs_enrichment_while_enrichment_is_off_is_answered_per_failure_policy(  # type: ignore[no-untyped-def]
        dataworks, policy_file, load) -> None:
    policy_file([rule("protect-tag", {"workspace.tag_keys": {"contains": "protect"}})], enrichment={"enabled": False})
    out = answer(load("workspace_delete_guard"), "workspace_delete_guard", DELETE)
    assert out["rule"] == "failure-policy"
    assert ("rules.protect-tag.when.workspace.tag_keys: needs enrichment (GetProject), but enrichment.enabled is false"
            in out["trouble"])


def test_a_message_naming_an_unknown_fact_is_answered_per_failure_policy(dataworks, policy_file, load) -> None:  # type: ignore[no-untyped-def]
    policy_file([rule("big", {"download.rows": {"gt": 10}}, message="{download.row:,} rows is too many")])
    out = answer(load("download_guard"), "download_guard", DOWNLOAD)
    assert out["rule"] == "failure-policy"
    assert "rules.big.message: unknown fact {download.row} (did you mean download.rows?)" in out["trouble"]


def test_a_policy_that_does_not_fit_its_guard_is_logged_when_the_instance_starts(policy_file, load, capsys) -> None:  # type: ignore[no-untyped-def]
    policy_file([rule("row-limit", {"download.row": {"gt": 1}})])
    load("download_guard").initialize()
    (record,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"guard.policy_invalid"' in line]
    assert record["level"] == "error" and "rules.row-limit.when.download.row: unknown fact" in record["error"]


def test_a_valid_policy_still_decides(dataworks, policy_file, load) -> None:  # type: ignore[no-untyped-def]
    when = {"download.rows": {"gte": 10000}, "sql.tables": {"contains": "sales_dw.dwd_order_detail_di"}}
    policy_file([rule("big", when, applies_to=["DownloadResources"], message="{download.rows:,} rows of {sql.tables}")])
    out = answer(load("download_guard"), "download_guard", DOWNLOAD)
    assert (out["decision"], out["rule"]) == ("FAIL", "big") and "10,000 rows" in out["message"]


def test_a_code_regex_rule_blocks_a_commit(dataworks, policy_file, load) -> None:  # type: ignore[no-untyped-def]
    policy_file([rule("no-max-pt", {"code.text": {"regex": r"(?i)\bmax_pt\s*\("}}, applies_to=["CommitFile"])])
    event = sample_event(COMMIT_FILE)
    add_ide_detail(dataworks.world, event, Content="select * from t where ds = max_pt ('t');")
    module = load("change_guard")
    out = module.handler(json.dumps(event).encode(), LocalContext(function_name="change_guard", timeout_s=15))
    assert (out["decision"], out["rule"]) == ("FAIL", "no-max-pt")


def test_an_invalid_regex_is_answered_per_failure_policy_naming_the_key(dataworks, policy_file, load) -> None:  # type: ignore[no-untyped-def]
    policy_file([rule("no-max-pt", {"code.text": {"regex": "MAX_PT("}})])
    out = answer(load("change_guard"), "change_guard", COMMIT_FILE)
    assert out["rule"] == "failure-policy"
    assert "rules.no-max-pt.when.code.text.regex: invalid regular expression 'MAX_PT('" in out["trouble"]


# -- validate_policy_file: what `openevent check` prints ---------------------------------------------------
@pytest.mark.parametrize("name", GUARD_NAMES)
def test_the_shipped_policies_are_valid_for_their_guards(name: str) -> None:
    assert validate_policy_file(function_path(name) / "config.yaml", name) == []


def test_a_problem_is_one_error_line_naming_the_file_the_rule_and_the_key(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("rules:\n  - name: row-limit\n    action: deny\n    when: {download.row: {gt: 1000000}}\n"
                    "  - name: ok\n    action: warn\n    when: {download.rows: {gt: 1}}\n", encoding="utf-8")
    assert validate_policy_file(path, "download_guard") == [
        f"error: {path}: rules.row-limit.when.download.row: unknown fact (did you mean download.rows?)"]


def test_what_the_model_rejects_is_reported_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("rules:\n  - name: row-limit\n    action: deny\n    when: {download.rows: {gtt: 1}}\n"
                    "  - name: b\n    action: block\n    when: {day: sun}\n", encoding="utf-8")
    lines = validate_policy_file(path, "download_guard")
    assert lines[0].startswith(f"error: {path}: rules.row-limit.when.download.rows.gtt: unknown operator")
    assert lines[1].startswith(f"error: {path}: rules.b.action: ")


def test_a_missing_file_is_one_error_line(tmp_path: Path) -> None:
    (line,) = validate_policy_file(tmp_path / "nope.yaml", "download_guard")
    assert line.startswith(f"error: {tmp_path / 'nope.yaml'}: ") and "does not exist" in line


@pytest.mark.parametrize("guard", ["download_guard", "declaration", "index", "facts-module"])
def test_the_guard_may_be_named_or_given_as_its_declaration_index_or_facts_module(tmp_path: Path, guard: str) -> None:
    given = {"download_guard": "download_guard", "declaration": declaration("download_guard"),
             "index": load_module("download_guard", keep=False), "facts-module": "openevent.guard.transfer"}[guard]
    path = tmp_path / "config.yaml"
    path.write_text("rules:\n  - {name: r, action: deny, when: {download.row: 1}}\n", encoding="utf-8")
    assert validate_policy_file(path, given) == [
        f"error: {path}: rules.r.when.download.row: unknown fact (did you mean download.rows?)"]


def test_load_policy_raises_one_config_error_naming_every_key(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("rules:\n  - {name: a, action: deny, when: {download.row: 1}}\n"
                    "  - {name: b, action: deny, when: {day: sun}, applies_to: [DeleteProject]}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_policy(path, schema=PolicySchema.of("download_guard"))
    assert str(caught.value).startswith(f"{path}: rules.a.when.download.row: unknown fact")
    assert "; rules.b.applies_to[0]: DeleteProject is not handled by download_guard" in str(caught.value)


def test_load_policy_without_a_schema_checks_only_the_model(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("rules:\n  - {name: a, action: deny, when: {download.row: 1}}\n", encoding="utf-8")
    assert load_policy(path).policy.rules[0].name == "a"


# -- the validator, rule by rule ------------------------------------------------------------------------
def test_a_fact_under_a_dict_fact_is_known_with_any_operator() -> None:
    assert problems("change_guard", rule(when={"code.first_line.MAX_PT": {"gt": 10}}),
                    rule("o", {"extension.options.cuNumber": {"in": ["0", "1"]}})) == []


def test_a_parent_of_declared_facts_may_only_be_tested_for_existence() -> None:
    assert problems("download_guard", rule(when={"sql": {"exists": True}})) == []
    assert keys(problems("download_guard", rule(when={"sql": "x"}))) == ["rules.r.when.sql"]


def test_lists_of_text_take_the_operators_real_policies_use() -> None:
    assert problems("change_guard",
                    rule("a", {"code.functions": {"contains": "MAX_PT"}}),
                    rule("b", {"code.statements": {"contains": ["DROP_TABLE", "TRUNCATE_TABLE"]}}),
                    rule("c", {"approval.tables": {"glob": ["*_pii"]}}),
                    rule("d", {"node.ids": {"in": [700004120003]}}),
                    rule("e", {"dq.operation": {"in": ["update", "delete"]}}),
                    rule("f", {"table.columns_without_comment": {"glob": "*"}}),
                    rule("g", {"now": {"outside_window": {"days": ["mon-thu"], "hours": "10:00-16:00"}}}),
                    rule("h", {"code.parse_error": True, "hour": {"gte": 18}, "date": {"in": []}})) == []


@pytest.mark.parametrize(("key", "cond", "problem"), [
    ("download.file_name", {"gt": 1}, "gt cannot apply to download.file_name (a str)"),
    ("workspace.id", {"cidr": ["10.0.0.0/8"]}, "cidr cannot apply to workspace.id (an int)"),
    ("download.rows", {"glob": "1*"}, "glob cannot apply to download.rows (an int)"),
    ("download.rows", {"contains": 1}, "contains cannot apply to download.rows (an int)"),
    ("now", {"in": ["mon"]}, "in cannot apply to now (a datetime)"),
    ("day", {"in_window": {"days": ["mon"]}}, "in_window cannot apply to day (a str)"),
    ("sql.parse_error", {"regex": "t"}, "regex cannot apply to sql.parse_error (a bool)"),
])
def test_an_operator_is_rejected_for_a_fact_type_it_cannot_apply_to(key: str, cond: dict[str, Any],
                                                                    problem: str) -> None:
    (op,) = cond
    (found,) = problems("download_guard", rule(when={key: cond}))
    assert found[0] == f"rules.r.when.{key}.{op}" and found[1].startswith(problem)


def test_a_plain_list_value_is_rejected_because_it_never_equals_the_fact() -> None:
    (found,) = problems("download_guard", rule(when={"operator.uid": ["1", "2"]}))
    assert found == ("rules.r.when.operator.uid", "a plain list is compared with the whole fact and never matches; "
                                                  "use {in: [...]}")


def test_each_or_group_is_named_by_its_index() -> None:
    found = problems("download_guard", rule(when=[{"download.rows": {"gt": 1}}, {"download.byte": {"gt": 1}}]))
    assert keys(found) == ["rules.r.when[1].download.byte"]


@pytest.mark.parametrize(("name", "problem"), [
    ("DeleteProjects", "unknown event DeleteProjects (did you mean DeleteProject?)"),
    ("deleteproject", "unknown event deleteproject (did you mean DeleteProject?)"),
    ("ProjectDeleted", "ProjectDeleted is a regular event: rules decide only extension point events"),
    ("dataworks:FileChange:CommitFile", "dataworks:FileChange:CommitFile is not handled by workspace_delete_guard"),
])
def test_applies_to_names_an_extension_point_the_guard_handles(name: str, problem: str) -> None:
    (found,) = problems("workspace_delete_guard", rule(applies_to=[name]))
    assert found[0] == "rules.r.applies_to[0]" and found[1].startswith(problem)


def test_applies_to_takes_the_full_type_or_its_last_segment() -> None:
    both = ["DeleteProject", "dataworks:ProjectChange:DeleteProject"]
    assert problems("workspace_delete_guard", rule(applies_to=both)) == []


def test_without_a_guards_declaration_applies_to_is_checked_against_the_event_registry() -> None:
    found = problems("openevent.guard.transfer", rule(applies_to=["CommitFile", "CommitFiles"]))
    assert found == [("rules.r.applies_to[1]", "unknown event CommitFiles (did you mean CommitFile?)")]


def test_an_enrichment_fact_in_a_message_while_enrichment_is_off_is_rejected() -> None:
    found = problems("workspace_delete_guard", rule(message="{workspace.identifier} is protected"),
                     enrichment={"enabled": False})
    assert found == [("rules.r.message", "{workspace.identifier} needs enrichment (GetProject), but "
                                         "enrichment.enabled is false: the message would print ?")]


def test_the_change_guards_detail_facts_need_enrichment() -> None:
    found = problems("change_guard", rule(when={"code.functions": {"contains": "MAX_PT"}}),
                     rule("t", {"table.columns": {"contains": "id"}, "file.name": "x"}), enrichment={"enabled": False})
    assert [(k, p.split(",")[0]) for k, p in found] == [
        ("rules.r.when.code.functions", "needs enrichment (GetIDEEventDetail)"),
        ("rules.t.when.table.columns", "needs enrichment (GetIDEEventDetail)")]


def test_the_download_guards_facts_never_need_enrichment() -> None:
    assert problems("download_guard", rule(when={"sql.tables": {"glob": "*"}, "download.ip": {"exists": True}}),
                    enrichment={"enabled": False}) == []


def test_option_values_while_the_extension_settings_are_off_are_rejected() -> None:
    (found,) = problems("download_guard", rule(when={"extension.options.checkStatus": "FAIL"}),
                        extension={"enabled": False})
    assert found[0] == "rules.r.when.extension.options.checkStatus" and "extension.enabled is false" in found[1]


@pytest.mark.parametrize(("template", "problem"), [
    ("{download.row}", "unknown fact {download.row} (did you mean download.rows?)"),
    ("{} rows", "a positional field {} has no fact; name one"),
    ("{0} rows", "a positional field {0} has no fact; name one"),
    ("rows {download.rows", "the template is malformed"),
])
def test_a_message_template_names_only_declared_facts(template: str, problem: str) -> None:
    (found,) = problems("download_guard", rule(message=template))
    assert found[0] == "rules.r.message" and found[1].startswith(problem)


def test_template_fields_read_format_specs_indexes_and_literal_braces() -> None:
    assert template_fields("{download.rows:,} of {sql.tables[0]} {{literal}} {code.first_line.MAX_PT}") == [
        ("download.rows", None), ("sql.tables", None), ("code.first_line.MAX_PT", None)]


@pytest.mark.parametrize("module", [workspace, transfer, change])
def test_every_guard_declares_its_facts_with_known_types(module: ModuleType) -> None:
    assert set(module.FACTS.values()) <= FACT_TYPES
    assert module.FACTS["extension.options"] == "dict"


@pytest.mark.parametrize("module", [workspace, transfer, change])
def test_every_fact_declared_as_needing_enrichment_is_a_declared_fact(module: ModuleType) -> None:
    schema = PolicySchema("g", facts=module.FACTS)
    assert all(schema.fact_type(name) != "unknown" for name in module.ENRICHED)


@pytest.mark.parametrize("name", GUARD_NAMES)
def test_every_guard_runner_carries_its_declarations(name: str) -> None:
    runner = declaration(name).worker
    assert runner.schema is not None and runner.schema.handles == declaration(name).handles
    assert runner.schema.facts is not None and "extension.options" in runner.schema.facts


# -- regex / not_regex -----------------------------------------------------------------------------------
def holds(cond: dict[str, Any], value: Any = None, *, present: bool = True) -> bool:
    validate_when({"fact": cond}, "when")
    return matches({"fact": cond}, {"fact": value} if present else {})


def test_regex_searches_anywhere_in_the_text() -> None:
    assert holds({"regex": r"MAX_PT\s*\("}, "select * from t where ds = MAX_PT ('t')")


def test_regex_is_case_sensitive_unless_the_pattern_says_otherwise() -> None:
    assert not holds({"regex": "MAX_PT"}, "max_pt('t')")
    assert holds({"regex": "(?i)MAX_PT"}, "max_pt('t')")


def test_regex_takes_a_list_of_patterns_any_of_which_may_match() -> None:
    assert holds({"regex": ["^drop ", "truncate"]}, "insert ...; truncate table t")


def test_regex_on_a_list_fact_holds_when_any_element_matches() -> None:
    assert holds({"regex": r"_pii$"}, ["sales.orders", "sales.user_pii"])
    assert not holds({"not_regex": r"_pii$"}, ["sales.orders", "sales.user_pii"])


def test_not_regex_holds_when_nothing_matches_or_the_fact_is_absent() -> None:
    assert holds({"not_regex": "MAX_PT"}, "select 1")
    assert holds({"not_regex": "MAX_PT"}, present=False)
    assert not holds({"regex": "x"}, present=False)


def test_an_invalid_regex_is_rejected_when_the_policy_loads() -> None:
    with pytest.raises(ConditionError, match=r"rules.r.when.code.text.regex: invalid regular expression 'MAX_PT\('"):
        validate_when({"code.text": {"regex": "MAX_PT("}}, "rules.r.when")


def test_a_regex_that_is_not_text_is_rejected_when_the_policy_loads() -> None:
    with pytest.raises(ConditionError, match=r"rules\.r\.when\.code\.text\.not_regex: expects a regular expression"):
        validate_when({"code.text": {"not_regex": 12}}, "rules.r.when")


@pytest.mark.parametrize("pattern", ["x(a+)+$", "x(y*)*z", "c(?:a|b+)*c", "^(\\w+\\s?)+$"])
def test_a_regex_with_nested_unbounded_repetition_is_rejected_when_the_policy_loads(pattern: str) -> None:
    with pytest.raises(ConditionError, match="exponential time"):
        validate_when({"code.text": {"regex": pattern}}, "rules.r.when")


@pytest.mark.parametrize("pattern", ["ca+b+", "x(ab)+", "(a{1,5}){2}",
                                     pytest.param("x(?>a+)+", marks=pytest.mark.skipif(
                                         sys.version_info < (3, 11), reason="atomic groups are Python 3.11 syntax")),
                                     r"\bMAX_PT\s*\(", "^(a|b)*c",
                                     r"(?i)insert\s+overwrite", r"(?m)^\s*drop\s+table", "_pii$"])
def test_ordinary_repetition_is_accepted(pattern: str) -> None:
    validate_when({"code.text": {"regex": pattern}}, "rules.r.when")


def test_a_regex_is_compiled_once_when_the_policy_loads() -> None:
    validate_when({"code.text": {"regex": "compiled-once-[0-9]+"}}, "rules.r.when")
    before = _compile.cache_info()
    for _ in range(3):
        matches({"code.text": {"regex": "compiled-once-[0-9]+"}}, {"code": {"text": "compiled-once-7"}})
    after = _compile.cache_info()
    assert (after.misses, after.hits) == (before.misses, before.hits + 3)


def test_regex_searches_only_the_first_200_kb_of_a_fact() -> None:
    text = "x" * MAX_REGEX_INPUT + "MAX_PT("
    assert not holds({"regex": "MAX_PT"}, text)
    assert holds({"regex": "MAX_PT"}, "x" * (MAX_REGEX_INPUT - 7) + "MAX_PT(")


def test_a_word_bounded_regex_over_a_huge_hex_blob_stays_fast() -> None:
    started = time.monotonic()
    assert not holds({"regex": r"\b[0-9a-f]+\("}, "0123456789abcdef" * 400_000)  # 6.4 MB, one "word"
    assert time.monotonic() - started < 1


@pytest.mark.parametrize("pattern", [r"\w+\(", ".*MAX_PT", r"\s*drop", "[a-z]+!", "x?y+", "(a|b)*c"])
def test_a_regex_that_begins_with_an_unbounded_repetition_is_rejected_when_the_policy_loads(pattern: str) -> None:
    # each is retried from every position: 10 KB of "a" already takes a second for [a-z]+!
    with pytest.raises(ConditionError, match="begins with an unbounded repetition"):
        validate_when({"code.text": {"regex": pattern}}, "rules.r.when")


def test_regex_rules_apply_to_text_facts_only() -> None:
    when = {"code.text": {"regex": "x"}, "code.tables_read": {"not_regex": "y"}}
    assert problems("change_guard", rule(when=when)) == []
    assert keys(problems("change_guard", rule(when={"file.id": {"regex": "1"}}))) == ["rules.r.when.file.id.regex"]
