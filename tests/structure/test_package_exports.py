"""Packages export their public API in ``__init__``; lazy exports all go through one helper.

Every package ``__init__`` that exports lazily builds ``__getattr__``/``__dir__`` with
:func:`openevent._lazy.lazy_exports`, lists the same names in ``__all__`` and imports them
under ``TYPE_CHECKING`` (what type checkers read), and importing it loads none of them.
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from import_graph import PACKAGE_ROOT, lazy_exports, module_name

INITS = sorted(PACKAGE_ROOT.rglob("__init__.py"))
LAZY = {module_name(p): lazy_exports(p) for p in INITS if lazy_exports(p)}


def _tree(package: str) -> ast.Module:
    return ast.parse((PACKAGE_ROOT.parent / package.replace(".", "/") / "__init__.py").read_text(encoding="utf-8"))


def _type_checking_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for stmt in ast.walk(node):
                if isinstance(stmt, ast.ImportFrom):
                    names.update(a.asname or a.name for a in stmt.names)
    return names


def test_the_packages_that_export_lazily_are_the_expected_ones() -> None:
    assert sorted(LAZY) == ["openevent.audit", "openevent.dataworks", "openevent.events", "openevent.notify"]


@pytest.mark.parametrize("init", INITS, ids=lambda p: module_name(p))
def test_no_package_writes_its_own_module_getattr(init: Path) -> None:
    functions = [n.name for n in ast.parse(init.read_text(encoding="utf-8")).body if isinstance(n, ast.FunctionDef)]

    assert "__getattr__" not in functions and "__dir__" not in functions


@pytest.mark.parametrize("package", sorted(LAZY))
def test_every_lazy_export_is_in_all_and_imported_for_type_checkers(package: str) -> None:
    module = importlib.import_module(package)
    exported = set(LAZY[package])

    assert exported <= set(module.__all__)
    assert _type_checking_names(_tree(package)) == exported


@pytest.mark.parametrize("package", sorted(LAZY))
def test_every_name_in_all_resolves_to_the_object_its_module_defines(package: str) -> None:
    module = importlib.import_module(package)

    for name in module.__all__:
        value = getattr(module, name)
        source = LAZY[package].get(name)
        if source is not None:
            assert getattr(importlib.import_module(f"{package}.{source}"), name) is value, name
    assert set(module.__all__) <= set(dir(module))


@pytest.mark.parametrize("package", sorted(LAZY))
def test_an_unknown_name_is_an_attribute_error_naming_the_package(package: str) -> None:
    module = importlib.import_module(package)

    with pytest.raises(AttributeError, match=f"module '{package}' has no attribute 'no_such_name'"):
        _ = module.no_such_name


@pytest.mark.parametrize("package", sorted(LAZY))
def test_importing_a_package_loads_none_of_its_lazy_exports(package: str) -> None:
    targets = sorted({f"{package}.{m}" for m in LAZY[package].values()})
    code = f"import sys, json, {package}; print(json.dumps([m for m in {targets!r} if m in sys.modules]))"

    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout

    assert json.loads(out) == []


def test_one_name_exported_by_two_submodules_is_refused() -> None:
    from openevent._lazy import lazy_exports as build

    with pytest.raises(ValueError, match="'X' is exported by both"):
        build("openevent.example", {"a": ["X"], "b": ["X"]})
