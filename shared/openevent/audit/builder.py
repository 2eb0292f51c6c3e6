"""From a parsed event to its audit record (pure: no I/O; the node states are handed in).

:func:`build_record` knows, per event type, the action, the resource, the actor and the details
(:data:`ACTIONS`). For node changes it takes the node's last known state and, optionally, the
state ``GetNode`` returned, and fills ``before`` / ``after`` / ``diff``:

* first sighting (no known state): ``after`` only, ``baseline: true``, no diff;
* update: ``after`` = the last known state updated with ``GetNode`` and then with the event's
  own fields (the event is the truth at its time), ``diff`` = the fields that differ;
* delete: ``before`` = the last known state (updated with what the delete message still says),
  no ``after``, no diff.

Example:
    >>> from openevent.events import parse_one, sample_event
    >>> ev = parse_one(sample_event("dataworks:InstanceChange:KillInstance"))
    >>> rec = build_record(ev, recorded_at="2025-03-14T02:30:00Z")
    >>> rec.action, rec.resource.kind, rec.outcome.status
    ('kill', 'instance', 'succeeded')
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from openevent.audit.diff import change_labels, diff_states, merge_states, state_from_payload
from openevent.audit.record import Actor, AuditRecord, Origin, Outcome, Resource, Where, audit_id_for
from openevent.errors import OpenEventError
from openevent.events import Event
from openevent.events.fields import log_unreadable, stamp_to_datetime

# event type name -> action
ACTIONS: dict[str, str] = {
    "NodeChangeCreated": "create",
    "NodeChangeUpdated": "update",
    "NodeChangeDeleted": "delete",
    "FreezeInstance": "freeze",
    "UnfreezeInstance": "unfreeze",
    "KillInstance": "kill",
    "RerunInstance": "rerun",
    "SetInstanceSuccess": "set-success",
    "DeleteTaskInstanceDependencies": "delete-dependencies",
    "ExpiredTaskInstancesDeleted": "delete-expired",
    "ApprovalChangeFinished": "finish",
    "ProjectDeleted": "delete",
}
NODE_EVENTS = ("NodeChangeCreated", "NodeChangeUpdated", "NodeChangeDeleted")
_PRC = timezone(timedelta(hours=8))


class UnsupportedEventError(OpenEventError):
    """The auditor does not audit this event type."""


@dataclass(frozen=True)
class NodeStates:
    """What is known about a node before its event: the stored state and the ``GetNode`` answer."""

    last_known: dict[str, Any] | None = None
    fetched: dict[str, Any] | None = None
    fetch_error: str | None = None


def is_audited(event: Event) -> bool:
    """True when the auditor has a record shape for the event's type.

    Only a type the registry knows: an unknown one that merely ends like an audited one
    (``dataworks:X:ProjectDeleted``, a typo) has no typed payload to build the record from.
    """
    return event.known and event.spec.name in ACTIONS


def is_node_event(event: Event) -> bool:
    return event.known and event.spec.name in NODE_EVENTS


def node_id_of(event: Event) -> str | None:
    """The node id of a node change event (``None`` for other events)."""
    if not is_node_event(event):
        return None
    value = getattr(event.data, "node_id", None)
    return None if value in (None, "") else str(value)


def iso_utc(value: Any, field: str | None = None) -> str | None:
    """An ISO 8601 UTC time (``…Z``) for an event time, an ``aliyunpublishtime`` (``…PRC`` too) or epoch ms.

    ``None`` when the value is no time ``datetime`` can hold (an epoch of ``10**20`` ms, ``"²"``,
    a negative year); given ``field``, a warning names it. Never raises.

    Example:
        >>> iso_utc("2025-03-14T10:05:05+08:00"), iso_utc("2020-11-19T21:04:42.179PRC")
        ('2025-03-14T02:05:05Z', '2020-11-19T13:04:42.179000Z')
        >>> iso_utc(10**20), iso_utc("99999999999999999999"), iso_utc("-0001-01-01T00:00:00")
        (None, None, None)
    """
    if value in (None, ""):
        return None
    moment = _moment(value)
    if moment is not None:
        try:
            return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
        except (OverflowError, ValueError):  # 0001-01-01 at +08:00 is before year 1 in UTC
            pass
    if field is not None:
        log_unreadable(field, value, "a time")
    return None


def _moment(value: Any) -> datetime | None:
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return stamp_to_datetime(value)
    text = str(value).strip()
    tz = None
    if text.endswith("PRC"):
        text, tz = text[:-3], _PRC
    try:
        moment: datetime | None = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = stamp_to_datetime(text)
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz or timezone.utc)
    return moment


class _Times:
    """The record's times, ISO 8601 UTC; a value that is no time is kept as sent, by field, in ``unparsed``."""

    def __init__(self) -> None:
        self.unparsed: dict[str, Any] = {}

    def __call__(self, value: Any, field: str) -> str | None:
        iso = iso_utc(value, field)
        if iso is None and value not in (None, ""):
            self.unparsed[field] = value
        return iso


def _s(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _ids(values: Any) -> list[str]:
    return [str(v) for v in values or []]


def build_record(event: Event, *, recorded_at: str, node: NodeStates | None = None,
                 origin: Origin | None = None) -> AuditRecord:
    """The audit record of ``event`` (raises :class:`UnsupportedEventError` for other types)."""
    name = event.spec.name
    action = ACTIONS.get(name)
    if action is None:
        raise UnsupportedEventError(f"{event.type} is not an audited event type")
    data = event.data
    times = _Times()
    fields: dict[str, Any] = {"actor": Actor(uid=event.operator)}
    if name in NODE_EVENTS:
        fields.update(_node_fields(event, action, node or NodeStates(), times))
    elif name == "DeleteTaskInstanceDependencies":
        fields["resource"] = Resource(kind="instance", id=_s(data.task_instance_id))
        fields["details"] = {"removed_upstream_instance_ids": _ids(data.upstream_task_instance_ids),
                             "operation_time": times(data.operation_time, "data.operationTime")}
    elif name == "ExpiredTaskInstancesDeleted":
        ids = _ids(data.deleted_task_instance_ids)
        fields["actor"] = Actor(kind="system")
        fields["resource"] = Resource(kind="instance", id=ids[0] if len(ids) == 1 else None, ids=ids,
                                      owner=_s(data.owner))
        fields["details"] = {"operation_time": times(data.operation_time, "data.operationTime")}
    elif name == "ApprovalChangeFinished":
        fields.update(_approval_fields(event))
    elif name == "ProjectDeleted":
        fields["resource"] = Resource(kind="workspace", id=_s(event.workspace_id), name=data.project_name)
        fields["labels"] = ["workspace-deleted"]
    else:  # instance operations (§8.5)
        ids = _ids(data.task_ids)
        fields["resource"] = Resource(kind="instance", id=ids[0] if len(ids) == 1 else None, ids=ids)
    resource: Resource = fields["resource"]
    environment = _s(getattr(data, "project_type", None))
    occurred_at, received_at = times(event.time, "time"), times(event.aliyunpublishtime, "aliyunpublishtime")
    if times.unparsed:  # the times no datetime can hold, kept as sent
        fields["details"] = {**fields.get("details", {}), "unparsed": times.unparsed}
    return AuditRecord(
        audit_id=audit_id_for(event.id, resource.kind, resource.id or ",".join(resource.ids)),
        event_id=event.id, event_type=event.type, event_code=event.event_code, action=action,
        occurred_at=occurred_at, received_at=received_at, recorded_at=recorded_at,
        where=Where(region=event.region, account_id=event.aliyunaccountid,
                    tenant_id=_s(event.tenant_id) or fields.pop("tenant_id", None),
                    workspace_id=_s(event.workspace_id), environment=environment, bus=event.aliyuneventbusname),
        origin=origin or Origin(), **fields,
    )


def _node_fields(event: Event, action: str, node: NodeStates, times: _Times) -> dict[str, Any]:
    data = event.data
    reported = state_from_payload(data)
    last = node.last_known
    out: dict[str, Any] = {}
    details: dict[str, Any] = {"modified_at": times(data.modify_time, "data.modifyTime"),
                               "created_at": times(data.create_time, "data.createTime")}
    if node.fetch_error:
        details["get_node_error"] = node.fetch_error
    if action == "delete":
        before = merge_states(last, reported)
        out.update(before=before, after=None, diff=None, baseline=last is None, labels=["node-deleted"])
        state = before
    else:
        after = merge_states(last if action == "update" else None, node.fetched, reported)
        if last is None or action == "create":
            out.update(before=None, after=after, diff=None, baseline=True, labels=[])
        else:
            diff = diff_states(last, after)
            out.update(before=dict(last), after=after, diff=diff, baseline=False, labels=change_labels(diff))
        state = after
    details["state_sources"] = [s for s, v in (("state-store", last), ("GetNode", node.fetched), ("event", True))
                                if v]
    out["details"] = {k: v for k, v in details.items() if v is not None}
    out["resource"] = Resource(kind="node", id=node_id_of(event), name=_s(state.get("name")),
                               owner=_s(state.get("owner")))
    return out


def _approval_fields(event: Event) -> dict[str, Any]:
    data = event.data
    process = data.process
    content = process.approval_content
    objects = [o.object_guid or o.object_name or o.name for o in (content.array_data or [])] if content else []
    grantees = [g.grantee_name or g.grantee_id for g in (content.grantee_accounts or [])] if content else []
    actions = sorted({a for o in (content.array_data or []) for a in (o.actions or [])}) if content else []
    return {
        "tenant_id": _s(content.tenant_id) if content else None,
        "actor": Actor(uid=_s(data.assignee), name=data.assignee_name),
        "resource": Resource(kind="permission-request", id=_s(process.process_id or data.process_id),
                             name=process.title or (content.resource_summary if content else None),
                             owner=_s(process.applicant)),
        "outcome": Outcome(status=_s(data.status) or "finished", reason=data.comments),
        "details": {k: v for k, v in {
            "applicant": _s(process.applicant), "applicant_name": process.applicant_name,
            "category": process.assignment_category, "objects": [o for o in objects if o],
            "grantees": [g for g in grantees if g], "permissions": actions,
            "apply_reason": content.apply_reason if content else None,
        }.items() if v not in (None, [])},
    }
