"""Which rule on which bus sends an event to which function, as EventBridge decides it.

A template (:mod:`openevent.deploy.template`) gives two sets of rules: the fc3 ``eventbridge``
triggers with ``eventSourceType: Default`` (rules on the account's **default** bus) and the
``vars.busRules`` that ``openevent rules apply`` keeps on the **custom** bus (``vars.bus``). An event
is published to one bus and only that bus's rules see it. The bus comes from ``arrival_bus`` (e.g.
``openevent route --bus``), else from the event's ``aliyuneventbusname``; an event that names no bus
is tried against both (and the explanation says so).

Example:
    >>> routes = [Route("notifier", "n", "dw-bus", "openevent-n",
    ...                 {"type": ["dataworks:InstanceStatusChanges:InstanceStatusChanges"],
    ...                  "data": {"status": [5, "5", 6, "6"]}})]
    >>> event = {"type": "dataworks:InstanceStatusChanges:InstanceStatusChanges", "data": {"status": "5"},
    ...          "aliyuneventbusname": "dw-bus"}
    >>> [r.function for r in route(event, routes)]
    ['notifier']
    >>> route(dict(event, data={"status": 4}), routes)
    []
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openevent.deploy.pattern import matches, mismatch
from openevent.deploy.template import DEFAULT_BUS, FunctionSpec, Template

BUS_FIELD = "aliyuneventbusname"
CUSTOM_BUS = "custom"
"""The bus name used for ``busRules`` when the template's ``vars.bus`` cannot be resolved."""


@dataclass(frozen=True)
class Route:
    """One rule: it sends the events its ``pattern`` matches on ``bus`` to ``function``."""

    function: str
    """The s.yaml resource key (the function folder)."""
    function_name: str
    """The FC function name."""
    bus: str
    rule: str
    pattern: dict[str, Any]
    via: str = "busRules"
    """``trigger`` (an fc3 default-bus trigger; FC names its rule ``<function>-<trigger>``) or ``busRules``
    (a rule ``openevent rules apply`` keeps on the custom bus)."""

    def as_json(self) -> dict[str, Any]:
        return {"function": self.function, "bus": self.bus, "rule": self.rule, "via": self.via}


def routes_of(template: Template | Sequence[FunctionSpec], bus: str | None = None) -> list[Route]:
    """Every rule of the template, default-bus triggers first, in template order."""
    from openevent.deploy.rules import rule_name

    functions = template.functions if isinstance(template, Template) else list(template)
    custom = bus or (template.bus if isinstance(template, Template) else None) or CUSTOM_BUS
    out: list[Route] = []
    for spec in functions:
        for trigger in spec.triggers:
            if trigger.bus is not None:
                out.append(Route(spec.resource, spec.name, trigger.bus, f"{spec.name}-{trigger.name}",
                                 trigger.pattern, via="trigger"))
    for spec in functions:
        for rule in spec.bus_rules:
            out.append(Route(spec.resource, spec.name, custom, rule_name(spec.name, rule.key), rule.pattern))
    return out


def arrival_bus(event: Mapping[str, Any], bus: str | None = None) -> str | None:
    """The bus an event was published to: ``bus`` if given, else its ``aliyuneventbusname``, else ``None``."""
    if bus:
        return bus
    named = event.get(BUS_FIELD)
    return named if isinstance(named, str) and named else None


def route(event: Mapping[str, Any], routes: Iterable[Route], bus: str | None = None) -> list[Route]:
    """The rules that match ``event`` on the bus it arrived on (every bus when that is unknown)."""
    arrived = arrival_bus(event, bus)
    return [r for r in routes if (arrived is None or r.bus == arrived) and matches(r.pattern, event)]


def functions_for(event: Mapping[str, Any], routes: Iterable[Route], bus: str | None = None) -> list[str]:
    """The functions (resource keys) ``event`` reaches, each once, in template order."""
    return list(dict.fromkeys(r.function for r in route(event, routes, bus)))


def explain(event: Mapping[str, Any], routes: Sequence[Route], bus: str | None = None) -> dict[str, Any]:
    """What ``openevent route --explain`` prints for one event: the bus, the rules that matched, and
    for every other rule of a matching type on that bus why it did not.

    Example:
        >>> r = Route("notifier", "n", "dw-bus", "openevent-n", {"data": {"status": [5, "5"]}})
        >>> explain({"type": "t", "data": {"status": 3}}, [r])["not_matched"][0]["reason"]
        'data.status: 3 matches none of [5, "5"]'
    """
    arrived = arrival_bus(event, bus)
    buses = sorted({r.bus for r in routes})
    matched, missed = [], []
    for r in routes:
        if arrived is not None and r.bus != arrived:
            continue
        why = mismatch(r.pattern, event)
        if why is None:
            matched.append(r.as_json())
        elif not why.startswith(("type:", "source:")):  # rules for other types are noise
            missed.append({**r.as_json(), "reason": why})
    if arrived is None:
        note = f"the event names no bus ({BUS_FIELD}); tried the rules of every bus: {', '.join(buses)}"
    elif arrived not in buses:
        note = (f"the event was published to bus {arrived!r}, which this template has no rules on "
                f"(its buses: {', '.join(buses) or 'none'})")
    elif arrived == DEFAULT_BUS:
        note = "the default bus: fc3 eventbridge triggers (eventSourceType: Default)"
    else:
        note = f"the custom bus {arrived!r}: the rules `openevent rules apply` keeps (vars.busRules)"
    return {"event_id": event.get("id"), "type": event.get("type"), "bus": arrived, "note": note,
            "functions": list(dict.fromkeys(m["function"] for m in matched)),
            "matched": matched, "not_matched": missed}
