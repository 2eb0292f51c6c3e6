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

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openevent.audit.auditor import Auditor
    from openevent.audit.builder import UnsupportedEventError, build_record
    from openevent.audit.config import AuditConfig
    from openevent.audit.delivery import AuditDeliveryError, deliver
    from openevent.audit.diff import diff_states
    from openevent.audit.record import SCHEMA_VERSION, Actor, AuditRecord, FieldChange, Outcome, Resource, Where
    from openevent.audit.setup import build_auditor
    from openevent.audit.trail import read_trail

_EXPORTS = {
    "Auditor": "auditor", "UnsupportedEventError": "builder", "build_record": "builder", "AuditConfig": "config",
    "AuditDeliveryError": "delivery", "deliver": "delivery", "diff_states": "diff", "SCHEMA_VERSION": "record",
    "Actor": "record", "AuditRecord": "record", "FieldChange": "record", "Outcome": "record", "Resource": "record",
    "Where": "record", "build_auditor": "setup", "read_trail": "trail",
}
__all__ = [
    "SCHEMA_VERSION", "Actor", "AuditConfig", "AuditDeliveryError", "AuditRecord", "Auditor", "FieldChange", "Outcome",
    "Resource", "UnsupportedEventError", "Where", "build_auditor", "build_record", "deliver", "diff_states",
    "read_trail",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'openevent.audit' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"openevent.audit.{module}"), name)
    globals()[name] = value
    return value
