"""The keep-alive client of ``openevent serve``: one connection for many requests, a new one when it was closed."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from openevent.local.bus_client import BusClient


class _Recorder(ThreadingHTTPServer):
    daemon_threads = True
    drop_after_answer = False
    """Close each connection after answering without saying so (as a server closing an idle connection)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[int, str]] = []  # (client port, body)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Recorder

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        self.server.requests.append((self.client_address[1], body))
        data = json.dumps({"echo": body}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        if self.server.drop_after_answer:
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def recorder() -> Iterator[_Recorder]:
    server = _Recorder()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_requests_of_one_client_share_one_connection(recorder: _Recorder) -> None:
    with BusClient(recorder.url) as client:
        answers = [client.post_json({"n": n}) for n in range(3)]

    assert [a for _, a in answers] == [{"echo": json.dumps({"n": n})} for n in range(3)]
    assert len({port for port, _ in recorder.requests}) == 1


def test_a_connection_the_server_closed_is_replaced_and_the_request_sent_once(recorder: _Recorder) -> None:
    recorder.drop_after_answer = True
    with BusClient(recorder.url) as client:
        first = client.post(b'{"n": 1}')
        second = client.post(b'{"n": 2}')

    assert (first[0], second[0]) == (200, 200)
    assert [body for _, body in recorder.requests] == ['{"n": 1}', '{"n": 2}']
    assert len({port for port, _ in recorder.requests}) == 2


def test_a_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(ValueError, match="http"):
        BusClient("ftp://127.0.0.1:21")
