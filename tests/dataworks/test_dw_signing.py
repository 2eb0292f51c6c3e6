"""What the client puts on the wire is what the SDK's AcsClient would send, byte for byte.

The client signs with ``aliyunsdkcore``'s RPC signer and lays requests out from a table
(:data:`openevent.dataworks.signing.ACTIONS`) instead of importing the SDK's request classes and
``AcsClient`` (see that module for why). These tests hold the table to the request classes of
``aliyun-python-sdk-dataworks-public`` and the signed output to AcsClient's own, so an SDK
upgrade that moves a parameter or changes the signing fails here, not in production.
"""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

import pytest

from openevent.dataworks.signing import ACTIONS, BODY, QUERY, layout, sign_request
from openevent.events.registry import REGISTRY
from openevent.runtime.credentials import Credentials

REQUESTS = "aliyunsdkdataworks_public.request.v20200518"
AK = Credentials("LTAI5tSigningTest", "signing-test-secret")
STS = Credentials("STS.SigningTest01", "sts-signing-secret", "sts-token/with+odd=chars")
SAMPLE = {"CheckMessage": "[max-pt] dws_gmv line 3: MAX_PT is forbidden ~ *ask* #data", "CheckResult": "FAIL",
          "CheckResultTip": "窗口期内禁止发布", "ExtensionCode": "ext-abc_123", "MessageId": "m-1 2",
          "ProjectId": 10001, "ProjectIdentifier": "prod_ws", "InstanceId": 453000169, "ProjectEnv": "PROD",
          "InstanceHistoryId": 7, "NodeId": 700001}
SETTER = re.compile(r"self\.add_(query_param|body_params)\('(\w+)', (\w+)\)")


def sdk_request(action: str) -> Any:
    module = importlib.import_module(f"{REQUESTS}.{action}Request")
    return getattr(module, f"{action}Request")()


def sdk_layout(action: str) -> tuple[str, dict[str, str]]:
    """The request class's method and where each of its setters puts its parameter."""
    request = sdk_request(action)
    places: dict[str, str] = {}
    for name, setter in inspect.getmembers(type(request), inspect.isfunction):
        if not name.startswith("set_") or not name[4:5].isupper():
            continue
        [(kind, wire, arg)] = SETTER.findall(inspect.getsource(setter))
        assert wire == arg == name[4:], f"{action}.{name} renames its parameter: the table cannot say so"
        places[wire] = QUERY if kind == "query_param" else BODY
    return request.get_method(), places


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_the_table_lays_out_each_action_as_its_sdk_request_class_does(action: str) -> None:
    assert ACTIONS[action] == sdk_layout(action)


def test_every_callback_api_of_the_event_registry_is_in_the_table() -> None:
    apis = {spec.callback_api for spec in REGISTRY.values() if getattr(spec, "callback_api", None)}
    assert apis and apis <= set(ACTIONS)


def test_an_unknown_action_or_parameter_is_refused_before_anything_is_sent() -> None:
    with pytest.raises(ValueError, match="unknown DataWorks action 'ListEverything'"):
        layout("ListEverything", {})
    with pytest.raises(ValueError, match="CallbackExtension has no parameter 'Verdict'"):
        layout("CallbackExtension", {"Verdict": "OK"})


class _Captured(Exception):
    """Raised by the patched transport: the SDK got as far as sending."""


@pytest.fixture
def fixed_nonce_and_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from aliyunsdkcore.utils import parameter_helper

    monkeypatch.setattr(parameter_helper, "get_uuid", lambda: "5f0c1c8e-nonce-0001")
    monkeypatch.setattr(parameter_helper, "get_iso_8061_date", lambda: "2026-12-02T04:00:00Z")


def acs_client_sends(action: str, params: dict[str, Any], creds: Credentials, region: str,
                     monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What AcsClient.do_action_with_exception hands to its HTTP layer for the SDK request object."""
    from aliyunsdkcore.auth.credentials import AccessKeyCredential, StsTokenCredential
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkcore.http.http_response import HttpResponse

    seen: dict[str, Any] = {}

    def capture(self: HttpResponse) -> None:
        body = self.get_body()
        seen.update(method=self.get_method(), path=self.get_url(), headers=dict(self.get_headers()),
                    body=body.encode() if isinstance(body, str) else body)
        raise _Captured

    monkeypatch.setattr(HttpResponse, "get_response_object", capture)
    for name in ("ALIYUN_ACCESS_KEY_ID", "ALIYUN_ACCESS_KEY_SECRET"):
        monkeypatch.delenv(name, raising=False)
    credential = (StsTokenCredential(creds.access_key_id, creds.access_key_secret, creds.security_token)
                  if creds.security_token else AccessKeyCredential(creds.access_key_id, creds.access_key_secret))
    client = AcsClient(region_id=region, credential=credential, auto_retry=False)
    request = sdk_request(action)
    for name, value in params.items():
        getattr(request, f"set_{name}")(value)
    request.set_endpoint("127.0.0.1")
    with pytest.raises(_Captured):
        client.do_action_with_exception(request)
    return seen


WIRE_HEADERS = ("x-acs-action", "x-acs-version", "x-sdk-invoke-type", "x-sdk-client", "Accept-Encoding",
                "Content-Type", "Content-MD5")


@pytest.mark.parametrize("creds", [AK, STS], ids=["access-key", "sts"])
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_the_signed_request_is_byte_for_byte_what_acs_client_sends(
        action: str, creds: Credentials, fixed_nonce_and_time: None, monkeypatch: pytest.MonkeyPatch) -> None:
    params = {name: SAMPLE[name] for name in ACTIONS[action][1]}

    ours = sign_request(action, params, creds, "cn-shanghai")
    sdk = acs_client_sends(action, params, creds, "cn-shanghai", monkeypatch)

    assert (ours.method, ours.path, ours.body) == (sdk["method"], sdk["path"], sdk["body"] or None)
    assert {k: ours.headers.get(k) for k in WIRE_HEADERS} == {k: sdk["headers"].get(k) for k in WIRE_HEADERS}


def test_the_signed_request_hides_its_signature_and_token_from_its_repr() -> None:
    signed = sign_request("GetProject", {"ProjectId": 1}, STS, "cn-shanghai")

    assert "Signature=" in signed.path and "SecurityToken=" in signed.path
    assert "Signature" not in repr(signed) and "sts-token" not in repr(signed)


def test_the_user_agent_names_the_sdk_core_and_python_as_the_sdk_does() -> None:
    import aliyunsdkcore

    agent = sign_request("GetProject", {"ProjectId": 1}, AK, "cn-shanghai").headers["User-Agent"]

    assert agent.startswith("AlibabaCloud (") and f"Core/{aliyunsdkcore.__version__}" in agent
