"""``openevent serve --workers N``: the local bus in N processes that share one listening socket.

By default ``openevent serve`` starts one worker per core (at most 4, :func:`default_workers`);
``--workers 1`` serves in the one process.

The handlers are Python under one interpreter lock, so one bus process uses about one core however
many clients post at once. With workers, the supervisor (the ``openevent serve`` process) keeps
the fakes (:class:`~openevent.local.stack.LocalStack`), binds the bus's port and starts ``N``
worker processes that inherit the listening socket (a pre-fork server: the kernel hands each new
connection to one of them). Each worker has its own warm instance of every function, as FC has
instances of its own; what the functions share goes through the stack's SQLite state file and
the fakes, never process memory. As on FC, two deliveries of one message that arrive at once may
reach two instances: a guard then answers from both with the one decision the state holds (one
process serialises a function's invocations, so there it answers once).

The worker's environment (secrets included) comes as the first line on its stdin, never in its
arguments or a file; it serves until the supervisor closes that stdin (or dies). ``GET /inbox``,
``/callbacks`` and ``/failures`` on any worker answer for the whole bus: the supervisor serves
them to the workers on a loopback port (:class:`SupervisorPages`), and each worker reports its
invocations that failed after retries there.

Example (starts processes; ``openevent serve --workers 2`` runs this):
    >>> with LocalStack() as stack:                                              # doctest: +SKIP
    ...     serve_with_workers(stack, template="s.yaml", workers=2, on_listening=print)
    http://127.0.0.1:8080
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

from openevent.local.http_service import LocalHttpService
from openevent.local.server import LISTEN_BACKLOG
from openevent.local.stack import LocalStack

READY_TIMEOUT_S = 120.0
MAX_DEFAULT_WORKERS = 4


def default_workers() -> int:
    """``openevent serve``'s default: one bus process per core this process may run on, at most 4.

    One process uses about one core, so on a 2-core machine two processes double what concurrent
    clients get; a 1-core machine serves in one process (no supervisor).

    Example:
        >>> 1 <= default_workers() <= MAX_DEFAULT_WORKERS
        True
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, MAX_DEFAULT_WORKERS))


class SupervisorPages(LocalHttpService):
    """The stack's pages for the workers: ``GET /inbox|/callbacks|/failures``, ``POST /failures`` (one failure)."""

    service_name = "openevent-serve-supervisor"

    def __init__(self, stack: LocalStack) -> None:
        super().__init__()
        self.stack = stack
        self.failures: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def report(self, failure: dict[str, Any]) -> None:
        with self._lock:
            self.failures.append(failure)

    def page(self, path: str) -> Any:
        pages: dict[str, Callable[[], Any]] = {"/inbox": self.stack.inbox, "/callbacks": self.stack.callbacks,
                                               "/failures": lambda: list(self.failures)}
        page = pages.get(path)
        return None if page is None else page()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        pages = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _reply(self, status: int, body: Any) -> None:
                data = json.dumps(body, default=str).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                answer = pages.page(self.path)
                self._reply(404 if answer is None else 200, {"error": "no such page"} if answer is None else answer)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path != "/failures":
                    self._reply(404, {"error": "no such page"})
                    return
                pages.report(json.loads(body))
                self._reply(200, {"ok": True})

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler


@dataclass
class _Endpoint:
    endpoint: str


class RemoteStack:
    """What a worker's :class:`~openevent.local.server.BusServer` needs of the stack, asked of the supervisor."""

    def __init__(self, pages_url: str, dataworks_endpoint: str, state_dir: str) -> None:
        self.pages_url = pages_url
        self.dataworks = _Endpoint(dataworks_endpoint)
        self.state_dir = Path(state_dir)

    def _call(self, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body, default=str).encode()
        request = Request(f"{self.pages_url}{path}", data=data, headers={"Content-Type": "application/json"})
        with urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def inbox(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = self._call("/inbox")
        return out

    def callbacks(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = self._call("/callbacks")
        return out

    def failures(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = self._call("/failures")
        return out

    def report(self, failure: dict[str, Any]) -> None:
        self._call("/failures", failure)


def serve_with_workers(stack: LocalStack, *, template: str, workers: int, host: str = "127.0.0.1",
                       port: int = 8080, on_listening: Callable[[str], None] | None = None,
                       stop: threading.Event | None = None) -> int:
    """Serve the bus from ``workers`` processes until ``stop`` is set, Ctrl-C, or a worker ends (returns 1).

    Returns once every worker has ended.
    """
    sock = socket.create_server((host, port), backlog=LISTEN_BACKLOG)
    sock.set_inheritable(True)
    pages = SupervisorPages(stack).start()
    spec = {"fd": sock.fileno(), "env": stack.env, "pages": pages.url, "dataworks": stack.dataworks.endpoint,
            "state_dir": str(stack.state_dir),
            "template": str(Path(template).resolve()) if Path(template).is_file() else template}
    procs: list[subprocess.Popen[str]] = []
    code = 0
    try:
        for _ in range(workers):
            procs.append(_start_worker(spec, sock.fileno()))
        deadline = time.monotonic() + READY_TIMEOUT_S
        for proc in procs:
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready" or time.monotonic() > deadline:
                raise RuntimeError("a bus worker ended before it was ready (its error is above)")
        bound_host, bound_port = sock.getsockname()[:2]
        if on_listening is not None:
            on_listening(f"http://{bound_host}:{bound_port}")
        stop = stop or threading.Event()
        while not stop.wait(0.2):
            ended = [p for p in procs if p.poll() is not None]
            if ended:
                print(f"openevent serve: a bus worker ended (exit {ended[0].returncode}); stopping",
                      file=sys.stderr)
                code = 1
                break
    except KeyboardInterrupt:
        pass
    finally:
        for proc in procs:
            if proc.stdin is not None:
                proc.stdin.close()  # a worker serves until its stdin closes
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)
        pages.stop()
        sock.close()
    return code


def _start_worker(spec: dict[str, Any], fd: int) -> subprocess.Popen[str]:
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    proc = subprocess.Popen([sys.executable, "-m", "openevent.local.serve_workers"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, env=env, text=True, pass_fds=(fd,))
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(spec) + "\n")
    proc.stdin.flush()
    return proc


def _worker() -> None:
    """One worker process (see the module docstring)."""
    from openevent.local.bus import LocalBus
    from openevent.local.server import BusServer
    from openevent.runtime.logging import configure_logging

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the supervisor, which closes our stdin
    configure_logging("stderr", force=True)
    spec = json.loads(sys.stdin.readline())
    sock = socket.socket(fileno=spec["fd"])
    sock.setblocking(False)  # every worker wakes for a new connection; those that lose the race go back to waiting
    remote = RemoteStack(spec["pages"], spec["dataworks"], spec["state_dir"])
    bus = LocalBus(template=spec["template"], env=spec["env"], on_failure=remote.report)
    server = BusServer(bus, remote, sock=sock, failures=remote.failures).start()  # type: ignore[arg-type]
    print("ready", flush=True)
    os.dup2(2, 1)  # nobody reads our stdout any more: what a function prints goes to stderr, never fills a pipe
    try:
        sys.stdin.read()
    finally:
        server.stop()


if __name__ == "__main__":
    _worker()
