"""A local stand-in for the EventBridge OpenAPI (``2020-04-01``, RPC style) for tests and dry runs.

It behaves like the service as far as ``aliyun-python-sdk-eventbridge`` sees it:

* verifies the RPC signature v1 (HMAC-SHA1 over the sorted query + form parameters, key
  ``secret + "&"``), the access key, the STS token when one is configured, ``Version``, the common
  parameters and replayed nonces; failures are gateway errors with an HTTP 4xx status and a JSON
  ``{RequestId, HostId, Code, Message, Recommend}`` body (``SignatureDoesNotMatch``,
  ``InvalidAccessKeyId``, ``MissingParameter``, ``InvalidVersion``, ``InvalidAction.NotFound`` …);
* keeps buses, rules and targets in memory and answers the documented response shapes
  (``{RequestId, Code: "Success", Message, Success: true, Data}``);
* reports business errors (``EventBusNotExist``, ``EventRuleNotExisted``) with HTTP 200 and
  ``Success: false``, as the real service does (the alicloud Terraform provider checks ``Code`` after a
  call that did not raise for exactly these codes);
* records every request (action and parameters, the signature removed) in :attr:`FakeEventBridge.requests`.

Example:
    >>> with FakeEventBridge(buses=["openevent"]) as fake:
    ...     fake.endpoint.startswith("http://127.0.0.1:")
    True
"""

from __future__ import annotations

import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from openevent.deploy.pattern import PatternError, parse_pattern
from openevent.local.rpc_signature import sign as rpc_signature
from openevent.runtime.redact import register_secret

API_VERSION = "2020-04-01"
HOST_ID = "eventbridge-console.{region}.aliyuncs.com"
COMMON_PARAMS = ("AccessKeyId", "Action", "Format", "SignatureMethod", "SignatureNonce",
                 "SignatureVersion", "Timestamp", "Version", "Signature")
TIMESTAMP_SKEW_S = 15 * 60
_NOT_FOUND = "Specified api is not found, please check your url and method."
_BAD_SIGNATURE = ("The request signature we calculated does not match the signature you provided. "
                  "Check your key and signing method.")
_MISSING_PARAM = 'The input parameter "{name}" that is mandatory for processing this request is not supplied.'

# Required API parameters per action (from the SDK request classes and the API reference).
ACTIONS: dict[str, tuple[str, ...]] = {
    "CreateEventBus": ("EventBusName",),
    "GetEventBus": ("EventBusName",),
    "ListEventBuses": (),
    "CreateRule": ("EventBusName", "RuleName", "FilterPattern"),
    "UpdateRule": ("EventBusName", "RuleName"),
    "GetRule": ("EventBusName", "RuleName"),
    "ListRules": ("EventBusName",),
    "DeleteRule": ("EventBusName", "RuleName"),
    "EnableRule": ("EventBusName", "RuleName"),
    "DisableRule": ("EventBusName", "RuleName"),
    "PutTargets": ("EventBusName", "RuleName", "Targets"),
    "ListTargets": ("EventBusName", "RuleName"),
    "DeleteTargets": ("EventBusName", "RuleName", "TargetIds"),
}


@dataclass
class RecordedRequest:
    """One request as the fake saw it (``Signature`` removed)."""

    action: str
    params: dict[str, str]
    status: int
    code: str


@dataclass
class _Rule:
    name: str
    bus: str
    pattern: str
    status: str = "ENABLE"
    description: str = ""
    created: int = field(default_factory=lambda: int(time.time() * 1000))
    targets: dict[str, dict[str, Any]] = field(default_factory=dict)


class _ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, *, business: bool = False) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.business = status, code, message, business


class FakeEventBridge:
    """In-memory EventBridge control plane on ``127.0.0.1`` (port chosen by the OS)."""

    def __init__(self, access_key_id: str = "fake-access-key-id", access_key_secret: str = "fake-secret",
                 *, security_token: str | None = None, region: str = "cn-hangzhou",
                 account_id: str = "1234567890123456", buses: list[str] | None = None) -> None:
        self.access_key_id = access_key_id
        self._secret = access_key_secret
        self._token = security_token
        register_secret(access_key_secret)
        register_secret(security_token)
        self.region = region
        self.account_id = account_id
        self.requests: list[RecordedRequest] = []
        self._buses: dict[str, dict[str, _Rule]] = {name: {} for name in buses or []}
        self._nonces: set[str] = set()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---
    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeEventBridge is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> str:
        """Start serving; returns :attr:`endpoint`."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-eventbridge", daemon=True)
        self._thread.start()
        return self.endpoint

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeEventBridge:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- state helpers for tests ---
    def add_bus(self, name: str) -> None:
        with self._lock:
            self._buses.setdefault(name, {})

    def rule(self, bus: str, name: str) -> dict[str, Any] | None:
        """The stored rule as ``GetRule`` would return its ``Data`` (``None`` if absent)."""
        with self._lock:
            rule = self._buses.get(bus, {}).get(name)
            return None if rule is None else self._rule_data(rule)

    def rule_names(self, bus: str) -> list[str]:
        with self._lock:
            return sorted(self._buses.get(bus, {}))

    def actions(self) -> list[str]:
        return [r.action for r in self.requests]

    # --- HTTP ---
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._serve(self)

            def do_GET(self) -> None:
                fake._serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                return  # keep test output clean

        return Handler

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        request_id = str(uuid.uuid4()).upper()
        split = urlsplit(handler.path)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        if body and "form-urlencoded" in (handler.headers.get("Content-Type") or ""):
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        action = params.get("Action", "")
        try:
            if split.path != "/":
                raise _ApiError(404, "InvalidAction.NotFound", _NOT_FOUND)
            self._authenticate(handler.command, params)
            with self._lock:
                data = self._dispatch(action, params)
            status, code = 200, "Success"
            payload: dict[str, Any] = {"RequestId": request_id, "Code": "Success", "Message": "success",
                                       "Success": True}
            if data is not None:
                payload["Data"] = data
        except _ApiError as err:
            status, code = (200 if err.business else err.status), err.code
            if err.business:
                payload = {"RequestId": request_id, "Code": err.code, "Message": err.message,
                           "Success": False}
            else:
                payload = {"RequestId": request_id, "HostId": HOST_ID.format(region=self.region),
                           "Code": err.code, "Message": err.message,
                           "Recommend": f"https://api.aliyun.com/troubleshoot?q={err.code}"}
        recorded = {k: v for k, v in params.items() if k != "Signature"}
        self.requests.append(RecordedRequest(action=action, params=recorded, status=status, code=code))
        raw = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json;charset=utf-8")
        handler.send_header("Content-Length", str(len(raw)))
        handler.send_header("x-acs-request-id", request_id)
        handler.end_headers()
        handler.wfile.write(raw)

    def _authenticate(self, method: str, params: dict[str, str]) -> None:
        for name in COMMON_PARAMS:
            if not params.get(name):
                raise _ApiError(400, "MissingParameter", _MISSING_PARAM.format(name=name))
        if params["Version"] != API_VERSION:
            raise _ApiError(400, "InvalidVersion", "Specified parameter Version is not valid.")
        if params["SignatureMethod"] != "HMAC-SHA1" or params["SignatureVersion"] != "1.0":
            raise _ApiError(400, "InvalidParameter",
                            "SignatureMethod/SignatureVersion must be HMAC-SHA1/1.0.")
        if params["AccessKeyId"] != self.access_key_id:
            raise _ApiError(403, "InvalidAccessKeyId", "The access Id you provided is not exist.")
        if self._token is not None and params.get("SecurityToken") != self._token:
            raise _ApiError(403, "SecurityTokenInvalid", "The Security token that your provide is invalid.")
        try:
            stamp = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        except ValueError:
            raise _ApiError(400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not "
                            "well formatted.") from None
        if abs(time.time() - stamp.timestamp()) > TIMESTAMP_SKEW_S:
            raise _ApiError(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
        expected = rpc_signature(method, params, self._secret)
        if not hmac.compare_digest(expected, params["Signature"]):
            raise _ApiError(403, "SignatureDoesNotMatch", _BAD_SIGNATURE)
        with self._lock:
            if params["SignatureNonce"] in self._nonces:
                raise _ApiError(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
            self._nonces.add(params["SignatureNonce"])

    # --- actions (called with the lock held) ---
    def _dispatch(self, action: str, params: dict[str, str]) -> Any:
        if action not in ACTIONS:
            raise _ApiError(404, "InvalidAction.NotFound", _NOT_FOUND)
        for name in ACTIONS[action]:
            if not params.get(name):
                raise _ApiError(400, "MissingParameter", _MISSING_PARAM.format(name=name))
        if action == "ListEventBuses":
            return {"EventBuses": [self._bus_data(name) for name in sorted(self._buses)],
                    "NextToken": "", "Total": len(self._buses)}
        bus_name = params["EventBusName"]
        if action == "CreateEventBus":
            if bus_name in self._buses:
                raise _ApiError(409, "EventBusAlreadyExist", f"The event bus [{bus_name}] already existed!",
                                business=True)
            self._buses[bus_name] = {}
            return {"EventBusARN": self._bus_arn(bus_name)}
        rules = self._buses.get(bus_name)
        if rules is None:
            raise _ApiError(409, "EventBusNotExist", f"The event bus [{bus_name}] not existed!",
                            business=True)
        if action == "GetEventBus":
            return self._bus_data(bus_name)
        if action == "ListRules":
            return self._list(params, [self._rule_data(r) for _, r in sorted(rules.items())], "Rules",
                              params.get("RuleNamePrefix", ""), "RuleName")
        rule_name = params["RuleName"]
        if action == "CreateRule":
            return self._create_rule(rules, bus_name, rule_name, params)
        rule = rules.get(rule_name)
        if rule is None:
            raise _ApiError(409, "EventRuleNotExisted", f"The event rule [{rule_name}] of event bus "
                            f"[{bus_name}] not existed!", business=True)
        if action == "GetRule":
            return self._rule_data(rule)
        if action == "UpdateRule":
            if "FilterPattern" in params:
                rule.pattern = self._checked_pattern(params["FilterPattern"])
            if "Description" in params:
                rule.description = params["Description"]
            if params.get("Status"):
                rule.status = self._checked_status(params["Status"])
            return None
        if action in ("EnableRule", "DisableRule"):
            rule.status = "ENABLE" if action == "EnableRule" else "DISABLE"
            return None
        if action == "DeleteRule":
            del rules[rule_name]
            return None
        if action == "PutTargets":
            for target in self._checked_targets(params["Targets"]):
                rule.targets[target["Id"]] = target
            return {"ErrorEntriesCount": 0, "ErrorEntries": []}
        if action == "ListTargets":
            targets = [dict(t) for _, t in sorted(rule.targets.items())]
            return self._list(params, targets, "Targets", "", "Id")
        ids = self._json_param(params["TargetIds"], "TargetIds")  # DeleteTargets
        for target_id in ids if isinstance(ids, list) else []:
            rule.targets.pop(str(target_id), None)
        return {"ErrorEntriesCount": 0, "ErrorEntries": []}

    def _create_rule(self, rules: dict[str, _Rule], bus: str, name: str, params: dict[str, str]) -> Any:
        if name in rules:
            # Code from Apache RocketMQ EventBridge (EventBridgeErrorCode); Alibaba's own spelling unverified.
            raise _ApiError(409, "EventRuleAlreadyExist",
                            f"The event rule [{name}] of event bus [{bus}] already existed!", business=True)
        rule = _Rule(name=name, bus=bus, pattern=self._checked_pattern(params["FilterPattern"]),
                     status=self._checked_status(params.get("Status") or "ENABLE"),
                     description=params.get("Description", ""))
        if params.get("EventTargets"):
            for target in self._checked_targets(params["EventTargets"]):
                rule.targets[target["Id"]] = target
        rules[name] = rule
        return {"RuleARN": self._rule_arn(bus, name)}

    def _checked_pattern(self, text: str) -> str:
        try:
            parse_pattern(text)
        except PatternError as exc:
            # Message wording from the reference implementation; the code name is not documented.
            raise _ApiError(409, "EventRuleFilterPatternInvalid",
                            f"Event pattern is not valid, reason: {exc}", business=True) from None
        return text

    @staticmethod
    def _checked_status(status: str) -> str:
        if status not in ("ENABLE", "DISABLE"):
            raise _ApiError(400, "InvalidParameter", "Status must be ENABLE or DISABLE.")
        return status

    def _checked_targets(self, text: str) -> list[dict[str, Any]]:
        items = self._json_param(text, "Targets")
        if not isinstance(items, list) or not items:
            raise _ApiError(400, "InvalidParameter", "Targets must be a non-empty JSON array.")
        out = []
        for item in items:
            target = _capitalised(item)
            for key in ("Id", "Type", "Endpoint"):
                if not isinstance(target.get(key), str) or not target[key]:
                    raise _ApiError(409, "EventTargetMissingAttribute", f"Missing the attribute [{key}] ",
                                    business=True)
            target["ParamList"] = [_capitalised(p) for p in target.get("ParamList") or []]
            target.setdefault("PushRetryStrategy", "BACKOFF_RETRY")
            out.append(target)
        return out

    @staticmethod
    def _json_param(text: str, name: str) -> Any:
        try:
            return json.loads(text)
        except ValueError:
            raise _ApiError(400, "InvalidParameter", f"{name} is not valid JSON.") from None

    @staticmethod
    def _list(params: dict[str, str], items: list[dict[str, Any]], key: str, prefix: str,
              name_key: str) -> Any:
        items = [i for i in items if str(i.get(name_key, "")).startswith(prefix)]
        start = int(params.get("NextToken") or 0)
        limit = int(params.get("Limit") or 10)
        page = items[start:start + limit]
        next_token = str(start + limit) if start + limit < len(items) else ""
        return {key: page, "NextToken": next_token, "Total": len(items)}

    def _bus_arn(self, bus: str) -> str:
        return f"acs:eventbridge:{self.region}:{self.account_id}:eventbus/{bus}"

    def _rule_arn(self, bus: str, rule: str) -> str:
        return f"{self._bus_arn(bus)}/rule/{rule}"

    def _bus_data(self, name: str) -> dict[str, Any]:
        return {"EventBusARN": self._bus_arn(name), "EventBusName": name, "Description": "",
                "CreateTimestamp": 0}

    def _rule_data(self, rule: _Rule) -> dict[str, Any]:
        return {"RuleARN": self._rule_arn(rule.bus, rule.name), "EventBusName": rule.bus,
                "RuleName": rule.name, "Description": rule.description, "Status": rule.status,
                "FilterPattern": rule.pattern, "CreatedTimestamp": rule.created,
                "Targets": [dict(t) for _, t in sorted(rule.targets.items())]}


def _capitalised(item: Any) -> dict[str, Any]:
    """Target JSON keys with an upper-case first letter: the service accepts ``id`` and ``Id`` alike."""
    if not isinstance(item, dict):
        raise _ApiError(400, "InvalidParameter", "each target must be a JSON object.")
    return {(k[:1].upper() + k[1:]): v for k, v in item.items()}
