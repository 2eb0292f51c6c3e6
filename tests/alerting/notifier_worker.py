"""A separate process that loads the notifier's FC handler and feeds it events.

Usage: ``python notifier_worker.py EVENTS.json RESULTS.json [TIMEOUT_S]`` with ``OPENEVENT_CONFIG``
and ``OPENEVENT_STATE_URL`` in the environment; each event is one invocation, as FC would make
it, with an FC timeout of ``TIMEOUT_S`` (default 30). The storm test runs two of them against one
Redis; the at-least-once tests kill one mid-send and redeliver its event in the test process.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main(events_path: str, results_path: str, timeout_s: int = 30) -> int:
    from openevent.runtime.context import LocalContext

    spec = importlib.util.spec_from_file_location(
        "instance_status_notifier_index", ROOT / "functions" / "instance_status_notifier" / "index.py")
    assert spec is not None and spec.loader is not None
    index = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(index)
    events = json.loads(Path(events_path).read_text(encoding="utf-8"))
    results = []
    for event in events:
        context = LocalContext(function_name="instance_status_notifier", timeout_s=timeout_s)
        results.append(index.handler(json.dumps(event).encode("utf-8"), context))
    Path(results_path).write_text(json.dumps(results), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], *(int(a) for a in sys.argv[3:4])))
