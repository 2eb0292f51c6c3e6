"""Shared pytest fixtures: paths to the sample corpus and a helper to run the CLI in-process."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fixtures.redis_server import RedisServer, require_redis_server
from support import EVENTS_DIR, CliResult


def pytest_ignore_collect(collection_path: Path) -> bool | None:
    """Collect only the ``test_*.py`` modules of ``tests/``, also under ``--doctest-modules`` (pyproject's
    ``addopts``, for the library's docstrings): conftests and helper modules are imported by the tests,
    not collected (collecting them as doctest modules would import each conftest a second time)."""
    if collection_path.suffix == ".py" and not collection_path.name.startswith("test_"):
        return True
    return None


@pytest.fixture
def events_dir() -> Path:
    return EVENTS_DIR


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Run ``openevent ARGS`` in-process with optional stdin; capture exit code, stdout, stderr."""
    from openevent.cli import main

    def run(*args: str, stdin: bytes | str = b"") -> CliResult:
        data = stdin.encode() if isinstance(stdin, str) else stdin
        out, err = io.StringIO(), io.StringIO()
        fake_in = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
        monkeypatch.setattr(sys, "stdin", fake_in)
        monkeypatch.setattr(sys, "stdout", out)
        monkeypatch.setattr(sys, "stderr", err)
        code = main(list(args))
        return CliResult(code, out.getvalue(), err.getvalue())

    return run


@pytest.fixture(autouse=True)
def _logs_on_stdout() -> None:
    """Every test starts with the FC default (JSON logs on stdout), whatever an earlier CLI run set."""
    from openevent.runtime.logging import configure_logging

    configure_logging("stdout", force=True)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real redis-server on a free 127.0.0.1 port, one for the whole session (CI installs it)."""
    with RedisServer(require_redis_server()) as server:
        yield server.url
