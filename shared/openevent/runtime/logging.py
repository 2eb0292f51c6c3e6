"""structlog configured once: JSON lines with correlation fields and redaction.

* :func:`configure_logging` sets structlog up (idempotent); output goes to stdout on FC
  (where stdout is shipped to SLS) and to stderr for the CLI, so stdout stays machine-readable.
* :func:`bind_invocation` binds ``fc_request_id``, ``function`` and, for an event,
  ``event_id``, ``event_type``, ``workspace_id`` and ``tenant_id`` to every line logged
  during the invocation (contextvars, so concurrent requests do not mix).
* The :func:`redact_processor` runs last before rendering: nothing registered as a secret,
  and no value under a secret-looking key, reaches a log line.

Example:
    >>> configure_logging(stream="stderr")
    >>> get_logger("demo").info("ready", token="abc")  # doctest: +SKIP
    {"event": "ready", "token": "***", "level": "info", ...}
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO, cast

import openevent.runtime.deferred  # noqa: F401 - first: it defers asyncio, which structlog imports

# isort: split
import structlog
from structlog.contextvars import bind_contextvars, clear_contextvars, merge_contextvars

from openevent.runtime.context import function_name_of, request_id_of
from openevent.runtime.redact import redact_fields

_configured_stream: str | None = None


def redact_processor(_logger: Any, _name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: mask secrets in every key and value of the event dict.

    The event dict is structlog's own per-line copy, so it is masked in place; values the caller
    passed (nested dicts, lists) are never modified, only replaced by masked copies when needed.
    """
    return redact_fields(event_dict)


class _StreamFactory:
    """Looks the stream up at each write so tests that swap sys.stdout/stderr still capture."""

    def __init__(self, stream: str) -> None:
        self.stream = stream

    def __call__(self, *_args: Any) -> structlog.PrintLogger:
        return structlog.PrintLogger(cast(TextIO, _StreamProxy(self.stream)))


class _StreamProxy:
    def __init__(self, stream: str) -> None:
        self.stream = stream

    def _target(self) -> TextIO:
        return sys.stderr if self.stream == "stderr" else sys.stdout

    def write(self, text: str) -> int:
        if self.stream == "null":  # benchmarks: render every line, keep none
            return len(text)
        return self._target().write(text)

    def flush(self) -> None:
        if self.stream != "null":
            self._target().flush()


def configure_logging(stream: str | None = None, level: str | None = None, force: bool = False) -> None:
    """Configure structlog for JSON output (``stream``: ``"stdout"`` | ``"stderr"`` | ``"null"``).

    The default stream is ``$OPENEVENT_LOG_STREAM`` or stdout; the level ``$OPENEVENT_LOG_LEVEL`` or info.
    """
    global _configured_stream
    if stream is None and _configured_stream is not None and not force:
        return  # a default call never overrides an explicit choice (e.g. the CLI's stderr)
    stream = stream or os.environ.get("OPENEVENT_LOG_STREAM", "stdout")
    if _configured_stream == stream and not force:
        return
    level_name = (level or os.environ.get("OPENEVENT_LOG_LEVEL", "info")).lower()
    import logging as std_logging

    structlog.configure(
        processors=[
            merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact_processor,
            structlog.processors.JSONRenderer(default=str, ensure_ascii=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            getattr(std_logging, level_name.upper(), std_logging.INFO)),
        logger_factory=_StreamFactory(stream),
        cache_logger_on_first_use=False,
    )
    _configured_stream = stream


def configured_stream() -> str | None:
    """Where log lines go now (``stdout``, ``stderr``, ``null``), ``None`` before configuration."""
    return _configured_stream


def get_logger(name: str | None = None) -> Any:
    """A structlog logger (configures logging with defaults on first use)."""
    if _configured_stream is None:
        configure_logging()
    return structlog.get_logger(name) if name is None else structlog.get_logger().bind(logger=name)


def bind_invocation(context: Any = None, event: Any = None, **extra: Any) -> None:
    """Start a fresh logging context for one invocation (FC request id, function, event fields)."""
    clear_contextvars()
    fields: dict[str, Any] = {}
    rid = request_id_of(context)
    if rid:
        fields["fc_request_id"] = rid
    fname = function_name_of(context)
    if fname:
        fields["function"] = fname
    if event is not None:
        fields.update(event_log_fields(event))
    fields.update({k: v for k, v in extra.items() if v is not None})
    bind_contextvars(**fields)


def event_log_fields(event: Any) -> dict[str, Any]:
    """The correlation fields of an event object (duck-typed to keep runtime below events)."""
    out: dict[str, Any] = {}
    for key in ("event_id", "event_type", "workspace_id", "tenant_id"):
        attr = {"event_id": "id", "event_type": "type"}.get(key, key)
        val = getattr(event, attr, None)
        if val is not None:
            out[key] = val
    return out
