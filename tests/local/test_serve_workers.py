"""``openevent serve --workers N``: N bus processes behind one port answer as one bus."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from openevent.events.samples import sample_event
from openevent.local.bus_client import BusClient
from openevent.local.serve_workers import default_workers, serve_with_workers
from openevent.local.stack import LocalStack

ROOT = Path(__file__).resolve().parents[2]
ALWAYS_FAILS = '''
def handler(event, context):
    raise RuntimeError("this function always fails")
'''
TEMPLATE_FOR_FAILING = '''
edition: 3.0.0
resources:
  failing:
    component: fc3
    props:
      functionName: failing
      triggers:
        - triggerName: all
          triggerType: eventbridge
          triggerConfig:
            eventRuleFilterPattern: '{"source": ["acs.dataworks"]}'
'''


@pytest.fixture
def start_workers(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Start a 2-worker bus routing with ``template``; gives its URL (stopped after the test)."""
    stop = threading.Event()
    threads: list[threading.Thread] = []
    stacks: list[LocalStack] = []

    def start(template: str) -> str:
        stack = LocalStack(tmp_path / "state").start()
        stacks.append(stack)
        listening: list[str] = []
        ready = threading.Event()

        def on_listening(url: str) -> None:
            listening.append(url)
            ready.set()

        thread = threading.Thread(target=serve_with_workers, daemon=True, args=(stack,), kwargs={
            "template": template, "workers": 2, "port": 0, "on_listening": on_listening, "stop": stop})
        thread.start()
        threads.append(thread)
        assert ready.wait(120), "the workers did not start"
        return listening[0]

    yield start
    stop.set()
    for thread in threads:
        thread.join(60)
    for stack in stacks:
        stack.stop()


def _post_from(clients: int, url: str, events: list[dict[str, Any]]) -> list[tuple[int, Any]]:
    def post(event: dict[str, Any]) -> tuple[int, Any]:
        with BusClient(url) as client:
            return client.post_json(event)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(post, events))


def test_events_posted_over_several_connections_are_answered_and_every_callback_is_listed(
        start_workers: Callable[[str], str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    url = start_workers(str(ROOT / "s.yaml"))
    events = [sample_event("dataworks:ProjectChange:DeleteProject", {"data.projectId": 20002}) for _ in range(6)]

    answers = _post_from(4, url, events)

    assert [status for status, _ in answers] == [200] * 6
    assert {a["results"][0]["functions"][0]["result"]["decision"] for _, a in answers} == {"OK"}
    with BusClient(url) as client:
        status, callbacks = client.get_json("/callbacks")
    assert status == 200 and sorted(c["message_id"] for c in callbacks) == sorted(e["id"] for e in events)


def test_failures_of_every_worker_are_listed_by_any_worker(
        start_workers: Callable[[str], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "functions" / "failing"
    folder.mkdir(parents=True)
    (folder / "index.py").write_text(ALWAYS_FAILS, encoding="utf-8")
    (tmp_path / "s.yaml").write_text(TEMPLATE_FOR_FAILING, encoding="utf-8")
    monkeypatch.setenv("OPENEVENT_FUNCTIONS_DIR", str(tmp_path / "functions"))  # the workers inherit it
    url = start_workers(str(tmp_path / "s.yaml"))
    events = [sample_event("dataworks:ProjectChange:DeleteProject") for _ in range(4)]

    answers = _post_from(4, url, events)

    assert all(not a["results"][0]["functions"][0]["ok"] for _, a in answers)
    for _ in range(3):  # whichever worker answers: the same list, every worker's failures in it
        with BusClient(url) as client:
            status, failures = client.get_json("/failures")
        assert status == 200 and sorted(f["event_id"] for f in failures) == sorted(e["id"] for e in events)
        assert {f["function"] for f in failures} == {"failing"}


def test_one_event_posted_to_several_workers_at_once_is_decided_once(
        start_workers: Callable[[str], str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    url = start_workers(str(ROOT / "s.yaml"))
    event = sample_event("dataworks:ProjectChange:DeleteProject", {"data.projectId": 10001})

    answers = _post_from(4, url, [event] * 4)  # EventBridge's at-least-once, over connections the workers share

    results = [a["results"][0]["functions"][0] for _, a in answers]
    assert all(r["ok"] for r in results), results
    assert len({r["result"]["decision_id"] for r in results}) == 1  # the shared state holds one decision
    with BusClient(url) as client:
        _, callbacks = client.get_json("/callbacks")
    # two instances holding the message at once may both answer (as on FC), always with the stored decision
    assert callbacks and {(c["message_id"], c["check_result"]) for c in callbacks} == {(event["id"], "FAIL")}


def test_serve_by_default_starts_one_worker_per_core_and_prints_how_to_reach_its_fake(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENEVENT_", "DATAWORKS_"))}
    proc = subprocess.Popen([sys.executable, "-m", "openevent", "serve", "--port", "0", "--dataworks-port", "0",
                             "--state-dir", str(tmp_path / "state"), "--template", str(ROOT / "s.yaml")],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                            text=True)
    try:
        assert proc.stderr is not None
        lines = [proc.stderr.readline() for _ in range(4)]
        url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", lines[0])
        assert url, lines
        if default_workers() > 1:
            assert f"{default_workers()} worker processes" in lines[0]
        assert "export DATAWORKS_ENDPOINT=" in lines[2] and "DATAWORKS_EXTENSION_CODE=" in lines[2]
        with BusClient(url.group(1)) as client:
            status, answer = client.post_json(sample_event("dataworks:ProjectChange:DeleteProject",
                                                           {"data.projectId": 20002}))
        assert status == 200 and answer["results"][0]["functions"][0]["result"]["decision"] == "OK"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
