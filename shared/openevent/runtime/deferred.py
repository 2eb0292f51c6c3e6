"""Modules loaded when first used instead of when first imported.

structlog imports :mod:`asyncio` at module level (``structlog.stdlib``, ``structlog._native``),
but only its async logging methods, which openevent never calls, use it. Importing asyncio is
15-17 ms of CPU, paid by every cold start. :func:`defer` puts a stand-in for a module in
``sys.modules``. ``import asyncio`` then binds the stand-in, and the real module is imported the
first time one of the stand-in's attributes is read. From then on the real module is in
``sys.modules``, and the stand-in passes every attribute read on to it. Importing this module
defers :data:`DEFERRED` (asyncio); :mod:`openevent.runtime.logging` imports it before structlog.

* A module that is already imported is left as it is (``defer`` returns ``False``).
* A package's stand-in carries the package's ``__spec__`` and ``__path__``, so importing one of its
  submodules first (``import asyncio.events``) loads that submodule alone, and loading the package
  later reuses it: there is one copy of each module.
* The first read loads the module once, under a lock, whatever thread reads first.

Example:
    >>> import sys
    >>> defer("json")  # already imported by now: nothing to defer
    False
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from typing import Any

_LOCK = threading.RLock()


class _Deferred(types.ModuleType):
    """Stands in for a module until an attribute is read; then the real module answers."""

    def __getattr__(self, attr: str) -> Any:
        return getattr(_real(self.__name__), attr)

    def __dir__(self) -> list[str]:
        return dir(_real(self.__name__))


def _real(name: str) -> types.ModuleType:
    with _LOCK:
        module = sys.modules.get(name)
        if module is not None and not isinstance(module, _Deferred):
            return module
        stand_in = sys.modules.pop(name, None)
        try:
            module = importlib.import_module(name)
        except BaseException:
            if stand_in is not None:
                sys.modules.setdefault(name, stand_in)
            raise
        for key, sub in list(sys.modules.items()):  # submodules imported first were set on the stand-in
            child = key[len(name) + 1:]
            if key.startswith(name + ".") and "." not in child and not hasattr(module, child):
                setattr(module, child, sub)
        return module


def defer(name: str) -> bool:
    """Import ``name`` when one of its attributes is first read; ``False`` when it is already imported
    (or cannot be found, which its first real import will report)."""
    with _LOCK:
        if name in sys.modules:
            return False
        spec = importlib.util.find_spec(name)
        if spec is None:
            return False
        stand_in = _Deferred(name)
        stand_in.__spec__ = spec
        stand_in.__loader__ = spec.loader
        if spec.submodule_search_locations is not None:
            stand_in.__path__ = list(spec.submodule_search_locations)
        sys.modules[name] = stand_in
        return True


def is_deferred(name: str) -> bool:
    """Whether ``name`` is still a stand-in (its real module not loaded yet)."""
    return isinstance(sys.modules.get(name), _Deferred)


DEFERRED: tuple[str, ...] = ("asyncio",)
"""Deferred when this module is imported: :mod:`openevent.runtime.logging` imports it before structlog."""
for _name in DEFERRED:
    defer(_name)

__all__ = ["DEFERRED", "defer", "is_deferred"]
