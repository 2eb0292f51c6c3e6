"""Node state snapshots and the field-level diff between two of them.

A node state is a flat dict with canonical field names (:data:`NODE_FIELDS`), built from a node
change event's payload (:func:`state_from_payload`) and, when configured, from ``GetNode``
(:func:`state_from_getnode`). Absent means *unknown*, not *removed*: :func:`merge_states` carries
the last known value of a field forward when a newer snapshot does not report it, so an event
that omits a field (or a ``GetNode`` call that failed) never shows up as a change.

``scheduler_type`` ``PAUSE`` means frozen: freezing a node is a change of ``scheduler_type``
(:func:`change_labels` names it ``frozen``).

Example:
    >>> before = {"cron": "00 30 00 * * ?", "scheduler_type": "NORMAL", "owner": "1"}
    >>> after = merge_states(before, {"cron": "00 45 01 * * ?", "scheduler_type": "NORMAL"})
    >>> [(c.field, c.before, c.after) for c in diff_states(before, after)]
    [('cron', '00 30 00 * * ?', '00 45 01 * * ?')]
    >>> change_labels(diff_states(after, {**after, "scheduler_type": "PAUSE"}))
    ['frozen']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openevent.audit.record import FieldChange

# canonical name -> (event payload attribute, GetNode Data key(s)), in diff order
NODE_FIELDS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "name": ("node_name", ("NodeName",)),
    "program_type": ("program_type", ("ProgramType",)),
    "cron": ("cron_express", ("CronExpress",)),
    "scheduler_type": ("scheduler_type", ("SchedulerType",)),
    "owner": ("owner_id", ("OwnerId",)),
    "priority": ("priority", ("Priority",)),
    "baseline_id": ("baseline_id", ("BaselineId",)),
    "rerunnable": ("repeatability", ("Repeatability",)),
    "rerun_mode": (None, ("RepeatMode",)),
    "rerun_interval_ms": (None, ("RepeatInterval",)),
    "resource_group": (None, ("ResGroupIdentifier", "ResGroupName")),
    "datasource": ("datasource", ("Connection",)),
}
FROZEN = "PAUSE"


def _clean(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, bool | int | float):
        return value
    text = str(getattr(value, "value", value))
    return text if text else None


def state_from_payload(payload: Any) -> dict[str, Any]:
    """The node state a ``NodeChange*`` payload reports (only the fields it carries).

    Example:
        >>> from types import SimpleNamespace as NS
        >>> state_from_payload(NS(node_name="n", cron_express="00 05 00 * * ?", priority=None))
        {'name': 'n', 'cron': '00 05 00 * * ?'}
    """
    out: dict[str, Any] = {}
    for name, (attr, _keys) in NODE_FIELDS.items():
        if attr is None:
            continue
        value = _clean(getattr(payload, attr, None))
        if value is not None:
            out[name] = value
    return out


def state_from_getnode(data: Mapping[str, Any]) -> dict[str, Any]:
    """The node state in a ``GetNode`` ``Data`` object (only the fields it carries).

    Example:
        >>> state_from_getnode({"CronExpress": "00 05 00 * * ?", "ResGroupIdentifier": "group_2",
        ...                     "Repeatability": True, "BaselineId": 0})
        {'cron': '00 05 00 * * ?', 'rerunnable': True, 'resource_group': 'group_2'}
    """
    out: dict[str, Any] = {}
    for name, (_attr, keys) in NODE_FIELDS.items():
        for key in keys:
            value = _clean(data.get(key))
            if name == "baseline_id" and value == 0:  # GetNode says 0 for "no baseline"
                value = None
            if value is not None:
                out[name] = value
                break
    return out


def merge_states(*snapshots: Mapping[str, Any] | None) -> dict[str, Any]:
    """Later snapshots win field by field; fields a snapshot does not report keep earlier values.

    Example:
        >>> merge_states({"cron": "a", "owner": "1"}, None, {"cron": "b"})
        {'cron': 'b', 'owner': '1'}
    """
    out: dict[str, Any] = {}
    for snap in snapshots:
        for key, value in (snap or {}).items():
            if key in NODE_FIELDS and value is not None:
                out[key] = value
    return {key: out[key] for key in NODE_FIELDS if key in out}


def diff_states(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldChange]:
    """The fields whose value differs, in :data:`NODE_FIELDS` order.

    Example:
        >>> [c.field for c in diff_states({"priority": 1, "owner": "a"}, {"priority": 3, "owner": "a"})]
        ['priority']
    """
    return [FieldChange(field=name, before=before.get(name), after=after.get(name))
            for name in NODE_FIELDS if before.get(name) != after.get(name)]


def change_labels(diff: list[FieldChange]) -> list[str]:
    """Names for the changes people search and alert on: ``frozen``, ``unfrozen``, ``owner-changed``, ….

    Example:
        >>> change_labels([FieldChange(field="owner", before="1", after="2")])
        ['owner-changed']
    """
    labels: list[str] = []
    for change in diff:
        if change.field == "scheduler_type":
            if change.after == FROZEN:
                labels.append("frozen")
            elif change.before == FROZEN:
                labels.append("unfrozen")
            else:
                labels.append("scheduler-type-changed")
        elif change.field == "owner":
            labels.append("owner-changed")
        elif change.field == "cron":
            labels.append("schedule-changed")
    return labels
