"""The fake checks requests like the real gateway: signature, key, STS token, nonce, timestamp, version."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from aliyunsdkdataworks_public.request.v20200518.CallbackExtensionRequest import CallbackExtensionRequest

from openevent.dataworks.client import DataWorksClient
from openevent.dataworks.errors import DataWorksApiError
from openevent.local.fake_dataworks import DEFAULT_EXTENSION_CODE, FakeDataWorks, sign
from openevent.runtime.credentials import Credentials

AK_ID, AK_SECRET = "LTAI5tTestKey0000000001", "test-secret-Abc123/+="  # the same as conftest.Keys
STS_ID, STS_SECRET = "STS.NUxTestKey000001", "sts-secret-Xyz789/+="
ClientFactory = Callable[..., DataWorksClient]

PARAMS = {"ExtensionCode": DEFAULT_EXTENSION_CODE, "MessageId": "m-1", "CheckResult": "OK"}


def _refused(client: DataWorksClient) -> DataWorksApiError:
    with pytest.raises(DataWorksApiError) as caught:
        client.call("CallbackExtension", PARAMS)
    return caught.value


def _sdk_signed(secret: str = AK_SECRET, **body: str) -> tuple[str, bytes]:
    """A request signed by the SDK itself (URL path+query and form body), to replay or tamper with."""
    request = CallbackExtensionRequest()
    for name, value in {**PARAMS, **body}.items():
        getattr(request, f"set_{name}")(value)
    request.set_accept_format("JSON")
    url = request.get_url("cn-hangzhou", AK_ID, secret)
    return url, urllib.parse.urlencode(request.get_body_params()).encode()


def _post(endpoint: str, url: str, body: bytes) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(endpoint + url, data=body, method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_a_correctly_signed_sts_request_is_accepted(fake: FakeDataWorks, client: DataWorksClient) -> None:
    client.call("CallbackExtension", PARAMS)

    [request] = fake.requests
    assert request.status == 200 and request.params["SecurityToken"] == "***"


def test_a_correctly_signed_access_key_request_is_accepted(fake: FakeDataWorks, make_client: ClientFactory,
                                                           ak_credentials: Credentials) -> None:
    make_client(ak_credentials).call("CallbackExtension", PARAMS)

    assert fake.requests[0].status == 200 and "SecurityToken" not in fake.requests[0].params


def test_wrong_secret_is_rejected_as_a_signature_mismatch(fake: FakeDataWorks, make_client: ClientFactory) -> None:
    error = _refused(make_client(Credentials(AK_ID, "not-the-secret")))

    # the gateway answers SignatureDoesNotMatch with its string to sign; the SDK, seeing the same
    # string, reports the cause as InvalidAccessKeySecret
    assert (fake.requests[0].code, fake.requests[0].status) == ("SignatureDoesNotMatch", 400)
    assert error.code == "InvalidAccessKeySecret" and not error.transient
    assert fake.callbacks == []


def test_unknown_access_key_is_rejected(fake: FakeDataWorks, make_client: ClientFactory) -> None:
    error = _refused(make_client(Credentials("LTAI5tUnknown", AK_SECRET)))

    assert (error.code, error.http_status, error.transient) == ("InvalidAccessKeyId.NotFound", 404, False)


def test_sts_key_without_token_is_rejected(fake: FakeDataWorks, make_client: ClientFactory) -> None:
    error = _refused(make_client(Credentials(STS_ID, STS_SECRET)))

    assert (error.code, error.http_status) == ("MissingSecurityToken", 400)


def test_sts_key_with_a_wrong_token_is_rejected(fake: FakeDataWorks, make_client: ClientFactory) -> None:
    error = _refused(make_client(Credentials(STS_ID, STS_SECRET, "CAIS-someone-elses-token")))

    assert error.code == "InvalidSecurityToken.MismatchWithAccessKey" and not error.transient


def test_expired_sts_token_is_rejected(fake: FakeDataWorks, client: DataWorksClient) -> None:
    fake.expire_key(STS_ID)

    assert _refused(client).code == "InvalidSecurityToken.Expired"


def test_stale_timestamp_is_rejected(fake: FakeDataWorks, client: DataWorksClient) -> None:
    fake.now = lambda: time.time() + 16 * 60

    assert _refused(client).code == "InvalidTimeStamp.Expired"


def test_replayed_nonce_is_rejected(fake: FakeDataWorks) -> None:
    url, body = _sdk_signed()

    first = _post(fake.endpoint, url, body)
    second = _post(fake.endpoint, url, body)

    assert first[0] == 200
    assert (second[0], second[1]["Code"]) == (400, "SignatureNonceUsed")
    assert len(fake.callbacks) == 1


def test_signature_covers_the_form_body(fake: FakeDataWorks) -> None:
    url, body = _sdk_signed()

    status, answer = _post(fake.endpoint, url, body.replace(b"CheckResult=OK", b"CheckResult=FAIL"))

    assert (status, answer["Code"]) == (400, "SignatureDoesNotMatch")
    assert fake.callbacks == []


def test_other_api_version_is_rejected(fake: FakeDataWorks) -> None:
    url, body = _sdk_signed()
    query = dict(urllib.parse.parse_qsl(url[2:], keep_blank_values=True))
    query["Version"] = "2024-05-18"
    query.pop("Signature")
    query["Signature"] = sign("POST", {**query, **dict(urllib.parse.parse_qsl(body.decode()))}, AK_SECRET)

    status, answer = _post(fake.endpoint, "/?" + urllib.parse.urlencode(query), body)

    assert (status, answer["Code"]) == (400, "InvalidVersion")


def test_unknown_action_is_not_found(fake: FakeDataWorks, client: DataWorksClient) -> None:
    status, answer = _post(fake.endpoint, "/?Action=GetOpenPlatformEvent&Version=2020-05-18", b"")

    assert (status, answer["Code"]) == (404, "InvalidAction.NotFound")


def test_missing_required_parameter_is_named_in_the_error(client: DataWorksClient) -> None:
    with pytest.raises(DataWorksApiError) as caught:
        client.call("GetInstance", {"InstanceId": 453000169})

    assert (caught.value.code, caught.value.http_status) == ("MissingProjectEnv", 400)


def test_error_bodies_have_the_gateway_shape(fake: FakeDataWorks) -> None:
    _status, answer = _post(fake.endpoint, "/?Action=GetOpenPlatformEvent&Version=2020-05-18", b"")

    assert set(answer) == {"RequestId", "HostId", "Code", "Message", "Recommend"}
