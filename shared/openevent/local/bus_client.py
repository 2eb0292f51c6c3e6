"""A client of ``openevent serve`` that keeps its connection: HTTP/1.1 keep-alive, one socket per client.

Opening a TCP connection per event costs more than the bus's routing; :class:`BusClient` sends
every request over one persistent connection (:class:`openevent.runtime.http.KeepAliveConnection`:
a new one when the server closed it, a request resent once only when a connection already used
turns out closed before any answer came). One client per thread: a connection carries one request
at a time.

Example:
    >>> with BusClient("http://127.0.0.1:8080") as client:           # doctest: +SKIP
    ...     status, answer = client.post_json({"id": "…", "source": "acs.dataworks", "type": "…"})
    >>> status                                                          # doctest: +SKIP
    200
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from openevent.runtime.http import KeepAliveConnection


class BusClient:
    """Requests to one ``openevent serve`` over a kept-alive connection (``url``: ``http[s]://host:port[/path]``)."""

    def __init__(self, url: str, *, timeout: float = 120.0) -> None:
        self.url = url
        self._conn = KeepAliveConnection(url, timeout=timeout)  # ValueError for a URL that is not http(s)
        self.path = urlsplit(url).path or "/"

    def request(self, method: str, path: str | None = None, body: bytes | None = None) -> tuple[int, bytes]:
        """``(status, body)`` of one request; raises ``OSError``/``http.client.HTTPException`` if unreachable."""
        headers = {"Content-Type": "application/json"} if body is not None else {}
        answer = self._conn.request(method, path or self.path, body, headers)
        return answer.status, answer.body

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

    def close(self) -> None:
        self._conn.close()

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
