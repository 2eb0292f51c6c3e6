"""Audit sinks: stdout (always), a local JSONL file, an SLS logstore. See :mod:`openevent.audit.sinks.base`."""

from openevent.audit.sinks.base import Sink, SinkError

__all__ = ["Sink", "SinkError"]
