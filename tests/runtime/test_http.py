"""The kept-alive HTTP connection the DataWorks client and the chat channels send with."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fixtures.hung_server import HungServer
from openevent.runtime.http import ConnectionPool, KeepAliveConnection, Origin, proxy_for


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[tuple[int, str, str]] = []  # (client port, request line target, Host header)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append((self.client_address[1], self.path, self.headers.get("Host") or ""))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_requests_share_one_connection(server: _Server) -> None:
    with KeepAliveConnection(server.url) as conn:
        answers = [conn.request("POST", "/a", b"1"), conn.request("POST", "/b", b"2")]

    assert [(a.status, a.body) for a in answers] == [(200, b"ok"), (200, b"ok")]
    assert len({port for port, _, _ in server.seen}) == 1


def test_a_silent_server_is_a_timeout_after_the_read_timeout_not_the_connection_timeout() -> None:
    with HungServer() as hung, KeepAliveConnection(f"http://127.0.0.1:{hung.port}", timeout=30) as conn:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            conn.request("POST", "/", b"{}", connect_timeout=1.0, read_timeout=0.3)
        took = time.monotonic() - started

    assert took < 10  # far below the 30 s default: the request's own read timeout applied


def test_a_plain_http_proxy_gets_absolute_urls_and_the_origin_host(server: _Server) -> None:
    with KeepAliveConnection("http://upstream.example:8080", proxy=server.url) as conn:
        conn.request("POST", "/hook?x=1", b"{}")

    assert server.seen[0][1:] == ("http://upstream.example:8080/hook?x=1", "upstream.example:8080")


def test_each_thread_gets_its_own_connection_from_the_pool(server: _Server) -> None:
    pool = ConnectionPool()
    mine = pool.connection(server.url)
    other: list[KeepAliveConnection] = []
    thread = threading.Thread(target=lambda: other.append(pool.connection(server.url)))
    thread.start()
    thread.join()

    assert pool.connection(server.url + "/another/path") is mine
    assert other[0] is not mine


@pytest.mark.parametrize(("url", "env", "expected"), [
    ("https://dataworks.cn-shanghai.aliyuncs.com", {"HTTPS_PROXY": "http://p:3128"}, "http://p:3128"),
    ("https://dataworks.cn-shanghai.aliyuncs.com", {"https_proxy": "http://p:3128"}, "http://p:3128"),
    ("https://dataworks.cn-shanghai.aliyuncs.com", {"HTTP_PROXY": "http://p:3128"}, None),
    ("http://hooks.example.com", {"HTTP_PROXY": "http://p:3128"}, "http://p:3128"),
    ("https://dataworks.cn-shanghai.aliyuncs.com", {"HTTPS_PROXY": "http://p", "NO_PROXY": ".aliyuncs.com"}, None),
    ("https://oapi.dingtalk.com", {"HTTPS_PROXY": "http://p", "NO_PROXY": "aliyuncs.com, dingtalk.com"}, None),
    ("https://oapi.dingtalk.com", {"HTTPS_PROXY": "http://p", "NO_PROXY": "*"}, None),
    ("http://127.0.0.1:8765", {"HTTP_PROXY": "http://p:3128"}, None),
])
def test_proxies_come_from_the_environment_except_for_loopback_and_no_proxy(
        url: str, env: dict[str, str], expected: str | None) -> None:
    assert proxy_for(Origin.of(url), env) == expected


def test_only_http_and_https_urls_with_a_host_are_accepted() -> None:
    for bad in ("ftp://x", "file:///etc/passwd", "http://", "127.0.0.1:80"):
        with pytest.raises(ValueError, match="expected an http"):
            Origin.of(bad)


def test_https_verifies_hostnames_against_the_certifi_bundle_as_requests_did() -> None:
    import ssl

    import certifi

    from openevent.runtime import http

    http._tls_context = None
    context = http.tls_context()
    bundle = ssl.create_default_context(cafile=certifi.where()).cert_store_stats()["x509_ca"]

    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == bundle > 100
