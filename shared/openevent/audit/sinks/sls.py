"""The SLS sink: records to a logstore with ``PutLogs`` (aliyun-log-python-sdk), batched, topic and tags.

Each record is one log whose time is the event time and whose contents are the record flattened
(:func:`log_contents`: ``audit_id``, ``event_id``, ``action``, ``actor_uid``, ``resource_kind``,
``resource_id``, ``workspace_id``, ``diff_fields``, … and ``before``/``after``/``diff``/``details``
as JSON text), so the logstore can be indexed and queried field by field; ``audit_id`` is the key to
deduplicate on. The request carries ``topic`` and ``tags`` (``__tag__:…``) from the config.

Records go in batches of ``batch_size``; when a batch fails the error names the records of the
batches already stored, so a retry sends only the rest. Transient service answers
(``WriteQuotaExceed``, ``ShardWriteQuotaExceed``, ``ServerBusy``, ``InternalServerError``,
``RequestTimeout``, network errors) raise a transient :class:`SinkError`; others (bad signature,
unknown project or logstore, …) a permanent one. The SDK itself already retries 5xx answers and
connection errors (up to 10 times, one second apart) before it gives up.

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
from openevent.runtime.redact import redact_text, register_secret

TRANSIENT_CODES = frozenset({"WriteQuotaExceed", "ShardWriteQuotaExceed", "ServerBusy", "InternalServerError",
                             "RequestTimeout", "LogRequestError"})
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


def _is_ip_with_port(endpoint: str) -> bool:
    host = endpoint.split("://", 1)[-1].split("/", 1)[0]
    name, _, port = host.rpartition(":")
    parts = name.split(".")
    return bool(port) and len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts)


class SlsSink:
    """PutLogs to ``config.project``/``config.logstore`` with ``credentials`` (AccessKey or STS)."""

    name = "sls"

    def __init__(self, config: SlsSinkConfig, credentials: Credentials | None) -> None:
        self.config = config
        self.credentials = credentials
        self._client: Any = None
        if credentials is not None:
            register_secret(credentials.access_key_secret)
            register_secret(credentials.security_token)

    def write(self, records: Sequence[AuditRecord]) -> None:
        if not records:
            return
        if self.credentials is None:
            raise SinkError(self.name, "no credentials (ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET or the FC role)",
                            transient=False, code="MissingCredentials")
        client = self._get_client()
        from aliyun.log import LogException, LogItem, PutLogsRequest

        cfg = self.config
        stored: list[str] = []
        size = cfg.batch_size
        for start in range(0, len(records), size):
            batch = records[start:start + size]
            items = [LogItem(timestamp=log_time(r), contents=log_contents(r)) for r in batch]
            request = PutLogsRequest(project=cfg.project, logstore=cfg.logstore, topic=cfg.topic,
                                     source=cfg.source or "openevent", logitems=items,
                                     logtags=sorted(cfg.tags.items()) or None, compress=cfg.compress)
            try:
                client.put_logs(request)
            except LogException as exc:
                code = str(exc.get_error_code())
                message = redact_text(str(exc.get_error_message()))[:300]
                raise SinkError(self.name, f"PutLogs failed: {code}: {message}", code=code,
                                transient=code in TRANSIENT_CODES, stored=stored) from None
            stored.extend(r.audit_id for r in batch)

    def _get_client(self) -> Any:
        if self._client is None:
            from aliyun.log import LogClient

            creds = self.credentials
            assert creds is not None
            assert self.config.endpoint is not None
            client: Any = LogClient(self.config.endpoint, creds.access_key_id, creds.access_key_secret,
                               securityToken=creds.security_token, source=self.config.source or "openevent")
            client.timeout = self.config.timeout_s
            if _is_ip_with_port(self.config.endpoint):
                # the SDK recognises only a bare IP as such; with a port it would put the project in
                # front of the IP (``project.127.0.0.1:8080``), which no resolver knows
                client._isRowIp = True
            self._client = client
        return self._client
