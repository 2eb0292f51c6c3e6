"""Audit records of DataWorks changes: schema, diffs, sinks (stdout / JSONL / SLS) and the trail reader.

Public API (imported lazily: importing this package loads nothing until a name is used):

* :class:`AuditRecord` (schema ``"1"``, :mod:`openevent.audit.record`) and its parts;
* :func:`build_record` — event → record (:mod:`openevent.audit.builder`), :func:`diff_states`;
* :class:`Auditor` / :func:`build_auditor` — the node-change auditor's pipeline
  (:mod:`openevent.audit.auditor`, :mod:`openevent.audit.setup`), :class:`AuditConfig`;
* :func:`deliver` / :class:`AuditDeliveryError` — exactly-once delivery to sinks;
* :func:`read_trail` — reading a JSONL trail (:mod:`openevent.audit.trail`).

Example:
    >>> from openevent.runtime.logging import configure_logging; configure_logging(stream="stderr")
    >>> from openevent.audit import AuditConfig, build_auditor
    >>> from openevent.events import sample_event
    >>> auditor = build_auditor(AuditConfig(sinks={"stdout": False, "jsonl": {"enabled": False}}),
    ...                         env={"OPENEVENT_STATE_URL": "memory://"})
    >>> auditor.handle(sample_event("dataworks:NodeChange:NodeChangeCreated"))["records"][0]["baseline"]
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from openevent._lazy import lazy_exports

if TYPE_CHECKING:
    from openevent.audit.auditor import Auditor
    from openevent.audit.builder import UnsupportedEventError, build_record
    from openevent.audit.config import AuditConfig
    from openevent.audit.delivery import AuditDeliveryError, deliver
    from openevent.audit.diff import diff_states
    from openevent.audit.record import SCHEMA_VERSION, Actor, AuditRecord, FieldChange, Outcome, Resource, Where
    from openevent.audit.setup import build_auditor
    from openevent.audit.trail import read_trail

__all__ = [
    "SCHEMA_VERSION", "Actor", "AuditConfig", "AuditDeliveryError", "AuditRecord", "Auditor", "FieldChange", "Outcome",
    "Resource", "UnsupportedEventError", "Where", "build_auditor", "build_record", "deliver", "diff_states",
    "read_trail",
]
__getattr__, __dir__ = lazy_exports(__name__, {
    "auditor": ["Auditor"],
    "builder": ["UnsupportedEventError", "build_record"],
    "config": ["AuditConfig"],
    "delivery": ["AuditDeliveryError", "deliver"],
    "diff": ["diff_states"],
    "record": ["SCHEMA_VERSION", "Actor", "AuditRecord", "FieldChange", "Outcome", "Resource", "Where"],
    "setup": ["build_auditor"],
    "trail": ["read_trail"],
})
