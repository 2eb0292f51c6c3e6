"""One kept-alive HTTP/1.1 connection to one origin, on the standard library's ``http.client``.

:class:`KeepAliveConnection` sends every request over one persistent connection, opens a new
one when the server closed it (``Connection: close``, or an idle connection it dropped), and
resends a request once only when a connection it had already used turns out closed before any
answer came (the request never reached the server). Connect and read timeouts are separate and
may change per request (a caller drawing them from a deadline does). One connection carries one
request at a time: give each thread its own (:class:`ConnectionPool` does).

HTTPS verifies certificates against ``ALIBABA_CLOUD_CA_BUNDLE`` when set (as the Alibaba Cloud
SDK does), otherwise against ``certifi``'s bundle (Mozilla's: what ``requests``, and so the
SDK's ``AcsClient``, trusted; the function packages ship it), else the system's store.
``HTTPS_PROXY``/``HTTP_PROXY`` (either case) are honoured for hosts that are neither loopback nor
listed in ``NO_PROXY``: HTTPS through a ``CONNECT`` tunnel, HTTP with absolute request URLs.

Example:
    >>> conn = KeepAliveConnection("http://127.0.0.1:8765")                       # doctest: +SKIP
    >>> conn.request("POST", "/", b"{}", {"Content-Type": "application/json"}).status  # doctest: +SKIP
    200
"""

from __future__ import annotations

import base64
import http.client
import os
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_DROPPED = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


@dataclass(frozen=True)
class Origin:
    """``scheme://host:port`` of a URL (the port filled in from the scheme)."""

    scheme: str
    host: str
    port: int

    @classmethod
    def of(cls, url: str) -> Origin:
        """The origin of ``url``; ``ValueError`` for anything but an ``http``/``https`` URL with a host.

        Example:
            >>> Origin.of("https://dataworks.cn-shanghai.aliyuncs.com")
            Origin(scheme='https', host='dataworks.cn-shanghai.aliyuncs.com', port=443)
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"expected an http:// or https:// URL, got {url!r}")
        return cls(parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


@dataclass(frozen=True)
class Response:
    """A whole answer: status, headers (``http.client``'s message) and body."""

    status: int
    headers: Any
    body: bytes


def proxy_for(origin: Origin, env: Mapping[str, str] | None = None) -> str | None:
    """The proxy URL a request to ``origin`` goes through, or ``None``.

    Example:
        >>> proxy_for(Origin.of("https://x.aliyuncs.com"), {"HTTPS_PROXY": "http://proxy:3128"})
        'http://proxy:3128'
        >>> proxy_for(Origin.of("http://127.0.0.1:8765"), {"HTTP_PROXY": "http://proxy:3128"}) is None
        True
    """
    environ = os.environ if env is None else env
    if origin.host in LOOPBACK:
        return None
    no_proxy = environ.get("NO_PROXY") or environ.get("no_proxy") or ""
    for entry in (e.strip().lower().lstrip(".") for e in no_proxy.split(",")):
        if entry == "*" or (entry and (origin.host == entry or origin.host.endswith("." + entry))):
            return None
    name = "HTTPS_PROXY" if origin.scheme == "https" else "HTTP_PROXY"
    return environ.get(name) or environ.get(name.lower()) or None


_tls_lock = threading.Lock()
_tls_context: ssl.SSLContext | None = None


def tls_context() -> ssl.SSLContext:
    """The process's verifying TLS context (built once: loading a CA store costs milliseconds)."""
    global _tls_context
    with _tls_lock:
        if _tls_context is None:
            bundle = os.environ.get("ALIBABA_CLOUD_CA_BUNDLE") or _certifi_bundle()
            # one CA file, as requests (and so the SDK's AcsClient) trusted: loading it costs ~20 ms of
            # CPU once per instance; without certifi, the system's store
            context = ssl.create_default_context(cafile=bundle)
            _tls_context = context
        return _tls_context


def _certifi_bundle() -> str | None:
    try:
        import certifi
    except ImportError:
        return None
    return str(certifi.where())


class KeepAliveConnection:
    """Requests to one origin over a kept-alive connection (``url``: ``http[s]://host[:port][/…]``)."""

    def __init__(self, url: str, *, timeout: float = 120.0, proxy: str | None = None) -> None:
        self.origin = Origin.of(url)
        self.timeout = timeout
        self.proxy = proxy
        self._conn: http.client.HTTPConnection | None = None
        self._used = False

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: Mapping[str, str] | None = None, *, connect_timeout: float | None = None,
                read_timeout: float | None = None) -> Response:
        """One request and its whole answer; raises ``OSError``/``http.client.HTTPException`` if it failed.

        A request that fails on a connection already used once, before any answer, is resent
        once on a new connection; any other failure closes the connection and is raised.
        """
        target = self._target(path)
        for attempt in (1, 2):
            reused = self._conn is not None and self._used
            try:
                conn = self._connection(connect_timeout)
                if conn.sock is not None:
                    conn.sock.settimeout(read_timeout if read_timeout is not None else self.timeout)
                conn.request(method, target, body=body, headers=dict(headers or {}))
                answer = conn.getresponse()
                data = answer.read()
            except _DROPPED:
                self.close()
                if reused and attempt == 1:  # the server had closed the idle connection: nothing was received
                    continue
                raise
            except BaseException:
                self.close()  # a half-read answer leaves the connection unusable
                raise
            self._used = True
            if answer.will_close:
                self.close()
            return Response(answer.status, answer.headers, data)
        raise AssertionError("unreachable")

    def _target(self, path: str) -> str:
        if self.proxy and self.origin.scheme == "http":
            return f"http://{self.origin.netloc}{path}"  # a plain-HTTP proxy takes absolute URLs
        return path

    def _connection(self, connect_timeout: float | None) -> http.client.HTTPConnection:
        if self._conn is not None:
            return self._conn
        timeout = connect_timeout if connect_timeout is not None else self.timeout
        origin = self.origin
        host, port, tunnel_headers = origin.host, origin.port, {}
        if self.proxy:
            via = urlsplit(self.proxy if "://" in self.proxy else "http://" + self.proxy)
            host, port = via.hostname or "", via.port or 80
            if via.username:
                pair = f"{unquote(via.username)}:{unquote(via.password or '')}".encode()
                tunnel_headers["Proxy-Authorization"] = "Basic " + base64.b64encode(pair).decode()
        conn: http.client.HTTPConnection
        if origin.scheme == "https":
            conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=tls_context())
            if self.proxy:
                conn.set_tunnel(origin.host, origin.port, headers=tunnel_headers)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
        conn.connect()  # with the connect timeout; each request then sets its read timeout
        self._conn, self._used = conn, False
        return conn

    def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> KeepAliveConnection:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class ConnectionPool:
    """One :class:`KeepAliveConnection` per thread and origin (a connection carries one request at a time)."""

    def __init__(self, *, timeout: float = 120.0, env: Mapping[str, str] | None = None) -> None:
        self.timeout = timeout
        self.env = env
        self._local = threading.local()

    def connection(self, url: str) -> KeepAliveConnection:
        """This thread's connection to the origin of ``url``."""
        origin = Origin.of(url)
        conns: dict[Origin, KeepAliveConnection] | None = getattr(self._local, "conns", None)
        if conns is None:
            conns = self._local.conns = {}
        conn = conns.get(origin)
        if conn is None:
            if len(conns) >= 16:
                conns.pop(next(iter(conns))).close()
            conn = conns[origin] = KeepAliveConnection(url, timeout=self.timeout,
                                                       proxy=proxy_for(origin, self.env))
        return conn

    def close(self) -> None:
        """Close the calling thread's connections."""
        conns: dict[Origin, KeepAliveConnection] = getattr(self._local, "conns", None) or {}
        for conn in conns.values():
            conn.close()
        conns.clear()
