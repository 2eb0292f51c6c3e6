"""A local stand-in for the FC 2.0 invoke API (``2016-08-15``) that runs real handlers in-process.

It answers ``POST /2016-08-15/services/<service>[.<qualifier>]/functions/<function>/invocations`` as FC
does for the ``fc2`` SDK:

* verifies the request exactly as ``fc2/auth.py`` signs it: ``authorization: FC <AccessKeyID>:<sig>``,
  sig = base64(HMAC-SHA256(secret, METHOD\\nContent-MD5\\nContent-Type\\nDate\\n<x-fc-* headers><path>)),
  the ``date`` header's freshness (15 minutes) and the ``x-fc-security-token`` header when a token is
  configured; failures are JSON ``{"ErrorCode", "ErrorMessage"}`` bodies with FC's 4xx statuses
  (``MissingRequiredHeader``, ``InvalidAccessKeyID``, ``SignatureNotMatch``, ``RequestTimeTooSkewed``,
  ``InvalidSecurityToken``, ``ServiceNotFound``, ``FunctionNotFound``) and an ``X-Fc-Request-Id``;
* calls the function's ``handler(event_bytes, context)`` with a
  :class:`~openevent.runtime.context.LocalContext`; a sync call answers 200 with the JSON result, an
  exception answers 200 with ``X-Fc-Error-Type: UnhandledInvocationError`` and
  ``{"errorMessage", "errorType", "stackTrace"}``; ``x-fc-invocation-type: Async`` answers 202 at once
  and runs the handler on a thread (see :meth:`FakeFunctionCompute.wait_async`).

Functions are given as folders holding ``index.py`` (``functions/<name>`` or ``build/<name>``) or as
callables. Every invocation is recorded in :attr:`FakeFunctionCompute.invocations`.

Example:
    >>> with FakeFunctionCompute({"svc/echo": lambda event, context: {"got": len(event)}}) as fake:
    ...     fake.endpoint.startswith("http://127.0.0.1:")
    True
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import hmac
import importlib.util
import json
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from openevent.runtime.context import LocalContext
from openevent.runtime.redact import register_secret

API_VERSION = "2016-08-15"
DATE_SKEW_S = 15 * 60
Handler = Callable[[bytes, Any], Any]


@dataclass
class Invocation:
    """One invocation as the fake ran it."""

    service: str
    qualifier: str | None
    function: str
    asynchronous: bool
    request_id: str
    event: bytes
    result: Any = None
    error: str | None = None


class _FcError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def fc_signature(secret: str, method: str, path: str, headers: Mapping[str, str],
                 queries: Mapping[str, str] | None = None) -> str:
    """The signature part of ``authorization: FC <id>:<signature>``, as ``fc2.auth.Auth`` computes it.

    Example:
        >>> fc_signature("s", "POST", "/2016-08-15/services/a/functions/b/invocations",
        ...              {"date": "Thu, 01 Jan 2026 00:00:00 GMT", "content-type": "application/json"})
        '3fEDi1+URYE3p9BNPaJVsvo2TrXpci54jwXkNAJ+Q9g='
    """
    lower = {k.lower(): v for k, v in headers.items()}
    fc_headers = sorted((k, v) for k, v in lower.items() if k.startswith("x-fc-"))
    canonical_headers = "".join(f"{k}:{v}\n" for k, v in fc_headers)
    resource = path
    if queries:
        resource = path + "\n" + "\n".join(sorted(f"{k}={v}" for k, v in queries.items()))
    string_to_sign = "\n".join([method.upper(), lower.get("content-md5", ""), lower.get("content-type", ""),
                                lower.get("date", ""), canonical_headers + resource])
    digest = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def load_handler(folder: str | Path) -> Handler:
    """``handler`` from ``<folder>/index.py``, imported under a module name unique to the folder."""
    path = Path(folder).resolve() / "index.py"
    name = "openevent_fake_fc_" + hashlib.sha1(str(path).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handler: Handler = module.handler
    return handler


class FakeFunctionCompute:
    """FC's invoke endpoint on ``127.0.0.1`` (port chosen by the OS) for ``{"service/function": target}``."""

    def __init__(self, functions: Mapping[str, Handler | str | Path], *,
                 access_key_id: str = "fake-access-key-id", access_key_secret: str = "fake-secret",
                 security_token: str | None = None, region: str = "cn-hangzhou",
                 account_id: str = "1234567890123456", timeout_s: int = 15) -> None:
        self.access_key_id = access_key_id
        self._secret = access_key_secret
        self._token = security_token
        register_secret(access_key_secret)
        register_secret(security_token)
        self.region, self.account_id, self.timeout_s = region, account_id, timeout_s
        self._targets = dict(functions)
        self._handlers: dict[str, Handler] = {}
        self.invocations: list[Invocation] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle ---
    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeFunctionCompute is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeFunctionCompute:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._serve(self)

            def do_GET(self) -> None:
                fake._serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="fake-fc", daemon=True).start()
        return self

    def stop(self) -> None:
        self.wait_async()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeFunctionCompute:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_async(self, timeout_s: float = 30) -> None:
        """Wait for the async invocations started so far to finish."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout_s)

    # --- request handling ---
    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        request_id = str(uuid.uuid4())
        length = int(request.headers.get("content-length") or 0)
        body = request.rfile.read(length) if length else b""
        try:
            status, headers, payload = self._handle(request, body, request_id)
        except _FcError as exc:
            status, headers = exc.status, {"Content-Type": "application/json"}
            payload = json.dumps({"ErrorCode": exc.code, "ErrorMessage": exc.message}).encode()
        request.send_response(status)
        for key, value in {"X-Fc-Request-Id": request_id, **headers}.items():
            request.send_header(key, value)
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    def _handle(self, request: BaseHTTPRequestHandler, body: bytes,
                request_id: str) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(request.path)
        path = unquote(url.path)
        self._authenticate(request.command, path, dict(parse_qsl(url.query)), request.headers)
        parts = path.strip("/").split("/")
        if (request.command != "POST" or len(parts) != 6 or parts[0] != API_VERSION or parts[1] != "services"
                or parts[3] != "functions" or parts[5] != "invocations"):
            raise _FcError(404, "PathNotSupported", f"{request.command} {path} is not supported by this fake")
        service, _, qualifier = parts[2].partition(".")
        function = parts[4]
        handler = self._handler_for(service, function)
        invocation = Invocation(service, qualifier or None, function,
                                request.headers.get("x-fc-invocation-type", "Sync").lower() == "async",
                                request_id, body)
        with self._lock:
            self.invocations.append(invocation)
        context = LocalContext(function_name=function, region=self.region, account_id=self.account_id,
                               timeout_s=self.timeout_s, request_id=request_id)
        if invocation.asynchronous:
            thread = threading.Thread(target=self._run, args=(handler, invocation, context), daemon=True)
            with self._lock:
                self._threads.append(thread)
            thread.start()
            return 202, {}, b""
        error = self._run(handler, invocation, context)
        if error is not None:
            return 200, {"Content-Type": "application/json", "X-Fc-Error-Type": "UnhandledInvocationError"}, error
        return 200, {"Content-Type": "application/json"}, _encode(invocation.result)

    def _run(self, handler: Handler, invocation: Invocation, context: LocalContext) -> bytes | None:
        try:
            invocation.result = handler(invocation.event, context)
            return None
        except Exception as exc:
            invocation.error = f"{type(exc).__name__}: {exc}"
            return json.dumps({"errorMessage": str(exc), "errorType": type(exc).__name__,
                               "stackTrace": traceback.format_exception(type(exc), exc, exc.__traceback__)
                               }).encode()

    def _authenticate(self, method: str, path: str, queries: dict[str, str], headers: Any) -> None:
        for name in ("date", "authorization"):
            if not headers.get(name):
                raise _FcError(400, "MissingRequiredHeader", f"The request header '{name}' is missing.")
        scheme, _, credential = str(headers["authorization"]).partition(" ")
        key_id, _, signature = credential.rpartition(":")
        if scheme != "FC" or not key_id:
            raise _FcError(400, "InvalidArgument", "The authorization header must be 'FC <AccessKeyID>:<Signature>'.")
        if key_id != self.access_key_id:
            raise _FcError(403, "InvalidAccessKeyID", f"The access key id {key_id} is invalid.")
        try:
            sent: float | None = email.utils.parsedate_to_datetime(headers["date"]).timestamp()
        except (TypeError, ValueError):
            sent = None
        if sent is None or abs(time.time() - sent) > DATE_SKEW_S:
            raise _FcError(403, "RequestTimeTooSkewed",
                           "The difference between the request time and the current time is too large.")
        if self._token is not None and headers.get("x-fc-security-token") != self._token:
            raise _FcError(403, "InvalidSecurityToken", "The security token is missing or invalid.")
        header_map = {k.lower(): v for k, v in headers.items()}
        expected = fc_signature(self._secret, method, path, header_map, queries or None)
        if not hmac.compare_digest(expected, signature):
            raise _FcError(403, "SignatureNotMatch",
                           "The request signature we calculated does not match the signature you provided. "
                           "Check your access key and signing method.")

    def _handler_for(self, service: str, function: str) -> Handler:
        key = f"{service}/{function}"
        with self._lock:
            if key in self._handlers:
                return self._handlers[key]
            if key not in self._targets:
                if not any(k.split("/", 1)[0] == service for k in self._targets):
                    raise _FcError(404, "ServiceNotFound", f"service '{service}' does not exist")
                raise _FcError(404, "FunctionNotFound",
                               f"function '{function}' does not exist in service '{service}'")
            target = self._targets[key]
            handler = target if callable(target) else load_handler(target)
            self._handlers[key] = handler
            return handler


def _encode(result: Any) -> bytes:
    if result is None:
        return b""
    if isinstance(result, bytes):
        return result
    if isinstance(result, str):
        return result.encode()
    return json.dumps(result, ensure_ascii=False, default=str).encode()
