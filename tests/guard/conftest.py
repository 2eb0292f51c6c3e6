"""Fixtures for the guards: a fake DataWorks with a few workspaces, policies, runners, a fixed clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from guard_support import PROD, PROD_NAMED, SANDBOX, TAGGED, TUESDAY_11

from openevent.dataworks.enrichment import PROJECT_CACHE
from openevent.guard.runner import GuardRunner
from openevent.local.fake_dataworks import FakeDataWorks
from openevent.local.fake_dataworks_world import DEFAULT_EXTENSION_CODE


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN",
                 "ALIYUN_ACCESS_KEY_ID", "ALIYUN_ACCESS_KEY_SECRET", "DATAWORKS_ENDPOINT", "OPENEVENT_CONFIG",
                 "DATAWORKS_EXTENSION_CODE", "OPENEVENT_FAILURE_POLICY", "OPENEVENT_STATE_URL"):
        monkeypatch.delenv(name, raising=False)
    PROJECT_CACHE.clear()
    yield
    PROJECT_CACHE.clear()


@pytest.fixture
def dataworks(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDataWorks]:
    """A fake DataWorks the guards call (GetProject, callbacks), wired through the environment."""
    with FakeDataWorks() as fake:
        world = fake.world
        world.add_workspace(PROD, "sales_dw", mode="standard", tags={"env": "prod"})
        world.add_workspace(SANDBOX, "marketing_sandbox", mode="basic", tags={"env": "dev"})
        world.add_workspace(TAGGED, "finance_archive", mode="basic", tags={"protect": "yes"})
        world.add_workspace(PROD_NAMED, "prod_reporting", mode="basic")
        monkeypatch.setenv("DATAWORKS_ENDPOINT", fake.endpoint)
        monkeypatch.setenv("DATAWORKS_EXTENSION_CODE", DEFAULT_EXTENSION_CODE)
        yield fake


PolicyWriter = Callable[..., Path]


@pytest.fixture
def policy_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PolicyWriter:
    """Write a policy (rules + options) and point OPENEVENT_CONFIG at it."""

    def write(rules: list[dict[str, Any]], **options: Any) -> Path:
        path = tmp_path / "policy.yaml"
        path.write_text(yaml.safe_dump({"contact": "dw-oncall", **options, "rules": rules}), encoding="utf-8")
        monkeypatch.setenv("OPENEVENT_CONFIG", str(path))
        return path

    return write


RunnerFactory = Callable[..., GuardRunner]


@pytest.fixture
def workspace_guard() -> RunnerFactory:
    from openevent.guard.workspace import collect_facts, confirm_deleted

    def make(clock: float = TUESDAY_11) -> GuardRunner:
        return GuardRunner("workspace_delete_guard", collect_facts, clock=lambda: clock,
                           confirm={"dataworks:ProjectChange:ProjectDeleted": confirm_deleted})

    return make


@pytest.fixture
def download_guard() -> RunnerFactory:
    from openevent.guard.transfer import collect_facts

    def make(clock: float = TUESDAY_11) -> GuardRunner:
        return GuardRunner("download_guard", collect_facts, clock=lambda: clock)

    return make
