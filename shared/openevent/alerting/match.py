"""Matching an :class:`~openevent.alerting.alert.Alert` against a :class:`~openevent.alerting.config.Match`.

Example:
    >>> from openevent.alerting.alert import Alert
    >>> a = Alert(kind="instance_failure", event_id="e", event_type="t", status="FAILURE",
    ...           subject="instance:1", workspace_id=10001, node_name="ods_orders", priority=7)
    >>> matches(a, Match(nodes=["ods_*"], priorities=[7, 8]))
    True
    >>> matches(a, Match(workspaces=["10002"]))
    False
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase

from openevent.alerting.alert import Alert
from openevent.alerting.config import Match, Owner


def _glob_any(patterns: Iterable[str], values: Iterable[object]) -> bool:
    texts = [str(v) for v in values if v not in (None, "")]
    return any(fnmatchcase(t, p) for p in patterns for t in texts)


def matches(alert: Alert, match: Match, owners: Mapping[str, Owner] | None = None) -> bool:
    """True when ``alert`` satisfies every matcher given in ``match`` (an empty match matches all)."""
    if match.kinds is not None and alert.kind not in match.kinds:
        return False
    if match.workspaces is not None and str(alert.workspace_id) not in match.workspaces:
        return False
    if match.nodes is not None and not _glob_any(match.nodes, (alert.node_name, alert.node_id, alert.dag_name)):
        return False
    if match.owners is not None:
        owner = alert.owner or alert.operator
        name = owners[owner].name if owners and owner is not None and owner in owners else None
        if not _glob_any(match.owners, (owner, name)):
            return False
    if match.priorities is not None and alert.priority not in match.priorities:
        return False
    if match.baselines is not None and not _glob_any(match.baselines, (alert.baseline_id, alert.baseline_name)):
        return False
    if match.statuses is not None and alert.status.upper() not in (s.upper() for s in match.statuses):
        return False
    if match.alarm_types is not None and (alert.alarm_type or "") not in match.alarm_types:
        return False
    return match.dag_types is None or alert.dag_type in match.dag_types
