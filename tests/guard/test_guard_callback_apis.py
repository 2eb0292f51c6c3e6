"""The guard answers each module's extension events through that module's callback API, signed, once."""

from __future__ import annotations

from typing import Any

import pytest
from guard_support import event_bytes

from openevent.events import Event
from openevent.guard.facts import base_facts
from openevent.guard.runner import GuardContext, GuardRunner
from openevent.runtime.context import LocalContext

DEPLOY_FILE = "dataworks:FileChange:DeployFile"
UNDEPLOY_NODE = "dataworks:NodeChange:UndeployNode"
WARN_ALL = [{"name": "careful", "action": "warn", "when": {"event.name": {"in": ["DeployFile", "UndeployNode"]}},
             "message": "a change on a frozen day"}]
DENY_ALL = [{"name": "freeze", "action": "deny", "when": {"event.name": {"in": ["DeployFile", "UndeployNode"]}},
             "message": "change freeze"}]


def facts(event: Event, gctx: GuardContext) -> dict[str, Any]:
    return base_facts(event, gctx.now)


def answer(event_type: str) -> dict[str, Any]:
    runner = GuardRunner("test_guard", facts)
    return runner.handle(event_bytes(event_type), LocalContext(function_name="test_guard", timeout_s=15))


@pytest.mark.parametrize(("event_type", "api"), [(DEPLOY_FILE, "UpdateIDEEventResult"),
                                                 (UNDEPLOY_NODE, "UpdateWorkbenchEventResult")])
def test_a_fail_goes_through_the_modules_callback_api(dataworks, policy_file, event_type: str, api: str) -> None:  # type: ignore[no-untyped-def]
    policy_file(DENY_ALL)
    out = answer(event_type)
    (callback,) = dataworks.callbacks_for(out["message_id"])
    assert (callback.action, callback.check_result) == (api, "FAIL")
    assert callback.message.startswith("[freeze] change freeze")
    assert out["callback"]["api"] == api and out["callback"]["sent"] is True


def test_a_warn_keeps_its_level_on_data_studio(dataworks, policy_file) -> None:  # type: ignore[no-untyped-def]
    policy_file(WARN_ALL)
    out = answer(DEPLOY_FILE)
    (callback,) = dataworks.callbacks_for(out["message_id"])
    assert (callback.action, callback.check_result) == ("UpdateIDEEventResult", "WARN")


def test_a_warn_is_sent_as_ok_with_the_warning_in_the_tip_on_operation_center(dataworks, policy_file) -> None:  # type: ignore[no-untyped-def]
    policy_file(WARN_ALL)
    out = answer(UNDEPLOY_NODE)
    (callback,) = dataworks.callbacks_for(out["message_id"])
    assert (callback.action, callback.check_result) == ("UpdateWorkbenchEventResult", "OK")
    assert callback.message.startswith("[WARN] [careful]")
    assert out["decision"] == "WARN"
