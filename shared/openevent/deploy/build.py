"""Assemble one deployable code folder per function: ``build/<function>/``.

A package is the function's folder (``index.py``, ``config.yaml``, …) + the ``openevent`` library
(without the parts no function imports: :data:`EXCLUDED_SUBPACKAGES`) + exactly the third-party
packages listed in ``functions/<function>/requirements.txt``, at the versions pinned by the root
``requirements.txt`` (used as pip constraints). FC puts the code root ``/code`` on ``sys.path``, so
everything is installed at the root of the folder. A requirement line ending in ``--no-deps``
installs that package without the dependencies it declares (``aliyun-log-python-sdk`` declares
elasticsearch, dateparser … for APIs no function calls); the function's requirements then list
exactly the ones its code path imports. Parts of third-party packages that are never imported
(:data:`PRUNED`: type stubs, unused optional accelerators) are left out, and native extensions
lose their debug sections (:mod:`openevent.deploy.native`; lz4's 3.4 MB become 0.36 MB).

Every ``.py`` is shipped with its bytecode (:mod:`openevent.deploy.bytecode`), compiled by an
interpreter of the target version into unchecked-hash ``__pycache__/*.cpython-3XX.pyc``: FC's
``/code`` is read-only, so without them every cold start compiles every module again.

By default the dependencies are installed for FC's ``python3.10`` runtime (``manylinux2014_x86_64``,
CPython 3.10 wheels only), whatever machine runs the build. Packages published only as source
(``aliyun-python-sdk-core``, ``aliyun-log-python-sdk`` …) are first built into pure-Python wheels on
this machine, which the cross-platform install can then use. A ``python_version`` other than FC's
that equals this interpreter's version builds for this machine instead (importable and runnable
here); FC's own version is always built for FC, also on a Python 3.10 machine (whose own wheels
could need a newer glibc than FC's manylinux2014). pip itself runs on an interpreter of the target
version when one is found (the one that compiles the bytecode): pip evaluates dependencies'
environment markers for the interpreter running it, so a 3.11 pip would leave out what 3.10 needs
(redis's ``async-timeout; python_full_version < "3.11.3"``). Each report names it (``pip_python``).

The output is deterministic: files are written in sorted order, any ``__pycache__``/``*.pyc`` but
the build's own and pip's ``bin/`` scripts (absolute shebangs) are removed, the pycs record
``/code/<path>`` as their source and no mtime, and every mtime is set to :data:`FIXED_MTIME`, so an
unchanged function produces an identical zip when Serverless Devs uploads it. Each report gives
the package's size unpacked (``bytes``) and as Serverless Devs uploads it (``zip_bytes``, deflate),
and its top-level parts by size.

Example:
    >>> import tempfile
    >>> discover_functions(tempfile.mkdtemp())
    []
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openevent.deploy.bytecode import BytecodeError, compile_tree, find_interpreter, interpreter_version
from openevent.deploy.native import strip_debug
from openevent.errors import OpenEventError

FUNCTIONS_DIR = "functions"
LIBRARY_DIR = Path("shared") / "openevent"
REQUIREMENTS = "requirements.txt"
FC_PYTHON_VERSION = "3.10"
FC_PLATFORM = "manylinux2014_x86_64"
FIXED_MTIME = 946684800  # 2000-01-01T00:00:00Z, any fixed value >= 1980 (zip) will do
# Parts of the library no function imports: the command line, local fakes/demo, benchmarks and
# the deploy tooling itself (build, rules, remote invoke) — they only run on a developer's machine.
EXCLUDED_SUBPACKAGES = ("bench", "cli", "deploy", "local")
EXCLUDED_LIBRARY_FILES = ("__main__.py",)
_JUNK_DIRS = ("__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "tests")
_JUNK_SUFFIXES = (".pyc", ".pyo")
NO_DEPS = "--no-deps"
PRUNED: tuple[tuple[str, str], ...] = (
    ("**/*.pyi", "type stubs: read by type checkers, never imported"),
    ("yaml/_yaml.*", "libyaml binding: openevent loads YAML with yaml.safe_load (pure Python SafeLoader); "
                     "yaml falls back when it is absent"),
    ("yaml/cyaml.py", "the libyaml loaders and dumpers (need _yaml), never used"),
    ("_yaml", "PyYAML's old top-level alias of yaml._yaml"),
    ("lz4/frame", "lz4's frame format: aliyun.log compresses PutLogs bodies with lz4.block only"),
    ("aliyunsdkcore/vendored/requests", "the SDK's vendored requests: only AcsClient sends with it; openevent "
                                        "signs with the SDK's RPC signer and sends with http.client"),
    ("aliyunsdkcore/data", "AcsClient's endpoint, retry and timeout tables, never read by the RPC signer"),
    ("redis/commands/search", "RediSearch commands: imported only inside Redis.ft(), never called by the store"),
    ("redis/commands/json", "RedisJSON commands: imported only inside Redis.json()"),
    ("redis/commands/timeseries", "RedisTimeSeries commands: imported only inside Redis.ts()"),
    ("redis/commands/bf", "RedisBloom commands: imported only inside Redis.bf()/cf()/cms()/topk()/tdigest()"),
    ("redis/commands/vectorset", "vector-set commands: imported only inside Redis.vset()"),
    ("pydantic/v1", "pydantic's bundled 1.x API: imported only by `import pydantic.v1` (openevent's models are 2.x) "
                    "and to word a warning for a type with __get_validators__, which no openevent model has"),
    ("pydantic/mypy.py", "pydantic's mypy plugin, loaded by mypy, never at run time"),
)
"""``(glob, why)``: third-party files no function imports (or uses), removed from every package."""
LARGEST = 8


class BuildError(OpenEventError):
    """A package could not be built (pip failed, a function or requirements file is missing)."""


@dataclass(frozen=True)
class Target:
    """What the dependencies are installed for: this machine (``platform`` None) or FC."""

    python_version: str
    platform: str | None

    @classmethod
    def for_version(cls, python_version: str) -> Target:
        """FC's platform for FC's version and for any version but this interpreter's own.

        Example:
            >>> Target.for_version(FC_PYTHON_VERSION).platform, Target.for_version("3.9").platform
            ('manylinux2014_x86_64', 'manylinux2014_x86_64')
            >>> local = f"{sys.version_info.major}.{sys.version_info.minor}"
            >>> Target.for_version(local).platform is None or local == FC_PYTHON_VERSION
            True
        """
        local = f"{sys.version_info.major}.{sys.version_info.minor}"
        here = python_version == local and python_version != FC_PYTHON_VERSION
        return cls(python_version, None if here else FC_PLATFORM)

    def pip_args(self) -> list[str]:
        if self.platform is None:
            return []
        return ["--platform", self.platform, "--python-version", self.python_version,
                "--implementation", "cp", "--only-binary=:all:"]


def discover_functions(root: str | os.PathLike[str]) -> list[str]:
    """Names of the function folders (``functions/<name>/index.py`` exists), sorted."""
    base = Path(root) / FUNCTIONS_DIR
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / "index.py").is_file())


@dataclass(frozen=True)
class Requirement:
    """One requirement line: the pip specifier and whether its declared dependencies are skipped."""

    spec: str
    no_deps: bool = False


def parse_requirements(path: str | os.PathLike[str]) -> list[Requirement]:
    """The requirements of a requirements file; a line ending in ``--no-deps`` skips that package's dependencies.

    Example:
        >>> import pathlib, tempfile
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.txt"
        >>> _ = p.write_text("pydantic\\naliyun-log-python-sdk --no-deps  # PutLogs only\\n")
        >>> parse_requirements(p)
        [Requirement(spec='pydantic', no_deps=False), Requirement(spec='aliyun-log-python-sdk', no_deps=True)]
    """
    requirements = []
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        options = [w for w in words if w.startswith("--")]
        if set(options) - {NO_DEPS}:
            raise BuildError(f"{path}: {raw.strip()!r}: the only option a requirement line takes is {NO_DEPS}")
        requirements.append(Requirement(" ".join(w for w in words if not w.startswith("--")), NO_DEPS in options))
    return requirements


def read_requirements(path: str | os.PathLike[str]) -> list[str]:
    """Requirement specifiers of a requirements file (comments, blanks and ``--no-deps`` dropped).

    Example:
        >>> import pathlib, tempfile
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.txt"
        >>> _ = p.write_text("# deps\\npydantic\\n\\nsqlglot==30.30.0  # sql\\nsix --no-deps\\n")
        >>> read_requirements(p)
        ['pydantic', 'sqlglot==30.30.0', 'six']
    """
    return [requirement.spec for requirement in parse_requirements(path)]


def build(root: str | os.PathLike[str], out: str | os.PathLike[str], functions: Sequence[str] = (),
          python_version: str = FC_PYTHON_VERSION, *, bytecode: bool = True,
          interpreter: str | None = None) -> list[dict[str, Any]]:
    """Build ``out/<function>/`` for each function (all when ``functions`` is empty); one report each.

    ``bytecode`` (default on) ships every module's pyc, compiled by ``interpreter`` (default: the
    one :func:`~openevent.deploy.bytecode.find_interpreter` finds for ``python_version``; a missing
    one is a :class:`BuildError` naming the fix, raised before anything is installed).
    """
    root_path = Path(root).resolve()
    available = discover_functions(root_path)
    names = list(functions) or available
    unknown = sorted(set(names) - set(available))
    if unknown:
        raise BuildError(f"no function folder {', '.join(unknown)} in {root_path / FUNCTIONS_DIR} "
                         f"(known: {', '.join(available) or 'none'})")
    constraints = root_path / REQUIREMENTS
    if not constraints.is_file():
        raise BuildError(f"{constraints} is missing: it pins the versions of every function's dependencies")
    requirements = {name: _function_requirements(root_path, name) for name in names}
    target = Target.for_version(python_version)
    compiler = _compiler(python_version, interpreter) if bytecode else None
    pip_python = _pip_python(python_version, compiler or interpreter)
    out_path = Path(out)
    if not out_path.is_absolute():
        out_path = root_path / out_path
    out_path.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="openevent-build-") as scratch:
        wheelhouse = Path(scratch) / "wheelhouse"
        if target.platform is not None:
            # only the listed packages (built into wheels when published as source): their
            # dependencies are resolved for the target by the install, not for this interpreter
            union = sorted({req.spec for reqs in requirements.values() for req in reqs})
            _pip(["wheel", "--no-deps", "--wheel-dir", str(wheelhouse), "-c", str(constraints), *union],
                 pip_python)
        reports = [_build_one(root_path, name, requirements[name], out_path, target, constraints, wheelhouse,
                              compiler, Path(scratch), pip_python)
                   for name in names]
    for report in reports:
        report["pip_python"] = pip_python
    return reports


def _pip_python(python_version: str, interpreter: str | None) -> str:
    """The Python that runs pip: one of the target version when it has pip, since pip evaluates the
    environment markers of dependencies (``async-timeout; python_full_version < "3.11.3"``) for the
    interpreter running it, whatever ``--python-version`` says; else this one."""
    if "{}.{}".format(*sys.version_info[:2]) == python_version:
        return sys.executable
    candidate = interpreter
    if candidate is None:
        try:
            candidate = find_interpreter(python_version)
        except BytecodeError:
            return sys.executable
    done = subprocess.run([candidate, "-m", "pip", "--version"], capture_output=True, text=True, check=False)
    return candidate if done.returncode == 0 else sys.executable


def _compiler(python_version: str, interpreter: str | None) -> str:
    if interpreter is not None:
        found = interpreter_version(interpreter)
        if found != python_version:
            what = f"Python {found}" if found else "not a Python that runs"
            raise BuildError(f"--interpreter {interpreter} is {what}, not the target {python_version}: "
                             "its bytecode would not be the target's")
        return interpreter
    try:
        return find_interpreter(python_version)
    except BytecodeError as exc:
        raise BuildError(str(exc)) from None


def _function_requirements(root: Path, name: str) -> list[Requirement]:
    path = root / FUNCTIONS_DIR / name / REQUIREMENTS
    if not path.is_file():
        raise BuildError(f"{path} is missing: list the function's runtime dependencies there (names only)")
    return parse_requirements(path)


def _build_one(root: Path, name: str, requirements: list[Requirement], out: Path, target: Target,
               constraints: Path, wheelhouse: Path, compiler: str | None, scratch: Path,
               pip_python: str) -> dict[str, Any]:
    staging = out / f".{name}.partial"
    final = out / name
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    args = ["install", "--no-compile", "--no-warn-script-location", "-c", str(constraints), *target.pip_args()]
    if target.platform is not None:
        args += ["--find-links", str(wheelhouse)]
    with_deps = [req.spec for req in requirements if not req.no_deps]
    without_deps = [req.spec for req in requirements if req.no_deps]
    if with_deps:
        _pip([*args, "--target", str(staging), *with_deps], pip_python)
    if without_deps:
        # pip's --target would skip a top-level folder that exists (a shared namespace such as aliyun/):
        # install apart, then merge file by file
        apart = scratch / f"{name}.no-deps"
        shutil.rmtree(apart, ignore_errors=True)
        _pip([*args, "--no-deps", "--target", str(apart), *without_deps], pip_python)
        _merge(apart, staging)
    shutil.rmtree(staging / "bin", ignore_errors=True)  # console scripts with this machine's shebang
    _copy_tree(_library_dir(root), staging / "openevent", exclude_top=EXCLUDED_SUBPACKAGES + EXCLUDED_LIBRARY_FILES)
    _copy_tree(root / FUNCTIONS_DIR / name, staging)
    _clean(staging)
    stripped = strip_debug(staging)
    compiled = None
    if compiler is not None:
        try:
            compiled = compile_tree(staging, compiler)
        except BytecodeError as exc:
            raise BuildError(str(exc)) from None
    _fix_mtimes(staging)
    shutil.rmtree(final, ignore_errors=True)
    staging.rename(final)
    report = _report(name, final, target, [req.spec for req in requirements])
    report["bytecode"] = compiled.as_dict() if compiled is not None else None
    report["native"] = stripped.as_dict()
    return report


def _library_dir(root: Path) -> Path:
    source = root / LIBRARY_DIR
    if source.is_dir():
        return source
    import openevent

    return Path(openevent.__file__).resolve().parent


def _copy_tree(source: Path, dest: Path, exclude_top: Iterable[str] = ()) -> None:
    skip_top = set(exclude_top)
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if rel.parts[0] in skip_top or any(part in _JUNK_DIRS for part in rel.parts):
            continue
        if path.is_dir() or path.suffix in _JUNK_SUFFIXES:
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def _merge(source: Path, dest: Path) -> None:
    """Move ``source``'s files into ``dest``; a file both hold must be identical (same wheel, same version)."""
    for path in sorted(source.rglob("*")):
        if path.is_dir() or path.relative_to(source).parts[0] == "bin":
            continue
        target = dest / path.relative_to(source)
        if target.exists():
            if target.read_bytes() != path.read_bytes():
                raise BuildError(f"{target.relative_to(dest)} comes from two different distributions: "
                                 "list the package once, with or without --no-deps")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), str(target))


def _clean(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_dir() and path.name == "__pycache__":
            shutil.rmtree(path)
        elif path.is_file() and path.suffix in _JUNK_SUFFIXES:
            path.unlink()
    for pattern, _why in PRUNED:
        for path in sorted(folder.glob(pattern), reverse=True):
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()


def _fix_mtimes(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (FIXED_MTIME, FIXED_MTIME), follow_symlinks=False)


def _report(name: str, folder: Path, target: Target, requirements: list[str]) -> dict[str, Any]:
    sizes: dict[str, int] = {}
    files = 0
    for path in folder.rglob("*"):
        if path.is_file():
            files += 1
            top = path.relative_to(folder).parts[0]
            sizes[top] = sizes.get(top, 0) + path.stat().st_size
    ordered = dict(sorted(sizes.items(), key=lambda item: (-item[1], item[0])))
    return {
        "function": name, "path": str(folder), "python_version": target.python_version,
        "platform": target.platform or "local", "requirements": requirements, "files": files,
        "bytes": sum(sizes.values()), "zip_bytes": zipped_size(folder),
        "largest": [[part, size] for part, size in list(ordered.items())[:LARGEST]],
        "sizes": ordered,
    }


class _Counter:
    """A write-only, unseekable stream that only counts what is written to it."""

    def __init__(self) -> None:
        self.count = 0

    def write(self, data: bytes) -> int:
        self.count += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


def zipped_size(folder: str | os.PathLike[str]) -> int:
    """Bytes of ``folder`` zipped with deflate, as Serverless Devs uploads a code folder (nothing is written).

    Example:
        >>> import pathlib, tempfile
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (d / "a.txt").write_text("x" * 10000)
        >>> 0 < zipped_size(d) < 10000
        True
    """
    base = Path(folder)
    counter = _Counter()
    with zipfile.ZipFile(counter, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(base.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(base).as_posix())
    return counter.count


def _pip(args: list[str], python: str = sys.executable) -> None:
    command = [python, "-m", "pip", *args, "--disable-pip-version-check", "--no-input", "--quiet"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
        raise BuildError(f"pip {args[0]} failed (exit {done.returncode}):\n{tail}")


__all__ = ["EXCLUDED_SUBPACKAGES", "FC_PLATFORM", "FC_PYTHON_VERSION", "NO_DEPS", "PRUNED", "BuildError",
           "Requirement", "Target", "build", "discover_functions", "parse_requirements", "read_requirements",
           "zipped_size"]
