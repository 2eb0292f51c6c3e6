"""An FC-like invocation context for local runs and tests.

It has exactly the attributes the FC Python runtime's context has (``request_id``,
``function`` with ``name``/``handler``/``memory``/``timeout``, ``region``, ``account_id``,
``credentials``, ``service``) and, like FC's, **no** remaining-time method (that is Lambda's):
the invocation's deadline is its start plus ``function.timeout``, which
:class:`openevent.delivery.budget.Budget` takes once per invocation.

Example:
    >>> ctx = LocalContext(function_name="download_guard", timeout_s=10)
    >>> ctx.function.name, ctx.function.timeout, hasattr(ctx, "get_remaining_time_in_millis")
    ('download_guard', 10, False)
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
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

    @property
    def function(self) -> FunctionMeta:
        return FunctionMeta(self.function_name, "index.handler", self.memory_mb, self.timeout_s)

    @property
    def service(self) -> Any:  # FC 2.0 had services; FC 3.0 has none
        return None


FC_FUNCTION_ENV = "FC_FUNCTION_NAME"
"""Set by the FC runtime in every function's environment (never set locally)."""


def running_on_fc(env: Mapping[str, str] | None = None) -> bool:
    """True inside Function Compute (the runtime sets ``FC_FUNCTION_NAME``).

    Example:
        >>> running_on_fc({"FC_FUNCTION_NAME": "download_guard"}), running_on_fc({})
        (True, False)
    """
    return bool((os.environ if env is None else env).get(FC_FUNCTION_ENV))


def request_id_of(context: Any) -> str | None:
    rid = getattr(context, "request_id", None)
    return str(rid) if rid else None


def function_name_of(context: Any) -> str | None:
    fn = getattr(context, "function", None)
    name = getattr(fn, "name", None)
    return str(name) if name else None
