"""FC function: answers DataWorks' workspace-deletion extension point (``DeleteProject``).

It also logs the ``ProjectDeleted`` post-event, linked to the decision that allowed it.
All logic lives in :mod:`openevent.guard`; see ``config.yaml`` for the policy.
"""

from __future__ import annotations

import os
from typing import Any

from openevent.guard.runner import GuardRunner
from openevent.guard.workspace import collect_facts, confirm_deleted

RUNNER = GuardRunner(
    "workspace_delete_guard", collect_facts, config_dir=os.path.dirname(os.path.abspath(__file__)),
    confirm={"dataworks:ProjectChange:ProjectDeleted": confirm_deleted},
)


def initialize(context: Any) -> None:
    """FC instance initializer (``index.initialize``): load and validate the policy once."""
    RUNNER.initialize()


def handler(event: bytes, context: Any) -> dict[str, Any]:
    return RUNNER.handle(event, context)
