"""The lifecycle every local fake shares: a ``ThreadingHTTPServer`` on 127.0.0.1 in a daemon thread.

A fake subclasses :class:`LocalHttpService`, implements :meth:`_handler_class`, and gets
``start()``/``stop()``, use as a context manager and :attr:`url`.

Example:
    >>> class Hello(LocalHttpService):
    ...     def _handler_class(self):
    ...         from http.server import BaseHTTPRequestHandler
    ...         return BaseHTTPRequestHandler
    >>> with Hello() as svc:
    ...     svc.url.startswith("http://127.0.0.1:")
    True
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

S = TypeVar("S", bound="LocalHttpService")


class LocalHttpService:
    """Start/stop plumbing for a fake HTTP service (``host``/``port`` default to 127.0.0.1 and a free port)."""

    service_name = "fake"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host, self._port = host, port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def start(self: S) -> S:
        server = ThreadingHTTPServer((self._host, self._port), self._handler_class())
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), name=self.service_name,
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self: S) -> S:
        return self.start()

    def __exit__(self, *_exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` of the running service."""
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host if isinstance(host, str) else host.decode()}:{port}"
