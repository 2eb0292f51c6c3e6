"""``openevent bench bus``: how ``openevent serve`` scales with concurrent clients.

What it does:

* starts ``openevent serve`` (the local bus with its fakes: fake DataWorks, the chat vendors'
  inbox, the SQLite state file) in a process of its own, on free ports, routing with the
  repository's s.yaml, optionally with ``--workers N`` bus processes;
* warms every function up (a first invocation imports it), then, ``rounds`` times, posts ``events``
  mixed events (:func:`~openevent.bench.load_bench.tenant_mix`: a tenant's traffic, every id
  unique) from one client, then ``events`` other ones from ``clients`` concurrent clients, each
  client one persistent HTTP/1.1 connection (keep-alive) posting its next event as soon as the
  last one is answered (a closed loop: the figures are what the bus sustains, not an offered rate).

The figures (JSON): for each mode the median over the rounds of the events per second (and every
round's), the p50/p99 of the round trip of one event over all rounds, and the answers that were not
``200`` or had a function fail after the bus's retries (a chat vendor's rate limit, mostly);
``ratio`` is the concurrent median over the single client's. The two modes alternate within one
run, so the noise of a shared machine falls on both.

Example:
    >>> figures = run(events=20, clients=2, warmup=6, rounds=1)            # doctest: +SKIP
    >>> sorted(figures["one_client"]), figures["concurrent"]["clients"]  # doctest: +SKIP
    (['clients', 'elapsed_s', 'errors', 'events', 'events_per_s', 'p50_ms', 'p99_ms', 'rounds_events_per_s'], 2)
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openevent.bench.load_bench import _percentile, tenant_mix
from openevent.local.bus_client import BusClient

TARGET_RATIO = 2.0
"""What ``clients`` concurrent clients should get over one (on 2 cores)."""
START_TIMEOUT_S = 60.0


def run(events: int = 600, clients: int = 8, workers: int = 1, *, rounds: int = 3, warmup: int = 100,
        seed: int = 11, **_ignored: Any) -> dict[str, Any]:
    """Run both loads against one ``openevent serve`` and return the figures (see the module docstring)."""
    one: list[_Run] = []
    many: list[_Run] = []
    with tempfile.TemporaryDirectory(prefix="openevent-busbench-") as tmp, _Serve(Path(tmp), workers) as url:
        _post_all(url, [s.event for s in tenant_mix(warmup, seed)], max(clients, workers))
        for r in range(rounds):
            one.append(_post_all(url, [s.event for s in tenant_mix(events, seed + 1 + 2 * r)], 1))
            many.append(_post_all(url, [s.event for s in tenant_mix(events, seed + 2 + 2 * r)], clients))
    single, concurrent = _summary(one, 1), _summary(many, clients)
    ratio = round(concurrent["events_per_s"] / single["events_per_s"], 2) if single["events_per_s"] else None
    return {"bench": "bus", "events": events, "rounds": rounds, "clients": clients, "workers": workers,
            "cpus": os.cpu_count(), "keep_alive": True, "one_client": single, "concurrent": concurrent,
            "ratio": ratio, "target_ratio": TARGET_RATIO, "meets_target": ratio is not None and ratio >= TARGET_RATIO}


@dataclass
class _Run:
    """One mode's posting of one round: its round trips, its elapsed time, the answers that went wrong."""

    latencies_ms: list[float]
    elapsed_s: float
    errors: int

    @property
    def events_per_s(self) -> float:
        return len(self.latencies_ms) / self.elapsed_s if self.elapsed_s else 0.0


def _summary(runs: list[_Run], clients: int) -> dict[str, Any]:
    latencies = [ms for r in runs for ms in r.latencies_ms]
    return {"clients": clients, "events": len(latencies), "elapsed_s": round(sum(r.elapsed_s for r in runs), 3),
            "events_per_s": round(statistics.median(r.events_per_s for r in runs), 1) if runs else 0.0,
            "rounds_events_per_s": [round(r.events_per_s, 1) for r in runs],
            "p50_ms": _percentile(latencies, 50), "p99_ms": _percentile(latencies, 99),
            "errors": sum(r.errors for r in runs)}


class _Serve:
    """``openevent serve`` on free ports in a child process; entering gives its URL."""

    def __init__(self, state_dir: Path, workers: int) -> None:
        from openevent.local.functions import functions_dir

        template = functions_dir().parent / "s.yaml"
        self._log = state_dir / "serve.log"
        argv = [sys.executable, "-m", "openevent", "serve", "--port", "0", "--dataworks-port", "0",
                "--state-dir", str(state_dir / "state"), "--template", str(template)]
        argv += ["--workers", str(workers)]  # always explicit: serve's default depends on the machine
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENEVENT_", "DATAWORKS_"))}
        env.update(OPENEVENT_LOG_LEVEL="warning")  # the bus's figures, not those of writing info lines
        self._argv, self._env = argv, env
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> str:
        with self._log.open("wb") as log:
            self._proc = subprocess.Popen(self._argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                          stderr=log, env=self._env)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            text = self._log.read_text(encoding="utf-8", errors="replace")
            for line in text.splitlines():
                if "listening on " in line:
                    url = line.split("listening on ", 1)[1].split()[0]
                    if _healthy(url):
                        return url
            if self._proc.poll() is not None:
                raise RuntimeError(f"openevent serve ended before listening: {text[-2000:]}")
            time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("openevent serve did not listen within a minute")

    def __exit__(self, *_exc: object) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=30)


def _healthy(url: str) -> bool:
    try:
        with BusClient(url, timeout=5) as client:
            return client.get_json("/healthz")[0] == 200
    except (OSError, http.client.HTTPException):
        return False


def _post_all(url: str, bodies: list[dict[str, Any]], clients: int) -> _Run:
    """Post every body once from ``clients`` keep-alive connections, each its next as soon as answered."""
    lock = threading.Lock()
    queue = iter(range(len(bodies)))
    latencies: list[float] = []
    errors: list[str] = []

    def client() -> None:
        with BusClient(url, timeout=600) as connection:
            while True:
                with lock:
                    index = next(queue, None)
                if index is None:
                    return
                data = json.dumps(bodies[index]).encode()
                t0 = time.perf_counter()
                status, answer = connection.post(data)
                ms = (time.perf_counter() - t0) * 1000
                problem = _problem(status, answer)
                with lock:
                    latencies.append(ms)
                    if problem:
                        errors.append(problem)

    threads = [threading.Thread(target=client, name=f"bus-bench-client-{i}", daemon=True) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return _Run(latencies, time.perf_counter() - started, len(errors))


def _problem(status: int, body: bytes) -> str | None:
    """Why an answer is not a success (a non-200 status, a function that failed after retries)."""
    if status != 200:
        return f"HTTP {status}: {body[:200]!r}"
    for result in json.loads(body).get("results", []):
        for delivery in result.get("functions", []):
            if not delivery.get("ok"):
                return f"{delivery.get('function')}: {delivery.get('error')}"
    return None
