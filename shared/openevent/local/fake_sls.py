"""A local stand-in for the SLS (Log Service) PutLogs API that checks requests like the real service.

:class:`FakeSls` is a threaded HTTP server on ``127.0.0.1`` (port chosen by the OS) that
``aliyun-log-python-sdk``'s ``LogClient.put_logs`` can talk to (endpoint ``http://127.0.0.1:<port>``;
the project is read from the ``Host`` header ``<project>.<endpoint host>`` as the real service does).
It verifies each request in this order and answers errors with the service's JSON body
(``{"errorCode", "errorMessage"}``) and an ``x-log-requestid`` header:

* ``x-log-apiversion`` present and ``0.6.0`` (400 ``MissingAPIVersion`` / ``InvalidAPIVersion``);
* ``Date`` present (400 ``MissingDate``), RFC 822 (400 ``InvalidDateFormat``), within 15 minutes
  (400 ``RequestTimeExpired``);
* ``Authorization: LOG <AccessKeyId>:<signature>`` well formed (400 ``ParameterInvalid``), key known
  (401 ``Unauthorized``), for an STS key ``x-acs-security-token`` matching (401 ``Unauthorized``);
* ``Content-MD5`` equal to the MD5 of the body as sent (400 ``InvalidContentMD5``, *inferred*);
* the signature, HMAC-SHA1 over ``VERB\\nContent-MD5\\nContent-Type\\nDate\\n`` + the sorted ``x-log-*``
  / ``x-acs-*`` headers (not ``x-log-meta-*``, not ``x-log-date``, which the SDK adds after signing)
  + the resource with its sorted query (401 ``SignatureNotMatch``);
* ``Content-Type: application/x-protobuf`` (415 ``InvalidContentType``); project and logstore exist
  (404 ``ProjectNotExist`` / ``LogStoreNotExist``);
* then injected faults (:meth:`FakeSls.fail_next`), then the body: decompressed as
  ``x-log-compresstype`` says (``lz4`` block with ``x-log-bodyrawsize``, ``deflate``, or none;
  400 ``InvalidCompressType`` / ``MissingBodyRawSize`` / ``InvalidBodyRawSize``) and decoded as the
  SDK's own ``LogGroup`` protobuf (400 ``PostBodyInvalid``).

Stored log groups are in :attr:`FakeSls.groups` and the logs, flattened, in :attr:`FakeSls.logs`.

Example:
    >>> with FakeSls(projects={"dw-audit": ["node-changes"]}) as fake:        # doctest: +SKIP
    ...     fake.fail_next(1, "WriteQuotaExceed")
    ...     ...  # LogClient(fake.endpoint, SLS_DEMO_KEY_ID, SLS_DEMO_KEY_SECRET).put_logs(...)
    ...     fake.logs[0]["audit_id"]
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from openevent.local.http_service import LocalHttpService

API_VERSION = "0.6.0"
TIME_TOLERANCE_S = 15 * 60
# A well-known, non-secret key pair the fake accepts by default (never valid anywhere else).
SLS_DEMO_KEY_ID = "OpenEventLocalSlsDemo01"
SLS_DEMO_KEY_SECRET = "local-sls-demo-secret-not-real"

# fault code -> (HTTP status, message) as the service answers them
FAULTS: dict[str, tuple[int, str]] = {
    "WriteQuotaExceed": (403, "Project write quota exceed: inflow: 1048576"),
    "ShardWriteQuotaExceed": (403, "shard write quota exceed"),
    "ServerBusy": (503, "The server is busy, please try again later."),
    "InternalServerError": (500, "Internal server error."),
}


@dataclass(frozen=True)
class SlsKey:
    key_id: str
    secret: str
    security_token: str | None = None


@dataclass(frozen=True)
class LogGroupRecord:
    """One accepted PutLogs request: where it went and what it carried."""

    project: str
    logstore: str
    topic: str
    source: str
    tags: dict[str, str]
    logs: list[dict[str, Any]]
    compress_type: str
    request_id: str


@dataclass
class _Fault:
    code: str
    count: int
    logstore: str | None = None
    after: int = 0


class _SlsError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def string_to_sign(method: str, headers: Mapping[str, str], resource: str, params: Mapping[str, str]) -> str:
    """What the SDK signs (``AuthV1.sign_request``), rebuilt from the received request.

    Example:
        >>> string_to_sign("POST", {"content-md5": "AB", "content-type": "application/x-protobuf",
        ...                          "date": "D", "x-log-apiversion": "0.6.0", "x-log-date": "D"},
        ...                "/logstores/a/shards/lb", {})
        'POST\\nAB\\napplication/x-protobuf\\nD\\nx-log-apiversion:0.6.0\\n/logstores/a/shards/lb'
    """
    lower = {k.lower(): v for k, v in headers.items()}
    text = f"{method}\n{lower.get('content-md5', '')}\n{lower.get('content-type', '')}\n{lower.get('date', '')}\n"
    for key in sorted(lower):
        if (key.startswith("x-acs-") or key.startswith("x-log-")) and not key.startswith("x-log-meta-") \
                and key != "x-log-date":
            text += f"{key}:{lower[key]}\n"
    if params:
        resource += "?" + "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    return text + resource


def sign(text: str, secret: str) -> str:
    """Base64 HMAC-SHA1 of ``text`` with ``secret`` (the signature in ``Authorization: LOG id:sig``)."""
    return base64.b64encode(hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()).decode()


class FakeSls(LocalHttpService):
    """The fake service. Use as a context manager, or ``start()``/``stop()``.

    ``projects`` maps project names to their logstores; ``now`` (epoch seconds) is what ``Date`` is
    checked against.
    """

    def __init__(self, *, projects: Mapping[str, Iterable[str]] | None = None, keys: Iterable[SlsKey] | None = None,
                 host: str = "127.0.0.1", port: int = 0, now: Callable[[], float] = time.time) -> None:
        super().__init__(host, port)
        self.projects = {p: set(stores) for p, stores in (projects or {"openevent-audit": ["audit"]}).items()}
        self._keys = {k.key_id: k for k in (keys or [SlsKey(SLS_DEMO_KEY_ID, SLS_DEMO_KEY_SECRET)])}
        self.now = now
        self._lock = threading.Lock()
        self._faults: list[_Fault] = []
        self._groups: list[LogGroupRecord] = []
        self.rejected: list[tuple[int, str]] = []

    service_name = "fake-sls"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _handler_for(self)

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:<port>`` — the ``sinks.sls.endpoint`` value."""
        return self.url

    # -- configuration and inspection
    def add_key(self, key_id: str, secret: str, security_token: str | None = None) -> SlsKey:
        key = SlsKey(key_id, secret, security_token)
        with self._lock:
            self._keys[key_id] = key
        return key

    def fail_next(self, count: int = 1, code: str = "WriteQuotaExceed", *, logstore: str | None = None,
                  after: int = 0) -> None:
        """Answer ``count`` authenticated PutLogs (to ``logstore``, or any) with error ``code``, once ``after``
        more requests have been accepted."""
        if code not in FAULTS:
            raise ValueError(f"unknown fault {code!r}; known: {', '.join(FAULTS)}")
        with self._lock:
            self._faults.append(_Fault(code, count, logstore, after))

    @property
    def groups(self) -> list[LogGroupRecord]:
        with self._lock:
            return list(self._groups)

    @property
    def logs(self) -> list[dict[str, Any]]:
        """Every stored log: its contents plus ``__topic__``, ``__source__``, ``__time__`` and ``__tag__:*``."""
        out = []
        for group in self.groups:
            for log in group.logs:
                row = {"__topic__": group.topic, "__source__": group.source, "__time__": log["time"],
                       "__project__": group.project, "__logstore__": group.logstore}
                row.update({f"__tag__:{k}": v for k, v in group.tags.items()})
                row.update(log["contents"])
                out.append(row)
        return out

    # -- request processing (handler threads)
    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> tuple[int, bytes, str]:
        request_id = uuid.uuid4().hex.upper()[:24]
        try:
            self._process(method, path, {k.lower(): v for k, v in headers.items()}, body, request_id)
        except _SlsError as err:
            with self._lock:
                self.rejected.append((err.status, err.code))
            payload = json.dumps({"errorCode": err.code, "errorMessage": err.message}).encode()
            return err.status, payload, request_id
        return 200, b"", request_id

    def _process(self, method: str, path: str, headers: dict[str, str], body: bytes, request_id: str) -> None:
        parts = urlsplit(path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        self._check_common(headers)
        self._authenticate(method, parts.path, params, headers, body)
        segments = [s for s in parts.path.split("/") if s]
        if method != "POST" or len(segments) != 4 or segments[0] != "logstores" or segments[2] != "shards":
            raise _SlsError(404, "InvalidAction", f"{method} {parts.path} is not supported by the fake")
        if headers.get("content-type") != "application/x-protobuf":
            raise _SlsError(415, "InvalidContentType", f"Content-Type {headers.get('content-type')} is unsupported.")
        project = headers.get("host", "").split(".", 1)[0]
        logstore = segments[1]
        if project not in self.projects:
            raise _SlsError(404, "ProjectNotExist", f"The Project does not exist : {project}")
        if logstore not in self.projects[project]:
            raise _SlsError(404, "LogStoreNotExist", f"logstore {logstore} does not exist")
        self._inject_fault(logstore)
        raw, compress = self._decompress(headers, body)
        self._store(project, logstore, raw, compress, request_id)

    def _check_common(self, headers: dict[str, str]) -> None:
        version = headers.get("x-log-apiversion")
        if version is None:
            raise _SlsError(400, "MissingAPIVersion", "x-log-apiversion does not exist in http header.")
        if version != API_VERSION:
            raise _SlsError(400, "InvalidAPIVersion", f"x-log-apiversion {version} is unsupported.")
        date = headers.get("date") or headers.get("x-log-date")
        if not date:
            raise _SlsError(400, "MissingDate", "Date does not exist in http header.")
        try:
            sent = parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError):
            raise _SlsError(400, "InvalidDateFormat", f"Date {date} must follow RFC822.") from None
        if abs(self.now() - sent) > TIME_TOLERANCE_S:
            raise _SlsError(400, "RequestTimeExpired",
                            f"Request time {date} has been expired while server time is "
                            f"{time.strftime('%a, %d %b %Y %H:%M:%S GMT', time.gmtime(self.now()))}.")

    def _authenticate(self, method: str, resource: str, params: dict[str, str], headers: dict[str, str],
                      body: bytes) -> None:
        auth = headers.get("authorization", "")
        scheme, _, credential = auth.partition(" ")
        key_id, sep, signature = credential.partition(":")
        if scheme != "LOG" or not sep or not key_id or not signature:
            raise _SlsError(400, "ParameterInvalid", "Http extend authorization : authorization pair is invalid.")
        with self._lock:
            key = self._keys.get(key_id)
        if key is None:
            raise _SlsError(401, "Unauthorized", f"AccessKeyId not found: {key_id}")
        if key.security_token is not None and headers.get("x-acs-security-token") != key.security_token:
            raise _SlsError(401, "Unauthorized", "The security token you provided is invalid.")
        if body and headers.get("content-md5", "").upper() != hashlib.md5(body).hexdigest().upper():
            raise _SlsError(400, "InvalidContentMD5", "The Content-MD5 you specified is not valid.")
        expected = sign(string_to_sign(method, headers, resource, params), key.secret)
        if not hmac.compare_digest(expected, signature):
            raise _SlsError(401, "SignatureNotMatch", f"Signature {signature} not matched.")

    def _inject_fault(self, logstore: str) -> None:
        with self._lock:
            for fault in self._faults:
                if fault.count > 0 and fault.logstore in (None, logstore):
                    if fault.after > 0:
                        fault.after -= 1
                        continue
                    fault.count -= 1
                    status, message = FAULTS[fault.code]
                    raise _SlsError(status, fault.code, message)

    @staticmethod
    def _decompress(headers: dict[str, str], body: bytes) -> tuple[bytes, str]:
        kind = headers.get("x-log-compresstype", "")
        raw_size = headers.get("x-log-bodyrawsize")
        if kind == "":
            return body, "none"
        if kind not in ("lz4", "deflate"):
            raise _SlsError(400, "InvalidCompressType", f"x-log-compresstype {kind} is unsupported.")
        if raw_size is None:
            raise _SlsError(400, "MissingBodyRawSize", "x-log-bodyrawsize does not exist in header when it is "
                                                       "necessary.")
        if not raw_size.isdigit():
            raise _SlsError(400, "InvalidBodyRawSize", "x-log-bodyrawsize is invalid.")
        try:
            if kind == "lz4":
                import lz4.block  # type: ignore[import-untyped]

                raw: bytes = lz4.block.decompress(body, uncompressed_size=int(raw_size))
            else:
                raw = zlib.decompress(body)
        except Exception:
            raise _SlsError(400, "PostBodyInvalid", f"the body cannot be decompressed as {kind}") from None
        if len(raw) != int(raw_size):
            raise _SlsError(400, "InvalidBodyRawSize", "x-log-bodyrawsize is invalid.")
        return raw, kind

    def _store(self, project: str, logstore: str, raw: bytes, compress: str, request_id: str) -> None:
        from aliyun.log.log_logs_raw_pb2 import LogGroupRaw  # type: ignore[attr-defined]
        from google.protobuf.message import DecodeError  # type: ignore[import-untyped]

        group = LogGroupRaw()
        try:
            group.ParseFromString(raw)
            logs = [{"time": log.Time, "contents": {c.Key: c.Value.decode("utf-8") for c in log.Contents}}
                    for log in group.Logs]
        except (DecodeError, UnicodeDecodeError):
            raise _SlsError(400, "PostBodyInvalid", "The request body is not a valid LogGroup.") from None
        if not logs:
            raise _SlsError(400, "PostBodyInvalid", "The LogGroup has no logs.")
        record = LogGroupRecord(project=project, logstore=logstore, topic=group.Topic, source=group.Source,
                                tags={t.Key: t.Value for t in group.LogTags}, logs=logs, compress_type=compress,
                                request_id=request_id)
        with self._lock:
            self._groups.append(record)


def _handler_for(fake: FakeSls) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, payload, request_id = fake.handle(self.command, self.path, dict(self.headers.items()), body)
            self.send_response(status)
            self.send_header("x-log-requestid", request_id)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_POST = _serve
        do_GET = _serve
        do_PUT = _serve
        do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


__all__ = ["FAULTS", "SLS_DEMO_KEY_ID", "SLS_DEMO_KEY_SECRET", "FakeSls", "LogGroupRecord", "SlsKey",
           "sign", "string_to_sign"]
