"""One FC instance of ``node_change_auditor`` in a process of its own: ``audit_worker.py EVENT_FILE TIMEOUT_S``.

Runs the real handler once on the event in ``EVENT_FILE`` with an FC-like context whose
``function.timeout`` is ``TIMEOUT_S`` and prints the result as JSON; the environment (config,
fakes, state store) comes from the parent. A test kills it mid-delivery.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from openevent.local.functions import load_module
from openevent.runtime.context import LocalContext


def main(event_file: str, timeout_s: str) -> None:
    module = load_module("node_change_auditor")
    context = LocalContext(function_name="node_change_auditor", timeout_s=int(timeout_s))
    print(json.dumps(module.handler(Path(event_file).read_bytes(), context)))


if __name__ == "__main__":
    main(*sys.argv[1:3])
