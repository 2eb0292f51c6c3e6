"""Lazy package exports (PEP 562): a package names its public API without importing it.

A package ``__init__`` lists, per submodule, the names it exports; :func:`lazy_exports` gives
the module-level ``__getattr__`` and ``__dir__`` that import a submodule the first time one
of its names is used (and keep the value on the package, so later uses cost nothing).
``__all__`` stays a literal list and the names are imported again under ``TYPE_CHECKING``,
so type checkers and readers see them::

    from typing import TYPE_CHECKING

    from openevent._lazy import lazy_exports

    if TYPE_CHECKING:
        from openevent.audit.record import AuditRecord

    __all__ = ["AuditRecord"]
    __getattr__, __dir__ = lazy_exports(__name__, {"record": ["AuditRecord"]})

Example:
    >>> import openevent.notify as notify
    >>> "Message" in dir(notify), notify.Message.__module__
    (True, 'openevent.notify.message')
    >>> notify.Nope
    Traceback (most recent call last):
    AttributeError: module 'openevent.notify' has no attribute 'Nope'
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

GetAttr = Callable[[str], Any]
Dir = Callable[[], list[str]]


def lazy_exports(package: str, exports: Mapping[str, Iterable[str]]) -> tuple[GetAttr, Dir]:
    """``(__getattr__, __dir__)`` for ``package`` exporting ``{submodule: [names]}`` lazily.

    Submodules are relative to the package (``"channels.base"`` is ``<package>.channels.base``).
    A name listed under two submodules is a mistake and raises ``ValueError`` at import time.
    """
    where: dict[str, str] = {}
    for submodule, names in exports.items():
        for name in names:
            if name in where:
                raise ValueError(f"{package}: {name!r} is exported by both {where[name]!r} and {submodule!r}")
            where[name] = f"{package}.{submodule}"

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(where))

    return __getattr__, __dir__
