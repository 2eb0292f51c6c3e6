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
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from openevent.errors import EventParseError
from openevent.local.bus import LocalBus
from openevent.local.stack import LocalStack

MAX_BODY = 8 * 1024 * 1024


class BusServer:
    """The HTTP front of a :class:`LocalBus` with its :class:`LocalStack`."""

    def __init__(self, bus: LocalBus, stack: LocalStack, host: str = "127.0.0.1", port: int = 8080) -> None:
        self.bus = bus
        self.stack = stack
        self._server = ThreadingHTTPServer((host, port), _handler_for(self))
        self._server.daemon_threads = True
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


def _handler_for(server: BusServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall per answer

        def _reply(self, status: int, body: Any) -> None:
            data = json.dumps(body, ensure_ascii=False, default=str).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            if self.path.split("?")[0] not in ("/", "/events"):
                self._reply(404, {"error": f"no such path {self.path}; POST events to /"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._reply(413, {"error": f"the body is larger than {MAX_BODY} bytes"})
                return
            try:
                status, answer = server.accept(self.rfile.read(length))
            except Exception as exc:  # the bus must never go down with a request
                status, answer = 500, {"error": f"{type(exc).__name__}: {exc}"}
            self._reply(status, answer)

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            pages: dict[str, Callable[[], Any]] = {
                "/inbox": server.stack.inbox, "/callbacks": server.stack.callbacks,
                "/failures": lambda: server.bus.failures, "/": server.info, "/healthz": lambda: {"ok": True}}
            page = pages.get(path)
            if page is None:
                self._reply(404, {"error": f"no such path {path}"})
            else:
                self._reply(200, page())

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
