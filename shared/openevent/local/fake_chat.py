"""Vendor-faithful local chat webhooks: DingTalk, Feishu/Lark, WeCom, Slack and a generic sink.

:class:`FakeChat` is one threaded HTTP server on ``127.0.0.1`` (port chosen by the OS) serving
the vendors' paths. Robots are registered with their security settings; every request is
checked the way the vendor does and answered with the vendor's exact body — for the Chinese
vendors **HTTP 200 with a non-zero code** — so a client that only looks at the status fails
the tests that use it:

* DingTalk ``POST /robot/send?access_token=…``: GET → 43002, wrong Content-Type → 43004, no
  token → 40035, unknown token → 300005; with a secret ``timestamp`` (ms) and ``sign`` in the
  query, timestamp more than 1 hour off → 310000 ``invalid timestamp``, sign compared after one
  URL-decode with ``base64(HMAC-SHA256(secret, ts+"\\n"+secret))`` → 310000 ``sign not match``
  (a double-encoded sign fails); keywords → 310000 ``keywords not in content``; more than 20
  messages a minute → 130101 and the robot stays throttled for 10 minutes; body over 20,000
  bytes → ``message too long`` (errcode 460101, a sentinel: the real code is undocumented).
* Feishu/Lark ``POST /open-apis/bot/v2/hook/{token}``: unknown → 19001; over 20 KB or bad
  JSON → 9499 ``Bad Request`` (HTTP 400); ``timestamp`` (s) / ``sign`` in the body,
  ``base64(HMAC-SHA256(key=ts+"\\n"+secret, msg=""))``, 1 hour window → 19021; keyword →
  19024; over 5/s or 100/min → 11232 ``frequency limited``; ``interactive`` needs ``card``.
* WeCom ``POST /cgi-bin/webhook/send?key=…``: unknown key → 93000; over 20/min → 45009;
  text over 2,048 / markdown over 4,096 bytes → 40058 (sentinel: undocumented).
* Slack ``POST /services/…``: unknown → 404 ``no_service``; bad JSON → 400
  ``invalid_payload``; neither text nor blocks → 400 ``no_text``; over 50 blocks, a section
  over 3,000 or a header over 150 chars → 400 ``invalid_blocks``; over ``slack_burst``
  messages in one second → 429 ``rate_limited`` with ``Retry-After: 1``; success 200 ``ok``.
* Generic ``POST /hooks/{name}``: with a secret both ``X-Openevent-Signature`` (5-minute
  window) and ``X-Hub-Signature-256`` must verify, else 401; success 200 ``{"status":"ok"}``.

Accepted messages are recorded (:meth:`FakeChat.received`); ``GET /_inbox`` lists them as JSON
(the "webhook inbox" of the local demo). :meth:`FakeChat.fail_next` makes the next N requests
to a robot throttled (the vendor's throttling answer) or fail with HTTP 502. The clock is
injectable so signature windows and rate limits can be tested on a fake clock.

Example:
    >>> with FakeChat() as chat:                                       # doctest: +SKIP
    ...     url = chat.dingtalk_robot("tok", secret="SEC123")
    ...     chat.fail_next("tok", 1, "throttle")
    ...     # … send to url …
    ...     chat.received("tok")[0].body["msgtype"]
    'markdown'
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from openevent.local.http_service import LocalHttpService

Vendor = Literal["dingtalk", "feishu", "wecom", "slack", "webhook"]
Fault = Literal["throttle", "server_error"]

DINGTALK_MAX_BYTES = 20_000
DINGTALK_PER_MINUTE = 20
DINGTALK_THROTTLE_S = 600
FEISHU_MAX_BYTES = 20 * 1024
FEISHU_PER_SECOND, FEISHU_PER_MINUTE = 5, 100
WECOM_PER_MINUTE = 20
WECOM_TEXT_MAX, WECOM_MARKDOWN_MAX = 2048, 4096
SLACK_SECTION_MAX, SLACK_HEADER_MAX, SLACK_MAX_BLOCKS = 3000, 150, 50
WEBHOOK_TOLERANCE_S = 300

DINGTALK_OK = {"errcode": 0, "errmsg": "ok"}
FEISHU_OK = {"code": 0, "msg": "success", "data": {}, "Extra": None,
             "StatusCode": 0, "StatusMessage": "success"}
WECOM_OK = {"errcode": 0, "errmsg": "ok"}


@dataclass(frozen=True)
class Received:
    """One accepted message."""

    vendor: Vendor
    target: str
    body: Any
    raw: bytes
    headers: dict[str, str]
    query: dict[str, str]
    at: float


@dataclass
class _Robot:
    vendor: Vendor
    target: str
    secret: str | None = None
    keywords: tuple[str, ...] = ()
    accepted: list[Received] = field(default_factory=list)
    window: deque[float] = field(default_factory=deque)
    faults: deque[Fault] = field(default_factory=deque)
    throttled_until: float = 0.0
    requests: int = 0


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


def _json(status: int, body: Any) -> _Answer:
    return _Answer(status, json.dumps(body, ensure_ascii=False).encode("utf-8"))


def _plain(status: int, text: str, headers: tuple[tuple[str, str], ...] = ()) -> _Answer:
    return _Answer(status, text.encode("utf-8"), "text/html", headers)


class FakeChat(LocalHttpService):
    """The fake chat vendors; use as a context manager or call :meth:`start` / :meth:`stop`."""

    def __init__(self, *, clock: Callable[[], float] = time.time, slack_burst: int = 3) -> None:
        super().__init__()
        self.clock = clock
        self.slack_burst = slack_burst
        self._robots: dict[tuple[Vendor, str], _Robot] = {}
        self._lock = threading.Lock()

    service_name = "fake-chat"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(_Handler):
            chat = fake

        return Handler

    @property
    def base_url(self) -> str:
        return self.url

    # -- robots ----------------------------------------------------------------------------
    def _add(self, vendor: Vendor, target: str, secret: str | None, keywords: Iterable[str]) -> None:
        with self._lock:
            self._robots[(vendor, target)] = _Robot(vendor, target, secret, tuple(keywords))

    def dingtalk_robot(self, token: str, *, secret: str | None = None, keywords: Iterable[str] = ()) -> str:
        """Register a DingTalk robot; returns its webhook URL."""
        self._add("dingtalk", token, secret, keywords)
        return f"{self.base_url}/robot/send?access_token={token}"

    def feishu_bot(self, token: str, *, secret: str | None = None, keywords: Iterable[str] = ()) -> str:
        """Register a Feishu/Lark custom bot; returns its webhook URL."""
        self._add("feishu", token, secret, keywords)
        return f"{self.base_url}/open-apis/bot/v2/hook/{token}"

    def wecom_robot(self, key: str) -> str:
        """Register a WeCom group robot; returns its webhook URL."""
        self._add("wecom", key, None, ())
        return f"{self.base_url}/cgi-bin/webhook/send?key={key}"

    def slack_hook(self, path: str = "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX") -> str:
        """Register a Slack incoming webhook (``path`` after ``/services/``); returns its URL."""
        self._add("slack", path, None, ())
        return f"{self.base_url}/services/{path}"

    def webhook_sink(self, name: str, *, secret: str | None = None) -> str:
        """Register a generic JSON webhook endpoint; returns its URL."""
        self._add("webhook", name, secret, ())
        return f"{self.base_url}/hooks/{name}"

    def fail_next(self, target: str, count: int = 1, fault: Fault = "throttle") -> None:
        """The next ``count`` requests to ``target`` get the vendor's throttling answer or HTTP 502."""
        with self._lock:
            for robot in self._robots.values():
                if robot.target == target:
                    robot.faults.extend([fault] * count)

    def received(self, target: str | None = None) -> list[Received]:
        """Accepted messages (all, or those of one robot), oldest first."""
        with self._lock:
            out = [m for r in self._robots.values() if target in (None, r.target) for m in r.accepted]
        return sorted(out, key=lambda m: m.at)

    def request_count(self, target: str) -> int:
        """Requests that reached ``target`` (accepted or not)."""
        with self._lock:
            return sum(r.requests for r in self._robots.values() if r.target == target)

    # -- dispatch --------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str],
               raw: bytes) -> _Answer:
        with self._lock:
            if method == "GET" and path == "/_inbox":
                return _json(200, [_inbox_row(m) for r in self._robots.values() for m in r.accepted])
            if path == "/robot/send":
                return self._dingtalk(method, query, headers, raw)
            if path.startswith("/open-apis/bot/v2/hook/"):
                return self._feishu(method, path.rsplit("/", 1)[-1], raw)
            if path == "/cgi-bin/webhook/send":
                return self._wecom(method, query, headers, raw)
            if path.startswith("/services/"):
                return self._slack(method, path[len("/services/"):], headers, raw)
            if path.startswith("/hooks/"):
                return self._webhook(method, path[len("/hooks/"):], query, headers, raw)
            return _plain(404, "not found")

    def _robot(self, vendor: Vendor, target: str | None) -> _Robot | None:
        robot = self._robots.get((vendor, target or ""))
        if robot is not None:
            robot.requests += 1
        return robot

    def _accept(self, robot: _Robot, body: Any, raw: bytes, headers: dict[str, str],
                query: dict[str, str]) -> None:
        now = self.clock()
        robot.window.append(now)
        robot.accepted.append(Received(robot.vendor, robot.target, body, raw, headers, query, now))

    def _in_window(self, robot: _Robot, seconds: float) -> int:
        now = self.clock()
        return sum(1 for t in robot.window if now - t < seconds)

    # -- DingTalk --------------------------------------------------------------------------
    def _dingtalk(self, method: str, query: dict[str, str], headers: dict[str, str], raw: bytes) -> _Answer:
        if method != "POST":
            return _json(200, {"errcode": 43002, "errmsg": "需要POST请求"})
        token = query.get("access_token")
        if not token:
            return _json(200, {"errcode": 40035, "errmsg": "缺少参数 access_token"})
        robot = self._robot("dingtalk", token)
        if robot is None:
            return _json(200, {"errcode": 300005, "errmsg": "token is not exist"})
        if "json" not in headers.get("content-type", ""):
            return _json(200, {"errcode": 43004, "errmsg": "无效的HTTP HEADER Content-Type"})
        if robot.faults:
            if robot.faults.popleft() == "server_error":
                return _plain(502, "<html><body>502 Bad Gateway</body></html>")
            return _json(200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
        if robot.secret:
            ts, sign = query.get("timestamp", ""), query.get("sign", "")
            if not ts.isdigit() or abs(self.clock() * 1000 - int(ts)) > 3_600_000:
                return _json(200, {"errcode": 310000, "errmsg": "invalid timestamp"})
            to_sign = f"{ts}\n{robot.secret}".encode()
            digest = hmac.new(robot.secret.encode(), to_sign, hashlib.sha256).digest()
            if not hmac.compare_digest(base64.b64encode(digest).decode(), sign):
                return _json(200, {"errcode": 310000, "errmsg": "sign not match"})
        if len(raw) > DINGTALK_MAX_BYTES:
            return _json(200, {"errcode": 460101,
                               "errmsg": f"message too long, exceed {DINGTALK_MAX_BYTES} bytes"})
        body = _loads(raw)
        msgtype = body.get("msgtype") if isinstance(body, dict) else None
        if msgtype not in ("text", "markdown", "actionCard", "link", "feedCard"):
            return _json(200, {"errcode": 400105, "errmsg": "不支持的消息类型"})
        assert isinstance(body, dict)
        if robot.keywords:
            inner = body.get(msgtype) or {}
            searched = " ".join(str(inner.get(k, "")) for k in ("content", "text", "title"))
            if not any(k in searched for k in robot.keywords):
                return _json(200, {"errcode": 310000, "errmsg": "keywords not in content"})
        now = self.clock()
        if robot.throttled_until > now or self._in_window(robot, 60) >= DINGTALK_PER_MINUTE:
            robot.throttled_until = max(robot.throttled_until, now + DINGTALK_THROTTLE_S)
            return _json(200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
        self._accept(robot, body, raw, headers, query)
        return _json(200, DINGTALK_OK)

    # -- Feishu / Lark ---------------------------------------------------------------------
    def _feishu(self, method: str, token: str, raw: bytes) -> _Answer:
        bad_request = {"code": 9499, "msg": "Bad Request", "data": {}}
        robot = self._robot("feishu", token)
        if robot is None:
            return _json(200, {"code": 19001, "msg": "param invalid: incoming webhook access token invalid",
                               "data": {}})
        if method != "POST" or len(raw) > FEISHU_MAX_BYTES:
            return _json(400, bad_request)
        body = _loads(raw)
        if not isinstance(body, dict):
            return _json(400, bad_request)
        if robot.faults:
            if robot.faults.popleft() == "server_error":
                return _plain(502, "<html><body>502 Bad Gateway</body></html>")
            return _json(200, {"code": 11232, "data": {}, "msg": "frequency limited"})
        if robot.secret:
            ts, sign = str(body.get("timestamp", "")), str(body.get("sign", ""))
            key = f"{ts}\n{robot.secret}".encode()
            expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            if (not ts.isdigit() or abs(self.clock() - int(ts)) > 3600
                    or not hmac.compare_digest(expected, sign)):
                return _json(200, {"code": 19021, "data": {}, "msg": "sign match fail or timestamp is not "
                                   "within one hour from current time"})
        msg_type = body.get("msg_type")
        if msg_type == "interactive":
            if not isinstance(body.get("card"), dict):
                return _json(200, bad_request)
            content: Any = body["card"]
        elif msg_type in ("text", "post", "image", "share_chat"):
            content = body.get("content")
            if not isinstance(content, dict) or (msg_type == "text" and not content.get("text")):
                return _json(200, bad_request)
        else:
            return _json(200, bad_request)
        if robot.keywords:
            searched = json.dumps(content, ensure_ascii=False)
            if not any(k in searched for k in robot.keywords):
                return _json(200, {"code": 19024, "msg": "Key Words Not Found", "data": {}})
        if self._in_window(robot, 1) >= FEISHU_PER_SECOND or self._in_window(robot, 60) >= FEISHU_PER_MINUTE:
            return _json(200, {"code": 11232, "data": {},
                               "msg": "frequency limited psm[lark.oapi.app_platform_runtime]appID[1500]"})
        self._accept(robot, body, raw, {}, {})
        return _json(200, FEISHU_OK)

    # -- WeCom -----------------------------------------------------------------------------
    def _wecom(self, method: str, query: dict[str, str], headers: dict[str, str], raw: bytes) -> _Answer:
        robot = self._robot("wecom", query.get("key"))
        if robot is None or method != "POST":
            return _json(200, {"errcode": 93000, "errmsg": "invalid webhook url, hint: [fake], from ip: "
                               "127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=93000"})
        if robot.faults:
            if robot.faults.popleft() == "server_error":
                return _plain(502, "<html><body>502 Bad Gateway</body></html>")
            return _json(200, {"errcode": 45009, "errmsg": "api freq out of limit"})
        body = _loads(raw)
        msgtype = body.get("msgtype") if isinstance(body, dict) else None
        inner = body.get(msgtype) if isinstance(body, dict) and isinstance(msgtype, str) else None
        if not isinstance(inner, dict) or not isinstance(inner.get("content"), str):
            return _json(200, {"errcode": 40035, "errmsg": "Warning: wrong json format. "})
        limit = {"text": WECOM_TEXT_MAX, "markdown": WECOM_MARKDOWN_MAX}.get(str(msgtype), WECOM_MARKDOWN_MAX)
        size = len(inner["content"].encode("utf-8"))
        if size > limit:
            return _json(200, {"errcode": 40058, "errmsg": f"content exceed max length {limit}, got {size}"})
        if self._in_window(robot, 60) >= WECOM_PER_MINUTE:
            return _json(200, {"errcode": 45009, "errmsg": "api freq out of limit"})
        self._accept(robot, body, raw, headers, query)
        return _json(200, WECOM_OK)

    # -- Slack -----------------------------------------------------------------------------
    def _slack(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> _Answer:
        robot = self._robot("slack", path)
        if robot is None:
            return _plain(404, "no_service")
        if method != "POST":
            return _plain(405, "invalid_request")
        if robot.faults:
            if robot.faults.popleft() == "server_error":
                return _plain(502, "<html><body>502 Bad Gateway</body></html>")
            return _plain(429, "rate_limited", (("Retry-After", "1"),))
        body = _loads(raw)
        if not isinstance(body, dict):
            return _plain(400, "invalid_payload")
        blocks = body.get("blocks")
        if not body.get("text") and not blocks:
            return _plain(400, "no_text")
        if blocks is not None and not _valid_blocks(blocks):
            return _plain(400, "invalid_blocks")
        if self._in_window(robot, 1) >= self.slack_burst:
            return _plain(429, "rate_limited", (("Retry-After", "1"),))
        self._accept(robot, body, raw, headers, {})
        return _plain(200, "ok")

    # -- generic webhook -------------------------------------------------------------------
    def _webhook(self, method: str, name: str, query: dict[str, str], headers: dict[str, str],
                 raw: bytes) -> _Answer:
        robot = self._robot("webhook", name)
        if robot is None:
            return _json(404, {"error": "not found"})
        if robot.faults:
            if robot.faults.popleft() == "server_error":
                return _plain(502, "<html><body>502 Bad Gateway</body></html>")
            return _Answer(429, b'{"error":"slow down"}', "application/json", (("Retry-After", "2"),))
        if robot.secret and not self._webhook_signed(robot.secret, headers, raw):
            return _json(401, {"error": "bad signature"})
        body = _loads(raw)
        if body is None:
            return _json(400, {"error": "body is not JSON"})
        self._accept(robot, body, raw, headers, query)
        return _json(200, {"status": "ok"})

    def _webhook_signed(self, secret: str, headers: dict[str, str], raw: bytes) -> bool:
        parts = dict(p.split("=", 1) for p in headers.get("x-openevent-signature", "").split(",") if "=" in p)
        ts, mac = parts.get("t", ""), parts.get("v1", "")
        if not ts.isdigit() or abs(self.clock() - int(ts)) > WEBHOOK_TOLERANCE_S:
            return False
        key = secret.encode()
        ok_v1 = hmac.compare_digest(hmac.new(key, f"{ts}.".encode() + raw, hashlib.sha256).hexdigest(), mac)
        hub = "sha256=" + hmac.new(key, raw, hashlib.sha256).hexdigest()
        return ok_v1 and hmac.compare_digest(hub, headers.get("x-hub-signature-256", ""))


def _loads(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _valid_blocks(blocks: Any) -> bool:
    if not isinstance(blocks, list) or len(blocks) > SLACK_MAX_BLOCKS:
        return False
    for block in blocks:
        if not isinstance(block, dict):
            return False
        text = block.get("text")
        content = str(text.get("text", "")) if isinstance(text, dict) else ""
        if block.get("type") == "header" and len(content) > SLACK_HEADER_MAX:
            return False
        if block.get("type") == "section" and len(content) > SLACK_SECTION_MAX:
            return False
    return True


def _inbox_row(m: Received) -> dict[str, Any]:
    return {"vendor": m.vendor, "target": m.target, "at": m.at, "body": m.body}


class _Handler(BaseHTTPRequestHandler):
    chat: FakeChat
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        answer = self.chat.handle(method, parts.path, query, headers, raw)
        self.send_response(answer.status)
        self.send_header("Content-Type", f"{answer.content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(answer.body)))
        for name, value in answer.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer.body)

    def do_POST(self) -> None:
        self._serve("POST")

    def do_GET(self) -> None:
        self._serve("GET")

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        return
