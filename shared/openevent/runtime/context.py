"""An FC-like invocation context for local runs and tests.

It has the attributes the FC Python runtime's context has (``request_id``, ``function``,
``region``, ``account_id``, ``credentials``, ``service``) plus
``get_remaining_time_in_millis()``; :func:`remaining_seconds` works on both this object and
a real FC context (falling back to the function timeout when the runtime does not say).

Example:
    >>> ctx = LocalContext(function_name="download_guard", timeout_s=10)
    >>> ctx.function.name, 0 < remaining_seconds(ctx) <= 10
    ('download_guard', True)
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FunctionMeta:
    name: str
    handler: str = "index.handler"
    memory: int = 256
    timeout: int = 30


@dataclass
class ContextCredentials:
    access_key_id: str
    access_key_secret: str
    security_token: str | None = None

    def __repr__(self) -> str:
        return "ContextCredentials(***)"


@dataclass
class LocalContext:
    """What FC passes as ``context``, for in-process invocation."""

    function_name: str = "local"
    region: str = "cn-hangzhou"
    account_id: str = "1234567890000000"
    timeout_s: int = 30
    memory_mb: int = 256
    credentials: ContextCredentials | None = None
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    @property
    def function(self) -> FunctionMeta:
        return FunctionMeta(self.function_name, "index.handler", self.memory_mb, self.timeout_s)

    @property
    def service(self) -> Any:  # FC 2.0 had services; FC 3.0 has none
        return None

    def get_remaining_time_in_millis(self) -> int:
        left = self.timeout_s - (time.monotonic() - self.started)
        return max(0, int(left * 1000))


def remaining_seconds(context: Any, default: float = 30.0) -> float:
    """Seconds left in this invocation, for any context object (``default`` when unknown)."""
    getter = getattr(context, "get_remaining_time_in_millis", None)
    if callable(getter):
        try:
            return float(getter()) / 1000.0
        except Exception:  # a foreign context object; fall through
            pass
    fn = getattr(context, "function", None)
    timeout = getattr(fn, "timeout", None)
    return float(timeout) if isinstance(timeout, int | float) and timeout > 0 else default


def request_id_of(context: Any) -> str | None:
    rid = getattr(context, "request_id", None)
    return str(rid) if rid else None


def function_name_of(context: Any) -> str | None:
    fn = getattr(context, "function", None)
    name = getattr(fn, "name", None)
    return str(name) if name else None
