"""A local event bus: route each event with the s.yaml rules and invoke the matched functions.

Routing uses the same rules ``s deploy`` installs, with EventBridge's semantics
(:mod:`openevent.deploy.routing`): the default-bus triggers and the custom-bus ``vars.busRules`` of
the template, each seeing only the events published to its bus (the event's ``aliyuneventbusname``;
an event that names none is tried on both). The s.yaml resource key is the function's folder name.
Without a template, every function's pattern is derived from its declaration
(``{"source": ["acs.dataworks"], "type": [...]}``), on any bus.

Invocation follows FC's asynchronous mode: each matched function gets the event as bytes
and an FC-like context; a handler that raises is retried (``max_retries``, default 3 as
FC's ``maxAsyncRetryAttempts``) with a short backoff, every attempt is recorded, and a
failing function never stops the others or the bus.

The bus may be called from several threads at once (``openevent serve`` answers each request on a
thread of its own). Each function is one warm instance with s.yaml's ``instanceConcurrency: 1``:
its invocations run one at a time, while invocations of different functions run at the same time,
each seeing only its own environment (:func:`~openevent.local.invoke.function_env`).

Example (delivering needs DataWorks for the guard's callback, e.g. :class:`~openevent.local.stack.LocalStack`):
    >>> from openevent.events import sample_event
    >>> bus = LocalBus(template=None, env={"OPENEVENT_STATE_URL": "memory://"})
    >>> bus.route(sample_event("dataworks:ProjectChange:DeleteProject"))
    ['workspace_delete_guard']
    >>> [d.function for d in bus.deliver(sample_event("dataworks:ProjectChange:DeleteProject"))]  # doctest: +SKIP
    ['workspace_delete_guard']
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from openevent.local.functions import Handler, list_functions, load_handler
from openevent.local.invoke import InvokeResult, function_env, invoke


@dataclass
class Delivery:
    """What one function did with one event (after retries)."""

    function: str
    ok: bool
    result: Any
    error: str | None
    attempts: int
    duration_ms: float
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def declared_patterns(functions: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Patterns derived from the functions' declarations, for running without an s.yaml."""
    from openevent.local.functions import types_for_function

    return {fn: [{"source": ["acs.dataworks"], "type": types_for_function(fn)}]
            for fn in functions if types_for_function(fn)}


def template_patterns(template: str | Path, env: Mapping[str, str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """``{function folder: [patterns]}`` from an s.yaml, every bus's rules (keys are the resource keys)."""
    from openevent.deploy.routing import routes_of
    from openevent.deploy.template import load_template

    out: dict[str, list[dict[str, Any]]] = {}
    for r in routes_of(load_template(template, env)):
        out.setdefault(r.function, []).append(r.pattern)
    return out


class LocalBus:
    """Routes events to functions in this process, like EventBridge rules with FC targets."""

    def __init__(self, *, template: str | Path | None = "s.yaml", env: Mapping[str, str] | None = None,
                 max_retries: int = 3, backoff_s: float = 0.05, timeout_s: int = 30,
                 sleep: Callable[[float], None] = time.sleep,
                 on_failure: Callable[[dict[str, Any]], None] | None = None) -> None:
        from openevent.deploy.routing import Route, routes_of
        from openevent.deploy.template import load_template

        self.env = dict(env or {})
        functions = list_functions()
        if template is not None and Path(template).is_file():
            self.routes = routes_of(load_template(template))
            self.source = str(template)
            self._bus_aware = True
        else:
            self.routes = [Route(fn, fn, "*", fn, pattern) for fn, pats in declared_patterns(functions).items()
                           for pattern in pats]
            self.source = "registry"
            self._bus_aware = False
        self.routes = [r for r in self.routes if r.function in functions]
        self.patterns: dict[str, list[dict[str, Any]]] = {}
        for r in self.routes:
            self.patterns.setdefault(r.function, []).append(r.pattern)
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self.sleep = sleep
        self.failures: list[dict[str, Any]] = []
        self.on_failure = on_failure
        """Called with each failure as it is recorded (``openevent serve --workers`` collects them)."""
        self._handlers: dict[str, Handler] = {}  # one warm "FC instance" per function, owned by this bus
        self._locks: dict[str, threading.Lock] = {}  # per function: an instance runs one invocation at a time
        self._locks_lock = threading.Lock()

    def route(self, event: Mapping[str, Any]) -> list[str]:
        """Names of the functions whose rules match ``event`` (a decoded CloudEvent), each once."""
        from openevent.deploy.pattern import matches
        from openevent.deploy.routing import functions_for

        if self._bus_aware:
            return functions_for(event, self.routes)
        return list(dict.fromkeys(r.function for r in self.routes if matches(r.pattern, event)))

    def deliver(self, event: Mapping[str, Any]) -> list[Delivery]:
        """Invoke every matched function with ``event``; failures are retried and recorded."""
        raw = json.dumps(event, ensure_ascii=False).encode()
        return [self._invoke(fn, raw, event) for fn in self.route(event)]

    def _lock_for(self, function: str) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(function, threading.Lock())

    def _handler(self, function: str) -> Handler:
        if function not in self._handlers:
            with function_env(function, None, self.env):
                self._handlers[function] = load_handler(function, fresh=True)
        return self._handlers[function]

    def invoke_direct(self, function: str, event: Mapping[str, Any]) -> Delivery:
        """Invoke one function with ``event`` without routing (e.g. an FC timer trigger's event)."""
        return self._invoke(function, json.dumps(event, ensure_ascii=False).encode(), event)

    def _invoke(self, function: str, raw: bytes, event: Mapping[str, Any]) -> Delivery:
        errors: list[str] = []
        started = time.perf_counter()
        attempts = 0
        while True:
            attempts += 1
            with self._lock_for(function):
                outcome: InvokeResult = invoke(function, raw, env=self.env, timeout_s=self.timeout_s,
                                               handler=self._handler(function))
            if outcome.ok:
                break
            errors.append(f"{outcome.error_type}: {outcome.error}")
            if attempts > self.max_retries:
                break
            self.sleep(self.backoff_s * 2 ** (attempts - 1))
        elapsed = round((time.perf_counter() - started) * 1000, 2)
        if not outcome.ok:
            failure = {"function": function, "event_id": event.get("id"), "type": event.get("type"),
                       "attempts": attempts, "errors": errors}
            self.failures.append(failure)
            if self.on_failure is not None:
                self.on_failure(failure)
        return Delivery(function, outcome.ok, outcome.result, None if outcome.ok else errors[-1], attempts,
                        elapsed, errors)
