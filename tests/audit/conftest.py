"""Fixtures of the audit tests: a fake SLS endpoint and a JSONL path in a temp dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from openevent.local.fake_sls import FakeSls


@pytest.fixture
def fake_sls() -> Iterator[FakeSls]:
    with FakeSls(projects={"dw-audit": ["node-changes"]}) as fake:
        yield fake


@pytest.fixture
def jsonl(tmp_path: Path) -> Path:
    return tmp_path / "trail" / "audit.jsonl"
