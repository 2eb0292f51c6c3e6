"""Bytecode of a package (openevent.deploy.bytecode): the target's pycs, reproducible, compiled by the right Python."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from openevent.deploy.bytecode import BytecodeError, compile_tree, find_interpreter

SET_CONSTANTS = "WORDS = {" + ", ".join(f'"word{i}"' for i in range(40)) + "}\n" \
                "def known(w):\n    return w in {" + ", ".join(f'"w{i}"' for i in range(40)) + "}\n"


def _compiled(folder: Path) -> bytes:
    folder.mkdir()
    (folder / "m.py").write_text(SET_CONSTANTS, encoding="utf-8")
    compile_tree(folder, sys.executable)
    return (folder / "__pycache__" / f"m.{sys.implementation.cache_tag}.pyc").read_bytes()


def test_bytecode_of_set_constants_is_identical_across_compiler_runs(tmp_path: Path) -> None:
    runs = {_compiled(tmp_path / str(i)) for i in range(4)}  # string hashes are randomised per process
    assert len(runs) == 1


def test_a_source_the_target_cannot_compile_is_reported_and_left_without_bytecode(tmp_path: Path) -> None:
    (tmp_path / "py2.py").write_text('print "python 2"\n', encoding="utf-8")
    (tmp_path / "ok.py").write_text("X = 1\n", encoding="utf-8")
    report = compile_tree(tmp_path, sys.executable)
    assert (report.compiled, report.failed) == (1, ["py2.py"])
    assert [p.name for p in (tmp_path / "__pycache__").iterdir()] == [f"ok.{sys.implementation.cache_tag}.pyc"]


def test_interpreter_is_this_one_when_it_is_the_target_version() -> None:
    assert find_interpreter("{}.{}".format(*sys.version_info[:2])) == sys.executable


def test_malformed_target_version_is_a_clear_error() -> None:
    with pytest.raises(BytecodeError, match=r"not of the form 3\.X"):
        find_interpreter("python3")
