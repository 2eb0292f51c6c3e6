"""Invoking a function in-process exactly as FC would: event as bytes, an FC-like context.

The function's environment is the current one plus overrides; without an explicit config
the function gets the one s.yaml deploys with it (its ``config.yaml``), through
``OPENEVENT_CONFIG`` as on FC.

Example (the guard calls DataWorks back, so this needs a DataWorks endpoint, e.g. the local fake):
    >>> out = invoke("download_guard", sample_bytes)                    # doctest: +SKIP
    >>> out.ok, out.result["decision"]                                   # doctest: +SKIP
    (True, 'FAIL')
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from openevent.local.functions import Handler, default_config, load_handler
from openevent.local.scoped_env import scoped
from openevent.runtime.context import LocalContext
from openevent.runtime.credentials import resolve_region


@dataclass
class InvokeResult:
    function: str
    ok: bool
    result: Any
    error: str | None
    error_type: str | None
    request_id: str
    duration_ms: float
    traceback: str | None = None


@contextmanager
def function_env(function: str, config: str | None, env: Mapping[str, str] | None) -> Iterator[None]:
    """Within the block, this thread sees the function's environment (config path, overrides).

    The overrides are scoped to the invocation (:mod:`openevent.local.scoped_env`), never set in the
    process's environment: invocations of different functions may run at the same time, each
    seeing only its own values.

    Example:
        >>> import os
        >>> with function_env("any", "/tmp/config.yaml", {"OPENEVENT_STATE_URL": "memory://"}):
        ...     os.environ["OPENEVENT_CONFIG"], os.environ["OPENEVENT_STATE_URL"]
        ('/tmp/config.yaml', 'memory://')
    """
    changes: dict[str, str] = dict(env or {})
    cfg = config or changes.get("OPENEVENT_CONFIG") or default_config(function)
    if cfg:
        changes["OPENEVENT_CONFIG"] = str(cfg)
    with scoped(changes):
        yield


def invoke(function: str, event: bytes, *, config: str | None = None, env: Mapping[str, str] | None = None,
           timeout_s: int = 30, fresh: bool = False, handler: Handler | None = None) -> InvokeResult:
    """Run ``functions/<function>/index.py:handler`` on ``event``; never raises for handler errors.

    A one-off invocation with its own config or environment imports the function afresh (a new
    FC instance); passing ``handler`` (one loaded earlier) reuses that instance, as a warm FC
    instance does (the local bus keeps one per function).
    """
    started = time.perf_counter()
    with function_env(function, config, env):
        ctx = LocalContext(function_name=function, timeout_s=timeout_s, region=resolve_region())
        if handler is None:
            handler = load_handler(function, fresh=fresh or bool(config) or bool(env))
        try:
            result = handler(event, ctx)
            return InvokeResult(function, True, result, None, None, ctx.request_id,
                                round((time.perf_counter() - started) * 1000, 2))
        except Exception as exc:
            return InvokeResult(function, False, None, str(exc), type(exc).__name__, ctx.request_id,
                                round((time.perf_counter() - started) * 1000, 2), traceback.format_exc())
