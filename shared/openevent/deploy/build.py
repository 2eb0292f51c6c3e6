"""Assemble one deployable code folder per function: ``build/<function>/``.

A package is the function's folder (``index.py``, ``config.yaml``, …) + the ``openevent`` library
(without the parts no function imports: :data:`EXCLUDED_SUBPACKAGES`) + exactly the third-party
packages listed in ``functions/<function>/requirements.txt``, at the versions pinned by the root
``requirements.txt`` (used as pip constraints). FC puts the code root ``/code`` on ``sys.path``, so
everything is installed at the root of the folder.

By default the dependencies are installed for FC's ``python3.10`` runtime (``manylinux2014_x86_64``,
CPython 3.10 wheels only), whatever machine runs the build. Packages published only as source
(``aliyun-python-sdk-core``, ``aliyun-log-python-sdk`` …) are first built into pure-Python wheels on
this machine, which the cross-platform install can then use. A ``python_version`` other than FC's
that equals this interpreter's version builds for this machine instead (importable and runnable
here); FC's own version is always built for FC, also on a Python 3.10 machine (whose own wheels
could need a newer glibc than FC's manylinux2014).

The output is deterministic: files are written in sorted order, ``__pycache__``/``*.pyc`` and pip's
``bin/`` scripts (absolute shebangs) are removed, and every mtime is set to :data:`FIXED_MTIME`, so
an unchanged function produces an identical zip when Serverless Devs uploads it.

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


def read_requirements(path: str | os.PathLike[str]) -> list[str]:
    """Requirement lines of a requirements file (comments and blanks dropped).

    Example:
        >>> import pathlib, tempfile
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.txt"
        >>> _ = p.write_text("# deps\\npydantic\\n\\nsqlglot==30.30.0  # sql\\n")
        >>> read_requirements(p)
        ['pydantic', 'sqlglot==30.30.0']
    """
    lines = []
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


def build(root: str | os.PathLike[str], out: str | os.PathLike[str], functions: Sequence[str] = (),
          python_version: str = FC_PYTHON_VERSION) -> list[dict[str, Any]]:
    """Build ``out/<function>/`` for each function (all when ``functions`` is empty); one report each."""
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
    out_path = Path(out)
    if not out_path.is_absolute():
        out_path = root_path / out_path
    out_path.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="openevent-build-") as scratch:
        wheelhouse = Path(scratch) / "wheelhouse"
        if target.platform is not None:
            union = sorted({req for reqs in requirements.values() for req in reqs})
            _pip(["wheel", "--wheel-dir", str(wheelhouse), "-c", str(constraints), *union])
        return [_build_one(root_path, name, requirements[name], out_path, target, constraints, wheelhouse)
                for name in names]


def _function_requirements(root: Path, name: str) -> list[str]:
    path = root / FUNCTIONS_DIR / name / REQUIREMENTS
    if not path.is_file():
        raise BuildError(f"{path} is missing: list the function's runtime dependencies there (names only)")
    return read_requirements(path)


def _build_one(root: Path, name: str, requirements: list[str], out: Path, target: Target,
               constraints: Path, wheelhouse: Path) -> dict[str, Any]:
    staging = out / f".{name}.partial"
    final = out / name
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    if requirements:
        args = ["install", "--target", str(staging), "--no-compile", "--no-warn-script-location",
                "-c", str(constraints), *target.pip_args()]
        if target.platform is not None:
            args += ["--find-links", str(wheelhouse)]
        _pip([*args, *requirements])
    shutil.rmtree(staging / "bin", ignore_errors=True)  # console scripts with this machine's shebang
    _copy_tree(_library_dir(root), staging / "openevent", exclude_top=EXCLUDED_SUBPACKAGES + EXCLUDED_LIBRARY_FILES)
    _copy_tree(root / FUNCTIONS_DIR / name, staging)
    _clean(staging)
    shutil.rmtree(final, ignore_errors=True)
    staging.rename(final)
    return _report(name, final, target, requirements)


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


def _clean(folder: Path) -> None:
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_dir() and path.name == "__pycache__":
            shutil.rmtree(path)
        elif path.is_file() and path.suffix in _JUNK_SUFFIXES:
            path.unlink()
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
    return {
        "function": name, "path": str(folder), "python_version": target.python_version,
        "platform": target.platform or "local", "requirements": requirements, "files": files,
        "bytes": sum(sizes.values()),
        "sizes": dict(sorted(sizes.items(), key=lambda item: (-item[1], item[0]))),
    }


def _pip(args: list[str]) -> None:
    command = [sys.executable, "-m", "pip", *args, "--disable-pip-version-check", "--no-input", "--quiet"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
        raise BuildError(f"pip {args[0]} failed (exit {done.returncode}):\n{tail}")


__all__ = ["EXCLUDED_SUBPACKAGES", "FC_PLATFORM", "FC_PYTHON_VERSION", "BuildError", "Target",
           "build", "discover_functions", "read_requirements"]
