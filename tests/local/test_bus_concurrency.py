"""The local bus runs invocations of different functions at the same time, each in its own environment,
and invocations of one function one at a time (s.yaml's ``instanceConcurrency: 1``)."""

from __future__ import annotations

import os
import sys
import threading
import types
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from openevent.events.samples import sample_event
from openevent.local.bus import LocalBus
from openevent.local.invoke import invoke
from openevent.local.scoped_env import ScopedEnviron

RENDEZVOUS = "openevent_test_bus_rendezvous"
"""A module the test functions import: what they meet at and record into."""

MEETING = f'''
import os
import {RENDEZVOUS} as meet

def handler(event, context):
    meet.barrier.wait(timeout=10)  # returns only once the other function's invocation is running too
    seen = {{"config": os.environ.get("OPENEVENT_CONFIG"), "who": os.environ.get("WHO")}}
    meet.barrier.wait(timeout=10)  # both read their environment while both are inside an invocation
    return seen
'''
COUNTING = f'''
import time
import {RENDEZVOUS} as meet

def handler(event, context):
    with meet.lock:
        meet.active += 1
        meet.most = max(meet.most, meet.active)
    time.sleep(0.02)  # a window for a second invocation to overlap, were it allowed to
    with meet.lock:
        meet.active -= 1
    return {{"ok": True}}
'''
TEMPLATE = '''
edition: 3.0.0
resources:
  alpha:
    component: fc3
    props:
      functionName: alpha
      triggers:
        - triggerName: deletes
          triggerType: eventbridge
          triggerConfig:
            eventRuleFilterPattern: '{"source": ["acs.dataworks"], "type": ["dataworks:ProjectChange:DeleteProject"]}'
  beta:
    component: fc3
    props:
      functionName: beta
      triggers:
        - triggerName: downloads
          triggerType: eventbridge
          triggerConfig:
            eventRuleFilterPattern: >-
              {"source": ["acs.dataworks"], "type": ["dataworks:ResourcesDownload:DownloadResources"]}
  gamma:
    component: fc3
    props:
      functionName: gamma
      triggers:
        - triggerName: changes
          triggerType: eventbridge
          triggerConfig:
            eventRuleFilterPattern: '{"source": ["acs.dataworks"], "type": ["dataworks:FileChange:RunFile"]}'
'''


@pytest.fixture
def meet(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    module = types.ModuleType(RENDEZVOUS)
    module.barrier = threading.Barrier(2)  # type: ignore[attr-defined]
    module.lock = threading.Lock()  # type: ignore[attr-defined]
    module.active = 0  # type: ignore[attr-defined]
    module.most = 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, RENDEZVOUS, module)
    yield module


@pytest.fixture
def bus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, meet: types.ModuleType) -> LocalBus:
    for name, source in (("alpha", MEETING), ("beta", MEETING), ("gamma", COUNTING)):
        folder = tmp_path / "functions" / name
        folder.mkdir(parents=True)
        (folder / "index.py").write_text(source, encoding="utf-8")
        (folder / "config.yaml").write_text(f"function: {name}\n", encoding="utf-8")
    (tmp_path / "s.yaml").write_text(TEMPLATE, encoding="utf-8")
    monkeypatch.setenv("OPENEVENT_FUNCTIONS_DIR", str(tmp_path / "functions"))
    return LocalBus(template=tmp_path / "s.yaml", env={"WHO": "the bus"}, max_retries=0)


def _at_once(*calls: Any) -> list[Any]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [f.result(timeout=30) for f in [pool.submit(call) for call in calls]]


def test_invocations_of_two_functions_run_at_the_same_time(bus: LocalBus) -> None:
    alpha, beta = _at_once(lambda: bus.deliver(sample_event("dataworks:ProjectChange:DeleteProject")),
                           lambda: bus.deliver(sample_event("dataworks:ResourcesDownload:DownloadResources")))

    assert [(d.function, d.ok, d.error) for d in alpha + beta] == [("alpha", True, None), ("beta", True, None)]


def test_each_function_sees_its_own_config_while_both_run(bus: LocalBus, tmp_path: Path) -> None:
    (alpha,), (beta,) = _at_once(lambda: bus.deliver(sample_event("dataworks:ProjectChange:DeleteProject")),
                                 lambda: bus.deliver(sample_event("dataworks:ResourcesDownload:DownloadResources")))

    assert alpha.result["config"] == str(tmp_path / "functions" / "alpha" / "config.yaml")
    assert beta.result["config"] == str(tmp_path / "functions" / "beta" / "config.yaml")
    assert alpha.result["who"] == beta.result["who"] == "the bus"


def test_two_invocations_with_different_environments_each_see_their_own(bus: LocalBus) -> None:
    raw = b"{}"
    alpha, beta = _at_once(lambda: invoke("alpha", raw, env={"WHO": "alpha's"}, handler=bus._handler("alpha")),
                           lambda: invoke("beta", raw, env={"WHO": "beta's"}, handler=bus._handler("beta")))

    assert (alpha.ok, beta.ok) == (True, True), (alpha.error, beta.error)
    assert (alpha.result["who"], beta.result["who"]) == ("alpha's", "beta's")


def test_a_function_environment_never_reaches_the_process_environment(bus: LocalBus) -> None:
    config_before = os.environ.get("OPENEVENT_CONFIG")

    _at_once(lambda: bus.deliver(sample_event("dataworks:ProjectChange:DeleteProject")),
             lambda: bus.deliver(sample_event("dataworks:ResourcesDownload:DownloadResources")))

    assert isinstance(os.environ, ScopedEnviron)
    assert "WHO" not in os.environ and "WHO" not in os.environ.base
    assert os.environ.get("OPENEVENT_CONFIG") == config_before


def test_invocations_of_one_function_run_one_at_a_time(bus: LocalBus, meet: types.ModuleType) -> None:
    def run_file() -> list[Any]:  # the sample names the custom bus; gamma's trigger is on the default one
        return bus.deliver(sample_event("dataworks:FileChange:RunFile", {"aliyuneventbusname": "default"}))

    deliveries = _at_once(*[run_file] * 4)

    assert [(d.function, d.ok) for ds in deliveries for d in ds] == [("gamma", True)] * 4
    assert meet.most == 1
