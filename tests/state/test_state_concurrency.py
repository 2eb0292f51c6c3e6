"""Concurrency: many threads, and separate processes, sharing one store agree on every count."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from state_harness import Harness

from openevent.state import Doc

THREADS = 16
LONG = 3600.0
WORKER = Path(__file__).with_name("state_worker.py")


def run_threads(n: int, target: Callable[[int], Any]) -> list[Any]:
    """Run ``target(i)`` in ``n`` threads released together; return their results in order."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def body(i: int) -> None:
        try:
            barrier.wait()
            results[i] = target(i)
        except BaseException as exc:  # surfaced below so a failing thread fails the test
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


class Workers:
    """Separate Python processes running ``state_worker.py`` that start together on ``go()``."""

    def __init__(self, h: Harness, tmp_path: Path) -> None:
        self.h = h
        self.go_file = tmp_path / "go"
        self.stop_file = tmp_path / "stop"
        self.procs: list[subprocess.Popen[str]] = []

    def close(self) -> None:
        """Release and reap every worker, also when the test failed half-way."""
        self.go()
        self.stop()
        for proc in self.procs:
            if proc.returncode is not None:
                continue
            try:
                proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()

    def start(self, op: str, **spec: Any) -> None:
        payload = {"url": self.h.url, "prefix": self.h.prefix, "go": str(self.go_file),
                   "stop": str(self.stop_file), "op": op, **spec}
        self.procs.append(subprocess.Popen([sys.executable, str(WORKER), json.dumps(payload)],
                                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))

    def go(self) -> None:
        self.go_file.touch()

    def stop(self) -> None:
        self.stop_file.touch()

    def results(self, procs: list[subprocess.Popen[str]] | None = None) -> list[dict[str, Any]]:
        out = []
        for proc in procs if procs is not None else self.procs:
            stdout, stderr = proc.communicate(timeout=120)
            assert proc.returncode == 0, stderr
            out.append(json.loads(stdout))
        return out


@pytest.fixture
def workers(shared: Harness, tmp_path: Path) -> Iterator[Workers]:
    """Worker processes on the shared backend, always reaped at teardown."""
    pool = Workers(shared, tmp_path)
    yield pool
    pool.close()


# -- threads, every backend ---------------------------------------------------------------------
def test_threads_taking_from_one_budget_get_exactly_its_limit(h: Harness) -> None:
    taken = run_threads(THREADS, lambda _: sum(h.store.take("dingtalk:ops", 20, LONG) for _ in range(5)))
    assert sum(taken) == 20


def test_add_once_is_true_for_exactly_one_of_many_concurrent_callers(h: Harness) -> None:
    results = run_threads(THREADS, lambda _: h.store.add_once("event:1", ttl_s=LONG))
    assert results.count(True) == 1


def test_threads_incrementing_one_counter_lose_no_increment(h: Harness) -> None:
    run_threads(THREADS, lambda _: [h.store.incr_window("alerts:i1", LONG) for _ in range(10)])
    assert h.store.incr_window("alerts:i1", LONG, amount=0) == THREADS * 10


def test_threads_updating_one_document_lose_no_update(h: Harness) -> None:
    def bump(doc: Doc | None) -> Doc:
        return {"n": (doc or {"n": 0})["n"] + 1}

    run_threads(8, lambda _: [h.store.update("digest:ops", bump) for _ in range(10)])
    assert h.store.get("digest:ops") == {"n": 80}


def test_only_one_of_many_threads_holds_a_lock(h: Harness) -> None:
    all_tried = threading.Barrier(THREADS)

    def contend(i: int) -> bool:
        with h.store.lock("flush:ops", ttl_s=LONG) as held:
            all_tried.wait(timeout=60)  # nobody lets go before everyone has tried
            return held

    assert run_threads(THREADS, contend).count(True) == 1


def test_concurrent_appenders_and_drainers_lose_and_duplicate_no_item(h: Harness) -> None:
    appenders, per_appender, drainers = 4, 100, 3
    done = threading.Event()
    finished = threading.Semaphore(0)

    def work(i: int) -> list[Any]:
        if i < appenders:
            for n in range(per_appender):
                h.store.append("digest:ops", f"{i}-{n}")
            finished.release()
            return []
        got: list[Any] = []
        while not done.is_set():
            got += h.store.drain("digest:ops")
        return got + h.store.drain("digest:ops")

    def coordinator() -> None:
        for _ in range(appenders):
            finished.acquire()
        done.set()

    watcher = threading.Thread(target=coordinator)
    watcher.start()
    drained = [item for got in run_threads(appenders + drainers, work) for item in got]
    watcher.join()
    drained += h.store.drain("digest:ops")
    assert Counter(drained) == Counter(f"{i}-{n}" for i in range(appenders) for n in range(per_appender))


# -- separate processes, sqlite and redis ---------------------------------------------------------
def test_two_processes_taking_from_one_budget_get_exactly_its_limit(workers: Workers) -> None:
    for _ in range(2):
        workers.start("take", key="dingtalk:ops", limit=20, window_s=LONG, n=40)
    workers.go()
    assert sum(r["taken"] for r in workers.results()) == 20


def test_two_processes_adding_the_same_keys_win_each_key_exactly_once(workers: Workers) -> None:
    for _ in range(2):
        workers.start("add_once", n=200)
    workers.go()
    won = [i for r in workers.results() for i in r["won"]]
    assert sorted(won) == list(range(200))


def test_processes_appending_while_others_drain_lose_and_duplicate_no_item(shared: Harness,
                                                                          workers: Workers) -> None:
    for tag in ("a", "b"):
        workers.start("append", key="digest:ops", tag=tag, n=150)
    workers.start("drain", key="digest:ops")
    appenders, drainer = workers.procs[:2], workers.procs[2:]
    workers.go()
    main_drained: list[Any] = []
    deadline = time.monotonic() + 120
    while any(p.poll() is None for p in appenders) and time.monotonic() < deadline:
        main_drained += shared.store.drain("digest:ops")
    workers.results(appenders)
    workers.stop()
    drained = main_drained + workers.results(drainer)[0]["items"] + shared.store.drain("digest:ops")
    assert Counter(drained) == Counter(f"{tag}-{i}" for tag in ("a", "b") for i in range(150))
