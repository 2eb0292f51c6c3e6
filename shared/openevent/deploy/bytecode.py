"""Bytecode for a code package: ``__pycache__/*.cpython-3XX.pyc`` compiled by the target's own interpreter.

FC's code root ``/code`` is read-only, so a package shipped without bytecode is compiled again, in
memory, at every cold start (CPython cannot save the result). A build therefore compiles every
``.py`` of the package with an interpreter of the target version (bytecode is version-specific:
3.11 cannot write 3.10's), as *unchecked-hash* pycs (PEP 552): the pyc holds a hash of its source
instead of the source's mtime, and the import system loads it without reading or hashing the
source, so the zip's fixed mtimes cannot make it stale and nothing is recompiled at import time.
The filename recorded in the code objects is the one the module has on FC (``/code/<path>``), not
the build folder's, and the compiler runs with a fixed hash seed (set constants are written in
hash order), so the bytes are the same wherever and however often the build runs (CPython's
loader puts the real path back when it imports the module).

:func:`find_interpreter` looks for the interpreter: this one when it is the right version, then
``python3.X`` on ``PATH``, then pyenv's ``versions/3.X.*`` (``$PYENV_ROOT``, ``pyenv root`` or
``~/.pyenv``); each candidate is run once to check its version.

Example:
    >>> find_interpreter("{}.{}".format(*sys.version_info[:2])) == sys.executable
    True
    >>> cache_tag_for("3.10")
    'cpython-310'
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from openevent.errors import OpenEventError

CODE_ROOT = "/code"
"""Where FC mounts the package: the directory recorded as the source of each compiled module."""

_VERSION = re.compile(r"^3\.\d{1,2}$")

_COMPILE = r"""
import json, os, py_compile, sys
folder, code_root = sys.argv[1], sys.argv[2]
compiled, failed = 0, []
for dirpath, dirnames, filenames in os.walk(folder):
    dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
    for name in sorted(filenames):
        if not name.endswith(".py"):
            continue
        path = os.path.join(dirpath, name)
        rel = os.path.relpath(path, folder).replace(os.sep, "/")
        try:
            py_compile.compile(path, dfile=code_root.rstrip("/") + "/" + rel, doraise=True, optimize=0,
                               invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        except (py_compile.PyCompileError, SyntaxError, ValueError):
            failed.append(rel)
        else:
            compiled += 1
print(json.dumps({"compiled": compiled, "failed": failed, "cache_tag": sys.implementation.cache_tag,
                  "version": "%d.%d.%d" % sys.version_info[:3]}))
"""


class BytecodeError(OpenEventError):
    """No interpreter of the target version was found, or it could not compile the package."""


@dataclass(frozen=True)
class CompileReport:
    """What :func:`compile_tree` did: the interpreter, the pyc tag, the modules compiled and those that failed.

    ``failed`` lists sources the target interpreter cannot compile (e.g. Python 2 files some SDKs
    still ship and never import): they are left without bytecode, as they would be on FC.
    """

    interpreter: str
    version: str
    cache_tag: str
    compiled: int
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """The report as plain JSON-able data.

        Example:
            >>> CompileReport("/usr/bin/python3.10", "3.10.13", "cpython-310", 2).as_dict()["cache_tag"]
            'cpython-310'
        """
        return {"interpreter": self.interpreter, "version": self.version, "cache_tag": self.cache_tag,
                "compiled": self.compiled, "failed": list(self.failed)}


def cache_tag_for(python_version: str) -> str:
    """The ``__pycache__`` tag of CPython ``python_version`` (``"3.10"`` → ``cpython-310``)."""
    major, minor = _split(python_version)
    return f"cpython-{major}{minor}"


def find_interpreter(python_version: str) -> str:
    """Path of a CPython ``python_version`` interpreter (see the module docstring for where it looks).

    Raises :class:`BytecodeError` naming the fix when none is found.
    """
    _split(python_version)
    for candidate in _candidates(python_version):
        if interpreter_version(candidate) == python_version:
            return candidate
    raise BytecodeError(
        f"no Python {python_version} interpreter to compile the package's bytecode with (bytecode is "
        f"version-specific): install it (e.g. `pyenv install {python_version}`) and put python{python_version} "
        f"on PATH, pass --interpreter /path/to/python{python_version}, or build without bytecode (--no-bytecode)")


def compile_tree(folder: str | os.PathLike[str], interpreter: str, *, code_root: str = CODE_ROOT) -> CompileReport:
    """Compile every ``.py`` under ``folder`` with ``interpreter`` into unchecked-hash pycs, in sorted order.

    Example:
        >>> import pathlib, tempfile
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (d / "m.py").write_text("X = 1\\n")
        >>> report = compile_tree(d, sys.executable)
        >>> report.compiled, (d / "__pycache__" / f"m.{sys.implementation.cache_tag}.pyc").is_file()
        (1, True)
    """
    # a fixed hash seed: the order of a set constant (`x in {"a", "b"}`) in the pyc follows the strings'
    # hashes, so with a random seed the same source gives different bytes (-I would ignore the variable)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env["PYTHONHASHSEED"] = "0"
    with tempfile.TemporaryDirectory(prefix="openevent-compile-") as cwd:  # `-c` puts the cwd on sys.path
        done = subprocess.run([interpreter, "-s", "-c", _COMPILE, str(folder), code_root], cwd=cwd,
                              capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-6:])
        raise BytecodeError(f"{interpreter} could not compile {folder} (exit {done.returncode}):\n{tail}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    return CompileReport(interpreter, data["version"], data["cache_tag"], data["compiled"], data["failed"])


def _split(python_version: str) -> tuple[str, str]:
    if not _VERSION.match(python_version):
        raise BytecodeError(f"python version {python_version!r} is not of the form 3.X (e.g. 3.10)")
    major, minor = python_version.split(".")
    return major, minor


def _candidates(python_version: str) -> list[str]:
    found: list[str] = []
    if "{}.{}".format(*sys.version_info[:2]) == python_version:
        found.append(sys.executable)
    on_path = shutil.which(f"python{python_version}")
    if on_path:
        found.append(on_path)
    for root in _pyenv_roots():
        versions = Path(root) / "versions"
        if versions.is_dir():
            matches = [p for p in versions.glob(f"{python_version}.*") if re.fullmatch(r"\d+\.\d+\.\d+", p.name)]
            for match in sorted(matches, key=lambda p: int(p.name.split(".")[2]), reverse=True):
                found.append(str(match / "bin" / f"python{python_version}"))
    return list(dict.fromkeys(p for p in found if os.access(p, os.X_OK)))


def _pyenv_roots() -> list[str]:
    roots = [os.environ.get("PYENV_ROOT", "")]
    pyenv = shutil.which("pyenv")
    if pyenv:
        try:
            done = subprocess.run([pyenv, "root"], capture_output=True, text=True, timeout=10, check=False)
            roots.append(done.stdout.strip() if done.returncode == 0 else "")
        except (OSError, subprocess.SubprocessError):
            pass
    roots.append(os.path.expanduser("~/.pyenv"))
    return [r for r in dict.fromkeys(roots) if r]


def interpreter_version(interpreter: str) -> str | None:
    """``"3.X"`` of the Python at ``interpreter`` (a path or a command on ``PATH``); None when it does not run.

    Example:
        >>> interpreter_version(sys.executable) == "{}.{}".format(*sys.version_info[:2])
        True
    """
    try:
        done = subprocess.run([interpreter, "-I", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                              capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


__all__ = ["CODE_ROOT", "BytecodeError", "CompileReport", "cache_tag_for", "compile_tree", "find_interpreter",
           "interpreter_version"]
