"""Reading a local JSONL audit trail (``openevent audit show``): filter and format records.

Lines that are not records (blank, truncated by a crash, another schema) are skipped and counted.
``since`` is an ISO 8601 time (``2025-03-14``, ``2025-03-14T10:00:00+08:00``) or a relative age
(``30m``, ``12h``, ``7d``); records are compared on their event time (``occurred_at``, falling back to
``recorded_at``).

Example:
    >>> from openevent.audit.record import AuditRecord, Resource
    >>> rec = AuditRecord(audit_id="a", event_id="e", event_type="t", action="update", recorded_at="x",
    ...                   resource=Resource(kind="node", id="7", name="n"), occurred_at="2025-03-14T02:06:18Z")
    >>> format_table([rec]).splitlines()[1].split()
    ['2025-03-14T02:06:18Z', 'update', 'node', '7', 'n', '-', '-', '-']
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from pydantic import ValidationError

from openevent.audit.record import AuditRecord, record_from_dict
from openevent.errors import OpenEventError

_AGE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@dataclass(frozen=True)
class TrailFilter:
    """Which records to keep; ``None`` matches anything."""

    node: str | None = None
    workspace: str | None = None
    operator: str | None = None
    since: datetime | None = None

    def matches(self, record: AuditRecord) -> bool:
        if self.node is not None and not (record.resource.kind == "node" and record.resource.id == self.node):
            return False
        if self.workspace is not None and record.where.workspace_id != self.workspace:
            return False
        if self.operator is not None and record.actor.uid != self.operator:
            return False
        if self.since is not None:
            moment = _parse_iso(record.occurred_at or record.recorded_at)
            if moment is None or moment < self.since:
                return False
        return True


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """A ``--since`` value as an aware datetime.

    Example:
        >>> parse_since("2h", now=datetime(2025, 3, 14, 12, tzinfo=timezone.utc)).isoformat()
        '2025-03-14T10:00:00+00:00'
        >>> parse_since("2025-03-14").isoformat()
        '2025-03-14T00:00:00+00:00'
    """
    value = text.strip()
    match = _AGE.match(value)
    if match:
        now = now or datetime.now(timezone.utc)
        return now - timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])
    moment = _parse_iso(value)
    if moment is None:
        raise OpenEventError(f"--since: expected an ISO 8601 time or an age like 30m, 12h, 7d; got {text!r}")
    return moment


def _parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@dataclass
class Trail:
    records: list[AuditRecord]
    skipped: int = 0


def iter_lines(lines: Iterable[str]) -> Iterator[AuditRecord | None]:
    """Each line as a record, or ``None`` for a line that is not one."""
    for line in lines:
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            yield record_from_dict(data) if isinstance(data, dict) else None
        except (ValueError, ValidationError):
            yield None


def read_trail(path: str | Path, flt: TrailFilter | None = None) -> Trail:
    """The records of a JSONL trail that pass ``flt``, in file order.

    Example:
        >>> read_trail("/nonexistent/audit.jsonl")  # doctest: +IGNORE_EXCEPTION_DETAIL
        Traceback (most recent call last):
        openevent.errors.OpenEventError: cannot read /nonexistent/audit.jsonl: No such file or directory
    """
    flt = flt or TrailFilter()
    trail = Trail(records=[])
    try:
        with open(path, encoding="utf-8") as fh:
            for record in iter_lines(fh):
                if record is None:
                    trail.skipped += 1
                elif flt.matches(record):
                    trail.records.append(record)
    except OSError as exc:
        raise OpenEventError(f"cannot read {path}: {exc.strerror}") from None
    return trail


def _cell(value: object) -> str:
    return "-" if value in (None, "", []) else str(value)


def format_table(records: Iterable[AuditRecord]) -> str:
    """A plain text table, one record per row: time, action, resource, operator, workspace, changes."""
    header = ("TIME", "ACTION", "KIND", "ID", "NAME", "OPERATOR", "WORKSPACE", "CHANGES")
    rows = [header]
    for r in records:
        changes = ", ".join(f"{c.field}: {c.before} → {c.after}" for c in r.diff or [])
        if r.baseline and not changes:
            changes = "(first sighting)"
        rows.append((_cell(r.occurred_at or r.recorded_at), r.action, r.resource.kind,
                     _cell(r.resource.id or ",".join(r.resource.ids)), _cell(r.resource.name), _cell(r.actor.uid),
                     _cell(r.where.workspace_id), _cell(changes)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    return "\n".join(lines)
