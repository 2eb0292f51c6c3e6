"""``openevent bench cold``: the figures it reports (shape, not timings) and how it prepares a package.

The bench runs here in its tiny mode: one function, one round, this interpreter, and a "package"
that is the function's folder alone (this interpreter's environment supplies ``openevent`` and
the third-party packages), so no build and no network are needed.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from openevent.bench.cold_bench import has_bytecode, prepare, run
from support import CliResult

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


@pytest.fixture
def packages(tmp_path: Path) -> Path:
    folder = tmp_path / "packages"
    shutil.copytree(FUNCTIONS / "download_guard", folder / "download_guard")
    return folder


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("cold") / "packages"
    shutil.copytree(FUNCTIONS / "download_guard", folder / "download_guard")
    return run(functions=["download_guard"], rounds=1, python=sys.executable, packages=str(folder))


def test_figures_name_the_interpreter_the_rounds_and_the_anchor(figures: dict[str, Any]) -> None:
    assert figures["python"] == sys.executable and figures["rounds"] == 1
    assert figures["python_version"] == f"{sys.version_info.major}.{sys.version_info.minor}"
    assert figures["anchor"] == "import pydantic, structlog" and figures["target_ratio"] == 1.6


def test_each_function_reports_best_and_median_cpu_and_wall_of_anchor_and_subject(figures: dict[str, Any]) -> None:
    fig = figures["functions"]["download_guard"]
    for key in ("anchor_cpu_ms", "anchor_wall_ms", "floor_cpu_ms", "subject_cpu_ms", "subject_wall_ms",
                "subject_import_cpu_ms", "first_call_cpu_ms"):
        assert set(fig[key]) == {"best", "median"} and all(v >= 0 for v in fig[key].values())
    assert set(fig["ratio"]) == {"cpu_best", "cpu_median", "wall_best", "wall_median"}
    assert fig["meets_target"] == (fig["ratio"]["cpu_best"] <= 1.6)
    assert fig["floor_ratio_cpu_best"] > 0 and fig["subject_vs_floor_cpu_best"] > 0
    assert figures["worst_ratio_cpu_best"] == fig["ratio"]["cpu_best"]


def test_the_first_call_is_a_real_decision_answered_to_the_fake_dataworks(figures: dict[str, Any]) -> None:
    result = figures["functions"]["download_guard"]["first_result"]
    assert result["decision"] == "FAIL"  # 2,000,000 rows > the shipped row limit
    assert result["callback"]["api"] == "CallbackExtension" and result["callback"]["sent"] is True


def test_a_package_without_bytecode_is_compiled_by_the_bench_and_says_so(figures: dict[str, Any]) -> None:
    assert figures["functions"]["download_guard"]["compiled_by_bench"] is True


def test_the_import_breakdown_lists_what_the_subject_imports_beyond_the_anchor(figures: dict[str, Any]) -> None:
    imports = figures["functions"]["download_guard"]["imports"]
    assert imports["beyond_anchor_modules"] > 0 and imports["beyond_anchor_import_ms"] > 0
    assert "openevent" in imports["beyond_anchor_by_package_ms"]
    assert "structlog" not in imports["beyond_anchor_by_package_ms"]  # the anchor imports it


def test_a_prepared_package_is_read_only_and_compiled(packages: Path, tmp_path: Path) -> None:
    dest = tmp_path / "code" / "download_guard"
    compiled = prepare(packages / "download_guard", dest, sys.executable)
    try:
        assert compiled and has_bytecode(dest)
        assert not dest.stat().st_mode & 0o222 and not (dest / "index.py").stat().st_mode & 0o222
    finally:
        for path in [dest, *dest.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)


def test_a_package_that_ships_bytecode_is_not_compiled_again(packages: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import compileall

    monkeypatch.setattr(sys, "pycache_prefix", None)  # the pycs go into the package (CI sets a prefix on 3.10)
    compileall.compile_dir(str(packages / "download_guard"), quiet=1)
    dest = tmp_path / "code" / "download_guard"
    try:
        assert prepare(packages / "download_guard", dest, sys.executable) is False
    finally:
        for path in [dest, *dest.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)


def test_the_command_prints_the_figures_as_json_on_its_last_line(
        packages: Path, run_cli: Callable[..., CliResult]) -> None:
    result = run_cli("bench", "cold", "--function", "download_guard", "--rounds", "1", "--python", sys.executable,
                     "--packages", str(packages))
    assert result.code == 0
    assert list(json.loads(result.out.strip().splitlines()[-1])["functions"]) == ["download_guard"]
