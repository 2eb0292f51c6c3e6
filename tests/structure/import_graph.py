"""The import graph of the ``openevent`` package, read from the source (no module is imported).

An edge ``a → b`` means module ``a`` imports module ``b`` at module level or inside a function
(imports under ``if TYPE_CHECKING:`` are left out: they never run). ``from pkg import name``
is an edge to ``pkg.name`` when that is a module, to the module that lazily exports ``name``
when ``pkg/__init__.py`` declares it with :func:`openevent._lazy.lazy_exports`, else to ``pkg``.
Importing ``a.b.c`` also runs the ``__init__`` of ``a`` and ``a.b``; those implicit edges are
left out, as import linters do (a package's own modules would otherwise all form a cycle with it).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[2] / "shared" / "openevent"


def module_name(path: Path, root: Path = PACKAGE_ROOT) -> str:
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules(root: Path = PACKAGE_ROOT) -> dict[str, Path]:
    """``{dotted module name: source file}`` for every module of the package."""
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run (anything but the body of ``if TYPE_CHECKING:``)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                yield from _imports_in(child)
            continue
        yield from _imports_in(node)


def _imports_in(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        yield node
    yield from _imports(node)


def lazy_exports(init: Path) -> dict[str, str]:
    """``{name: submodule}`` declared by ``lazy_exports(__name__, {submodule: [names]})`` in ``init``."""
    out: dict[str, str] = {}
    for node in ast.walk(ast.parse(init.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "lazy_exports"
                and len(node.args) == 2):
            for submodule, names in ast.literal_eval(node.args[1]).items():
                out.update(dict.fromkeys(names, submodule))
    return out


def import_graph(root: Path = PACKAGE_ROOT) -> dict[str, set[str]]:
    """``{module: {modules of the package it imports}}``."""
    modules = package_modules(root)
    lazy = {name: lazy_exports(path) for name, path in modules.items() if path.name == "__init__.py"}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                for alias in node.names:
                    candidate = f"{base}.{alias.name}"
                    if candidate in modules:
                        targets.append(candidate)
                    elif alias.name in lazy.get(base, {}):
                        targets.append(f"{base}.{lazy[base][alias.name]}")
                    else:
                        targets.append(base)
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def path_between(graph: dict[str, set[str]], start: str, goal: str) -> list[str]:
    """One shortest import chain from ``start`` to ``goal`` (for readable failure messages)."""
    frontier, seen = [[start]], {start}
    while frontier:
        nxt = []
        for chain in frontier:
            for w in sorted(graph[chain[-1]]):
                if w == goal:
                    return [*chain, w]
                if w not in seen:
                    seen.add(w)
                    nxt.append([*chain, w])
        frontier = nxt
    return []
