"""A client of ``openevent serve`` that keeps its connection: HTTP/1.1 keep-alive, one socket per client.

Opening a TCP connection per event costs more than the bus's routing; :class:`BusClient` sends
every request over one persistent connection (``http.client``), opens a new one when the server
closed it (it says ``Connection: close`` after a refused body, or it closed an idle connection),
and resends a request once only when a connection it had already used turns out closed before
any answer came (the request never reached the bus). One client per thread: a connection carries
one request at a time.

Example:
    >>> with BusClient("http://127.0.0.1:8080") as client:           # doctest: +SKIP
    ...     status, answer = client.post_json({"id": "…", "source": "acs.dataworks", "type": "…"})
    >>> status                                                          # doctest: +SKIP
    200
"""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit


class BusClient:
    """Requests to one ``openevent serve`` over a kept-alive connection (``url``: ``http[s]://host:port[/path]``)."""

    def __init__(self, url: str, *, timeout: float = 120.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"expected an http:// or https:// URL, got {url!r}")
        self.url = url
        self.path = parts.path or "/"
        self._connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        self._host, self._port, self._timeout = parts.hostname, parts.port, timeout
        self._conn: http.client.HTTPConnection | None = None
        self._used = False

    def request(self, method: str, path: str | None = None, body: bytes | None = None) -> tuple[int, bytes]:
        """``(status, body)`` of one request; raises ``OSError``/``http.client.HTTPException`` if unreachable."""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        for attempt in (1, 2):
            reused = self._conn is not None and self._used
            conn = self._connection()
            try:
                conn.request(method, path or self.path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if reused and attempt == 1:  # the server had closed the idle connection: nothing was received
                    continue
                raise
            except BaseException:
                self.close()  # a half-read answer leaves the connection unusable
                raise
            self._used = True
            if response.will_close:
                self.close()
            return response.status, data
        raise AssertionError("unreachable")

    def post(self, body: bytes, path: str | None = None) -> tuple[int, bytes]:
        """POST ``body`` (JSON bytes) to the bus; ``(status, body)``."""
        return self.request("POST", path, body)

    def post_json(self, value: Any, path: str | None = None) -> tuple[int, Any]:
        """POST ``value`` as JSON; ``(status, decoded answer)`` (``{"error": text}`` when not JSON)."""
        status, data = self.post(json.dumps(value, ensure_ascii=False).encode(), path)
        return status, decode_answer(data)

    def get_json(self, path: str) -> tuple[int, Any]:
        """GET one of the bus's pages (``/inbox``, ``/failures``, …); ``(status, decoded answer)``."""
        status, data = self.request("GET", path)
        return status, decode_answer(data)

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = self._connection_class(self._host, self._port, timeout=self._timeout)
            self._used = False
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> BusClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def decode_answer(data: bytes) -> Any:
    """The bus's JSON answer, or ``{"error": <text>}`` for a body that is not JSON.

    Example:
        >>> decode_answer(b'{"results": []}'), decode_answer(b"Bad Gateway")
        ({'results': []}, {'error': 'Bad Gateway'})
    """
    try:
        return json.loads(data)
    except ValueError:
        return {"error": data[:500].decode("utf-8", "replace")}
