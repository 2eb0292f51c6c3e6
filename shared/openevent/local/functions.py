"""Finding and loading the project's FC functions for local runs (``invoke``, ``serve``, ``demo``).

The functions folder is ``$OPENEVENT_FUNCTIONS_DIR``, else ``./functions`` when it exists,
else the ``functions/`` folder of the source checkout this package was installed from.
Each function is ``functions/<name>/index.py`` exposing ``handler(event, context)``.

Example:
    >>> "download_guard" in list_functions()                      # doctest: +SKIP
    True
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from openevent.errors import OpenEventError

Handler = Callable[[bytes, Any], Any]
_lock = threading.Lock()
_loaded: dict[str, ModuleType] = {}


class FunctionNotFoundError(OpenEventError):
    """No ``functions/<name>/index.py`` for that name."""


def functions_dir() -> Path:
    """The folder that holds one sub-folder per function."""
    env = os.environ.get("OPENEVENT_FUNCTIONS_DIR")
    if env:
        return Path(env)
    here = Path.cwd() / "functions"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[3] / "functions"


def list_functions() -> list[str]:
    """Names of the functions that have an ``index.py``."""
    root = functions_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "index.py").is_file())


def function_path(name: str) -> Path:
    path = functions_dir() / name
    if not (path / "index.py").is_file():
        known = ", ".join(list_functions()) or "none"
        raise FunctionNotFoundError(f"no function {name!r} in {functions_dir()}; functions: {known}")
    return path


def default_config(name: str) -> str | None:
    """The config file s.yaml deploys with the function (``functions/<name>/config.yaml``)."""
    for candidate in ("config.yaml", "config.yml", "config.json"):
        path = function_path(name) / candidate
        if path.is_file():
            return str(path)
    return None


def load_module(name: str, *, fresh: bool = False, keep: bool = True) -> ModuleType:
    """Import ``functions/<name>/index.py`` once per process (``fresh`` re-imports it).

    ``keep=False`` imports a private copy that replaces nothing (``openevent check`` reading the
    declarations of another tree must not swap the functions this process runs).
    """
    with _lock:
        if not fresh and keep and name in _loaded:
            return _loaded[name]
        path = function_path(name) / "index.py"
        module_name = f"openevent_functions.{name}.index"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise FunctionNotFoundError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        previous = sys.modules.get(module_name)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        finally:
            if not keep:
                if previous is None:
                    sys.modules.pop(module_name, None)
                else:
                    sys.modules[module_name] = previous
        if keep:
            _loaded[name] = module
        return module


def declaration(name: str) -> Any:
    """The function's declaration (the :class:`~openevent.delivery.app.FunctionApp` its index names ``app``).

    Example:
        >>> declaration("download_guard").kind                          # doctest: +SKIP
        'guard'
    """
    app = getattr(load_module(name), "app", None)
    if app is None or not hasattr(app, "handles"):
        raise FunctionNotFoundError(f"functions/{name}/index.py declares no app = FunctionApp(...)")
    return app


def types_for_function(name: str) -> list[str]:
    """Every event type a function declares it handles (its ``app.handles``), in declaration order."""
    return list(declaration(name).handles)


def functions_for_type(event_type: str) -> list[str]:
    """The functions that declare ``event_type``, in name order."""
    return [name for name in list_functions() if event_type in types_for_function(name)]


def load_handler(name: str, *, fresh: bool = False) -> Handler:
    handler = getattr(load_module(name, fresh=fresh), "handler", None)
    if not callable(handler):
        raise FunctionNotFoundError(f"functions/{name}/index.py has no handler(event, context)")
    return handler  # type: ignore[no-any-return]
