"""The function template: every functions/<name>/index.py is a declaration, built lazily."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from openevent.delivery.app import FunctionApp
from openevent.delivery.budget import Budget, current_budget
from openevent.events.registry import REGISTRY
from openevent.local.functions import declaration, list_functions, load_module
from openevent.runtime.context import LocalContext

FUNCTIONS_DIR = Path(__file__).resolve().parents[2] / "functions"


class Recorder:
    built = 0

    def __init__(self) -> None:
        Recorder.built += 1
        self.budgets: list[Budget | None] = []

    def handle(self, raw: Any, context: Any, budget: Budget) -> dict[str, Any]:
        self.budgets.append(current_budget())
        return {"raw": raw, "timeout_s": budget.timeout_s}


def make_app(**kw: Any) -> FunctionApp:
    return FunctionApp("recorder", handles=("dataworks:X:Y",), factory=lambda app: Recorder(), **kw)


def test_the_worker_is_built_once_on_first_use_and_again_after_reset() -> None:
    Recorder.built = 0
    app = make_app()
    assert Recorder.built == 0
    app.handler(b"1", LocalContext(timeout_s=9))
    app.handler(b"2", LocalContext(timeout_s=9))
    assert Recorder.built == 1
    app.reset()
    app.handler(b"3", None)
    assert Recorder.built == 2


def test_each_invocation_runs_under_its_own_budget_from_the_context_timeout() -> None:
    app = make_app()
    assert app.handler(b"x", LocalContext(timeout_s=9)) == {"raw": b"x", "timeout_s": 9.0}
    worker = app.worker
    assert isinstance(worker, Recorder) and worker.budgets[0] is not None and current_budget() is None


def test_guards_keep_a_larger_reserve_than_consumers() -> None:
    assert make_app(kind="guard").reserve_s > make_app().reserve_s


def test_the_config_path_is_openevent_config_else_the_shipped_file(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("{}\n")
    app = make_app(directory=str(tmp_path / "index.py"))
    (tmp_path / "index.py").write_text("")
    app = make_app(directory=str(tmp_path / "index.py"))
    assert app.config_path({}) == str(tmp_path / "config.yaml")
    assert app.config_path({"OPENEVENT_CONFIG": "/x.yaml"}) == "/x.yaml"


@pytest.mark.parametrize("name", list_functions())
def test_every_function_index_is_only_a_declaration(name: str) -> None:
    tree = ast.parse((FUNCTIONS_DIR / name / "index.py").read_text(encoding="utf-8"))
    statements = [n for n in tree.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    imports = [n for n in statements if isinstance(n, ast.ImportFrom)]
    assigned = [t.id for n in statements if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)]
    assert [i.module for i in imports] == ["openevent.delivery.app"]
    assert assigned == ["app", "handler", "initialize", "reset"]
    assert len(statements) == len(imports) + len(assigned)


@pytest.mark.parametrize("name", list_functions())
def test_every_function_exposes_the_fc_entry_points_of_its_declaration(name: str) -> None:
    module = load_module(name, fresh=True)
    app = declaration(name)
    assert app.name == name and module.handler == app.handler and module.initialize == app.initialize
    assert set(app.handles) <= set(REGISTRY) and app.handles
    assert app.directory == str(FUNCTIONS_DIR / name)


def test_guards_declare_extension_events_and_consumers_none() -> None:
    for name in list_functions():
        app = declaration(name)
        extension = [t for t in app.handles if REGISTRY[t].is_extension]
        assert bool(extension) == (app.kind == "guard"), name


def test_a_consumer_refuses_a_bad_environment_value_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    from openevent.errors import ConfigError

    monkeypatch.setenv("OPENEVENT_FAILURE_POLICY", "fail-opn")
    with pytest.raises(ConfigError, match="OPENEVENT_FAILURE_POLICY"):
        make_app().handler(b"x", LocalContext(timeout_s=9))
