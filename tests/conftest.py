"""Shared pytest fixtures: paths to the sample corpus, a helper to run the CLI in-process, and the
suite-wide secret scan (:mod:`secret_scan`): every test's captured output is searched for every
secret seen so far, and the redaction registry is reset after each test.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fixtures.redis_server import RedisServer, require_redis_server
from openevent.runtime.redact import registered_secrets, restore_secrets
from secret_scan import SCANNER
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
        SCANNER.feed(out.getvalue(), where="the CLI's stdout")
        SCANNER.feed(err.getvalue(), where="the CLI's stderr")
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


# -- the suite-wide secret scan -------------------------------------------------------------------
def pytest_configure(config: pytest.Config) -> None:
    """Tee what ``capsys``/``capfd`` hand a test into the scan (output a test reads is output too)."""
    original = pytest.CaptureFixture.readouterr
    if getattr(original, "_secret_scan", False):
        return

    def readouterr(self: pytest.CaptureFixture[Any]) -> Any:
        result = original(self)
        for where, text in (("captured stdout read by the test", result.out),
                            ("captured stderr read by the test", result.err)):
            SCANNER.feed(text.decode("utf-8", "replace") if isinstance(text, bytes) else text, where=where)
        return result

    readouterr._secret_scan = True  # type: ignore[attr-defined]
    pytest.CaptureFixture.readouterr = readouterr  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _redaction_registry(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with the registry its session and module fixtures left, and ends with it restored;
    what it registered is remembered by the scan. Output files under its ``tmp_path`` are searched."""
    before = registered_secrets()
    SCANNER.learn()
    yield
    SCANNER.learn()
    tmp = request.node.funcargs.get("tmp_path") if hasattr(request.node, "funcargs") else None
    leaks = [] if tmp is None or request.node.get_closest_marker("secret_output") else SCANNER.leaks_in_files(tmp)
    restore_secrets(before)
    if leaks:
        pytest.fail("secret in a file the test left: " + "; ".join(leaks), pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Fail the test whose captured output of this phase holds a secret (``secret_output`` exempts it)."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    texts = [(title, content) for title, content in report.sections if title.endswith(f" {report.when}")]
    texts += SCANNER.take_pending()
    if item.get_closest_marker("secret_output"):
        return
    for where, text in texts:
        leak = SCANNER.leak_in(text)
        if leak is not None:
            report.outcome = "failed"
            report.longrepr = f"{leak} in {where.lower()} (secrets must be masked as ***; see tests/secret_scan.py)"
            # the report shows the captured output: it must not print the secret it is about
            report.sections = [(title, SCANNER.mask(content)) for title, content in report.sections]
            return
