"""Read a Serverless Devs ``s.yaml``: the functions, how events reach them, what they are deployed with.

Understands the fc3 shape (``resources.<key>.props.functionName`` and ``props.triggers[]``) and the
older ``fc`` shape (``services.<key>.props.function.name`` / ``props.service.name`` and triggers with
``type`` / ``config``). Three ways in for an event, each with its own list on :class:`FunctionSpec`:

* ``triggers`` — fc3 ``eventbridge`` triggers; ``eventSourceType: Default`` ones live on the account's
  **default bus** (where DataWorks publishes tenant-level events);
* ``bus_rules`` — the rules ``openevent rules apply`` keeps on the **custom bus** (where the DataWorks
  distribution channel publishes workspace-level events), declared in ``vars.busRules``: per resource
  key, one pattern (rule ``openevent-<function name>``) or a mapping ``name: pattern`` (rules
  ``openevent-<function name>-<name>``); the bus is ``vars.bus``;
* ``timers`` — fc3 ``timer`` triggers (``cronExpression``, ``payload``).

Every pattern is a JSON string validated with :mod:`openevent.deploy.pattern`.

Variable support is what the shipped s.yaml uses, resolved as Serverless Devs does:

* ``${vars.a.b}`` is replaced by the value under ``vars`` (recursively, whole value or inside text);
* ``${env('NAME')}`` / ``${env('NAME', 'default')}`` read the given environment mapping;
* ``${file(X)}`` / ``${json(file(X))}`` (whole value) read a file relative to the template, ``X`` being
  ``'path'`` or ``env('NAME', 'default-path')``;
* YAML merge keys (``<<: *anchor``) are merged by the YAML reader, as Serverless Devs' does;
* ``${config(…)}``, ``${this.…}``, ``${resources.…}``, ``extend:`` templates and expressions are **not**
  resolved; a function name still holding ``${…}`` is a :class:`ConfigError`, any other value is left
  as written.

Example:
    >>> import pathlib, tempfile
    >>> text = '''
    ... vars:
    ...   prefix: oe
    ...   busRules: {guard: '{"source": ["acs.dataworks"]}'}
    ... resources:
    ...   guard:
    ...     component: fc3
    ...     props:
    ...       functionName: ${vars.prefix}-guard
    ...       triggers:
    ...         - triggerName: eb
    ...           triggerType: eventbridge
    ...           triggerConfig: {eventRuleFilterPattern: '{"source": ["acs.dataworks"]}'}
    ... '''
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "s.yaml"
    >>> _ = path.write_text(text)
    >>> load_function_patterns(path)
    {'oe-guard': [{'source': ['acs.dataworks']}]}
    >>> [r.pattern for r in load_template(path).functions[0].bus_rules]
    [{'source': ['acs.dataworks']}]
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openevent.deploy.pattern import PatternError, parse_pattern
from openevent.errors import ConfigError

DEFAULT_BUS = "default"
"""The account's built-in bus (``eventSourceType: Default``)."""
BUS_RULES_VAR = "busRules"
BUS_VAR = "bus"

_ENV_CALL = r"env\(\s*'([^']*)'\s*(?:,\s*'([^']*)'\s*)?\)"
_REF = re.compile(r"\$\{\s*(vars\.[A-Za-z0-9_.\-]+|" + _ENV_CALL + r")\s*\}")
_FILE = re.compile(r"\$\{\s*(json\(\s*)?file\(\s*(?:'([^']*)'|" + _ENV_CALL + r")\s*\)(?(1)\s*\))\s*\}")


@dataclass(frozen=True)
class EventTrigger:
    """One ``eventbridge`` trigger of a function: its name, its (validated) pattern, its event source."""

    name: str
    pattern: dict[str, Any]
    source_type: str = "Default"

    @property
    def bus(self) -> str | None:
        """``default`` for an ``eventSourceType: Default`` trigger; ``None`` for MNS, Kafka, … sources."""
        return DEFAULT_BUS if self.source_type == "Default" else None


@dataclass(frozen=True)
class BusRule:
    """A rule ``openevent rules apply`` keeps on the custom bus; ``key`` is ``None`` for the single form."""

    key: str | None
    pattern: dict[str, Any]


@dataclass(frozen=True)
class TimerTrigger:
    """An fc3 ``timer`` trigger."""

    name: str
    cron: Any
    enabled: Any = True
    payload: Any = None


@dataclass(frozen=True)
class FunctionSpec:
    """A function declared in ``s.yaml``: FC 3.0 name, FC 2.0 service (``fc`` component) and region."""

    resource: str
    name: str
    region: str | None = None
    service: str | None = None
    triggers: list[EventTrigger] = field(default_factory=list)
    bus_rules: list[BusRule] = field(default_factory=list)
    timers: list[TimerTrigger] = field(default_factory=list)
    props: dict[str, Any] = field(default_factory=dict)
    """The resolved props (what ``openevent check`` validates)."""

    @property
    def environment(self) -> dict[str, Any]:
        """The function's resolved ``environmentVariables`` (``{}`` when it has none or they are unresolved)."""
        env = self.props.get("environmentVariables")
        if isinstance(env, Mapping):
            return dict(env)
        function = self.props.get("function")
        if isinstance(function, Mapping) and isinstance(function.get("environmentVariables"), Mapping):
            return dict(function["environmentVariables"])
        return {}


@dataclass(frozen=True)
class Template:
    """A whole template: its functions, the custom bus and the ``busRules`` keys that name no resource."""

    path: Path
    functions: list[FunctionSpec]
    bus: str | None = None
    unknown_bus_rules: list[str] = field(default_factory=list)
    document: dict[str, Any] = field(default_factory=dict)
    """The resolved document (``vars``, ``actions``, ``resources``)."""

    def function(self, resource: str) -> FunctionSpec | None:
        return next((f for f in self.functions if f.resource == resource), None)


def load_template(template_path: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> Template:
    """The whole template, resolved with ``env`` (default ``os.environ``).

    Raises :class:`ConfigError` for an unreadable template and :class:`PatternError` (naming the
    function and trigger or rule) for an invalid pattern.
    """
    from openevent.runtime.config import read_document

    path = Path(template_path)
    document = read_document(path)  # ConfigError when missing or unreadable
    if not isinstance(document, Mapping):
        raise ConfigError(f"{path}: not a Serverless Devs template (expected a mapping)")
    environ = os.environ if env is None else env
    variables = document.get("vars") or {}
    resolved = _resolve(document, variables, environ, path.parent)
    resolved_vars = resolved.get("vars") if isinstance(resolved.get("vars"), Mapping) else {}
    declared_rules = resolved_vars.get(BUS_RULES_VAR) or {}
    if not isinstance(declared_rules, Mapping):
        raise ConfigError(f"{path}: vars.{BUS_RULES_VAR} must map resource keys to patterns")
    out: list[FunctionSpec] = []
    resources: set[str] = set()
    for section in ("resources", "services"):
        for key, resource in (resolved.get(section) or {}).items():
            resources.add(str(key))
            spec = _function_spec(str(key), resource, path, declared_rules.get(key))
            if spec is not None:
                out.append(spec)
    bus = resolved_vars.get(BUS_VAR)
    return Template(path=path, functions=out, bus=bus if isinstance(bus, str) and "${" not in bus else None,
                    unknown_bus_rules=sorted(str(k) for k in declared_rules if str(k) not in resources),
                    document=dict(resolved))


def load_functions(template_path: str | os.PathLike[str], env: Mapping[str, str] | None = None,
                   ) -> list[FunctionSpec]:
    """Every function of the template, in file order, with its triggers and custom-bus rules."""
    return load_template(template_path, env).functions


def load_function_patterns(template_path: str | os.PathLike[str], env: Mapping[str, str] | None = None,
                           ) -> dict[str, list[dict[str, Any]]]:
    """``{function_name: [pattern, …]}`` of the ``eventbridge`` triggers, for every function that has some.

    See the module docstring for an example and for the limits of variable resolution.
    """
    return {spec.name: [t.pattern for t in spec.triggers]
            for spec in load_functions(template_path, env) if spec.triggers}


def _function_spec(key: str, resource: Any, path: Path, bus_rules: Any) -> FunctionSpec | None:
    if not isinstance(resource, Mapping):
        return None
    props = resource.get("props")
    if not isinstance(props, Mapping):
        return None
    function = props.get("function")
    if isinstance(function, Mapping):  # fc (FC 2.0): service + function
        name = function.get("name")
        service = props.get("service")
        service_name = service.get("name") if isinstance(service, Mapping) else None
    else:  # fc3
        name = props.get("functionName")
        service_name = None
    if not isinstance(name, str) or not name:
        return None
    if "${" in name:
        raise ConfigError(f"{path}: resources.{key}: functionName {name!r} uses a variable this reader "
                          "cannot resolve (only ${{vars.x}} and ${{env('X')}} are supported)")
    region = props.get("region")
    raw_triggers = props.get("triggers") or []
    triggers = [_trigger(name, index, trigger) for index, trigger in enumerate(raw_triggers)]
    timers = [_timer(index, trigger) for index, trigger in enumerate(raw_triggers)]
    return FunctionSpec(
        resource=key, name=name, region=region if isinstance(region, str) else None,
        service=service_name if isinstance(service_name, str) else None,
        triggers=[t for t in triggers if t is not None], timers=[t for t in timers if t is not None],
        bus_rules=_bus_rules(key, name, bus_rules), props=dict(props))


def _kind(trigger: Mapping[str, Any]) -> Any:
    return trigger.get("triggerType", trigger.get("type"))


def _trigger_name(trigger: Mapping[str, Any], index: int) -> str:
    return str(trigger.get("triggerName", trigger.get("name", f"trigger{index}")))


def _trigger(function: str, index: int, trigger: Any) -> EventTrigger | None:
    if not isinstance(trigger, Mapping) or _kind(trigger) != "eventbridge":
        return None
    name = _trigger_name(trigger, index)
    config = trigger.get("triggerConfig", trigger.get("config")) or {}
    raw = config.get("eventRuleFilterPattern") if isinstance(config, Mapping) else None
    if raw is None:
        raise PatternError(f"function {function} trigger {name}", "eventRuleFilterPattern is missing")
    source = config.get("eventSourceConfig") if isinstance(config, Mapping) else None
    source_type = source.get("eventSourceType") if isinstance(source, Mapping) else None
    pattern = _pattern(raw, f"function {function} trigger {name}")
    return EventTrigger(name=name, pattern=pattern, source_type=str(source_type or "Default"))


def _timer(index: int, trigger: Any) -> TimerTrigger | None:
    if not isinstance(trigger, Mapping) or _kind(trigger) != "timer":
        return None
    config = trigger.get("triggerConfig", trigger.get("config")) or {}
    config = config if isinstance(config, Mapping) else {}
    return TimerTrigger(name=_trigger_name(trigger, index), cron=config.get("cronExpression"),
                        enabled=config.get("enable", True), payload=config.get("payload"))


def _bus_rules(resource: str, function: str, declared: Any) -> list[BusRule]:
    if declared is None:
        return []
    where = f"function {function} vars.{BUS_RULES_VAR}.{resource}"
    if isinstance(declared, (str, bytes)):
        return [BusRule(None, _pattern(declared, where))]
    if not isinstance(declared, Mapping) or not declared:
        raise PatternError(where, "must be one pattern (a JSON string) or a mapping of rule names to patterns")
    rules = []
    for key, raw in declared.items():
        if not re.fullmatch(r"[A-Za-z0-9_-]+", str(key)):
            raise PatternError(f"{where}.{key}", "rule names take letters, digits, '-' and '_' only")
        rules.append(BusRule(str(key), _pattern(raw, f"{where}.{key}")))
    return rules


def _pattern(raw: Any, where: str) -> dict[str, Any]:
    try:
        return parse_pattern(raw if isinstance(raw, (str, bytes)) else dict(raw))
    except PatternError as exc:
        raise PatternError(where + (f" {exc.path}" if exc.path else ""), exc.reason) from None
    except (TypeError, ValueError):
        raise PatternError(where, "the pattern must be a JSON string") from None


def _resolve(value: Any, variables: Mapping[str, Any], env: Mapping[str, str], base: Path) -> Any:
    if isinstance(value, Mapping):
        return {k: _resolve(v, variables, env, base) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, variables, env, base) for v in value]
    if not isinstance(value, str) or "${" not in value:
        return value
    whole_file = _FILE.fullmatch(value.strip())
    if whole_file:
        return _read_file(whole_file, env, base, value)
    whole = _REF.fullmatch(value.strip())
    if whole:
        found = _lookup(whole, variables, env)
        return value if found is _UNRESOLVED else _resolve(found, variables, env, base)

    def text(match: re.Match[str]) -> str:
        found = _lookup(match, variables, env)
        if found is _UNRESOLVED:
            return match.group(0)
        resolved = _resolve(found, variables, env, base)
        return resolved if isinstance(resolved, str) else json.dumps(resolved)

    return _REF.sub(text, value)


def _read_file(match: re.Match[str], env: Mapping[str, str], base: Path, original: str) -> Any:
    as_json, literal, env_name, env_default = match.group(1), match.group(2), match.group(3), match.group(4)
    name = literal if literal is not None else env.get(env_name or "", env_default)
    if name is None:
        return original
    path = Path(name) if Path(name).is_absolute() else base / name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file {original} names ({exc.strerror})") from None
    if not as_json:
        return text
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc}), read by {original}") from None


_UNRESOLVED = object()


def _lookup(match: re.Match[str], variables: Mapping[str, Any], env: Mapping[str, str]) -> Any:
    ref = match.group(1)
    if ref.startswith("env("):
        name, default = match.group(2), match.group(3)
        found = env.get(name, default)
        return _UNRESOLVED if found is None else found
    node: Any = variables
    for part in ref.split(".")[1:]:
        if not isinstance(node, Mapping) or part not in node:
            return _UNRESOLVED
        node = node[part]
    return node
