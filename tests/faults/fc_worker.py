"""One FC instance of any function in a process of its own: ``fc_worker.py FUNCTION EVENT_FILE TIMEOUT_S``.

Runs the real handler once on the event in ``EVENT_FILE`` with an FC-like context whose
``function.timeout`` is ``TIMEOUT_S``; the environment (config, fakes, state store, credentials)
comes from the parent. The fault matrix kills it mid-delivery and redelivers the event.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import openevent.local  # noqa: F401 - the local tooling, as in the test process (loopback demo key)
from openevent.local.functions import load_module
from openevent.runtime.context import LocalContext


def main(function: str, event_file: str, timeout_s: str) -> None:
    module = load_module(function)
    context = LocalContext(function_name=function, timeout_s=int(timeout_s))
    print(json.dumps(module.handler(Path(event_file).read_bytes(), context), default=str))


if __name__ == "__main__":
    main(*sys.argv[1:4])
