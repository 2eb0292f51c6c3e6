"""Fixtures for the state store tests: every backend behind one harness (see ``state_harness``).

``h`` runs a test once per backend (memory, sqlite, redis); ``shared`` once per backend that
separate processes can share (sqlite, redis). The Redis server is real, one per test session.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

for _path in (Path(__file__).resolve().parents[1], Path(__file__).resolve().parent):
    if str(_path) not in sys.path:  # tests/ for fixtures.redis_server, tests/state for state_harness
        sys.path.insert(0, str(_path))

from state_harness import Harness, make_harness  # noqa: E402

BACKENDS = ["memory", "sqlite", "redis"]
SHARED_BACKENDS = ["sqlite", "redis"]


@pytest.fixture(params=BACKENDS)
def h(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    """The same test against each backend."""
    harness = make_harness(request.param, request, tmp_path)
    yield harness
    harness.store.close()


@pytest.fixture(params=SHARED_BACKENDS)
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    """Backends that separate processes share (sqlite, redis)."""
    harness = make_harness(request.param, request, tmp_path)
    yield harness
    harness.store.close()


@pytest.fixture
def redis_h(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    """The Redis backend alone, for what only Redis has (connections, server-side keys)."""
    harness = make_harness("redis", request, tmp_path)
    yield harness
    harness.store.close()
