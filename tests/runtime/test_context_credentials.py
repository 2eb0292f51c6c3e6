"""The FC-like context and where credentials and region come from."""

from __future__ import annotations

from types import SimpleNamespace

from openevent.runtime.context import LocalContext, running_on_fc
from openevent.runtime.credentials import resolve_credentials, resolve_region


def test_local_context_has_the_fc_attributes() -> None:
    ctx = LocalContext(function_name="download_guard", timeout_s=10, region="cn-shanghai")
    assert ctx.function.name == "download_guard" and ctx.function.timeout == 10
    assert ctx.region == "cn-shanghai" and ctx.request_id and ctx.account_id


def test_local_context_has_no_remaining_time_method_like_fc() -> None:
    assert not hasattr(LocalContext(), "get_remaining_time_in_millis")


def test_running_on_fc_is_told_by_the_runtime_variable() -> None:
    assert running_on_fc({"FC_FUNCTION_NAME": "f"}) and not running_on_fc({})


def test_credentials_come_from_the_environment_first() -> None:
    ctx = SimpleNamespace(credentials=SimpleNamespace(access_key_id="ctx", access_key_secret="s", security_token="t"))
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "env-id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret-1",
           "ALIBABA_CLOUD_SECURITY_TOKEN": "env-token-1"}
    creds = resolve_credentials(ctx, env)
    assert creds is not None and creds.access_key_id == "env-id" and creds.security_token == "env-token-1"


def test_context_credentials_are_the_fallback() -> None:
    ctx = SimpleNamespace(credentials=SimpleNamespace(access_key_id="ctx-id", access_key_secret="ctx-secret-1",
                                                      security_token="sts-token-1"))
    creds = resolve_credentials(ctx, {})
    assert creds is not None and creds.access_key_id == "ctx-id" and creds.security_token == "sts-token-1"


def test_no_credentials_anywhere_is_none() -> None:
    assert resolve_credentials(SimpleNamespace(), {}) is None


def test_credentials_repr_hides_the_secret() -> None:
    creds = resolve_credentials(None, {"ALIBABA_CLOUD_ACCESS_KEY_ID": "id123456",
                                       "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "topsecret-1"})
    assert "topsecret" not in repr(creds)


def test_region_prefers_fc_region_then_alibaba_cloud_region_then_context() -> None:
    ctx = SimpleNamespace(region="cn-beijing")
    assert resolve_region(ctx, {"FC_REGION": "cn-shanghai", "ALIBABA_CLOUD_REGION_ID": "x"}) == "cn-shanghai"
    assert resolve_region(ctx, {"ALIBABA_CLOUD_REGION_ID": "cn-shenzhen"}) == "cn-shenzhen"
    assert resolve_region(ctx, {}) == "cn-beijing"
