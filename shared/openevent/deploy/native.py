"""Debug information stripped from a package's native extensions (``strip --strip-debug``).

Some wheels ship their extension modules with DWARF debug sections that nothing at run time
reads: lz4's two modules (which ``aliyun.log`` imports for PutLogs) are 3.4 MB with them and
0.36 MB without. ``--strip-debug`` removes only those sections (symbols, code and data stay), as
Lambda/FC packagers' "slim" options do. A file is replaced only when stripping made it smaller,
so already stripped wheels (pydantic-core's) are left byte for byte; the same input gives the
same output, so the build stays deterministic. Without binutils' ``strip`` nothing is changed
and the report says so.

Example:
    >>> import tempfile
    >>> strip_debug(tempfile.mkdtemp()).files
    0
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class StripReport:
    """What :func:`strip_debug` did: ``files`` made smaller, bytes before and after, the tool used."""

    tool: str | None
    files: int = 0
    bytes_before: int = 0
    bytes_after: int = 0

    def as_dict(self) -> dict[str, Any]:
        if self.tool is None:
            return {"tool": None, "note": "strip (binutils) not found: native extensions kept as installed"}
        return {"tool": self.tool, "files": self.files, "bytes_before": self.bytes_before,
                "bytes_after": self.bytes_after}


def strip_debug(folder: str | os.PathLike[str], tool: str | None = None) -> StripReport:
    """Strip the debug sections of every ``*.so`` under ``folder``, in place."""
    strip = tool or shutil.which("strip")
    if strip is None:
        return StripReport(tool=None)
    files = before = after = 0
    for path in sorted(Path(folder).rglob("*.so")):
        if path.is_symlink() or not path.is_file():
            continue
        size = path.stat().st_size
        with tempfile.TemporaryDirectory(prefix="openevent-strip-") as scratch:
            copy = Path(scratch) / path.name
            done = subprocess.run([strip, "--strip-debug", "-o", str(copy), str(path)],
                                  capture_output=True, check=False)
            if done.returncode != 0 or not copy.is_file() or copy.stat().st_size >= size:
                continue  # not an ELF strip understands, or nothing to strip: leave it as installed
            shutil.copymode(path, copy)
            shutil.move(str(copy), str(path))
        files += 1
        before += size
        after += path.stat().st_size
    return StripReport(tool=strip, files=files, bytes_before=before, bytes_after=after)
