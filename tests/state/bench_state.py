"""Throughput of ``add_once`` and ``take`` on each backend (a figure to report, never asserted).

Run: ``python tests/state/bench_state.py [--ops 2000]``; prints one JSON object per line.
Single-threaded, one process, a fresh store per backend; Redis is a local ``redis-server``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fixtures.redis_server import RedisServer
from openevent.state import StateStore, open_store


def rate(n: int, op: Callable[[int], object]) -> float:
    start = time.perf_counter()
    for i in range(n):
        op(i)
    return n / (time.perf_counter() - start)


def bench(name: str, store: StateStore, n: int) -> dict[str, object]:
    run = uuid.uuid4().hex[:8]
    return {
        "backend": name,
        "ops": n,
        "add_once_per_s": round(rate(n, lambda i: store.add_once(f"bench:{run}:{i}", ttl_s=600))),
        "take_per_s": round(rate(n, lambda i: store.take(f"bench:{run}", limit=n + 1, window_s=600))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ops", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, RedisServer("redis-server") as server:
        for name, url in (("memory", "memory://"), ("sqlite", f"sqlite:///{tmp}/bench.db"), ("redis", server.url)):
            with open_store(url) as store:
                print(json.dumps(bench(name, store, args.ops)))


if __name__ == "__main__":
    main()
