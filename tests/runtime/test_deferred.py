"""Deferred modules: imported when an attribute is first read, once, with one copy of each submodule."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from openevent.runtime.deferred import defer, is_deferred

PACKAGE = "deferred_probe_pkg"


@pytest.fixture
def probe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A package whose import appends to a log file, with one submodule."""
    root = tmp_path / PACKAGE
    root.mkdir()
    log = tmp_path / "loads.txt"
    (root / "__init__.py").write_text(
        f"open({str(log)!r}, 'a').write('package\\n')\nfrom . import sub\nVALUE = sub.VALUE + 1\n", encoding="utf-8")
    (root / "sub.py").write_text(f"open({str(log)!r}, 'a').write('sub\\n')\nVALUE = 41\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield log
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]


def _loads(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").split() if log.exists() else []


def test_a_deferred_module_is_imported_by_the_first_attribute_read_not_by_its_import(probe: Path) -> None:
    assert defer(PACKAGE) is True
    import deferred_probe_pkg  # type: ignore[import-not-found]

    assert _loads(probe) == [] and is_deferred(PACKAGE)
    assert deferred_probe_pkg.VALUE == 42
    assert _loads(probe) == ["package", "sub"] and not is_deferred(PACKAGE)
    assert deferred_probe_pkg.sub.VALUE == 41 and _loads(probe) == ["package", "sub"]


def test_a_submodule_imported_first_loads_alone_and_the_package_reuses_it(probe: Path) -> None:
    defer(PACKAGE)
    first = importlib.import_module(f"{PACKAGE}.sub")

    assert _loads(probe) == ["sub"]
    assert sys.modules[PACKAGE].VALUE == 42  # the package loads now, once
    assert _loads(probe) == ["sub", "package"]
    assert sys.modules[f"{PACKAGE}.sub"] is first and sys.modules[PACKAGE].sub is first


def test_threads_reading_at_once_load_the_module_once(probe: Path) -> None:
    defer(PACKAGE)
    stand_in = sys.modules[PACKAGE]
    start = threading.Barrier(8)
    values: list[int] = []

    def read() -> None:
        start.wait()
        values.append(stand_in.VALUE)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert values == [42] * 8 and _loads(probe) == ["package", "sub"]


def test_an_imported_module_is_not_deferred_and_a_missing_one_is_left_to_its_import() -> None:
    assert defer("json") is False
    assert defer("no_such_module_anywhere") is False
    with pytest.raises(ModuleNotFoundError):
        __import__("no_such_module_anywhere")


LOGGING_WITHOUT_ASYNCIO = """
import json, sys
from openevent.runtime.logging import configure_logging, get_logger
configure_logging("stdout", force=True)
get_logger("probe").info("ready", token="abc")
loaded = type(sys.modules["asyncio"]).__name__
import asyncio
loop = asyncio.new_event_loop(); ran = loop.run_until_complete(asyncio.sleep(0, result="ran")); loop.close()
print(json.dumps({"before_use": loaded, "after_use": type(sys.modules["asyncio"]).__name__, "ran": ran}))
"""


def test_logging_with_structlog_leaves_asyncio_unloaded_until_something_uses_it() -> None:
    done = subprocess.run([sys.executable, "-c", LOGGING_WITHOUT_ASYNCIO], capture_output=True, text=True,
                          timeout=60, check=True)
    lines = done.stdout.strip().splitlines()

    assert json.loads(lines[0])["event"] == "ready" and json.loads(lines[0])["token"] == "***"
    assert json.loads(lines[-1]) == {"before_use": "_Deferred", "after_use": "module", "ran": "ran"}
