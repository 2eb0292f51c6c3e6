"""What every audit sink is: a name and ``write(records)`` that either stores them all or raises.

A sink raises :class:`SinkError` (``transient`` true when trying again may help) and nothing
else; :mod:`openevent.audit.delivery` retries transient errors, records which records each
sink has stored, and never hands a sink a record it stored before.

Example:
    >>> class ListSink:
    ...     name = "list"
    ...     def __init__(self): self.items = []
    ...     def write(self, records): self.items.extend(records)
    >>> isinstance(ListSink(), Sink)
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from openevent.audit.record import AuditRecord
from openevent.errors import OpenEventError


class SinkError(OpenEventError):
    """A sink could not store records; ``transient`` says whether a retry may succeed."""

    def __init__(self, sink: str, message: str, *, transient: bool = True, code: str | None = None,
                 stored: Sequence[str] = ()) -> None:
        super().__init__(f"{sink}: {message}")
        self.sink = sink
        self.transient = transient
        self.code = code
        self.stored = list(stored)  # audit ids the sink did store before it failed


@runtime_checkable
class Sink(Protocol):
    """An audit sink. ``write`` stores every record or raises :class:`SinkError`."""

    name: str

    def write(self, records: Sequence[AuditRecord]) -> None: ...
