"""FC function: answers DataWorks' data download and upload extension points.

Handles ``DownloadResources``, ``DownloadResourcesExecute`` and ``UploadDataToTable``, both
from EventBridge (answer through ``CallbackExtension``) and as a direct Function Compute
extension call (``messageId``/``messageBody``; the decision is the return value).
All logic lives in :mod:`openevent.guard`; see ``config.yaml`` for the policy.
"""

from __future__ import annotations

import os
from typing import Any

from openevent.guard.runner import GuardRunner
from openevent.guard.transfer import collect_facts

RUNNER = GuardRunner("download_guard", collect_facts, config_dir=os.path.dirname(os.path.abspath(__file__)))


def initialize(context: Any) -> None:
    """FC instance initializer (``index.initialize``): load and validate the policy once."""
    RUNNER.initialize()


def handler(event: bytes, context: Any) -> dict[str, Any]:
    return RUNNER.handle(event, context)
