"""The function template: one way to write ``functions/<name>/index.py``.

A function is *declared*: its name, the event types it handles (the only place they are
named: s.yaml's patterns and ``openevent route`` follow from it), its config model, the
factory that builds its worker, and how much of the invocation it keeps in reserve. The
index module is then three lines::

    app = FunctionApp("download_guard", handles=(...), factory="openevent.guard.transfer:build",
                      config="openevent.guard.policy:Policy", kind="guard")
    handler = app.handler
    initialize = app.initialize

The worker is built lazily, once per FC instance (on the initializer or the first event),
so importing the index stays cheap; :meth:`FunctionApp.reset` forgets it (tests, local runs
after an environment change). Every invocation gets one :class:`~openevent.delivery.budget.Budget`
(start + ``context.function.timeout``), made current for the clients below.

Example:
    >>> class Echo:
    ...     def handle(self, raw, context, budget):
    ...         return {"echo": raw, "reserve_s": budget.reserve_s}
    >>> app = FunctionApp("echo", handles=("dataworks:X:Y",), factory=lambda app: Echo(), reserve_s=1.0)
    >>> app.handler(b"hi", None)
    {'echo': b'hi', 'reserve_s': 1.0}
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from openevent.delivery.budget import Budget, activate, call_timeout

Kind = Literal["guard", "consumer"]
GUARD_RESERVE_S = 5.0
"""What a guard keeps for its callback: enrichment and state can never use it."""
CONSUMER_RESERVE_S = 1.0
"""What a consumer keeps to record what it did and raise for FC to retry."""
STATE_TIMEOUT_ENV = "OPENEVENT_STATE_TIMEOUT_S"
DEFAULT_STATE_TIMEOUT_S = 2.0
PYDANTIC_PLUGINS_ENV = "PYDANTIC_DISABLE_PLUGINS"
"""Set to ``__all__`` by a declared function unless already set: pydantic then skips scanning every
installed distribution's entry points for plugins when it builds its first model (4-10 ms of a
cold start in a package). Set it to any other value (even empty) to keep plugins (e.g. logfire)."""


class Worker(Protocol):
    """What a factory builds: the function's logic, reused across invocations of one instance."""

    def handle(self, raw: Any, context: Any, budget: Budget) -> dict[str, Any]: ...


Factory = Callable[["FunctionApp"], Worker]


def resolve(ref: str | Callable[..., Any]) -> Any:
    """``"package.module:attr"`` imported (a callable is returned as it is).

    Example:
        >>> resolve("os.path:join")("a", "b")
        'a/b'
    """
    if callable(ref):
        return ref
    module, _, attr = ref.partition(":")
    if not module or not attr:
        raise ValueError(f"expected 'module:attribute', got {ref!r}")
    return getattr(importlib.import_module(module), attr)


@dataclass
class FunctionApp:
    """A declared FC function: what it handles and how its worker is built."""

    name: str
    handles: tuple[str, ...]
    factory: str | Factory
    config: str | None = None
    """``module:Model`` of the function's config file (validated by ``openevent check``)."""
    kind: Kind = "consumer"
    reserve_s: float | None = None
    directory: str | None = None
    """The function's folder (its shipped ``config.yaml``); an index passes its ``__file__``."""
    timer: bool = False
    """Whether an FC timer trigger invokes it (the notifier's digest flush)."""
    start_error: Exception | None = field(default=None, init=False, repr=False)
    """A bad environment found when the worker was built (a guard answers per its failure policy)."""
    _worker: Worker | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.handles = tuple(self.handles)
        if self.directory and os.path.isfile(self.directory):  # ``directory=__file__`` from an index.py
            self.directory = os.path.dirname(os.path.abspath(self.directory))
        if self.reserve_s is None:
            self.reserve_s = GUARD_RESERVE_S if self.kind == "guard" else CONSUMER_RESERVE_S
        # before any model is built (importing an index imports no pydantic): no plugin discovery
        os.environ.setdefault(PYDANTIC_PLUGINS_ENV, "__all__")

    # -- FC entry points ----------------------------------------------------------------------
    def handler(self, event: Any, context: Any) -> dict[str, Any]:
        """FC's ``index.handler``: one budget for the invocation, then the worker."""
        from openevent.runtime.logging import bind_invocation, configure_logging

        budget = Budget.start(context, reserve_s=float(self.reserve_s or 0.0))
        configure_logging()
        bind_invocation(context, function=self.name)
        with activate(budget):
            return self.worker.handle(event, context, budget)

    def initialize(self, context: Any = None) -> None:
        """FC's ``index.initialize`` (instance initializer): build the worker now."""
        worker = self.worker
        init = getattr(worker, "initialize", None)
        if callable(init):
            init()

    def reset(self) -> None:
        """Forget the worker (the next invocation builds a new one from the environment)."""
        with self._lock:
            worker, self._worker = self._worker, None
        close = getattr(worker, "close", None)
        if callable(close):
            close()

    @property
    def worker(self) -> Worker:
        """The instance's worker, built on first use."""
        worker = self._worker
        if worker is None:
            with self._lock:
                if self._worker is None:
                    self.start_error = self._check_environment()
                    self._worker = resolve(self.factory)(self)
                worker = self._worker
        return worker

    def _check_environment(self) -> Exception | None:
        """Refuse bad environment values at start (a clear error, never a silent default).

        A consumer raises (FC retries, then the failure destination keeps the event); a guard
        must still answer DataWorks, so it keeps the error and answers per its failure policy.
        """
        from openevent.errors import ConfigError
        from openevent.runtime.envcheck import check_environment

        try:
            check_environment(self.name, kind=self.kind, timer=self.timer)
        except ConfigError as exc:
            if self.kind != "guard":
                raise
            from openevent.runtime.logging import get_logger

            get_logger("openevent.delivery").error("function.bad_environment", function=self.name, error=str(exc),
                                                    effect="every event is answered per the failure policy")
            return exc
        return None

    # -- what workers share -------------------------------------------------------------------
    def config_path(self, env: Mapping[str, str] | None = None) -> str | None:
        """``OPENEVENT_CONFIG``, else the function's shipped ``config.yaml`` (if any)."""
        environ = os.environ if env is None else env
        explicit = environ.get("OPENEVENT_CONFIG")
        if explicit:
            return explicit
        if self.directory:
            for candidate in ("config.yaml", "config.yml", "config.json"):
                path = os.path.join(self.directory, candidate)
                if os.path.isfile(path):
                    return path
        return None

    def handles_type(self, event_type: str | None) -> bool:
        return event_type in self.handles


def open_bounded_store(env: Mapping[str, str] | None = None) -> Any:
    """The state store of ``OPENEVENT_STATE_URL``, every call bounded by the current budget.

    Each call waits at most ``OPENEVENT_STATE_TIMEOUT_S`` (default 2 s), never past the
    budget's ordinary share: a hung store degrades, it never takes a guard's answer time.

    Example:
        >>> type(open_bounded_store({"OPENEVENT_STATE_URL": "memory://"})).__name__
        'MemoryStore'
    """
    from openevent.state import open_store
    from openevent.state.bounded import bound
    from openevent.state.url import parse_state_url

    environ = dict(os.environ if env is None else env)  # a snapshot: the store opens on a pool thread
    try:
        cap = float(environ.get(STATE_TIMEOUT_ENV, "") or DEFAULT_STATE_TIMEOUT_S)
    except ValueError:
        from openevent.errors import ConfigError

        raise ConfigError(f"{STATE_TIMEOUT_ENV}: expected seconds, got {environ.get(STATE_TIMEOUT_ENV)!r}") from None
    from openevent.state.factory import state_url_from_env

    if parse_state_url(state_url_from_env(environ)).scheme == "memory":
        return open_store(env=environ)
    # opened inside the first bounded call: a locked SQLite file or a hung Redis cannot block the opening
    return bound(lambda: open_store(env=environ), timeout=lambda: call_timeout(cap))
