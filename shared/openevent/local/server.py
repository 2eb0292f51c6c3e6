"""``openevent serve``: the local event bus over HTTP, as an EventBridge HTTP target would call it.

``POST /`` (or ``/events``) takes what an EventBridge HTTP target with the "complete event"
body sends — one CloudEvent or a JSON array of them — routes each event with the s.yaml rules,
invokes every matched function in-process, and answers ``200`` with what each function
returned::

    {"results": [{"event_id": "…", "type": "…", "functions": [
        {"function": "download_guard", "ok": true, "result": {…}, "attempts": 1, …}]}]}

A malformed body gets ``400`` and ``{"error": "…"}`` naming the problem (nothing is invoked).
``GET /inbox`` lists the messages the webhook inbox received, ``GET /callbacks`` the extension
callbacks the fake DataWorks received, ``GET /failures`` the invocations that failed after
retries, ``GET /`` what is running and how events are routed.

Connections are HTTP/1.1 and kept alive: every answer has a ``Content-Length``, a request body is
always read to its end (or the connection is closed: a body too large, a missing or bad
``Content-Length``, a chunked body), so the next request on the connection starts where it should.
Each connection has a thread of its own; idle ones are closed after :data:`IDLE_TIMEOUT_S`.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from openevent.errors import EventParseError
from openevent.local.bus import LocalBus
from openevent.local.stack import LocalStack

MAX_BODY = 8 * 1024 * 1024
LISTEN_BACKLOG = 512
"""Connections the kernel queues before the server accepts them (``socketserver``'s default is 5: a burst
of new clients, e.g. 16 senders starting at once, would overflow it and have connections reset)."""
IDLE_TIMEOUT_S = 300
"""A kept-alive connection that sends nothing for this long is closed (its thread ends)."""


class BusServer:
    """The HTTP front of a :class:`LocalBus` with its :class:`LocalStack`."""

    def __init__(self, bus: LocalBus, stack: LocalStack, host: str = "127.0.0.1", port: int = 8080, *,
                 sock: socket.socket | None = None, failures: Callable[[], Any] | None = None) -> None:
        """``sock``: a listening socket to serve instead of binding ``host:port`` (``serve --workers``
        shares one between processes); ``failures``: what ``GET /failures`` lists (default the bus's)."""
        self.bus = bus
        self.stack = stack
        self.failures: Callable[[], Any] = failures or (lambda: bus.failures)
        if sock is None:
            self._server = _Server((host, port), _handler_for(self))
        else:
            self._server = _Server(sock.getsockname()[:2], _handler_for(self), bind_and_activate=False)
            self._server.socket.close()
            self._server.socket = sock
            self._server.server_address = sock.getsockname()
            host, port = sock.getsockname()[:2]
            self._server.server_name, self._server.server_port = str(host), port
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host if isinstance(host, str) else host.decode()}:{port}"

    def start(self) -> BusServer:
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,), daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever(0.2)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def accept(self, body: bytes) -> tuple[int, dict[str, Any]]:
        """Validate and deliver one request body; returns (HTTP status, answer)."""
        from openevent.events import parse_object

        try:
            decoded = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            return 400, {"error": f"the body is not valid JSON: {exc}"}
        items = decoded if isinstance(decoded, list) else [decoded]
        if not isinstance(decoded, dict | list) or not items:
            return 400, {"error": "the body must be one CloudEvent object or a non-empty JSON array of them"}
        for index, item in enumerate(items):
            try:
                parse_object(item, index=index if isinstance(decoded, list) else None)
            except EventParseError as exc:
                return 400, {"error": str(exc)}
        results = []
        for item in items:
            deliveries = self.bus.deliver(item)
            results.append({"event_id": item.get("id"), "type": item.get("type"),
                            "functions": [d.as_dict() for d in deliveries]})
        return 200, {"results": results}

    def info(self) -> dict[str, Any]:
        return {"routes": {fn: pats for fn, pats in self.bus.patterns.items()}, "rules_from": self.bus.source,
                "dataworks": self.stack.dataworks.endpoint, "inbox": f"{self.url}/inbox",
                "state_dir": str(self.stack.state_dir)}


class _Server(ThreadingHTTPServer):
    """A thread per connection (daemon threads: a kept-alive connection never holds up the exit)."""

    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG


def _handler_for(server: BusServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall per answer
        timeout = IDLE_TIMEOUT_S

        def _reply(self, status: int, body: Any, *, close: bool = False) -> None:
            data = json.dumps(body, ensure_ascii=False, default=str).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            if close:  # the rest of the request is unread: the connection cannot carry another one
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes | None:
            """The request body, read to its end; ``None`` after answering a body that cannot be read."""
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                self._reply(411, {"error": "send the body with a Content-Length, not chunked"}, close=True)
                return None
            raw = self.headers.get("Content-Length")
            try:
                length = int(raw or 0)
                if length < 0:
                    raise ValueError(raw)
            except ValueError:
                self._reply(400, {"error": f"bad Content-Length {raw!r}"}, close=True)
                return None
            if length > MAX_BODY:
                self._reply(413, {"error": f"the body is larger than {MAX_BODY} bytes"}, close=True)
                return None
            return self.rfile.read(length) if length else b""

        def do_POST(self) -> None:
            body = self._body()
            if body is None:
                return
            if self.path.split("?")[0] not in ("/", "/events"):
                self._reply(404, {"error": f"no such path {self.path}; POST events to /"})
                return
            try:
                status, answer = server.accept(body)
            except Exception as exc:  # the bus must never go down with a request
                status, answer = 500, {"error": f"{type(exc).__name__}: {exc}"}
            self._reply(status, answer)

        def do_GET(self) -> None:
            if self._body() is None:  # a GET may carry a body too: read it, or the next request breaks
                return
            path = self.path.split("?")[0]
            pages: dict[str, Callable[[], Any]] = {
                "/inbox": server.stack.inbox, "/callbacks": server.stack.callbacks,
                "/failures": server.failures, "/": server.info, "/healthz": lambda: {"ok": True}}
            page = pages.get(path)
            if page is None:
                self._reply(404, {"error": f"no such path {path}"})
                return
            try:
                status, answer = 200, page()
            except Exception as exc:  # e.g. a worker asking its supervisor that is going away
                status, answer = 500, {"error": f"{type(exc).__name__}: {exc}"}
            self._reply(status, answer)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
