"""Fixtures: a running FakeDataWorks, keys, and clients wired to it with an injectable clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from openevent.dataworks.client import DataWorksClient
from openevent.dataworks.enrichment import PROJECT_CACHE
from openevent.delivery.retry import RetryPolicy
from openevent.local.fake_dataworks import FakeDataWorks
from openevent.runtime.credentials import Credentials
from support import FakeClock

AK_ID, AK_SECRET = "LTAI5tTestKey0000000001", "test-secret-Abc123/+="
STS_ID, STS_SECRET = "STS.NUxTestKey000001", "sts-secret-Xyz789/+="
STS_TOKEN = "CAIS+test/sts=token-0123456789abcdefGHIJ"

ClientFactory = Callable[..., DataWorksClient]


@dataclass(frozen=True)
class Keys:
    """The key pairs the fake knows (test-only values)."""

    ak_id: str = AK_ID
    ak_secret: str = AK_SECRET
    sts_id: str = STS_ID
    sts_secret: str = STS_SECRET
    sts_token: str = STS_TOKEN


@pytest.fixture
def keys() -> Keys:
    return Keys()


@pytest.fixture(autouse=True)
def _fresh_project_cache() -> Iterator[None]:
    PROJECT_CACHE.clear()
    yield
    PROJECT_CACHE.clear()


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN",
                 "ALIYUN_ACCESS_KEY_ID", "ALIYUN_ACCESS_KEY_SECRET", "DATAWORKS_ENDPOINT",
                 "DATAWORKS_EXTENSION_CODE", "FC_REGION", "ALIBABA_CLOUD_REGION_ID"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake() -> Iterator[FakeDataWorks]:
    with FakeDataWorks() as server:
        server.add_key(AK_ID, AK_SECRET)
        server.add_key(STS_ID, STS_SECRET, security_token=STS_TOKEN)
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ak_credentials() -> Credentials:
    return Credentials(AK_ID, AK_SECRET)


@pytest.fixture
def sts_credentials() -> Credentials:
    return Credentials(STS_ID, STS_SECRET, STS_TOKEN)


@pytest.fixture
def make_client(fake: FakeDataWorks, clock: FakeClock, sts_credentials: Credentials) -> ClientFactory:
    """A client for the fake; time only moves when the client sleeps (no real waiting)."""

    def factory(credentials: Credentials | None = None, **options: Any) -> DataWorksClient:
        options.setdefault("endpoint", fake.endpoint)
        options.setdefault("clock", clock)
        options.setdefault("sleep", clock.sleep)
        options.setdefault("rng", lambda: 1.0)
        options.setdefault("policy", RetryPolicy(max_attempts=4, base_delay_s=0.2, max_delay_s=2.0))
        return DataWorksClient(region="cn-hangzhou", credentials=credentials or sts_credentials, **options)

    return factory


@pytest.fixture
def client(make_client: ClientFactory) -> DataWorksClient:
    return make_client()
