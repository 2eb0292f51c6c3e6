"""What importing a function's index leaves for its first call, and what the first call never loads.

FC imports ``index`` once per instance, then calls ``handler``; everything only a call needs
(pydantic's model machinery, the Alibaba Cloud SDK, an HTTP client) is imported by that call,
and nothing a function never uses is imported at all (see ``openevent bench cold``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
NAMES = sorted(p.name for p in FUNCTIONS.iterdir() if (p / "index.py").is_file())


def _run(code: str, env: dict[str, str] | None = None) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                          env={**environ, **(env or {})})
    return done.stdout.strip()


@pytest.mark.parametrize("function", NAMES)
def test_importing_a_function_imports_neither_pydantic_nor_the_sdk_nor_an_http_client(function: str) -> None:
    code = (f"import sys, json; sys.path.insert(0, {str(FUNCTIONS / function)!r}); import index; "
            "print(json.dumps(sorted(m for m in ('pydantic', 'aliyunsdkcore', 'requests', 'urllib3') "
            "if m in sys.modules)))")

    assert json.loads(_run(code)) == []


def test_declaring_a_function_turns_pydantic_plugin_discovery_off() -> None:
    code = (f"import os, sys; sys.path.insert(0, {str(FUNCTIONS / 'download_guard')!r}); import index; "
            "print(os.environ.get('PYDANTIC_DISABLE_PLUGINS'))")

    assert _run(code) == "__all__"


def test_an_explicit_pydantic_plugins_setting_is_kept() -> None:
    code = (f"import os, sys; sys.path.insert(0, {str(FUNCTIONS / 'download_guard')!r}); import index; "
            "print(repr(os.environ.get('PYDANTIC_DISABLE_PLUGINS')))")

    assert _run(code, {"PYDANTIC_DISABLE_PLUGINS": "logfire"}) == "'logfire'"


def test_the_rate_budgets_the_forwarder_shares_do_not_load_the_notifiers_config() -> None:
    code = "import sys, openevent.alerting.noise; print('openevent.alerting.config' in sys.modules)"

    assert _run(code) == "False"


def test_dataworks_views_are_built_on_first_use_not_at_import() -> None:
    code = ("from openevent.dataworks.models import Extension, Workspace; "
            "before = Workspace.__pydantic_complete__; "
            "Workspace.model_validate({'project_id': 1, 'identifier': 'sales'}); "
            "print(before, Workspace.__pydantic_complete__, Extension.__pydantic_complete__)")

    assert _run(code) == "False True False"
