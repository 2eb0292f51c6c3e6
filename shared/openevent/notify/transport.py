"""HTTP transport for the webhook channels: ``requests`` with one Session per host.

Channels build an :class:`HttpRequest` (exact bytes, headers, final URL: signing is done by
then) and hand it to a :class:`Transport`. The default :class:`RequestsTransport` keeps a
``requests.Session`` per ``scheme://host`` (connection reuse across warm invocations), uses
separate connect and read timeouts, and turns timeouts and connection failures into
:class:`TransportError` (transient). ``requests`` is imported on first use only.

Example:
    >>> t = RequestsTransport(connect_timeout=2.0)
    >>> t.post(HttpRequest("http://127.0.0.1:9/x", b"{}", {}), timeout=1.0)  # doctest: +SKIP
    Traceback (most recent call last):
    TransportError: connection_error: …
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from openevent.errors import OpenEventError


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


class RequestsTransport:
    """``requests``-based transport with a Session per host and (connect, read) timeouts."""

    def __init__(self, connect_timeout: float = 3.05, read_timeout: float = 10.0) -> None:
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._sessions: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _session(self, url: str) -> Any:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            session = self._sessions.get(key)
            if session is None:
                import requests  # lazy: cold start pays only when a message is sent

                session = requests.Session()
                session.trust_env = True
                self._sessions[key] = session
            return session

    def post(self, request: HttpRequest, timeout: float) -> HttpResponse:
        import requests

        read = max(0.1, min(self.read_timeout, timeout))
        connect = max(0.1, min(self.connect_timeout, read))
        try:
            resp = self._session(request.url).post(
                request.url, data=request.body, headers=dict(request.headers),
                timeout=(connect, read), allow_redirects=False)
        except requests.Timeout as exc:
            raise TransportError("timeout", type(exc).__name__) from None
        except requests.ConnectionError as exc:
            raise TransportError("connection_error", type(exc).__name__) from None
        except requests.RequestException as exc:
            raise TransportError("request_error", type(exc).__name__, transient=False) from None
        return HttpResponse(resp.status_code, resp.content,
                            {k.lower(): v for k, v in resp.headers.items()})

    def close(self) -> None:
        with self._lock:
            for session in self._sessions.values():
                session.close()
            self._sessions.clear()


_default: RequestsTransport | None = None


def default_transport() -> RequestsTransport:
    """The process-wide transport (its Sessions survive between warm FC invocations)."""
    global _default
    if _default is None:
        _default = RequestsTransport()
    return _default
