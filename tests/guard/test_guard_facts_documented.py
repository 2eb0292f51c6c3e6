"""Every fact a guard offers is in the README's fact tables (policies are written from them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from openevent.guard import change, transfer, workspace

README = Path(__file__).resolve().parents[2] / "README.md"
SPAN = re.compile(r"`([^`]+)`")
BRACES = re.compile(r"^([\w.]*)\{([\w,]+)\}(\.?[\w.<>]*)$")


def documented() -> set[str]:
    """The fact names in the README's table rows, ``a.{b,c}`` expanded, ``x.<name>`` kept as ``x``."""
    names: set[str] = set()
    for line in README.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| `"):
            continue
        first_cell = line.split("|")[1]
        for span in SPAN.findall(first_cell):
            for part in span.split(" / "):
                part = part.strip().split(" ")[0].removesuffix(".<name>")
                match = BRACES.match(part)
                names.update(f"{match[1]}{leaf}{match[3]}" for leaf in match[2].split(",")) if match \
                    else names.add(part)
    return names


@pytest.mark.parametrize("module", [workspace, transfer, change], ids=["workspace", "download", "change"])
def test_every_fact_of_the_guard_is_in_a_readme_table(module: object) -> None:
    missing = sorted(set(module.FACTS) - documented())  # type: ignore[attr-defined]
    assert missing == []
