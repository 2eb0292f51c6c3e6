"""Client configuration: endpoint, region, credentials, dry mode."""

from __future__ import annotations

import subprocess
import sys

import pytest

from openevent.dataworks.client import DataWorksClient
from openevent.dataworks.errors import DataWorksNotConfiguredError
from openevent.errors import ConfigError
from openevent.local.fake_dataworks import DEFAULT_EXTENSION_CODE, FakeDataWorks
from openevent.runtime.context import ContextCredentials, LocalContext

from_env = DataWorksClient.from_environment
PARAMS = {"ExtensionCode": DEFAULT_EXTENSION_CODE, "MessageId": "m-1", "CheckResult": "OK"}


def test_endpoint_override_keeps_scheme_host_and_port() -> None:
    assert from_env(env={"DATAWORKS_ENDPOINT": "http://127.0.0.1:8765/"}).endpoint == "http://127.0.0.1:8765"


def test_endpoint_without_scheme_means_https() -> None:
    assert from_env(env={"DATAWORKS_ENDPOINT": "dataworks-vpc.cn-beijing.aliyuncs.com"}).endpoint == (
        "https://dataworks-vpc.cn-beijing.aliyuncs.com")


def test_malformed_endpoint_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="DATAWORKS_ENDPOINT"):
        from_env(env={"DATAWORKS_ENDPOINT": "ftp://host/path"})


def test_default_endpoint_is_the_regional_https_endpoint() -> None:
    assert from_env(env={"FC_REGION": "cn-shanghai"}).endpoint == "https://dataworks.cn-shanghai.aliyuncs.com"


def test_region_falls_back_to_alibaba_cloud_region_id() -> None:
    assert from_env(env={"ALIBABA_CLOUD_REGION_ID": "ap-southeast-1"}).region == "ap-southeast-1"


def test_without_credentials_or_endpoint_the_client_is_dry() -> None:
    client = from_env(env={})

    assert not client.can_send and client.dry_reason is not None
    with pytest.raises(DataWorksNotConfiguredError):
        client.call("CallbackExtension", PARAMS)


def test_a_remote_endpoint_without_credentials_is_still_dry() -> None:
    assert not from_env(env={"DATAWORKS_ENDPOINT": "https://dataworks.example.com"}).can_send


def test_a_local_endpoint_without_credentials_uses_the_local_demo_key(fake: FakeDataWorks) -> None:
    client = from_env(env={"DATAWORKS_ENDPOINT": fake.endpoint})

    client.call("CallbackExtension", PARAMS)

    assert fake.callbacks[0].check_result == "OK"


def test_sts_credentials_of_the_fc_context_are_used(fake: FakeDataWorks) -> None:
    fake.add_key("STS.ctxKey000001", "ctx-secret-123456", security_token="ctx-token-abcdef")
    ctx = LocalContext(function_name="guard", credentials=ContextCredentials(
        "STS.ctxKey000001", "ctx-secret-123456", "ctx-token-abcdef"))

    from_env(ctx, env={"DATAWORKS_ENDPOINT": fake.endpoint}).call("CallbackExtension", PARAMS)

    assert fake.requests[0].params["AccessKeyId"] == "STS.ctxKey000001" and fake.requests[0].status == 200


def test_stray_aliyun_env_keys_do_not_replace_sts_credentials(fake: FakeDataWorks, client: DataWorksClient,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIYUN_ACCESS_KEY_ID", "LTAI5tStray")
    monkeypatch.setenv("ALIYUN_ACCESS_KEY_SECRET", "stray-secret")

    client.call("CallbackExtension", PARAMS)

    assert fake.requests[0].status == 200 and fake.requests[0].params["AccessKeyId"].startswith("STS.")


def test_repr_shows_no_secret(client: DataWorksClient) -> None:
    assert "secret" not in repr(client).lower()


def test_importing_the_package_does_not_import_the_sdk() -> None:
    code = ("import sys, openevent.dataworks, openevent.dataworks.callbacks, openevent.dataworks.enrichment; "
            "print(sorted(m for m in sys.modules if m.startswith('aliyunsdk')))")

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout

    assert out.strip() == "[]"
