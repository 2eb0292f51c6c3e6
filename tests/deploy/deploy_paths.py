"""Paths and discovery shared by the s.yaml / build / remote-invoke tests (never import conftest)."""

from __future__ import annotations

import os
from pathlib import Path

from openevent.deploy.build import discover_functions

ROOT = Path(__file__).resolve().parents[2]
S_YAML = ROOT / "s.yaml"
FUNCTIONS = discover_functions(ROOT)  # the function folders that exist (functions/<name>/index.py)
LOCAL_PYTHON = "{}.{}".format(*os.sys.version_info[:2])


def fc3_schema_path() -> Path:
    """The fc3 component schema: shared/reference/ beside the clone (CI) or /work/shared (here)."""
    for candidate in (ROOT.parent / "shared" / "reference" / "fc3-schema.json",
                      Path("/work/shared/reference/fc3-schema.json")):
        if candidate.is_file():
            return candidate
    return ROOT.parent / "shared" / "reference" / "fc3-schema.json"
