"""Read the functions and their EventBridge trigger patterns from a Serverless Devs ``s.yaml``.

Understands the fc3 shape (``resources.<key>.props.functionName`` and ``props.triggers[]`` with
``triggerType: eventbridge`` and ``triggerConfig.eventRuleFilterPattern``) and the older ``fc`` shape
(``services.<key>.props.function.name`` / ``props.service.name`` and triggers with ``type`` /
``config``). Each ``eventRuleFilterPattern`` is a JSON string and is validated with
:mod:`openevent.deploy.pattern`.

Variable support is deliberately minimal — just enough to read names, regions and patterns:

* ``${vars.a.b}`` is replaced by the value under ``vars`` (recursively, whole value or inside text);
* ``${env('NAME')}`` / ``${env('NAME', 'default')}`` read the given environment mapping;
* ``${this.props.x}``, ``${resources.…}``, ``${config(…)}``, ``${file(…)}``, ``extend:`` templates and the
  like are **not** resolved; a function name still holding ``${…}`` is a :class:`ConfigError`, any other
  value is left as written.

Example:
    >>> import pathlib, tempfile
    >>> text = '''
    ... vars: {prefix: oe}
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
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openevent.deploy.pattern import PatternError, parse_pattern
from openevent.errors import ConfigError

_REF = re.compile(r"\$\{\s*(vars\.[A-Za-z0-9_.\-]+|env\(\s*'([^']*)'\s*(?:,\s*'([^']*)'\s*)?\))\s*\}")


@dataclass(frozen=True)
class EventTrigger:
    """One ``eventbridge`` trigger of a function: its name and its (validated) pattern."""

    name: str
    pattern: dict[str, Any]


@dataclass(frozen=True)
class FunctionSpec:
    """A function declared in ``s.yaml``: FC 3.0 name, FC 2.0 service (``fc`` component) and region."""

    resource: str
    name: str
    region: str | None = None
    service: str | None = None
    triggers: list[EventTrigger] = field(default_factory=list)


def load_functions(template_path: str | os.PathLike[str], env: Mapping[str, str] | None = None,
                   ) -> list[FunctionSpec]:
    """Every function of the template, in file order, with its EventBridge triggers.

    Raises :class:`ConfigError` for an unreadable template and :class:`PatternError` (naming the
    function and trigger) for an invalid ``eventRuleFilterPattern``.
    """
    from openevent.runtime.config import read_document

    path = Path(template_path)
    document = read_document(path)  # ConfigError when missing or unreadable
    if not isinstance(document, Mapping):
        raise ConfigError(f"{path}: not a Serverless Devs template (expected a mapping)")
    environ = os.environ if env is None else env
    variables = document.get("vars") or {}
    resolved = _resolve(document, variables, environ)
    out: list[FunctionSpec] = []
    for section in ("resources", "services"):
        for key, resource in (resolved.get(section) or {}).items():
            spec = _function_spec(str(key), resource, path)
            if spec is not None:
                out.append(spec)
    return out


def load_function_patterns(template_path: str | os.PathLike[str], env: Mapping[str, str] | None = None,
                           ) -> dict[str, list[dict[str, Any]]]:
    """``{function_name: [pattern, …]}`` for every function that has EventBridge triggers.

    See the module docstring for an example and for the limits of variable resolution.
    """
    return {spec.name: [t.pattern for t in spec.triggers]
            for spec in load_functions(template_path, env) if spec.triggers}


def _function_spec(key: str, resource: Any, path: Path) -> FunctionSpec | None:
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
    triggers = [_trigger(name, index, trigger) for index, trigger in enumerate(props.get("triggers") or [])]
    return FunctionSpec(
        resource=key, name=name, region=region if isinstance(region, str) else None,
        service=service_name if isinstance(service_name, str) else None,
        triggers=[t for t in triggers if t is not None])


def _trigger(function: str, index: int, trigger: Any) -> EventTrigger | None:
    if not isinstance(trigger, Mapping):
        return None
    kind = trigger.get("triggerType", trigger.get("type"))
    if kind != "eventbridge":
        return None
    name = str(trigger.get("triggerName", trigger.get("name", f"trigger{index}")))
    config = trigger.get("triggerConfig", trigger.get("config")) or {}
    raw = config.get("eventRuleFilterPattern") if isinstance(config, Mapping) else None
    if raw is None:
        raise PatternError(f"function {function} trigger {name}", "eventRuleFilterPattern is missing")
    try:
        pattern = parse_pattern(raw if isinstance(raw, (str, bytes)) else dict(raw))
    except PatternError as exc:
        where = f"function {function} trigger {name}" + (f" {exc.path}" if exc.path else "")
        raise PatternError(where, exc.reason) from None
    except (TypeError, ValueError):
        raise PatternError(f"function {function} trigger {name}",
                           "eventRuleFilterPattern must be a JSON string") from None
    return EventTrigger(name=name, pattern=pattern)


def _resolve(value: Any, variables: Mapping[str, Any], env: Mapping[str, str]) -> Any:
    if isinstance(value, Mapping):
        return {k: _resolve(v, variables, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, variables, env) for v in value]
    if not isinstance(value, str) or "${" not in value:
        return value
    whole = _REF.fullmatch(value.strip())
    if whole:
        found = _lookup(whole, variables, env)
        return value if found is _UNRESOLVED else _resolve(found, variables, env)

    def text(match: re.Match[str]) -> str:
        found = _lookup(match, variables, env)
        return match.group(0) if found is _UNRESOLVED else str(_resolve(found, variables, env))

    return _REF.sub(text, value)


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
