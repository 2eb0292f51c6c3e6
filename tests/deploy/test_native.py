"""Native extensions lose their debug sections in a package, and keep working."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import pytest

from openevent.deploy.native import strip_debug

needs_toolchain = pytest.mark.skipif(not (shutil.which("gcc") and shutil.which("strip")),
                                     reason="gcc and binutils' strip are needed to make and strip a library")


@needs_toolchain
def test_a_library_built_with_debug_info_gets_smaller_and_still_loads(tmp_path: Path) -> None:
    source = tmp_path / "answer.c"
    source.write_text("int answer(void) { static const char big[20000] = {1}; return 41 + big[0]; }\n")
    library = tmp_path / "pkg" / "_answer.so"
    library.parent.mkdir()
    subprocess.run(["gcc", "-g3", "-O0", "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
    before = library.stat().st_size

    report = strip_debug(tmp_path / "pkg")

    assert (report.files, report.bytes_before) == (1, before) and report.bytes_after < before
    assert library.stat().st_size == report.bytes_after
    assert ctypes.CDLL(str(library)).answer() == 42


@needs_toolchain
def test_a_file_strip_cannot_shrink_is_left_byte_for_byte(tmp_path: Path) -> None:
    fake = tmp_path / "not_elf.so"
    fake.write_bytes(b"not an ELF file")

    report = strip_debug(tmp_path)

    assert report.files == 0 and fake.read_bytes() == b"not an ELF file"


def test_without_strip_nothing_changes_and_the_report_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    (tmp_path / "x.so").write_bytes(b"\x7fELF....")

    report = strip_debug(tmp_path)

    assert report.tool is None and "not found" in report.as_dict()["note"]
    assert (tmp_path / "x.so").read_bytes() == b"\x7fELF...."
