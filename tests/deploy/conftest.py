"""Fixtures for the deploy tests: template paths and a running fake EventBridge (``run_cli`` is global).

Shared constants live in ``deploy_constants`` (tests import that, never ``conftest``: with several
``conftest.py`` files, ``import conftest`` resolves to whichever pytest loaded last).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from deploy_constants import ACCESS_KEY_ID, ACCESS_KEY_SECRET, ACCOUNT_ID, BUS, FIXTURES

from openevent.local.fake_eventbridge import FakeEventBridge


@pytest.fixture
def template() -> Path:
    return FIXTURES / "s.yaml"


@pytest.fixture
def fake() -> Iterator[FakeEventBridge]:
    with FakeEventBridge(ACCESS_KEY_ID, ACCESS_KEY_SECRET, account_id=ACCOUNT_ID, buses=[BUS]) as server:
        yield server


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, fake: FakeEventBridge) -> pytest.MonkeyPatch:
    """Credentials, region, account and endpoint pointing at the fake (nothing from the host)."""
    for name in ("ALIYUN_ACCESS_KEY_ID", "ALIYUN_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN",
                 "ALIBABA_CLOUD_REGION_ID", "ALIBABA_CLOUD_ACCOUNT_ID", "OE_TEST_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ACCESS_KEY_SECRET)
    monkeypatch.setenv("FC_REGION", "cn-hangzhou")
    monkeypatch.setenv("FC_ACCOUNT_ID", ACCOUNT_ID)
    monkeypatch.setenv("EVENTBRIDGE_ENDPOINT", fake.endpoint)
    return monkeypatch
