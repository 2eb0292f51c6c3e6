"""`openevent build`: one self-contained package per function, for FC's python3.10 or for this machine."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
from deploy_paths import FUNCTIONS, LOCAL_PYTHON, ROOT

from openevent.deploy.build import EXCLUDED_SUBPACKAGES, build, read_requirements
from openevent.events.registry import REGISTRY
from openevent.events.samples import sample_event
from openevent.local.functions import types_for_function

ISOLATED_RUN = """
import json, sys
sys.path[:] = [sys.argv[1], *json.loads(sys.argv[2])]
import index
result = index.handler(open(sys.argv[3], "rb").read(), None)
print(json.dumps({"result": result, "openevent": sys.modules["openevent"].__file__}, default=str))
"""


@pytest.fixture(scope="session")
def local_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every function built once for this interpreter (runnable here)."""
    out = tmp_path_factory.mktemp("build-local")
    return {r["function"]: r for r in build(ROOT, out, python_version=LOCAL_PYTHON)}


@pytest.fixture(scope="session")
def fc_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every function built once with the defaults: FC python3.10, manylinux2014_x86_64 wheels."""
    out = tmp_path_factory.mktemp("build-fc")
    return {r["function"]: r for r in build(ROOT, out)}


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _stdlib_paths() -> list[str]:
    stdlib = sysconfig.get_paths()["stdlib"]
    return [stdlib, sysconfig.get_paths()["platstdlib"], os.path.join(stdlib, "lib-dynload")]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_package_handles_a_sample_event_with_only_its_own_folder_on_sys_path(
        local_build: dict[str, Any], function: str, tmp_path: Path) -> None:
    folder = Path(local_build[function]["path"])
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(sample_event(types_for_function(function)[0])), encoding="utf-8")
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONNOUSERSITE": "1", "HOME": str(tmp_path),
           "OPENEVENT_CONFIG": str(folder / "config.yaml"), "OPENEVENT_STATE_URL": "memory://"}
    done = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", ISOLATED_RUN, str(folder),
                           json.dumps(_stdlib_paths()), str(event_file)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    output = json.loads(done.stdout.strip().splitlines()[-1])
    assert output["openevent"].startswith(str(folder))
    assert isinstance(output["result"], dict)


@pytest.mark.parametrize("function", [f for f in FUNCTIONS
                                      if any(REGISTRY[t].is_extension for t in types_for_function(f))])
def test_guard_package_without_endpoint_or_credentials_returns_its_decision_unsent(
        local_build: dict[str, Any], function: str, tmp_path: Path) -> None:
    folder = Path(local_build[function]["path"])
    extension_type = next(t for t in types_for_function(function) if REGISTRY[t].is_extension)
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(sample_event(extension_type)), encoding="utf-8")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "OPENEVENT_STATE_URL": "memory://"}
    done = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", ISOLATED_RUN, str(folder),
                           json.dumps(_stdlib_paths()), str(event_file)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])["result"]
    assert result["decision"] in ("OK", "WARN", "FAIL")
    assert result["callback"]["sent"] is False


@pytest.mark.parametrize("function", FUNCTIONS)
def test_package_holds_no_tests_caches_scripts_or_local_only_library_parts(
        local_build: dict[str, Any], function: str) -> None:
    folder = Path(local_build[function]["path"])
    relative = [p.relative_to(folder) for p in _files(folder)]
    ours = [p for p in relative if len(p.parts) == 1 or p.parts[0] == "openevent"]  # not third-party code
    assert not (folder / "tests").exists()
    assert not [p for p in ours if "tests" in p.parts or p.name.startswith(("test_", "conftest"))]
    assert not [p for p in relative if "__pycache__" in p.parts or p.suffix == ".pyc"]
    assert not (folder / "bin").exists()
    for name in EXCLUDED_SUBPACKAGES:
        assert not (folder / "openevent" / name).exists()


@pytest.mark.parametrize("function", FUNCTIONS)
def test_package_holds_its_own_function_code_and_no_other_function(
        local_build: dict[str, Any], function: str) -> None:
    folder = Path(local_build[function]["path"])
    source = ROOT / "functions" / function
    assert (folder / "index.py").read_bytes() == (source / "index.py").read_bytes()
    others = {(ROOT / "functions" / other / "index.py").read_bytes() for other in FUNCTIONS if other != function}
    assert not [p for p in _files(folder) if p.name == "index.py" and p.read_bytes() in others]


def test_library_keeps_no_import_of_the_parts_left_out_of_packages() -> None:
    pattern = re.compile(r"^\s*(from|import)\s+openevent\.(" + "|".join(EXCLUDED_SUBPACKAGES) + r")\b", re.M)
    library = ROOT / "shared" / "openevent"
    offenders = [str(p.relative_to(library)) for p in library.rglob("*.py")
                 if p.relative_to(library).parts[0] not in EXCLUDED_SUBPACKAGES and p.name != "__main__.py"
                 and pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


@pytest.mark.parametrize("function", FUNCTIONS)
def test_function_requirements_are_pinned_by_the_root_requirements(function: str) -> None:
    pinned = {line.split("==")[0].lower() for line in read_requirements(ROOT / "requirements.txt")}
    assert all("==" in line for line in read_requirements(ROOT / "requirements.txt"))
    wanted = {line.lower() for line in read_requirements(ROOT / "functions" / function / "requirements.txt")}
    assert wanted <= pinned


def test_remote_invoke_sdk_is_never_packaged(local_build: dict[str, Any]) -> None:
    for report in local_build.values():
        assert not (Path(report["path"]) / "fc2").exists()


def test_build_output_is_deterministic(tmp_path: Path) -> None:
    function = FUNCTIONS[0]

    def digest(out: Path) -> dict[str, str]:
        (report,) = build(ROOT, out, [function], python_version=LOCAL_PYTHON)
        folder = Path(report["path"])
        return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() + str(p.stat().st_mtime)
                for p in _files(folder)}

    assert digest(tmp_path / "a") == digest(tmp_path / "b")


def test_report_gives_each_package_size(local_build: dict[str, Any]) -> None:
    for function, report in local_build.items():
        assert report["bytes"] == sum(report["sizes"].values()) > 0
        assert report["sizes"]["index.py"] == (ROOT / "functions" / function / "index.py").stat().st_size


def test_unknown_function_is_a_clear_error(tmp_path: Path) -> None:
    from openevent.deploy.build import BuildError

    with pytest.raises(BuildError, match="no function folder nope"):
        build(ROOT, tmp_path, ["nope"], python_version=LOCAL_PYTHON)


def test_default_build_contains_cpython310_manylinux_wheels(fc_build: dict[str, Any]) -> None:
    for report in fc_build.values():
        folder = Path(report["path"])
        assert report["python_version"] == "3.10" and report["platform"] == "manylinux2014_x86_64"
        wheels = {wheel.parent.name: [line.split(":", 1)[1].strip()
                                      for line in wheel.read_text(encoding="utf-8").splitlines()
                                      if line.startswith("Tag:")]
                  for wheel in folder.glob("*.dist-info/WHEEL")}
        assert wheels
        for name, tags in wheels.items():
            assert any(_fits_fc(tag) for tag in tags), (name, tags)
        assert any(t.startswith("cp310-cp310-manylinux") for tags in wheels.values() for t in tags)
        native = [p.name for p in folder.rglob("*.so")]
        assert native and not [n for n in native if "cpython-3" in n and "cpython-310" not in n]


def _fits_fc(tag: str) -> bool:
    """A wheel tag FC's python3.10 on x86_64 glibc can load."""
    interpreter, abi, platform = tag.split("-")
    pure = platform == "any" and abi == "none" and "py3" in interpreter.split(".")
    binary = platform.startswith("manylinux") and platform.endswith("x86_64") and (
        (interpreter, abi) == ("cp310", "cp310")
        or (abi == "abi3" and interpreter.startswith("cp3") and int(interpreter[3:]) <= 10))
    return pure or binary
