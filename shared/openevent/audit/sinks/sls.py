"""The SLS sink: records to a logstore with ``PutLogs`` (aliyun-log-python-sdk), batched, topic and tags.

Each record is one log whose time is the event time and whose contents are the record flattened
(:func:`log_contents`: ``audit_id``, ``event_id``, ``action``, ``actor_uid``, ``resource_kind``,
``resource_id``, ``workspace_id``, ``diff_fields``, … and ``before``/``after``/``diff``/``details``
as JSON text), so the logstore can be indexed and queried field by field; ``audit_id`` is the key to
deduplicate on. The request carries ``topic`` and ``tags`` (``__tag__:…``) from the config.

Records go in batches of ``batch_size``; when a batch fails the error names the records of the
batches already stored, so a retry sends only the rest. The request itself is
:class:`openevent.sls.SlsWriter`'s: transient service answers raise a transient
:class:`SinkError`, others a permanent one.

Example:
    >>> from openevent.audit.config import SlsSinkConfig
    >>> from openevent.runtime.credentials import Credentials
    >>> sink = SlsSink(SlsSinkConfig(endpoint="http://127.0.0.1:9", project="p", logstore="audit"),
    ...                Credentials("id", "secret"))
    >>> sink.name
    'sls'
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from openevent.audit.config import SlsSinkConfig
from openevent.audit.record import AuditRecord
from openevent.audit.sinks.base import SinkError
from openevent.runtime.credentials import Credentials
from openevent.sls import SlsError, SlsTarget, SlsWriter

_NESTED = ("actor", "resource", "where", "outcome", "origin")
_JSON = ("before", "after", "diff", "details")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def log_contents(record: AuditRecord) -> list[tuple[str, str]]:
    """The record as SLS log contents: flat ``key``/``value`` text pairs (empty values left out).

    Example:
        >>> from openevent.audit.record import Resource, FieldChange
        >>> rec = AuditRecord(audit_id="a", event_id="e", event_type="t", action="update", recorded_at="x",
        ...                   resource=Resource(kind="node", id="7"), diff=[FieldChange(field="cron")])
        >>> dict(log_contents(rec))["diff_fields"], dict(log_contents(rec))["resource_id"]
        ('cron', '7')
    """
    data = record.to_json_dict()
    pairs: list[tuple[str, str]] = []
    for key, value in data.items():
        if key in _NESTED:
            pairs.extend((f"{key}_{sub}", _text(v)) for sub, v in value.items())
        elif key in _JSON:
            if value is not None:
                pairs.append((key, json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)))
        else:
            pairs.append((key, _text(value)))
    pairs.append(("diff_fields", ",".join(record.changed_fields)))
    return [(k, v) for k, v in pairs if v != ""]


def log_time(record: AuditRecord) -> int:
    """Epoch seconds of the event time (the record time when the event has none)."""
    for value in (record.occurred_at, record.recorded_at):
        if value:
            try:
                return calendar.timegm(datetime.fromisoformat(value.replace("Z", "+00:00")).utctimetuple())
            except ValueError:
                continue
    return 0


class SlsSink:
    """PutLogs to ``config.project``/``config.logstore`` with ``credentials`` (AccessKey or STS)."""

    name = "sls"

    def __init__(self, config: SlsSinkConfig, credentials: Credentials | None) -> None:
        self.config = config
        self.credentials = credentials
        self._writer = SlsWriter(SlsTarget(
            endpoint=config.endpoint or "", project=config.project or "", logstore=config.logstore or "",
            topic=config.topic, source=config.source, tags=dict(config.tags), compress=config.compress,
            timeout_s=config.timeout_s), credentials)

    def write(self, records: Sequence[AuditRecord]) -> None:
        stored: list[str] = []
        size = self.config.batch_size
        for start in range(0, len(records), size):
            batch = records[start:start + size]
            try:
                self._writer.put([(log_time(r), log_contents(r)) for r in batch])
            except SlsError as exc:
                raise SinkError(self.name, f"PutLogs failed: {exc}", code=exc.code, transient=exc.transient,
                                stored=stored) from None
            stored.extend(r.audit_id for r in batch)
