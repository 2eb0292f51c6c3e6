"""Plan and apply the rules of the custom bus, each with its function as target; remove them again.

The desired state comes from ``s.yaml`` (:mod:`openevent.deploy.template`): each function's
``vars.busRules`` entry becomes rule ``openevent-<function>`` (one pattern) or ``openevent-<function>-<name>``
(a mapping of names to patterns), whose single managed target (id ``fc-<function>``) is the function.
The fc3 ``eventbridge`` triggers are not copied here: they live on the default bus, where fc3 itself
creates their rules. :func:`plan` reads the bus and reports ``create`` / ``update`` / ``unchanged`` per
rule; rules with the ``openevent-`` prefix that the template no longer declares are ``orphan`` and left
alone, or — with ``prune`` — ``delete`` when every target they have is one of this template's functions
(an older rule of ours; another deployment's rules on the same bus are never touched). :func:`apply`
carries a plan out; :func:`removal` plans the deletion of everything this template owns on the bus.
Targets other than the managed one are never touched.

Target format (EventBridge "event target parameters", ``acs.fc.function``): FC 2.0 functions use
``acs:fc:<region>:<account>:services/<service>.<qualifier>/functions/<name>`` with ``serviceName`` /
``functionName`` / ``Qualifier`` / ``Body`` / ``InvocationType`` parameters; FC 3.0 functions (no
service) use ``acs:fc:<region>:<account>:functions/<name>`` and drop ``serviceName``.

Example:
    >>> from openevent.deploy.template import BusRule, FunctionSpec
    >>> spec = FunctionSpec("g", "guard", bus_rules=[BusRule(None, {"source": ["acs.dataworks"]})])
    >>> [r.name for r in desired_rules([spec], region="cn-hangzhou", account_id="123")]
    ['openevent-guard']
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openevent.deploy.eventbridge_api import EventBridgeApi
from openevent.deploy.template import FunctionSpec

RULE_PREFIX = "openevent-"
TARGET_PREFIX = "fc-"
_NAME_BAD = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class DesiredRule:
    """A rule as the template wants it."""

    name: str
    function: str
    pattern: dict[str, Any]
    target: dict[str, Any]
    description: str = ""


@dataclass
class RulePlan:
    """What :func:`apply` would do to one rule."""

    rule: str
    action: str  # create | update | unchanged | orphan | delete
    function: str | None = None
    desired: DesiredRule | None = None
    current_pattern: Any = None
    pattern_changed: bool = False
    target_changed: bool = False
    status_changed: bool = False
    current_target: dict[str, Any] | None = None
    done: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": self.rule, "function": self.function, "action": self.action}
        if self.desired is not None and self.action in ("create", "update"):
            if self.pattern_changed:
                out["pattern"] = pattern_diff(self.current_pattern, self.desired.pattern)
            if self.target_changed:
                out["target"] = {"from": self.current_target, "to": self.desired.target}
            if self.status_changed:
                out["status"] = {"to": "ENABLE"}
        if self.done:
            out["done"] = list(self.done)
        return out


def rule_name(function: str, suffix: int | str | None = None) -> str:
    """Deterministic rule name for a function (``suffix`` names one of several rules).

    Example:
        >>> rule_name("svc$guard"), rule_name("guard", 2), rule_name("notifier", "status")
        ('openevent-svc-guard', 'openevent-guard-2', 'openevent-notifier-status')
    """
    base = RULE_PREFIX + _NAME_BAD.sub("-", function).strip("-")
    return base if suffix is None else f"{base}-{suffix}"


def fc_target(function: str, *, region: str, account_id: str, service: str | None = None,
              qualifier: str = "LATEST", invocation_type: str = "Async") -> dict[str, Any]:
    """The ``acs.fc.function`` target for a function (FC 3.0 unless ``service`` is given).

    Example:
        >>> fc_target("guard", region="cn-hangzhou", account_id="123")["Endpoint"]
        'acs:fc:cn-hangzhou:123:functions/guard'
    """
    params = [{"ResourceKey": "functionName", "Form": "CONSTANT", "Value": function},
              {"ResourceKey": "Qualifier", "Form": "CONSTANT", "Value": qualifier},
              {"ResourceKey": "Body", "Form": "ORIGINAL"},
              {"ResourceKey": "InvocationType", "Form": "CONSTANT", "Value": invocation_type}]
    if service:
        endpoint = f"acs:fc:{region}:{account_id}:services/{service}.{qualifier}/functions/{function}"
        params.insert(0, {"ResourceKey": "serviceName", "Form": "CONSTANT", "Value": service})
    else:
        endpoint = f"acs:fc:{region}:{account_id}:functions/{function}"
    return {"Id": TARGET_PREFIX + _NAME_BAD.sub("-", function).strip("-"), "Type": "acs.fc.function",
            "Endpoint": endpoint, "PushRetryStrategy": "BACKOFF_RETRY", "ParamList": params}


def desired_rules(functions: Sequence[FunctionSpec], *, region: str, account_id: str,
                  invocation_type: str = "Async") -> list[DesiredRule]:
    """One :class:`DesiredRule` per custom-bus rule (``vars.busRules``) of each function."""
    out: list[DesiredRule] = []
    for spec in functions:
        target = fc_target(spec.name, region=spec.region or region, account_id=account_id,
                           service=spec.service, invocation_type=invocation_type)
        for rule in spec.bus_rules:
            label = f" ({rule.key})" if rule.key else ""
            out.append(DesiredRule(
                name=rule_name(spec.name, rule.key), function=spec.name, pattern=rule.pattern, target=target,
                description=f"openevent: custom-bus rule{label} -> FC function {spec.name}"))
    return out


def plan(desired: Sequence[DesiredRule], api: EventBridgeApi, bus: str, *,
         prune_for: Sequence[str] = ()) -> list[RulePlan]:
    """Compare the desired rules with the bus; changes nothing.

    ``prune_for`` (FC function names) turns the orphans whose every target is one of those
    functions into ``delete`` plans.
    """
    api.get_event_bus(bus)  # EventBusNotExist surfaces here, before anything else
    existing = {r["RuleName"]: r for r in api.list_rules(bus, prefix=RULE_PREFIX)}
    plans: list[RulePlan] = []
    for rule in desired:
        current = existing.get(rule.name)
        if current is None:
            plans.append(RulePlan(rule.name, "create", rule.function, rule, pattern_changed=True,
                                  target_changed=True))
            continue
        current_pattern = _loads(current.get("FilterPattern"))
        targets = {t.get("Id"): t for t in api.list_targets(bus, rule.name)}
        current_target = targets.get(rule.target["Id"])
        item = RulePlan(rule.name, "update", rule.function, rule, current_pattern=current_pattern,
                        pattern_changed=current_pattern != rule.pattern,
                        target_changed=_target_key(current_target) != _target_key(rule.target),
                        status_changed=current.get("Status") != "ENABLE",
                        current_target=current_target)
        if not (item.pattern_changed or item.target_changed or item.status_changed):
            item.action = "unchanged"
        plans.append(item)
    wanted = {r.name for r in desired}
    for name in sorted(existing):
        if name in wanted:
            continue
        owner = _owned_by(api.list_targets(bus, name), prune_for) if prune_for else None
        plans.append(RulePlan(name, "delete" if owner else "orphan", owner))
    return plans


def removal(desired: Sequence[DesiredRule], api: EventBridgeApi, bus: str, *,
            functions: Sequence[str] = ()) -> list[RulePlan]:
    """Plans deleting every rule of the bus this template owns: its rules, and older rules of ours
    whose every target is one of its ``functions`` (FC names). Changes nothing."""
    owned = sorted({*functions, *(r.function for r in desired)})
    plans = plan(desired, api, bus, prune_for=owned)
    out = []
    for item in plans:
        if item.action in ("update", "unchanged"):
            out.append(RulePlan(item.rule, "delete", item.function))
        elif item.action in ("delete", "orphan"):
            out.append(item)
    return out


def apply(plans: Sequence[RulePlan], api: EventBridgeApi, bus: str) -> list[RulePlan]:
    """Carry out ``plans`` (from :func:`plan` or :func:`removal`); each plan's ``done`` lists the API calls."""
    for item in plans:
        if item.action == "delete":
            targets = [str(t.get("Id")) for t in api.list_targets(bus, item.rule) if t.get("Id")]
            if targets:  # a rule goes with its targets: remove those first
                api.delete_targets(bus, item.rule, targets)
                item.done.append("DeleteTargets")
            api.delete_rule(bus, item.rule)
            item.done.append("DeleteRule")
            continue
        rule = item.desired
        if rule is None or item.action not in ("create", "update"):
            continue
        pattern_text = json.dumps(rule.pattern, separators=(",", ":"), ensure_ascii=False)
        if item.action == "create":
            api.create_rule(bus, rule.name, pattern_text, description=rule.description)
            item.done.append("CreateRule")
        elif item.pattern_changed:
            api.update_rule(bus, rule.name, pattern_text)
            item.done.append("UpdateRule")
        if item.status_changed:
            api.enable_rule(bus, rule.name)
            item.done.append("EnableRule")
        if item.target_changed:
            api.put_targets(bus, rule.name, [rule.target])
            item.done.append("PutTargets")
    return list(plans)


def _owned_by(targets: Sequence[Mapping[str, Any]], functions: Sequence[str]) -> str | None:
    """The function of ``functions`` that every target of a rule invokes, else ``None``."""
    owners = set()
    for target in targets:
        endpoint = str(target.get("Endpoint") or "")
        # acs:fc:<region>:<account>:functions/<name> (FC 3.0) or …:services/<svc>.<q>/functions/<name>
        name = re.split(r"[:/]functions/", endpoint)[-1] if re.search(r"[:/]functions/", endpoint) else None
        if target.get("Type") != "acs.fc.function" or name not in functions:
            return None
        owners.add(name)
    return owners.pop() if len(owners) == 1 else None


def summarize(plans: Sequence[RulePlan]) -> dict[str, int]:
    """Counts per action, e.g. ``{"create": 2, "update": 0, "unchanged": 1, "orphan": 0, "delete": 0}``."""
    counts = dict.fromkeys(("create", "update", "unchanged", "orphan", "delete"), 0)
    for item in plans:
        counts[item.action] += 1
    return counts


def pattern_diff(old: Any, new: Mapping[str, Any]) -> dict[str, Any]:
    """Field-level difference between two patterns (paths like ``data.state``).

    Example:
        >>> pattern_diff({"source": ["a"], "type": ["t"]}, {"source": ["b"], "subject": ["s"]})["changed"]
        {'source': {'from': ['a'], 'to': ['b']}}
    """
    before = _flatten(old) if isinstance(old, Mapping) else {}
    after = _flatten(new)
    return {
        "from": old, "to": dict(new),
        "added": {k: after[k] for k in sorted(after.keys() - before.keys())},
        "removed": {k: before[k] for k in sorted(before.keys() - after.keys())},
        "changed": {k: {"from": before[k], "to": after[k]}
                    for k in sorted(before.keys() & after.keys()) if before[k] != after[k]},
    }


def _flatten(pattern: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pattern.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, path + "."))
        else:
            out[path] = value
    return out


def _loads(text: Any) -> Any:
    try:
        return json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return text


def _target_key(target: Mapping[str, Any] | None) -> Any:
    """What matters when comparing targets (the service adds fields of its own)."""
    if target is None:
        return None
    params = sorted((str(p.get("ResourceKey")), str(p.get("Form")), str(p.get("Value") or ""),
                     str(p.get("Template") or "")) for p in target.get("ParamList") or [])
    return (target.get("Id"), target.get("Type"), target.get("Endpoint"), tuple(params))
