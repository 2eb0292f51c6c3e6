"""A separate process hammering a shared state store, for the cross-process tests.

Run as ``python state_worker.py '<json spec>'``; it waits for the ``go`` file so that every
worker starts together, performs the operation and prints one JSON line with what it got.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from openevent.state import open_store

GIVE_UP_S = 60.0  # a worker never outlives a broken test run by more than this
_PARENT = os.getppid()


def _abandoned(path: Path, deadline: float) -> bool:
    """True when the test that started us is gone: deadline passed, parent died or temp dir removed."""
    return time.monotonic() > deadline or os.getppid() != _PARENT or not path.parent.exists()


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + GIVE_UP_S
    while not path.exists():
        if _abandoned(path, deadline):
            raise SystemExit(f"gave up waiting for {path}")
        time.sleep(0.002)


def run(spec: dict[str, Any]) -> dict[str, Any]:
    store = open_store(spec["url"], prefix=spec["prefix"])
    _wait_for(Path(spec["go"]))
    try:
        op = spec["op"]
        if op == "take":
            taken = sum(store.take(spec["key"], spec["limit"], spec["window_s"]) for _ in range(spec["n"]))
            return {"taken": taken}
        if op == "add_once":
            return {"won": [i for i in range(spec["n"]) if store.add_once(f"event:{i}", ttl_s=3600)]}
        if op == "append":
            for i in range(spec["n"]):
                store.append(spec["key"], f"{spec['tag']}-{i}")
            return {"appended": spec["n"]}
        if op == "drain":
            items: list[Any] = []
            stop = Path(spec["stop"])
            deadline = time.monotonic() + GIVE_UP_S
            while not stop.exists():
                if _abandoned(stop, deadline):
                    raise SystemExit(f"gave up waiting for {stop}")
                items += store.drain(spec["key"])
            return {"items": items + store.drain(spec["key"])}
        raise SystemExit(f"unknown op {op!r}")
    finally:
        store.close()


if __name__ == "__main__":
    print(json.dumps(run(json.loads(sys.argv[1]))))
