"""HTTP transport for the webhook channels: kept-alive ``http.client`` connections.

Channels build an :class:`HttpRequest` (exact bytes, headers, final URL: signing is done by
then) and hand it to a :class:`Transport`. The default :class:`HttpTransport` keeps one
connection per thread and ``scheme://host:port`` (:class:`openevent.runtime.http.ConnectionPool`:
reuse across warm invocations, proxies from the environment as ``requests`` would take them),
uses separate connect and read timeouts, never follows redirects, and turns timeouts and
connection failures into :class:`TransportError` (transient). It replaced ``requests``, whose
import was about 56 ms of CPU on a notifier's cold start.

Example:
    >>> t = HttpTransport(connect_timeout=2.0)
    >>> t.post(HttpRequest("http://127.0.0.1:9/x", b"{}", {}), timeout=1.0)  # doctest: +SKIP
    Traceback (most recent call last):
    TransportError: connection_error: …
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from openevent.errors import OpenEventError
from openevent.runtime.http import ConnectionPool

USER_AGENT = "openevent-notify/1"


class TransportError(OpenEventError):
    """The request did not get an HTTP answer; ``transient`` says whether retrying may help."""

    def __init__(self, code: str, detail: str, *, transient: bool = True) -> None:
        self.code = code
        self.detail = detail
        self.transient = transient
        super().__init__(f"{code}: {detail}")


@dataclass(frozen=True)
class HttpRequest:
    url: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON, or ``None`` when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class Transport(Protocol):
    def post(self, request: HttpRequest, timeout: float) -> HttpResponse:
        """POST ``request``; raise :class:`TransportError` when no HTTP answer came back."""
        ...


class HttpTransport:
    """Kept-alive ``http.client`` connections per thread and origin, with (connect, read) timeouts."""

    def __init__(self, connect_timeout: float = 3.05, read_timeout: float = 10.0) -> None:
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._pool = ConnectionPool()

    def post(self, request: HttpRequest, timeout: float) -> HttpResponse:
        read = max(0.1, min(self.read_timeout, timeout))
        connect = max(0.1, min(self.connect_timeout, read))
        parts = urlsplit(request.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {"User-Agent": USER_AGENT, "Accept": "*/*", **dict(request.headers)}
        try:
            conn = self._pool.connection(request.url)
            answer = conn.request("POST", target, request.body, headers, connect_timeout=connect, read_timeout=read)
        except ValueError as exc:  # not an http(s) URL with a host
            raise TransportError("request_error", str(exc), transient=False) from None
        except TimeoutError as exc:
            raise TransportError("timeout", type(exc).__name__) from None
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, TLS, a broken answer
            raise TransportError("connection_error", type(exc).__name__) from None
        return HttpResponse(answer.status, answer.body, {k.lower(): v for k, v in answer.headers.items()})

    def close(self) -> None:
        """Close this thread's connections (others close with their threads)."""
        self._pool.close()


_default: HttpTransport | None = None


def default_transport() -> HttpTransport:
    """The process-wide transport (its connections survive between warm FC invocations)."""
    global _default
    if _default is None:
        _default = HttpTransport()
    return _default
