"""A thin client for the EventBridge control-plane OpenAPI (``2020-04-01``, RPC, signature v1).

Built on ``aliyun-python-sdk-eventbridge`` request classes and ``aliyunsdkcore`` (both imported
lazily). The endpoint is ``eventbridge-console.<region>.aliyuncs.com`` over HTTPS unless
``EVENTBRIDGE_ENDPOINT`` (or ``endpoint=``) names another, e.g. ``http://127.0.0.1:PORT`` for
:class:`openevent.local.fake_eventbridge.FakeEventBridge`.

Errors: gateway failures (HTTP 4xx/5xx, e.g. ``SignatureDoesNotMatch``), network failures and business
failures (HTTP 200 with ``Success: false``, e.g. ``EventBusNotExist``) all raise
:class:`EventBridgeError` with the code, the message and the request id.

Example:
    >>> from openevent.runtime.credentials import Credentials
    >>> api = EventBridgeApi(Credentials("id", "secret"), region="cn-hangzhou", env={})
    >>> api.endpoint
    'https://eventbridge-console.cn-hangzhou.aliyuncs.com'
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Mapping
from typing import Any

from openevent.errors import OpenEventError
from openevent.runtime.credentials import Credentials

ENDPOINT_ENV = "EVENTBRIDGE_ENDPOINT"
DEFAULT_ENDPOINT = "https://eventbridge-console.{region}.aliyuncs.com"
PAGE_SIZE = 50


class EventBridgeError(OpenEventError):
    """An EventBridge API call failed; ``code`` is the service's error code (or ``ClientError``)."""

    def __init__(self, action: str, code: str, message: str, request_id: str | None = None) -> None:
        self.action, self.code, self.request_id = action, code, request_id
        suffix = f" (request id {request_id})" if request_id else ""
        super().__init__(f"EventBridge {action} failed: {code}: {message}{suffix}")


class EventBridgeApi:
    """The calls :mod:`openevent.deploy.rules` needs, each returning the response's ``Data``."""

    def __init__(self, credentials: Credentials, *, region: str, endpoint: str | None = None,
                 env: Mapping[str, str] | None = None, timeout_s: float = 10.0) -> None:
        environ = os.environ if env is None else env
        self.region = region
        self.endpoint = endpoint or environ.get(ENDPOINT_ENV) or DEFAULT_ENDPOINT.format(region=region)
        if "://" not in self.endpoint:
            self.endpoint = "https://" + self.endpoint
        self._credentials = credentials
        self._timeout_s = timeout_s
        self._client: Any = None

    # --- buses and rules ---
    def get_event_bus(self, bus: str) -> dict[str, Any]:
        return dict(self.call("GetEventBus", EventBusName=bus) or {})

    def list_rules(self, bus: str, prefix: str = "") -> list[dict[str, Any]]:
        return self._paged("ListRules", "Rules", EventBusName=bus, RuleNamePrefix=prefix or None)

    def get_rule(self, bus: str, rule: str) -> dict[str, Any]:
        return dict(self.call("GetRule", EventBusName=bus, RuleName=rule) or {})

    def create_rule(self, bus: str, rule: str, pattern: str, *, description: str = "",
                    status: str = "ENABLE") -> dict[str, Any]:
        return dict(self.call("CreateRule", EventBusName=bus, RuleName=rule, FilterPattern=pattern,
                              Description=description or None, Status=status) or {})

    def update_rule(self, bus: str, rule: str, pattern: str) -> None:
        self.call("UpdateRule", EventBusName=bus, RuleName=rule, FilterPattern=pattern)

    def enable_rule(self, bus: str, rule: str) -> None:
        self.call("EnableRule", EventBusName=bus, RuleName=rule)

    def delete_rule(self, bus: str, rule: str) -> None:
        self.call("DeleteRule", EventBusName=bus, RuleName=rule)

    # --- targets ---
    def list_targets(self, bus: str, rule: str) -> list[dict[str, Any]]:
        return self._paged("ListTargets", "Targets", EventBusName=bus, RuleName=rule)

    def put_targets(self, bus: str, rule: str, targets: list[dict[str, Any]]) -> None:
        data = self.call("PutTargets", EventBusName=bus, RuleName=rule, Targets=targets) or {}
        if data.get("ErrorEntriesCount"):
            entry = (data.get("ErrorEntries") or [{}])[0]
            raise EventBridgeError("PutTargets", str(entry.get("ErrorCode", "TargetError")),
                                   str(entry.get("ErrorMessage", "a target was rejected")))

    def delete_targets(self, bus: str, rule: str, target_ids: list[str]) -> None:
        self.call("DeleteTargets", EventBusName=bus, RuleName=rule, TargetIds=target_ids)

    # --- plumbing ---
    def call(self, action: str, **params: Any) -> Any:
        """Send ``action`` with ``params`` (``None`` values skipped); returns the ``Data`` member."""
        from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException

        module = importlib.import_module(f"aliyunsdkeventbridge.request.v20200401.{action}Request")
        request = getattr(module, f"{action}Request")()
        for name, value in params.items():
            if value is not None:
                getattr(request, f"set_{name}")(value)  # the SDK setters JSON-encode arrays
        request.set_endpoint(self.endpoint)
        request.set_connect_timeout(int(self._timeout_s))
        request.set_read_timeout(int(self._timeout_s))
        try:
            raw = self._acs_client().do_action_with_exception(request)
        except ServerException as exc:
            raise EventBridgeError(action, exc.get_error_code(), exc.get_error_msg(),
                                   exc.get_request_id()) from None
        except ClientException as exc:
            raise EventBridgeError(action, "ClientError", f"{exc.get_error_code()}: {exc.get_error_msg()} "
                                   f"(endpoint {self.endpoint})") from None
        try:
            body = json.loads(raw)
        except ValueError:
            raise EventBridgeError(action, "InvalidResponse", "the response is not JSON") from None
        if not isinstance(body, dict):
            raise EventBridgeError(action, "InvalidResponse", "the response is not a JSON object")
        if body.get("Success") is False or body.get("Code") not in (None, "Success", "200"):
            raise EventBridgeError(action, str(body.get("Code")), str(body.get("Message")),
                                   body.get("RequestId"))
        return body.get("Data")

    def _paged(self, action: str, key: str, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            data = self.call(action, Limit=PAGE_SIZE, NextToken=token, **params) or {}
            items.extend(data.get(key) or [])
            token = data.get("NextToken") or None
            if not token:
                return items

    def _acs_client(self) -> Any:
        if self._client is None:
            from aliyunsdkcore.client import AcsClient

            creds = self._credentials
            if creds.security_token:
                from aliyunsdkcore.auth.credentials import StsTokenCredential

                self._client = AcsClient(region_id=self.region, credential=StsTokenCredential(
                    creds.access_key_id, creds.access_key_secret, creds.security_token))
            else:
                self._client = AcsClient(creds.access_key_id, creds.access_key_secret, self.region)
        return self._client
