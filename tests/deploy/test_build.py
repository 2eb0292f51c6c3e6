"""`openevent build`: one self-contained package per function, for FC's python3.10 or for this machine."""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import re
import shutil
import stat
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deploy_paths import FUNCTIONS, LOCAL_PYTHON, ROOT

from openevent.deploy.build import EXCLUDED_SUBPACKAGES, BuildError, build, parse_requirements, read_requirements
from openevent.deploy.bytecode import BytecodeError, find_interpreter
from openevent.events.registry import REGISTRY
from openevent.events.samples import sample_event
from openevent.local.demo_keys import LOCAL_DEMO_ACCESS_KEY_ID, LOCAL_DEMO_ACCESS_KEY_SECRET
from openevent.local.fake_dataworks import FakeDataWorks
from openevent.local.fake_dataworks_world import DEFAULT_EXTENSION_CODE
from openevent.local.fake_sls import FakeSls
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


def _fc_interpreter() -> str | None:
    try:
        return find_interpreter("3.10")
    except BytecodeError:
        return None


FC_INTERPRETER = _fc_interpreter()
needs_fc_python = pytest.mark.skipif(FC_INTERPRETER is None, reason="no python3.10 here to run FC's bytecode")


@pytest.fixture(scope="session")
def fc_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every function built once with the defaults: FC python3.10, manylinux2014_x86_64 wheels.

    With bytecode where a python3.10 is found to compile it (the default build needs one).
    """
    out = tmp_path_factory.mktemp("build-fc")
    return {r["function"]: r for r in build(ROOT, out, bytecode=FC_INTERPRETER is not None)}


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
    tag = sys.implementation.cache_tag  # the build's own bytecode, one pyc beside each source, is the only one
    assert not [p for p in relative if p.suffix in (".pyc", ".pyo") and not (
        p.parent.name == "__pycache__" and p.name.endswith(f".{tag}.pyc")
        and (folder / p.parent.parent / (p.name.split(".")[0] + ".py")).is_file())]
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


# -- bytecode: what a read-only /code imports without compiling anything

BYTECODE_FUNCTION = "workspace_delete_guard"  # the smallest package
POISON = '\nraise ImportError("compiled from its source: the pyc was not used")\n'


def _snapshot(folder: Path) -> dict[str, tuple[int, float]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime) for p in folder.rglob("*")}


def _run_handler(folder: Path, python: str, tmp_path: Path, function: str,
                 stdlib: list[str]) -> subprocess.CompletedProcess[str]:
    """The handler on a sample event, bytecode reads and writes allowed (no -B), only the package importable."""
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(sample_event(types_for_function(function)[0])), encoding="utf-8")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "OPENEVENT_CONFIG": str(folder / "config.yaml"),
           "OPENEVENT_STATE_URL": "memory://"}
    return subprocess.run([python, "-I", "-S", "-c", ISOLATED_RUN, str(folder), json.dumps(stdlib), str(event_file)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)


def packaged_pyc(source: Path, cache_tag: str = sys.implementation.cache_tag) -> Path:
    """The pyc a package ships beside ``source`` for ``cache_tag`` (``importlib.util.cache_from_source``
    would follow a ``PYTHONPYCACHEPREFIX``, which CI sets on 3.10, to a folder outside the package)."""
    return source.parent / "__pycache__" / f"{source.stem}.{cache_tag}.pyc"


def ships_pyc(source: Path) -> bool:
    """Whether the package ships a pyc of ``source`` for any interpreter (the FC build's are cpython-310)."""
    return any((source.parent / "__pycache__").glob(f"{source.stem}.cpython-*.pyc"))


@pytest.fixture
def read_only_copy(tmp_path: Path) -> Iterator[Any]:
    """Copies a built package to tmp_path/code and makes it read-only, as FC's /code (writable again afterwards)."""
    copies: list[Path] = []

    def make(folder: Path, poison: bool) -> Path:
        code = tmp_path / "code"
        shutil.copytree(folder, code, symlinks=True)
        if poison:  # unchecked-hash pycs are loaded without reading the source: a broken source proves it
            poisoned = 0
            for source in code.rglob("*.py"):
                if ships_pyc(source):
                    with source.open("a", encoding="utf-8") as handle:
                        handle.write(POISON)
                    poisoned += 1
            assert poisoned > 0, "no source with a shipped pyc to poison"
        for path in [code, *code.rglob("*")]:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        copies.append(code)
        return code

    yield make
    for code in copies:
        for path in [code, *code.rglob("*")]:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | stat.S_IWUSR)


def test_every_module_ships_an_unchecked_hash_pyc_for_the_target(local_build: dict[str, Any]) -> None:
    report = local_build[BYTECODE_FUNCTION]
    folder = Path(report["path"])
    assert report["bytecode"]["cache_tag"] == sys.implementation.cache_tag
    sources = [p for p in folder.rglob("*.py") if str(p.relative_to(folder)) not in report["bytecode"]["failed"]]
    assert report["bytecode"]["compiled"] == len(sources) > 0
    for source in sources:
        pyc = packaged_pyc(source)
        flags = int.from_bytes(pyc.read_bytes()[4:8], "little")
        assert flags == 0b01, (source, flags)  # PEP 552: hash-based, source never checked


def test_bytecode_records_the_fc_path_of_each_module_not_the_build_folder(local_build: dict[str, Any]) -> None:
    folder = Path(local_build[BYTECODE_FUNCTION]["path"])
    pyc = packaged_pyc(folder / "openevent" / "errors.py")
    code = marshal.loads(pyc.read_bytes()[16:])
    assert code.co_filename == "/code/openevent/errors.py"


def test_read_only_package_runs_its_handler_from_bytecode_without_compiling_a_source(
        local_build: dict[str, Any], read_only_copy: Any, tmp_path: Path) -> None:
    code = read_only_copy(Path(local_build[BYTECODE_FUNCTION]["path"]), poison=True)
    done = _run_handler(code, sys.executable, tmp_path, BYTECODE_FUNCTION, _stdlib_paths())
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1])["openevent"].startswith(str(code))


def test_importing_a_package_writes_nothing_into_it(local_build: dict[str, Any], tmp_path: Path) -> None:
    code = tmp_path / "code"
    shutil.copytree(Path(local_build[BYTECODE_FUNCTION]["path"]), code, symlinks=True)
    before = _snapshot(code)
    done = _run_handler(code, sys.executable, tmp_path, BYTECODE_FUNCTION, _stdlib_paths())
    assert done.returncode == 0, done.stderr[-3000:]
    assert _snapshot(code) == before  # every pyc was current: none written, none rewritten


@needs_fc_python
def test_fc_package_runs_on_python310_read_only_from_its_bytecode(
        fc_build: dict[str, Any], read_only_copy: Any, tmp_path: Path) -> None:
    assert FC_INTERPRETER is not None
    report = fc_build[BYTECODE_FUNCTION]
    assert report["bytecode"]["cache_tag"] == "cpython-310"
    code = read_only_copy(Path(report["path"]), poison=True)
    stdlib = json.loads(subprocess.run(
        [FC_INTERPRETER, "-I", "-c", "import json, os, sysconfig; p = sysconfig.get_paths(); "
         "print(json.dumps([p['stdlib'], p['platstdlib'], os.path.join(p['stdlib'], 'lib-dynload')]))"],
        capture_output=True, text=True, check=True).stdout)
    done = _run_handler(code, FC_INTERPRETER, tmp_path, BYTECODE_FUNCTION, stdlib)
    assert done.returncode == 0, done.stderr[-3000:]


IMPORT_ALL = """
import importlib, json, sys
sys.path[:0] = [sys.argv[1]]
failed = {}
for name in json.loads(sys.argv[2]):
    try:
        importlib.import_module(name)
    except Exception as exc:  # noqa: BLE001 - every failure is the finding
        failed[name] = repr(exc)
print(json.dumps(failed))
"""


def _top_level_modules(folder: Path) -> list[str]:
    return sorted({p.name.split(".")[0] for p in folder.iterdir()
                   if not p.name.endswith(".dist-info") and p.name != "__pycache__"
                   and ((p / "__init__.py").is_file() or p.suffix in (".py", ".so"))})


@needs_fc_python
@pytest.mark.parametrize("function", ["node_change_auditor", "download_guard"])  # the widest dependency sets
def test_fc_package_imports_every_top_level_module_it_ships_on_python310(
        fc_build: dict[str, Any], function: str, tmp_path: Path) -> None:
    assert FC_INTERPRETER is not None
    folder = Path(fc_build[function]["path"])
    done = subprocess.run([FC_INTERPRETER, "-I", "-B", "-c", IMPORT_ALL, str(folder),
                           json.dumps(_top_level_modules(folder))],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {}


def test_build_without_an_interpreter_of_the_target_version_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=r"no Python 3\.99 interpreter.*pyenv install 3\.99.*--no-bytecode"):
        build(ROOT, tmp_path, [BYTECODE_FUNCTION], python_version="3.99")
    assert not list(tmp_path.iterdir())  # refused before installing anything


def test_an_interpreter_of_another_version_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=r"is Python \d\.\d+, not the target 3\.99"):
        build(ROOT, tmp_path, [BYTECODE_FUNCTION], python_version="3.99", interpreter=sys.executable)


# -- what a package holds: only what its function imports

SLS_FUNCTIONS = [f for f in FUNCTIONS if any(r.spec == "aliyun-log-python-sdk"
                                             for r in parse_requirements(ROOT / "functions" / f / "requirements.txt"))]
SLS_SDK_OTHER_DEPENDENCIES = ("elasticsearch", "elastic_transport", "dateparser", "regex", "pytz", "tzlocal", "tzdata")

SLS_PUT = """
import json, sys
sys.path[:] = [sys.argv[1], *json.loads(sys.argv[2])]
from openevent.runtime.credentials import Credentials
from openevent.sls import SlsTarget, SlsWriter
target = SlsTarget(endpoint=sys.argv[3], project="openevent-audit", logstore="audit", topic="t")
SlsWriter(target, Credentials(sys.argv[4], sys.argv[5])).put([(1700000000, [("k", "v")])])
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} - set(sys.stdlib_module_names))))
"""


def test_sls_functions_install_the_sdk_without_its_declared_dependencies() -> None:
    assert SLS_FUNCTIONS
    for function in SLS_FUNCTIONS:
        requirements = parse_requirements(ROOT / "functions" / function / "requirements.txt")
        assert [r.no_deps for r in requirements if r.spec == "aliyun-log-python-sdk"] == [True]


@pytest.mark.parametrize("function", SLS_FUNCTIONS)
def test_sls_package_holds_none_of_the_sdk_dependencies_putlogs_never_imports(
        local_build: dict[str, Any], function: str) -> None:
    folder = Path(local_build[function]["path"])
    assert (folder / "aliyun" / "log").is_dir()
    assert [name for name in SLS_SDK_OTHER_DEPENDENCIES if (folder / name).exists()] == []


@pytest.mark.parametrize("function", SLS_FUNCTIONS)
def test_sls_package_puts_lz4_compressed_logs_with_only_its_own_folder_on_sys_path(
        local_build: dict[str, Any], function: str, tmp_path: Path) -> None:
    folder = Path(local_build[function]["path"])
    with FakeSls(projects={"openevent-audit": ["audit"]}) as fake:
        key = fake.add_key("LTAIpackagetest", "package-test-secret")
        done = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", SLS_PUT, str(folder),
                               json.dumps(_stdlib_paths()), fake.endpoint, key.key_id, key.secret],
                              cwd=tmp_path, env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)},
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        assert [(g.compress_type, g.logs[0]["contents"]) for g in fake.groups] == [("lz4", {"k": "v"})]
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert not loaded & set(SLS_SDK_OTHER_DEPENDENCIES)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_package_holds_no_type_stubs_or_unused_accelerators(local_build: dict[str, Any], function: str) -> None:
    folder = Path(local_build[function]["path"])
    assert not list(folder.rglob("*.pyi"))
    assert not list(folder.glob("yaml/_yaml*")) and not (folder / "yaml" / "cyaml.py").exists()
    assert not (folder / "_yaml").exists()
    assert not (folder / "lz4" / "frame").exists()


STORE_OPS = """
import json, sys
sys.path[:] = [sys.argv[1], *json.loads(sys.argv[2])]
from openevent.state import open_store
store = open_store(sys.argv[3], prefix=sys.argv[4])
done = [store.add_once("e:1", ttl_s=60), store.add_once("e:1", ttl_s=60), store.incr_window("w", 60),
        store.take("b", 1, 60), store.take("b", 1, 60), store.put("d", {"a": 1}, ttl_s=60), store.get("d"),
        store.update("d", lambda doc: {**(doc or {}), "b": 2}), store.append("l", 1), store.drain("l"),
        store.delete("d")]
with store.lock("k", ttl_s=5) as held:
    done.append(held)
store.close()
print(json.dumps({"done": done, "pydantic.v1": "pydantic.v1" in sys.modules}))
"""


@pytest.mark.parametrize("function", FUNCTIONS)
def test_package_without_redis_module_commands_and_pydantic_v1_keeps_every_state_store_operation(
        local_build: dict[str, Any], function: str, redis_url: str, tmp_path: Path) -> None:
    folder = Path(local_build[function]["path"])
    assert not [p for name in ("search", "json", "timeseries", "bf", "vectorset")
                if (p := folder / "redis" / "commands" / name).exists()]
    assert not (folder / "pydantic" / "v1").exists() and not (folder / "pydantic" / "mypy.py").exists()
    done = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", STORE_OPS, str(folder),
                           json.dumps(_stdlib_paths()), redis_url, f"pkgtest-{function}"],
                          cwd=tmp_path, env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)},
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["done"] == [True, False, 1, True, False, None, {"a": 1}, {"a": 1, "b": 2}, 1, [1], True, True]
    assert result["pydantic.v1"] is False


def test_report_gives_each_package_zipped_size_and_largest_parts(local_build: dict[str, Any]) -> None:
    for report in local_build.values():
        assert 0 < report["zip_bytes"] < report["bytes"]
        sizes = [size for _part, size in report["largest"]]
        assert sizes == sorted(sizes, reverse=True) and report["largest"][0][1] == max(report["sizes"].values())


def test_guard_package_sends_its_callback_through_the_dataworks_sdk_it_ships(
        local_build: dict[str, Any], tmp_path: Path) -> None:
    folder = Path(local_build[BYTECODE_FUNCTION]["path"])
    extension_type = next(t for t in types_for_function(BYTECODE_FUNCTION) if REGISTRY[t].is_extension)
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(sample_event(extension_type)), encoding="utf-8")
    with FakeDataWorks() as fake:
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "OPENEVENT_STATE_URL": "memory://",
               "OPENEVENT_CONFIG": str(folder / "config.yaml"), "DATAWORKS_ENDPOINT": fake.endpoint,
               "DATAWORKS_EXTENSION_CODE": DEFAULT_EXTENSION_CODE,
               "ALIBABA_CLOUD_ACCESS_KEY_ID": LOCAL_DEMO_ACCESS_KEY_ID,
               "ALIBABA_CLOUD_ACCESS_KEY_SECRET": LOCAL_DEMO_ACCESS_KEY_SECRET}
        done = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", ISOLATED_RUN, str(folder),
                               json.dumps(_stdlib_paths()), str(event_file)],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        assert json.loads(done.stdout.strip().splitlines()[-1])["result"]["callback"]["sent"] is True
        assert len(fake.callbacks) == 1
