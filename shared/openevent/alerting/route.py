"""Alertmanager-style routing: an ordered list of routes, first match wins unless ``continue``.

Every matching route adds its receivers (each receiver once, in route order) until a route
without ``continue: true`` matched. When no route matched, ``default_receivers`` apply.
``"*"`` stands for every enabled receiver; receivers whose URL is unset (disabled) are left out.

Example:
    >>> from openevent.alerting.alert import Alert
    >>> from openevent.alerting.config import Match, Route
    >>> a = Alert(kind="instance_failure", event_id="e", event_type="t", status="FAILURE",
    ...           subject="instance:1", priority=8, node_name="ods_x")
    >>> routes = [Route(match=Match(priorities=[8]), receivers=["phone"], **{"continue": True}),
    ...           Route(match=Match(nodes=["ods_*"]), receivers=["dingtalk"])]
    >>> [h.receiver for h in route(a, routes, ["*"], enabled=["dingtalk", "phone", "slack"])]
    ['phone', 'dingtalk']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from openevent.alerting.alert import Alert
from openevent.alerting.config import ALL_RECEIVERS, Owner, Route
from openevent.alerting.match import matches


@dataclass(frozen=True)
class Hit:
    receiver: str
    route: str
    mention_owner: bool = True


def _expand(names: Sequence[str], enabled: Sequence[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        for r in (enabled if name == ALL_RECEIVERS else [name]):
            if r in enabled and r not in out:
                out.append(r)
    return out


def route(alert: Alert, routes: Sequence[Route], default_receivers: Sequence[str], *,
          enabled: Sequence[str], owners: Mapping[str, Owner] | None = None) -> list[Hit]:
    """The receivers ``alert`` goes to, each once, with the route that chose it."""
    hits: list[Hit] = []
    seen: set[str] = set()
    matched = False
    for i, r in enumerate(routes):
        if not matches(alert, r.match, owners):
            continue
        matched = True
        for name in _expand(r.receivers, enabled):
            if name not in seen:
                seen.add(name)
                hits.append(Hit(name, r.name or f"routes[{i}]", r.mention_owner))
        if not r.continue_:
            break
    if not matched:
        hits = [Hit(name, "default") for name in _expand(default_receivers, enabled)]
    return hits
