"""Cold start on FC: importing any function's index costs at most 1.3x ``import pydantic, structlog``.

(The stack every function needs: since DataWorks calls no longer go through ``AcsClient``, the
SDK's client is not part of it; importing an index loads neither pydantic models nor the SDK.)

The comparison is a ratio inside one run (best of several fresh interpreters each, interleaved),
not an absolute time: these machines are shared and noisy.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
NAMES = sorted(p.name for p in FUNCTIONS.iterdir() if (p / "index.py").is_file())
STACK = "import pydantic, structlog"
MAX_RATIO = 1.3


def _best_of(codes: dict[str, str], rounds: int = 7) -> dict[str, float]:
    best = dict.fromkeys(codes, float("inf"))
    for _ in range(rounds):
        for name, code in codes.items():
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
            best[name] = min(best[name], time.perf_counter() - start)
    return best


@pytest.mark.parametrize("function", NAMES)
def test_importing_a_function_costs_at_most_1_3x_the_shared_stack(function: str) -> None:
    index = f"import sys; sys.path.insert(0, {str(FUNCTIONS / function)!r}); import index"
    t = _best_of({"empty": "pass", "stack": STACK, "index": index})
    ratio = (t["index"] - t["empty"]) / (t["stack"] - t["empty"])
    assert ratio <= MAX_RATIO, f"{function}: importing index costs {ratio:.2f}x the stack"


@pytest.mark.parametrize("function", NAMES)
def test_importing_a_function_loads_neither_sql_parser_nor_yaml_nor_sdk_requests(function: str) -> None:
    code = (f"import sys; sys.path.insert(0, {str(FUNCTIONS / function)!r}); import index; "
            "print(sorted(m for m in ('sqlglot', 'yaml', 'jinja2', 'redis', 'aliyunsdkdataworks_public') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"
