"""Rule message templates read facts only: no Python attribute is reachable and the text is bounded."""

from __future__ import annotations

from typing import Any

import pytest
from guard_support import DELETE, PROD, event_bytes

from openevent.guard.decision import MAX_RENDERED_CHARS, evaluate
from openevent.guard.policy import Policy
from openevent.local.functions import load_module
from openevent.runtime.context import LocalContext

FACTS: dict[str, Any] = {"rows": 5, "workspace": {"id": 1, "tags": ["t"] * 100}, "big": "x" * 5000}


def message(template: str, facts: dict[str, Any] = FACTS) -> str:
    policy = Policy(rules=[{"name": "r", "action": "deny", "when": {"rows": {"gt": 1}}, "message": template}])
    return evaluate(policy, facts, "dataworks:X:Y").message


@pytest.mark.parametrize("template", ["{workspace.__init__.__globals__}", "{rows.__class__.__mro__}",
                                      "{__class__}", "{workspace._value}", "{workspace.tags.__len__}"])
def test_a_template_cannot_reach_python_attributes(template: str) -> None:
    assert message(template) == "[r] ?. Ask your DataWorks platform team."


def test_dotted_and_indexed_facts_still_render() -> None:
    assert message("{workspace.id} {workspace.tags[0]} {rows}").startswith("[r] 1 t 5.")


def test_a_long_list_renders_its_first_items_and_a_count() -> None:
    assert "(+80 more)" in message("{workspace.tags}")


def test_a_huge_fact_cannot_make_a_huge_message() -> None:
    assert len(message("{big} {big} {big}")) <= MAX_RENDERED_CHARS + 60


def test_the_real_guard_never_puts_module_globals_into_its_answer(dataworks, policy_file) -> None:  # type: ignore[no-untyped-def]
    policy_file([{"name": "leak", "action": "deny", "when": {"workspace.id": {"in": [PROD]}},
                  "message": "{workspace.__init__.__globals__}"}])
    guard = load_module("workspace_delete_guard", fresh=True)
    try:
        out = guard.handler(event_bytes(DELETE, {"data.projectId": PROD}),
                            LocalContext(function_name="workspace_delete_guard", timeout_s=15))
    finally:
        guard.reset()
    (callback,) = dataworks.callbacks_for(out["message_id"])
    assert "__name__" not in callback.message and "__name__" not in out["message"]
