"""A local stand-in for the DataWorks OpenAPI (2020-05-18) that checks requests like the real service.

:class:`FakeDataWorks` is a threaded HTTP server on ``127.0.0.1`` (port chosen by the OS) that
the real SDK can talk to (``DATAWORKS_ENDPOINT=http://127.0.0.1:<port>``). It verifies every
request the way the Alibaba Cloud RPC gateway does, in this order, answering with the gateway's
JSON error body (``RequestId``, ``HostId``, ``Code``, ``Message``, ``Recommend``):

* ``Action`` known (404 ``InvalidAction.NotFound``), ``Version`` = 2020-05-18 (400 ``InvalidVersion``),
  the common parameters present (400 ``Missing<Name>``);
* ``SignatureMethod`` HMAC-SHA1 and ``SignatureVersion`` 1.0;
* ``Timestamp`` well formed (400 ``InvalidTimeStamp.Format``) and within 15 minutes
  (400 ``InvalidTimeStamp.Expired``);
* ``AccessKeyId`` known (404 ``InvalidAccessKeyId.NotFound``); for an STS key ``SecurityToken``
  present (400 ``MissingSecurityToken``), matching (400 ``InvalidSecurityToken.MismatchWithAccessKey``)
  and not expired (400 ``InvalidSecurityToken.Expired``);
* the RPC signature (HMAC-SHA1 with ``secret + "&"`` over every query and form parameter but
  ``Signature``) — 400 ``SignatureDoesNotMatch`` with the server's string to sign, as the real
  gateway answers (the SDK turns it into ``InvalidAccessKeySecret`` when both strings agree);
* ``SignatureNonce`` not seen before (400 ``SignatureNonceUsed``);
* then injected faults, then the action: required parameters (400 ``Missing<Param>``) and values.

Answers have the real shapes (``{"RequestId", "Success", "Data"}``, ``EventDetail``, …) and read
a small :class:`World` (workspaces, nodes, instances with logs, Data Studio event details,
extension registrations for ``GetExtension`` and option values for ``GetOptionValueForProject``)
that tests and the demo may change. Every callback is recorded in :attr:`FakeDataWorks.callbacks`
and every request in :attr:`FakeDataWorks.requests` (signature and token masked). Codes of the
DataWorks business errors (unknown workspace, node, …) are not documented; those used here are
marked *inferred*.

Example:
    >>> with FakeDataWorks() as fake:                                  # doctest: +SKIP
    ...     fake.fail_next(2, "unavailable", action="CallbackExtension")
    ...     os.environ["DATAWORKS_ENDPOINT"] = fake.endpoint
    ...     send_callback("CallbackExtension", "msg-1", DEFAULT_EXTENSION_CODE, "OK")
    ...     fake.callbacks[-1].check_result
    'OK'
"""

from __future__ import annotations

import copy
import hmac
import json
import threading
import time
import uuid
from calendar import timegm
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from openevent.dataworks.signing import API_VERSION
from openevent.local.demo_keys import LOCAL_DEMO_ACCESS_KEY_ID, LOCAL_DEMO_ACCESS_KEY_SECRET
from openevent.local.fake_dataworks_world import DEFAULT_EXTENSION_CODE, World, seed_world
from openevent.local.http_service import LocalHttpService
from openevent.local.rpc_signature import percent_encode, sign, string_to_sign

TIMESTAMP_TOLERANCE_S = 15 * 60
HOST_ID = "dataworks.cn-hangzhou.aliyuncs.com"
_COMMON = (
    "Action",
    "Version",
    "AccessKeyId",
    "Signature",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
)
_MASKED = ("Signature", "SecurityToken")

# action -> required parameters (what the real API declares required; UpdateIDEEventResult declares none)
REQUIRED: dict[str, tuple[str, ...]] = {
    "CallbackExtension": ("ExtensionCode", "MessageId", "CheckResult"),
    "UpdateIDEEventResult": (),
    "UpdateWorkbenchEventResult": ("MessageId", "ExtensionCode", "CheckResult"),
    "GetProject": (),
    "GetInstance": ("InstanceId", "ProjectEnv"),
    "GetNode": ("NodeId", "ProjectEnv"),
    "GetInstanceLog": ("InstanceId", "ProjectEnv"),
    "GetIDEEventDetail": ("MessageId", "ProjectId"),
    "GetExtension": ("ExtensionCode",),
    "GetOptionValueForProject": ("ExtensionCode", "ProjectId"),
}
CALLBACK_ACTIONS = ("CallbackExtension", "UpdateIDEEventResult", "UpdateWorkbenchEventResult")


# ---------------------------------------------------------------------------------------------- keys
@dataclass
class AccessKey:
    """A key the fake accepts; with ``security_token`` it behaves as an STS key."""

    key_id: str
    secret: str
    security_token: str | None = None
    expired: bool = False


# ------------------------------------------------------------------------------------ records, faults
@dataclass(frozen=True)
class ReceivedCallback:
    """A callback the fake accepted."""

    action: str
    message_id: str
    extension_code: str
    check_result: str
    message: str
    request_id: str


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received (``Signature``/``SecurityToken`` masked) and how it was answered."""

    action: str
    params: dict[str, str]
    status: int
    code: str | None
    request_id: str


FAULT_KINDS: dict[str, tuple[int, str, str]] = {
    "unavailable": (
        503,
        "ServiceUnavailable",
        "The request has failed due to a temporary failure of the server.",
    ),
    "internal": (500, "InternalError", "The request processing has failed due to some unknown error."),
    "throttle": (400, "Throttling.User", "Request was denied due to user flow control."),
    "forbidden": (403, "Forbidden.Access", "You are not authorized to perform this operation."),
    "unsuccessful": (200, "Unsuccessful", "The operation did not succeed."),
}


@dataclass
class Fault:
    """The next ``remaining`` matching requests fail as ``kind`` ("slow": delayed by ``delay_s``)."""

    kind: str
    remaining: int
    action: str | None = None
    delay_s: float = 0.0
    code: str | None = None
    message: str | None = None
    status: int | None = None


class _ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message


# ------------------------------------------------------------------------------------------- server
class FakeDataWorks(LocalHttpService):
    """The fake service. Use as a context manager, or ``start()``/``stop()``.

    ``now`` (epoch seconds) is what ``Timestamp`` is checked against; tests may replace it.
    """

    def __init__(
        self,
        *,
        world: World | None = None,
        keys: Iterable[AccessKey] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        now: Callable[[], float] = time.time,
        region: str = "cn-hangzhou",
    ) -> None:
        super().__init__(host, port)
        self.world = world or seed_world()
        self._keys: dict[str, AccessKey] = {}
        for key in keys or [AccessKey(LOCAL_DEMO_ACCESS_KEY_ID, LOCAL_DEMO_ACCESS_KEY_SECRET)]:
            self._keys[key.key_id] = key
        self.now = now
        self.region = region
        self._lock = threading.Lock()
        self._nonces: dict[str, float] = {}
        self._faults: list[Fault] = []
        self._callbacks: list[ReceivedCallback] = []
        self._requests: list[RecordedRequest] = []
        self._stopping = threading.Event()

    service_name = "fake-dataworks"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _handler_for(self)

    def stop(self) -> None:
        self._stopping.set()
        super().stop()

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:<port>`` — the value for ``DATAWORKS_ENDPOINT``."""
        return self.url

    # -- configuration
    def add_key(self, key_id: str, secret: str, security_token: str | None = None) -> AccessKey:
        """Accept another key (an STS key when ``security_token`` is given)."""
        key = AccessKey(key_id, secret, security_token)
        with self._lock:
            self._keys[key_id] = key
        return key

    def expire_key(self, key_id: str) -> None:
        """Make an STS key's token expired."""
        with self._lock:
            self._keys[key_id].expired = True

    def fail_next(
        self,
        count: int = 1,
        kind: str = "unavailable",
        *,
        action: str | None = None,
        delay_s: float = 0.0,
        code: str | None = None,
        message: str | None = None,
        status: int | None = None,
    ) -> None:
        """Make the next ``count`` requests (of ``action``, or any) fail.

        ``kind``: ``unavailable`` (503 ServiceUnavailable), ``internal`` (500 InternalError),
        ``throttle`` (400 Throttling.User), ``forbidden`` (403 Forbidden.Access), ``unsuccessful``
        (200 with ``Success: false``), ``slow`` (answer normally after ``delay_s``), ``lost_response``
        (carry the request out — a callback is recorded — then hold the answer ``delay_s``, so a
        client with a shorter read timeout never learns it succeeded), or ``error``
        (``status``/``code``/``message`` as given).
        """
        if kind not in (*FAULT_KINDS, "slow", "lost_response", "error"):
            raise ValueError(f"unknown fault kind {kind!r}")
        with self._lock:
            self._faults.append(Fault(kind, count, action, delay_s, code, message, status))

    @property
    def callbacks(self) -> list[ReceivedCallback]:
        with self._lock:
            return list(self._callbacks)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def callbacks_for(self, message_id: str) -> list[ReceivedCallback]:
        return [cb for cb in self.callbacks if cb.message_id == message_id]

    def reset_records(self) -> None:
        with self._lock:
            self._callbacks.clear()
            self._requests.clear()

    # -- request processing (called from handler threads)
    def handle(self, method: str, query: dict[str, str], form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        request_id = str(uuid.uuid4()).upper()
        params = {**query, **form}
        action = params.get("Action", "")
        try:
            self._authenticate(method, query, params)
            lost = self._inject_fault(action)
            status, body = 200, self._dispatch(action, params, request_id)
            if lost:
                self._stopping.wait(lost)
        except _Unsuccessful as exc:  # DataWorks' own failure shape: HTTP 200, Success false
            status, body = 200, {"Success": False, "ErrorCode": exc.code, "ErrorMessage": exc.message,
                                 "HttpStatusCode": 200}
        except _ApiError as err:
            status, body = err.status, self._error_body(err, request_id)
        body["RequestId"] = request_id
        recorded = {k: ("***" if k in _MASKED else v) for k, v in params.items()}
        code = body.get("Code") or (body.get("ErrorCode") if body.get("Success") is False else None)
        with self._lock:
            self._requests.append(RecordedRequest(action, recorded, status, code, request_id))
        return status, body

    def _error_body(self, err: _ApiError, request_id: str) -> dict[str, Any]:
        return {
            "RequestId": request_id,
            "HostId": HOST_ID,
            "Code": err.code,
            "Message": err.message,
            "Recommend": f"https://api.aliyun.com/troubleshoot?q={err.code}&product=dataworks-public",
        }

    def _authenticate(self, method: str, query: dict[str, str], params: dict[str, str]) -> None:
        action = params.get("Action")
        if not action:
            raise _ApiError(400, "MissingAction", "Action is mandatory for this action.")
        if action not in REQUIRED:
            raise _ApiError(
                404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method."
            )
        for name in _COMMON:
            if not params.get(name):
                raise _ApiError(400, f"Missing{name}", f"{name} is mandatory for this action.")
        if params["Version"] != API_VERSION:
            raise _ApiError(400, "InvalidVersion", "Specified parameter Version is not valid.")
        if params["SignatureMethod"] != "HMAC-SHA1":
            raise _ApiError(400, "InvalidSignatureMethod", "Specified signature method is not supported.")
        if params["SignatureVersion"] != "1.0":
            raise _ApiError(400, "InvalidSignatureVersion", "Specified signature version is not valid.")
        try:
            stamp = timegm(time.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ"))
        except ValueError:
            raise _ApiError(
                400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted."
            ) from None
        if abs(self.now() - stamp) > TIMESTAMP_TOLERANCE_S:
            raise _ApiError(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
        with self._lock:
            key = self._keys.get(params["AccessKeyId"])
        if key is None:
            raise _ApiError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        if key.security_token is not None:
            token = params.get("SecurityToken")
            if not token:
                raise _ApiError(400, "MissingSecurityToken", "SecurityToken is mandatory for this action.")
            if not hmac.compare_digest(token, key.security_token):
                raise _ApiError(
                    400,
                    "InvalidSecurityToken.MismatchWithAccessKey",
                    "Specified SecurityToken mismatch with the AccessKey.",
                )
            if key.expired:
                raise _ApiError(400, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired.")
        signed = {k: v for k, v in params.items() if k != "Signature"}
        expected = sign(method, signed, key.secret)
        if not hmac.compare_digest(expected, params["Signature"]):
            raise _ApiError(
                400,
                "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation. server string to sign is:"
                + string_to_sign(method, signed),
            )
        self._use_nonce(params["SignatureNonce"])

    def _use_nonce(self, nonce: str) -> None:
        now = self.now()
        with self._lock:
            if nonce in self._nonces:
                raise _ApiError(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
            for old in [n for n, at in self._nonces.items() if now - at > 2 * TIMESTAMP_TOLERANCE_S]:
                del self._nonces[old]
            self._nonces[nonce] = now

    def _inject_fault(self, action: str) -> float:
        """Apply the next matching fault; the delay to hold the answer for (``lost_response``), else 0."""
        with self._lock:
            fault = next((f for f in self._faults if f.remaining > 0 and f.action in (None, action)), None)
            if fault is None:
                return 0.0
            fault.remaining -= 1
            self._faults = [f for f in self._faults if f.remaining > 0]
        if fault.kind == "slow":
            self._stopping.wait(fault.delay_s)
            return 0.0
        if fault.kind == "lost_response":
            return fault.delay_s
        status, code, message = FAULT_KINDS.get(fault.kind, (500, "InternalError", "injected error"))
        status, code, message = fault.status or status, fault.code or code, fault.message or message
        if fault.kind == "unsuccessful":
            raise _Unsuccessful(code, message)
        raise _ApiError(status, code, message)

    def _dispatch(self, action: str, params: dict[str, str], request_id: str) -> dict[str, Any]:
        for name in REQUIRED[action]:
            if not params.get(name):
                raise _ApiError(400, f"Missing{name}", f"{name} is mandatory for this action.")
        return getattr(self, f"_do_{action}")(params, request_id)  # type: ignore[no-any-return]

    # -- actions
    def _record_callback(
        self, action: str, params: dict[str, str], text_param: str, request_id: str, accepted: tuple[str, ...]
    ) -> None:
        for name in ("MessageId", "ExtensionCode", "CheckResult"):  # UpdateIDEEventResult: needed in practice
            if not params.get(name):
                raise _ApiError(400, f"Missing{name}", f"{name} is mandatory for this action.")
        result = params["CheckResult"].upper()
        if result not in accepted:
            raise _ApiError(400, "InvalidParameter", "The specified parameter CheckResult is not valid.")
        if self.world.extension_codes and params["ExtensionCode"] not in self.world.extension_codes:
            # inferred: the real code for an unknown extension is not documented
            raise _ApiError(400, "Invalid.Extension.NotExists", "The extension does not exist.")
        callback = ReceivedCallback(
            action,
            params["MessageId"],
            params["ExtensionCode"],
            result,
            params.get(text_param, ""),
            request_id,
        )
        with self._lock:
            self._callbacks.append(callback)

    def _do_CallbackExtension(self, params: dict[str, str], request_id: str) -> dict[str, Any]:
        self._record_callback("CallbackExtension", params, "CheckMessage", request_id, ("OK", "WARN", "FAIL"))
        return {"Success": True}

    def _do_UpdateIDEEventResult(self, params: dict[str, str], request_id: str) -> dict[str, Any]:
        self._record_callback(
            "UpdateIDEEventResult", params, "CheckResultTip", request_id, ("OK", "WARN", "FAIL")
        )
        return {}

    def _do_UpdateWorkbenchEventResult(self, params: dict[str, str], request_id: str) -> dict[str, Any]:
        self._record_callback(
            "UpdateWorkbenchEventResult", params, "CheckResultTip", request_id, ("OK", "FAIL")
        )
        return {"Success": True}

    def _found(self, data: Any) -> dict[str, Any]:
        return {"HttpStatusCode": 200, "Success": True, "Data": copy.deepcopy(data)}

    def _do_GetProject(self, params: dict[str, str], _rid: str) -> dict[str, Any]:
        if params.get("ProjectId"):
            data = self.world.workspaces.get(_as_int(params["ProjectId"], "ProjectId"))
        elif params.get("ProjectIdentifier"):
            data = next(
                (
                    w
                    for w in self.world.workspaces.values()
                    if w["ProjectIdentifier"] == params["ProjectIdentifier"]
                ),
                None,
            )
        else:
            raise _ApiError(400, "MissingProjectId", "ProjectId is mandatory for this action.")
        if data is None:  # inferred code
            raise _ApiError(400, "Invalid.Tenant.ProjectNotExist", "The specified workspace does not exist.")
        return self._found(data)

    def _env(self, params: dict[str, str]) -> None:
        if params["ProjectEnv"] not in ("PROD", "DEV"):
            raise _ApiError(400, "InvalidParameter", "The specified parameter ProjectEnv is not valid.")

    def _do_GetInstance(self, params: dict[str, str], _rid: str) -> dict[str, Any]:
        self._env(params)
        data = self.world.instances.get(_as_int(params["InstanceId"], "InstanceId"))
        if data is None:  # inferred code
            raise _ApiError(400, "Invalid.Instance.NotExist", "The specified instance does not exist.")
        return self._found(data)

    def _do_GetNode(self, params: dict[str, str], _rid: str) -> dict[str, Any]:
        self._env(params)
        data = self.world.nodes.get(_as_int(params["NodeId"], "NodeId"))
        if data is None:  # inferred code
            raise _ApiError(400, "Invalid.Node.NotExist", "The specified node does not exist.")
        return self._found(data)

    def _do_GetInstanceLog(self, params: dict[str, str], _rid: str) -> dict[str, Any]:
        self._env(params)
        log = self.world.logs.get(_as_int(params["InstanceId"], "InstanceId"))
        if log is None:  # inferred code
            raise _ApiError(400, "Invalid.Instance.NotExist", "The specified instance does not exist.")
        return self._found(log)

    def _do_GetIDEEventDetail(self, params: dict[str, str], _rid: str) -> dict[str, Any]:
        """The snapshot registered for this ``MessageId`` — only when asked with its own ``ProjectId``.

        The answer is ``{"RequestId", "EventDetail": {<part>: {...}}}`` with the one part of the
        event (:meth:`World.add_ide_event` gives the documented shapes); an unknown message or one
        of another workspace is refused with the gateway's error body (code inferred).
        """
        event = self.world.ide_events.get(params["MessageId"])
        if event is None or event["ProjectId"] != _as_int(params["ProjectId"], "ProjectId"):  # inferred code
            raise _ApiError(400, "Invalid.MessageId.NotExist", "The specified message does not exist.")
        return {"EventDetail": copy.deepcopy(event["EventDetail"])}

    def _extension(self, code: str) -> dict[str, Any]:
        data = self.world.extensions.get(code)
        if data is None and code in self.world.extension_codes:
            data = {"ExtensionCode": code, "ExtensionName": f"extension {code[:8]}", "ExtensionDesc": "",
                    "HelpDocUrl": "", "DetailUrl": "", "Status": 1, "ProjectTesting": None,
                    "ParameterSetting": "", "OptionSetting": "", "BindEventList": [], "EventCategoryList": []}
        if data is None:  # inferred code, as for the callbacks
            raise _ApiError(400, "Invalid.Extension.NotExists", "The extension does not exist.")
        return data

    def _do_GetExtension(self, params: dict[str, str], _rid: str) -> dict[str, Any]:
        """``{"RequestId", "Extension": {ExtensionCode, Status, ProjectTesting, ParameterSetting, …}}``
        for a registered code (:meth:`World.add_extension`)."""
        return {"Extension": copy.deepcopy(self._extension(params["ExtensionCode"]))}

    def _do_GetOptionValueForProject(self, params: dict[str, str], _rid: str) -> dict[str, Any]:
        """``{"RequestId", "OptionValue": "<JSON string>"}`` (``"{}"`` when the workspace set none)."""
        self._extension(params["ExtensionCode"])
        project = str(_as_int(params["ProjectId"], "ProjectId"))
        values = self.world.option_values.get((params["ExtensionCode"], project), {})
        return {"OptionValue": json.dumps(values, ensure_ascii=False)}


class _Unsuccessful(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code, self.message = code, message


def _as_int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise _ApiError(400, "InvalidParameter", f"The specified parameter {name} is not valid.") from None


def _handler_for(fake: FakeDataWorks) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "Tengine"
        disable_nagle_algorithm = True  # headers and body are two writes; avoid the 40 ms delayed-ACK stall

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8") if length else ""
            form: dict[str, str] = {}
            if raw and "x-www-form-urlencoded" in (self.headers.get("Content-Type") or ""):
                form = dict(parse_qsl(raw, keep_blank_values=True))
            if parts.path not in ("", "/"):
                status, body = (
                    404,
                    {
                        "RequestId": str(uuid.uuid4()).upper(),
                        "Code": "InvalidAction.NotFound",
                        "Message": "Specified api is not found, please check your url and method.",
                    },
                )
            else:
                status, body = fake.handle(
                    self.command, dict(parse_qsl(parts.query, keep_blank_values=True)), form
                )
            payload = json.dumps(body, ensure_ascii=False).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (read timeout)
                self.close_connection = True

        do_POST = _serve
        do_GET = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


__all__ = ["DEFAULT_EXTENSION_CODE", "AccessKey", "FakeDataWorks", "Fault", "ReceivedCallback",
           "RecordedRequest",
           "World", "percent_encode", "seed_world", "sign", "string_to_sign"]
