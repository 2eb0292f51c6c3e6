"""`openevent remote invoke` through fc2 against the fake FC endpoint (signature verified, FC's answers)."""

from __future__ import annotations

import email.utils
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openevent.local.fake_fc import FakeFunctionCompute, fc_signature

KEY_ID = "remote-test-key-id"
SECRET = "remote-test-secret-value-0123"
TOKEN = "remote-test-sts-token-value-4567"
SERVICE = "openevent"
ECHO = '''
def handler(event, context):
    import json
    body = json.loads(event)
    if body.get("fail"):
        raise ValueError("asked to fail")
    return {"echo": body, "function": context.function.name, "request_id": context.request_id}
'''


@pytest.fixture
def echo_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "echo"
    folder.mkdir()
    (folder / "index.py").write_text(ECHO, encoding="utf-8")
    return folder


@pytest.fixture
def fake(echo_folder: Path) -> Iterator[FakeFunctionCompute]:
    with FakeFunctionCompute({f"{SERVICE}/echo": echo_folder}, access_key_id=KEY_ID, access_key_secret=SECRET,
                             security_token=TOKEN) as server:
        yield server


@pytest.fixture
def remote_env(monkeypatch: pytest.MonkeyPatch, fake: FakeFunctionCompute) -> pytest.MonkeyPatch:
    for name in ("FC_SERVICE", "ALIBABA_CLOUD_REGION_ID", "ALIBABA_CLOUD_ACCOUNT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", TOKEN)
    monkeypatch.setenv("FC_REGION", "cn-hangzhou")
    monkeypatch.setenv("FC_ACCOUNT_ID", "1234567890123456")
    monkeypatch.setenv("FC_ENDPOINT", fake.endpoint)
    return monkeypatch


@pytest.fixture
def event_file(tmp_path: Path) -> Path:
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"id": "evt-1", "type": "dataworks:ProjectChange:DeleteProject"}), encoding="utf-8")
    return path


def test_sync_invoke_prints_the_function_response(remote_env: Any, run_cli: Any, fake: FakeFunctionCompute,
                                                  event_file: Path) -> None:
    result = run_cli("remote", "invoke", "echo", "--service", SERVICE, "--event", str(event_file))
    assert result.code == 0, result.err
    out = result.json()
    assert out["status"] == 200 and out["invocation"] == "sync"
    assert out["response"]["echo"]["id"] == "evt-1"
    assert out["response"]["function"] == "echo"
    assert out["request_id"] == out["response"]["request_id"]
    assert fake.invocations[0].event == event_file.read_bytes()


def test_async_invoke_is_accepted_with_202_and_runs_the_handler(remote_env: Any, run_cli: Any,
                                                                fake: FakeFunctionCompute, event_file: Path) -> None:
    result = run_cli("remote", "invoke", "echo", "--service", SERVICE, "--event", str(event_file), "--async")
    assert result.code == 0, result.err
    assert (result.json()["status"], result.json()["response"]) == (202, None)
    fake.wait_async()
    assert fake.invocations[0].asynchronous and fake.invocations[0].result["echo"]["id"] == "evt-1"


def test_qualifier_reaches_fc_in_the_service_path(remote_env: Any, run_cli: Any, fake: FakeFunctionCompute,
                                                  event_file: Path) -> None:
    result = run_cli("remote", "invoke", "echo", "--service", SERVICE, "--qualifier", "prod",
                     "--event", str(event_file))
    assert result.code == 0, result.err
    assert fake.invocations[0].qualifier == "prod"


def test_service_can_come_from_the_environment(remote_env: Any, run_cli: Any, event_file: Path) -> None:
    remote_env.setenv("FC_SERVICE", SERVICE)
    # the default is read when the parser is built, i.e. at this call
    assert run_cli("remote", "invoke", "echo", "--event", str(event_file)).code == 0


def test_wrong_secret_fails_clearly_with_fcs_signature_error(remote_env: Any, run_cli: Any,
                                                             fake: FakeFunctionCompute, event_file: Path) -> None:
    remote_env.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "not-the-right-secret-000")
    result = run_cli("remote", "invoke", "echo", "--service", SERVICE, "--event", str(event_file))
    assert result.code == 2
    assert result.err.startswith("error: FC refused the call: SignatureNotMatch (HTTP 403)")
    assert fake.invocations == []


def test_missing_security_token_is_refused(remote_env: Any, run_cli: Any, event_file: Path) -> None:
    remote_env.delenv("ALIBABA_CLOUD_SECURITY_TOKEN")
    result = run_cli("remote", "invoke", "echo", "--service", SERVICE, "--event", str(event_file))
    assert result.code == 2 and "InvalidSecurityToken" in result.err


def test_secrets_never_reach_the_output_of_a_failed_call(remote_env: Any, run_cli: Any, event_file: Path,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    # fc2 logs failed requests with their signed headers and STS token on the root logger
    remote_env.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "not-the-right-secret-000")
    with caplog.at_level("DEBUG"):
        result = run_cli("remote", "invoke", "echo", "--service", SERVICE, "--event", str(event_file))
    assert result.code == 2
    for text in (result.out, result.err, caplog.text):
        assert TOKEN not in text and "not-the-right-secret-000" not in text and "authorization" not in text


def test_function_error_is_reported_with_its_type(remote_env: Any, run_cli: Any, tmp_path: Path) -> None:
    failing = tmp_path / "fail.json"
    failing.write_text('{"fail": true}', encoding="utf-8")
    result = run_cli("remote", "invoke", "echo", "--service", SERVICE, "--event", str(failing))
    assert result.code == 2
    assert "the function failed (ValueError): asked to fail" in result.err


def test_unknown_function_is_fcs_function_not_found(remote_env: Any, run_cli: Any, event_file: Path) -> None:
    result = run_cli("remote", "invoke", "nope", "--service", SERVICE, "--event", str(event_file))
    assert result.code == 2 and "FunctionNotFound (HTTP 404)" in result.err


def test_without_a_service_the_error_points_to_s_invoke(remote_env: Any, run_cli: Any, event_file: Path) -> None:
    result = run_cli("remote", "invoke", "echo", "--event", str(event_file))
    assert result.code == 2 and "s invoke" in result.err


def test_fake_refuses_a_correctly_signed_but_stale_request(fake: FakeFunctionCompute) -> None:
    path = f"/2016-08-15/services/{SERVICE}/functions/echo/invocations"
    stale = email.utils.formatdate(time.time() - 3600, usegmt=True)
    headers = {"date": stale, "content-type": "application/json", "x-fc-security-token": TOKEN}
    headers["authorization"] = f"FC {KEY_ID}:{fc_signature(SECRET, 'POST', path, headers)}"
    request = urllib.request.Request(fake.endpoint + path, data=b"{}", headers=headers, method="POST")
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)
    assert raised.value.code == 403
    assert json.loads(raised.value.read())["ErrorCode"] == "RequestTimeTooSkewed"
