"""The audit record, schema version 1: who did what to which resource, when, where, with what outcome.

One record per audited event (Kubernetes audit ``Event`` and ActionTrail shaped, see
``reference/peers.md`` §6.1). Field groups:

* **who** — :class:`Actor`: the operator UID (``kind="system"`` when DataWorks acted on its own,
  e.g. expired instances were cleaned up);
* **what** — ``action`` (``create``, ``update``, ``delete``, ``freeze``, ``kill``, …) on a
  :class:`Resource` (``kind`` ``node`` | ``instance`` | ``permission-request`` | ``workspace``,
  ``id``, ``name``, ``owner``; ``ids`` when one event names several instances);
* **when** — ``occurred_at`` (the event ``time``), ``received_at`` (when EventBridge received it,
  ``aliyunpublishtime``) and ``recorded_at`` (when this record was built), all ISO 8601 UTC;
* **where** — :class:`Where`: region, account, tenant, workspace, environment (``PROD``/``DEV``), bus;
* **outcome** — :class:`Outcome` (DataWorks reports these changes after the fact: ``succeeded``;
  a permission request carries its own status);
* for node changes ``before`` / ``after`` (:data:`NodeState` dicts) and a field-level ``diff``;
  ``baseline`` is true when this is the first sighting of the node (state recorded, no diff).

``audit_id`` is deterministic (a UUIDv5 of the event id and the resource), so every sink and every
retry of the same delivery names the same record — the key of idempotency.

Example:
    >>> rec = AuditRecord(audit_id="a-1", event_id="e-1", event_type="dataworks:NodeChange:NodeChangeUpdated",
    ...                   action="update", actor=Actor(uid="42"), resource=Resource(kind="node", id="7"),
    ...                   occurred_at="2025-03-14T02:06:18Z", recorded_at="2025-03-14T02:06:19Z",
    ...                   diff=[FieldChange(field="cron", before="00 30 00 * * ?", after="00 45 01 * * ?")])
    >>> rec.schema_version, rec.changed_fields
    ('1', ['cron'])
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1"
# namespace of the deterministic audit ids (never change it: ids must stay stable across releases)
AUDIT_NAMESPACE = uuid.UUID("6f1d8c52-3a8e-5b0e-9a51-0e6a1d0c7a11")

ResourceKind = Literal["node", "instance", "permission-request", "workspace"]
ActorKind = Literal["user", "system"]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Actor(_Part):
    """Who: the DataWorks operator UID (``None`` when the event names nobody)."""

    uid: str | None = None
    kind: ActorKind = "user"
    name: str | None = None


class Resource(_Part):
    """What the action was applied to."""

    kind: ResourceKind
    id: str | None = None
    ids: list[str] = Field(default_factory=list)
    name: str | None = None
    owner: str | None = None


class Where(_Part):
    """Where: the place of the resource in Alibaba Cloud and DataWorks."""

    region: str | None = None
    account_id: str | None = None
    tenant_id: str | None = None
    workspace_id: str | None = None
    environment: str | None = None
    bus: str | None = None


class Outcome(_Part):
    """How it ended: ``succeeded`` for a change DataWorks reports as done, else the reported status."""

    status: str = "succeeded"
    reason: str | None = None


class FieldChange(_Part):
    """One changed field of a node: its canonical name and the values before and after."""

    field: str
    before: Any = None
    after: Any = None


class Origin(_Part):
    """What produced the record: the function, its version and the FC request id."""

    function: str | None = None
    version: str | None = None
    request_id: str | None = None


class AuditRecord(BaseModel):
    """An audit record (schema version ``"1"``); serialise with :meth:`to_json_dict`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal["1"] = "1"
    audit_id: str
    event_id: str
    event_type: str
    event_code: str | None = None
    action: str
    actor: Actor = Field(default_factory=Actor)
    resource: Resource
    occurred_at: str | None = None
    received_at: str | None = None
    recorded_at: str
    where: Where = Field(default_factory=Where)
    outcome: Outcome = Field(default_factory=Outcome)
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    diff: list[FieldChange] | None = None
    baseline: bool = False
    labels: list[str] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)
    origin: Origin = Field(default_factory=Origin)

    @property
    def changed_fields(self) -> list[str]:
        """The names of the fields in ``diff`` (empty when there is no diff)."""
        return [change.field for change in self.diff or []]

    def to_json_dict(self) -> dict[str, Any]:
        """The record as a JSON-compatible dict (every key present, ``None`` kept)."""
        return self.model_dump(mode="json")


def audit_id_for(event_id: str, resource_kind: str, resource_key: str | None) -> str:
    """The deterministic id of the record of ``event_id`` about one resource.

    Example:
        >>> audit_id_for("e-1", "node", "7") == audit_id_for("e-1", "node", "7")
        True
    """
    return str(uuid.uuid5(AUDIT_NAMESPACE, f"{event_id}|{resource_kind}|{resource_key or ''}"))


def record_from_dict(data: dict[str, Any]) -> AuditRecord:
    """Validate a stored record (JSONL line, state-store document) back into an :class:`AuditRecord`.

    Example:
        >>> r = record_from_dict({"audit_id": "a", "event_id": "e", "event_type": "t", "action": "kill",
        ...                       "resource": {"kind": "instance", "id": "1"}, "recorded_at": "x"})
        >>> r.resource.id
        '1'
    """
    return AuditRecord.model_validate(data)
