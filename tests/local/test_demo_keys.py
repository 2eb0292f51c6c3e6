"""The local demo key pair lives in one non-production module, ``openevent.local.demo_keys``."""

from __future__ import annotations

import ast
from pathlib import Path

from openevent.local.demo_keys import LOCAL_DEMO_ACCESS_KEY_ID, LOCAL_DEMO_ACCESS_KEY_SECRET

PACKAGE = Path(__file__).resolve().parents[2] / "shared" / "openevent"
NAMES = {"LOCAL_DEMO_ACCESS_KEY_ID", "LOCAL_DEMO_ACCESS_KEY_SECRET"}


def _assigning_modules() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
                node, ast.AnnAssign) else []
            if any(isinstance(t, ast.Name) and t.id in NAMES for t in targets):
                found.append(str(path.relative_to(PACKAGE)))
    return sorted(set(found))


def test_the_demo_key_pair_is_defined_only_in_local_demo_keys() -> None:
    assert _assigning_modules() == ["local/demo_keys.py"]


def test_the_demo_key_id_does_not_look_like_a_real_accesskey_id() -> None:
    assert not LOCAL_DEMO_ACCESS_KEY_ID.startswith(("LTAI", "STS."))
    assert "not-a-real-key" in LOCAL_DEMO_ACCESS_KEY_SECRET

