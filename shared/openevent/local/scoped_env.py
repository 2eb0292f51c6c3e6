"""Each local invocation sees its own function's environment, without changing the process's.

On FC every function instance has an environment of its own; the local bus runs all the functions
in one process, where they read ``os.environ`` at call time (``OPENEVENT_CONFIG``,
``DATAWORKS_EXTENSION_CODE``, the chat webhooks, …). Setting the variables around an invocation
would let two invocations running at once see each other's values, so instead
:func:`install` puts a :class:`ScopedEnviron` in place of ``os.environ`` (once per process): it
reads and writes the real environment, except inside :func:`scoped`, where the overrides of the
current invocation come first. The overrides live in a context variable, so they belong to the
thread (or task) that runs the invocation and to nothing else.

A write inside a scope to one of its variables stays in the scope (it ends with it); a write to any
other variable reaches the process's environment, as it did when the bus set the variables around
each invocation and restored them after. Code that reads the environment at the C level
(``getenv`` in an extension, a subprocess started without ``env=``) sees the process's
environment, not the overrides; a thread the invocation starts begins without them (pass it a
snapshot: ``dict(os.environ)``).

Example:
    >>> import os
    >>> _ = install()
    >>> with scoped({"OPENEVENT_EXAMPLE": "inside"}):
    ...     os.environ["OPENEVENT_EXAMPLE"], os.getenv("OPENEVENT_EXAMPLE")
    ('inside', 'inside')
    >>> "OPENEVENT_EXAMPLE" in os.environ
    False
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_overrides: ContextVar[dict[str, str | None] | None] = ContextVar("openevent_env_overrides", default=None)
"""The current scope's variables (``None`` as a value: unset in this scope)."""


class ScopedEnviron(MutableMapping[str, str]):
    """``os.environ`` with the current scope's overrides in front (see the module docstring)."""

    def __init__(self, base: MutableMapping[str, str]) -> None:
        self.base = base
        """The process's own environment (``os._Environ``: writes outside a scope reach ``putenv``)."""

    def __getitem__(self, key: str) -> str:
        scope = _overrides.get()
        if scope is not None and key in scope:
            value = scope[key]
            if value is None:
                raise KeyError(key)
            return value
        return self.base[key]

    def __setitem__(self, key: str, value: str) -> None:
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"str expected, not {type(key if not isinstance(key, str) else value).__name__}")
        scope = _overrides.get()
        if scope is not None and key in scope:
            scope[key] = value
        else:
            self.base[key] = value

    def __delitem__(self, key: str) -> None:
        scope = _overrides.get()
        if scope is None or key not in scope:
            del self.base[key]
        elif scope[key] is None:
            raise KeyError(key)
        else:
            scope[key] = None

    def __iter__(self) -> Iterator[str]:
        scope = _overrides.get()
        if scope is None:
            yield from list(self.base)
            return
        yield from (k for k in list(self.base) if k not in scope)
        yield from (k for k, v in list(scope.items()) if v is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def copy(self) -> dict[str, str]:
        """A plain dict of what the current scope sees (as ``os.environ.copy()``)."""
        return dict(self)

    def __or__(self, other: Mapping[str, str]) -> dict[str, str]:
        return {**self, **other}

    def __ror__(self, other: Mapping[str, str]) -> dict[str, str]:
        return {**other, **self}

    def __ior__(self, other: Any) -> ScopedEnviron:  # type: ignore[misc]  # as os._Environ: |= updates in place
        self.update(other)
        return self

    def __repr__(self) -> str:
        return f"ScopedEnviron({dict(self)!r})"


def install() -> ScopedEnviron:
    """Put a :class:`ScopedEnviron` in place of ``os.environ`` (idempotent); returns it.

    Outside :func:`scoped` it behaves exactly as the environment it wraps.
    """
    current = os.environ
    if isinstance(current, ScopedEnviron):
        return current
    wrapped = ScopedEnviron(current)
    os.environ = wrapped  # type: ignore[assignment]  # noqa: B003 - replaced, not cleared: os.getenv reads it too
    return wrapped


@contextmanager
def scoped(changes: Mapping[str, str]) -> Iterator[None]:
    """Within the block, this context (thread) sees ``changes`` over the environment (nested scopes stack).

    Example:
        >>> import os
        >>> _ = install()
        >>> with scoped({"A_SCOPED": "1"}), scoped({"B_SCOPED": "2"}):
        ...     os.environ["A_SCOPED"] + os.environ["B_SCOPED"]
        '12'
    """
    install()
    outer = _overrides.get()
    token = _overrides.set({**(outer or {}), **{str(k): str(v) for k, v in changes.items()}})
    try:
        yield
    finally:
        _overrides.reset(token)
