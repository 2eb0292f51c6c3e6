"""``openevent serve`` + ``openevent send``: the local event bus behaves like EventBridge + FC."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from openevent.events.samples import sample_event
from openevent.local.bus import LocalBus
from openevent.local.functions import list_functions, types_for_function
from openevent.local.server import BusServer
from openevent.local.stack import LocalStack

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "s.yaml"
VOLATILE = {"latency_ms", "duration_ms", "request_id", "attempts", "budget_s", "fc_request_id", "recorded_at",
            "received_at", "at", "elapsed_ms", "timestamp", "facts_digest"}  # facts include the clock


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[BusServer, LocalStack]]:
    from openevent.runtime.logging import configure_logging

    configure_logging("stderr", force=True)  # as `openevent serve` does: stdout is for results
    monkeypatch.chdir(ROOT)
    with LocalStack(tmp_path / "state") as stack:
        bus = LocalBus(template=TEMPLATE, env=stack.env, backoff_s=0.0)
        server = BusServer(bus, stack, port=0).start()
        try:
            yield server, stack
        finally:
            server.stop()


def stable(value: Any) -> Any:
    """A result without the fields that differ between two runs of the same decision."""
    if isinstance(value, dict):
        return {k: stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value


FUNCTION_SAMPLES = [(fn, types_for_function(fn)[0]) for fn in list_functions() if types_for_function(fn)]
# Status events reach a function only with a status it acts on (s.yaml filters the others out).
ACTED_ON = {"dataworks:InstanceStatusChanges:InstanceStatusChanges": {"data.status": 5},
            "dataworks:DagStatusChanges:DagStatusChanges": {"data.status": 5}}


@pytest.mark.parametrize(("function", "etype"), FUNCTION_SAMPLES, ids=[f for f, _ in FUNCTION_SAMPLES])
def test_send_gives_the_same_result_as_invoking_the_routed_function(served, run_cli, function, etype) -> None:  # type: ignore[no-untyped-def]
    server, stack = served
    event = json.dumps(sample_event(etype, ACTED_ON.get(etype))).encode()
    routed = run_cli("route", "-", "--template", str(TEMPLATE), stdin=event).json()
    assert function in routed
    sent = run_cli("send", "--url", server.url, stdin=event)
    assert sent.code == 0, sent.err
    (result,) = sent.json()["results"]
    by_function = {d["function"]: d for d in result["functions"]}
    assert set(by_function) == set(routed)
    env = [f"--env={k}={v}" for k, v in {**stack.env, "OPENEVENT_STATE_URL": "memory://",
                                          "OPENEVENT_AUDIT_JSONL": str(stack.state_dir / "invoke.jsonl")}.items()]
    invoked = run_cli("invoke", function, *env, stdin=event)
    assert invoked.code == 0, invoked.err
    assert stable(by_function[function]["result"]) == stable(invoked.json())


@pytest.mark.parametrize("body", [b"{not json", b"42", b"[]", b'{"id": "x", "source": "acs.dataworks"}',
                                  b'[{"id": "x", "source": "acs.ecs", "type": "dataworks:A:B", "data": {}}]'])
def test_a_malformed_body_is_refused_with_400_and_nothing_runs(served, body: bytes) -> None:  # type: ignore[no-untyped-def]
    server, stack = served
    response = requests.post(server.url, data=body, timeout=30)
    assert response.status_code == 400
    assert response.json()["error"]
    assert stack.callbacks() == [] and stack.inbox() == []


def test_send_reports_a_refused_body_as_a_clear_error(served, run_cli) -> None:  # type: ignore[no-untyped-def]
    server, _ = served
    out = run_cli("send", "--url", server.url, stdin=b'{"id": 1}')
    assert out.code == 2 and out.err.startswith("error: the bus refused the event: ")


def test_a_batch_array_is_routed_event_by_event(served) -> None:  # type: ignore[no-untyped-def]
    server, stack = served
    batch = [sample_event("dataworks:ResourcesDownload:DownloadResources", {"data.dataRowSize": "2000000"}),
             sample_event("dataworks:ProjectChange:DeleteProject", {"data.projectId": 20002})]
    answer = requests.post(server.url, json=batch, timeout=60).json()
    assert [r["functions"][0]["result"]["decision"] for r in answer["results"]] == ["FAIL", "OK"]
    assert {c["check_result"] for c in stack.callbacks()} == {"FAIL", "OK"}


def test_the_inbox_and_callbacks_pages_show_what_arrived(served) -> None:  # type: ignore[no-untyped-def]
    server, _ = served
    requests.post(server.url, json=sample_event("dataworks:ProjectChange:DeleteProject",
                                                {"data.projectId": 10001}), timeout=60)
    callbacks = requests.get(f"{server.url}/callbacks", timeout=10).json()
    assert callbacks[0]["check_result"] == "FAIL"
    assert isinstance(requests.get(f"{server.url}/inbox", timeout=10).json(), list)
    info = requests.get(server.url, timeout=10).json()
    assert "download_guard" in info["routes"]


EXPLODING = '''
import os, pathlib
COUNT = pathlib.Path(os.environ["EXPLODE_COUNTER"])

def handler(event, context):
    n = int(COUNT.read_text()) if COUNT.exists() else 0
    COUNT.write_text(str(n + 1))
    if n < int(os.environ.get("EXPLODE_TIMES", "2")):
        raise RuntimeError(f"boom {n + 1}")
    return {"handled_after": n + 1}
'''
TEMPLATE_FOR_EXPLODE = '''
edition: 3.0.0
resources:
  explode:
    component: fc3
    props:
      functionName: explode
      triggers:
        - triggerName: all
          triggerType: eventbridge
          triggerConfig:
            eventRuleFilterPattern: '{"source": ["acs.dataworks"]}'
'''


def _exploding_bus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, times: int) -> LocalBus:
    fn = tmp_path / "functions" / "explode"
    fn.mkdir(parents=True)
    (fn / "index.py").write_text(EXPLODING, encoding="utf-8")
    template = tmp_path / "s.yaml"
    template.write_text(TEMPLATE_FOR_EXPLODE, encoding="utf-8")
    monkeypatch.setenv("OPENEVENT_FUNCTIONS_DIR", str(tmp_path / "functions"))
    return LocalBus(template=template, env={"EXPLODE_COUNTER": str(tmp_path / "count"), "EXPLODE_TIMES": str(times)},
                    backoff_s=0.0)


def test_a_function_that_raises_is_retried_like_fc_async_invocation(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    bus = _exploding_bus(tmp_path, monkeypatch, times=2)
    (delivery,) = bus.deliver(sample_event("dataworks:ProjectChange:DeleteProject"))
    assert delivery.ok and delivery.attempts == 3 and delivery.result == {"handled_after": 3}
    assert delivery.errors == ["RuntimeError: boom 1", "RuntimeError: boom 2"]
    assert bus.failures == []


def test_a_function_that_keeps_raising_is_recorded_and_the_bus_carries_on(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    bus = _exploding_bus(tmp_path, monkeypatch, times=99)
    (delivery,) = bus.deliver(sample_event("dataworks:ProjectChange:DeleteProject"))
    assert not delivery.ok and delivery.attempts == 4  # the first try and FC's default 3 retries
    (failure,) = bus.failures
    assert failure["function"] == "explode" and len(failure["errors"]) == 4
    (again,) = bus.deliver(sample_event("dataworks:ProjectChange:DeleteProject"))
    assert again.function == "explode"


def test_the_server_answers_500_for_a_crash_and_keeps_serving(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    bus = _exploding_bus(tmp_path, monkeypatch, times=99)
    with LocalStack(tmp_path / "state") as stack:
        server = BusServer(bus, stack, port=0).start()
        try:
            first = requests.post(server.url, json=sample_event("dataworks:ProjectChange:DeleteProject"), timeout=30)
            assert first.status_code == 200 and first.json()["results"][0]["functions"][0]["ok"] is False
            assert requests.get(f"{server.url}/failures", timeout=10).json()[0]["function"] == "explode"
            assert requests.get(f"{server.url}/healthz", timeout=10).json() == {"ok": True}
        finally:
            server.stop()


# -- keep-alive: one connection carries many requests ------------------------------------------------
def _connect(server: BusServer) -> http.client.HTTPConnection:
    host, port = server.url.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=30)


def _ask(conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, Any, http.client.HTTPResponse]:
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response.status, json.loads(response.read()), response


def test_several_requests_over_one_connection_each_get_their_answer(served) -> None:  # type: ignore[no-untyped-def]
    server, _ = served
    conn = _connect(server)
    download = json.dumps(sample_event("dataworks:ResourcesDownload:DownloadResources",
                                       {"data.dataRowSize": "2000000"})).encode()
    delete = json.dumps(sample_event("dataworks:ProjectChange:DeleteProject", {"data.projectId": 20002})).encode()

    first = _ask(conn, "POST", "/", download)
    sock = conn.sock
    health = _ask(conn, "GET", "/healthz")
    second = _ask(conn, "POST", "/events", delete)

    assert first[1]["results"][0]["functions"][0]["result"]["decision"] == "FAIL"
    assert health[:2] == (200, {"ok": True})
    assert second[1]["results"][0]["functions"][0]["result"]["decision"] == "OK"
    assert conn.sock is sock and not second[2].will_close  # the same socket all along
    conn.close()


@pytest.mark.parametrize(("method", "path", "body", "status"), [("POST", "/", b"{not json", 400),
                                                                 ("POST", "/nowhere", b'{"a": 1}', 404),
                                                                 ("GET", "/nowhere", b"", 404)])
def test_an_error_answer_leaves_the_connection_usable(served, method, path, body, status) -> None:  # type: ignore[no-untyped-def]
    server, _ = served
    conn = _connect(server)

    refused = _ask(conn, method, path, body)
    sock = conn.sock
    after = _ask(conn, "GET", "/healthz")

    assert refused[0] == status and "error" in refused[1] and int(refused[2].headers["Content-Length"]) > 0
    assert after[:2] == (200, {"ok": True}) and conn.sock is sock
    conn.close()


@pytest.mark.parametrize(("headers", "status"), [({"Content-Length": str(9 * 1024 * 1024)}, 413),
                                                 ({"Content-Length": "many"}, 400),
                                                 ({"Transfer-Encoding": "chunked"}, 411)])
def test_a_body_the_server_does_not_read_closes_the_connection(served, headers, status) -> None:  # type: ignore[no-untyped-def]
    server, stack = served
    conn = _connect(server)
    conn.putrequest("POST", "/")
    for name, value in headers.items():
        conn.putheader(name, value)
    conn.endheaders()

    response = conn.getresponse()
    answer = json.loads(response.read())

    assert response.status == status and answer["error"]
    assert response.headers["Connection"] == "close" and response.will_close
    assert stack.callbacks() == []
    conn.close()


def test_an_idle_kept_alive_connection_does_not_hold_up_another_client(served) -> None:  # type: ignore[no-untyped-def]
    server, _ = served
    idle = _connect(server)
    assert _ask(idle, "GET", "/healthz")[0] == 200  # open, answered, kept alive and left idle

    other = _connect(server)
    assert _ask(other, "GET", "/healthz")[:2] == (200, {"ok": True})
    idle.close()
    other.close()


def test_send_posts_several_files_over_one_connection(served, run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server, stack = served
    files = []
    for i, project in enumerate((20002, 10001)):
        path = tmp_path / f"event{i}.json"
        path.write_text(json.dumps(sample_event("dataworks:ProjectChange:DeleteProject", {"data.projectId": project})))
        files.append(str(path))

    out = run_cli("send", "--url", server.url, *files)

    assert out.code == 0, out.err
    assert [a["results"][0]["functions"][0]["result"]["decision"] for a in out.json()] == ["OK", "FAIL"]
    assert [c["check_result"] for c in stack.callbacks()] == ["OK", "FAIL"]


def test_send_reports_an_unreachable_bus_as_a_clear_error(run_cli) -> None:  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = run_cli("send", "--url", f"http://127.0.0.1:{port}", stdin=b"{}")
    assert out.code == 2 and "cannot reach" in out.err and "openevent serve" in out.err
