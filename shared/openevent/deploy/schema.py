"""The fc3 component's schema for ``props``, and a small JSON Schema (draft 7) validator for it.

``fc3-schema.json`` beside this module is a copy of ``devsapp/fc3`` ``src/schema.json`` (commit
``4ca1c1b``, MIT licence). fc3 checks props against it but only logs failures at debug level, so a
broken s.yaml deploys; ``openevent check`` makes them errors. Two adjustments:

* :data:`RELAXATIONS` lifts three requirements that fc3's own examples and e2e tests omit for
  ``eventSourceType: Default`` triggers (fc-serverless-devs.md §2.5.4);
* the schema is open (no ``additionalProperties: false``), so a misspelt prop (``memorySise``)
  passes it: :func:`unknown_keys` reports keys the schema does not name, for the props, the
  triggers and their configs (checked against the config of their ``triggerType``, which the
  schema's ``anyOf`` cannot do), the async, lifecycle and VPC settings.

The validator implements the keywords this schema uses (``type``, ``enum``, ``const``,
``required``, ``properties``, ``additionalProperties``, ``items``, ``minItems``, ``maxItems``,
``anyOf``, ``$ref``, ``minimum``, ``maximum``, ``multipleOf``, ``pattern``, ``if``/``then``/``else``),
so ``openevent check`` needs no third-party package; the tests compare it with ``jsonschema``.

Example:
    >>> [e.line() for e in validate_props({"region": "cn-hangzhou", "functionName": "f", "runtime": "python3.10",
    ...                                     "code": "./c", "handler": "index.handler", "memorySize": 100})]
    ['memorySize: 100 is not a multiple of 64', 'memorySize: 100 is less than the minimum of 128']
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

SCHEMA_FILE = Path(__file__).with_name("fc3-schema.json")
RELAXATIONS = (
    ("IEventBridge", "eventSinkConfig"),  # only for event-streaming sources
    ("IEventBridge", "runOptions"),  # only effective with mode: event-streaming
    ("IEventBridge.eventSourceConfig", "eventSourceParameters"),  # none exist for the Default source
)
TRIGGER_CONFIGS = {
    "eventbridge": "IEventBridge", "timer": "ITimerTriggerConfig", "http": "IHttpTriggerConfig",
    "oss": "IOssTriggerConfig", "log": "ILogTriggerConfig", "mns_topic": "IMnsTriggerConfig",
    "cdn_events": "ICdnTriggerConfig", "tablestore": "IOtsConfig",
}
_TYPES: dict[str, Any] = {
    "object": Mapping, "array": list, "string": str, "boolean": bool,
}


@dataclass(frozen=True)
class SchemaError:
    """One violation: where (``triggers[0].triggerConfig.enable``) and what."""

    path: str
    message: str

    def line(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@lru_cache(maxsize=2)
def fc3_schema(relaxed: bool = True) -> dict[str, Any]:
    """The fc3 props schema (with :data:`RELAXATIONS` applied unless ``relaxed`` is false)."""
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    if relaxed:
        schema = copy.deepcopy(schema)
        for where, key in RELAXATIONS:
            name, _, sub = where.partition(".")
            node = schema["definitions"][name]
            if sub:
                node = node["properties"][sub]
            node["required"] = [k for k in node["required"] if k != key]
    return schema


def validate_props(props: Mapping[str, Any]) -> list[SchemaError]:
    """Every schema violation of one resource's ``props``, plus each trigger config against its own kind."""
    schema = fc3_schema()
    errors = list(_validate(props, schema, "", schema))
    for index, trigger in enumerate(props.get("triggers") or []):
        if not isinstance(trigger, Mapping):
            continue
        name = TRIGGER_CONFIGS.get(str(trigger.get("triggerType")))
        config = trigger.get("triggerConfig")
        if name is not None and config is not None:
            errors.extend(_validate(config, schema["definitions"][name], f"triggers[{index}].triggerConfig", schema))
    return _unique(errors)


def unknown_keys(props: Mapping[str, Any]) -> list[SchemaError]:
    """Keys the fc3 schema does not know (a typo fc3 would ignore or pass on to the API)."""
    schema = fc3_schema()
    defs = schema["definitions"]
    out = list(_unknown(props, schema, ""))
    for index, trigger in enumerate(props.get("triggers") or []):
        if not isinstance(trigger, Mapping):
            continue
        where = f"triggers[{index}]"
        out.extend(_unknown(trigger, defs["ITrigger"], where))
        name = TRIGGER_CONFIGS.get(str(trigger.get("triggerType")))
        if name is not None:
            out.extend(_unknown(trigger.get("triggerConfig"), defs[name], f"{where}.triggerConfig"))
    nested = {
        "asyncInvokeConfig": defs["IAsyncInvokeConfig"],
        "asyncInvokeConfig.destinationConfig": defs["IDestinationConfig"],
        "asyncInvokeConfig.destinationConfig.onFailure": defs["IDestination"],
        "asyncInvokeConfig.destinationConfig.onSuccess": defs["IDestination"],
        "instanceLifecycleConfig": schema["properties"]["instanceLifecycleConfig"],
        "instanceLifecycleConfig.initializer": defs["ILifecycleHook"],
        "instanceLifecycleConfig.preStop": defs["ILifecycleHook"],
        "vpcConfig": defs["IVpcConfig"],
    }
    for path, node in nested.items():
        out.extend(_unknown(_get(props, path), node, path))
    return out


def _get(value: Any, path: str) -> Any:
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _unknown(value: Any, node: Mapping[str, Any], path: str) -> Iterator[SchemaError]:
    if not isinstance(value, Mapping) or "properties" not in node or node.get("additionalProperties"):
        return
    known = node["properties"]
    for key in value:
        if key not in known:
            close = _closest(str(key), list(known))
            hint = f" (did you mean {close}?)" if close else ""
            yield SchemaError(f"{path}.{key}" if path else str(key), f"unknown key{hint}")


def _closest(key: str, known: list[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
    return found[0] if found else None


def _unique(errors: list[SchemaError]) -> list[SchemaError]:
    return list(dict.fromkeys(errors))


def _resolve_ref(ref: str, root: Mapping[str, Any]) -> Mapping[str, Any]:
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node  # type: ignore[no-any-return]


def _is_type(value: Any, name: str) -> bool:
    if name == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "null":
        return value is None
    expected = _TYPES.get(name)
    return expected is not None and isinstance(value, expected)


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _validate(value: Any, node: Mapping[str, Any], path: str, root: Mapping[str, Any]) -> Iterator[SchemaError]:
    if "$ref" in node:
        yield from _validate(value, _resolve_ref(node["$ref"], root), path, root)
        return
    where = path
    kind = node.get("type")
    if isinstance(kind, str) and not _is_type(value, kind):
        yield SchemaError(where, f"{_show(value)} is not of type {kind!r}")
        return
    if "const" in node and value != node["const"]:
        yield SchemaError(where, f"{_show(node['const'])} was expected")
    if "enum" in node and value not in node["enum"]:
        yield SchemaError(where, f"{_show(value)} is not one of {_show(node['enum'])}")
    if _is_type(value, "number"):
        if "multipleOf" in node and not _multiple(value, node["multipleOf"]):
            yield SchemaError(where, f"{_show(value)} is not a multiple of {node['multipleOf']}")
        if "minimum" in node and value < node["minimum"]:
            yield SchemaError(where, f"{_show(value)} is less than the minimum of {node['minimum']}")
        if "maximum" in node and value > node["maximum"]:
            yield SchemaError(where, f"{_show(value)} is greater than the maximum of {node['maximum']}")
    if isinstance(value, str) and "pattern" in node and not re.search(node["pattern"], value):
        yield SchemaError(where, f"{_show(value)} does not match {node['pattern']!r}")
    if isinstance(value, list):
        if "minItems" in node and len(value) < node["minItems"]:
            yield SchemaError(where, f"{_show(value)} is too short")
        if "maxItems" in node and len(value) > node["maxItems"]:
            yield SchemaError(where, f"{_show(value)} is too long")
        if isinstance(node.get("items"), Mapping):
            for index, item in enumerate(value):
                yield from _validate(item, node["items"], f"{path}[{index}]", root)
    if isinstance(value, Mapping):
        for key in node.get("required", []):
            if key not in value:
                yield SchemaError(where, f"{key!r} is a required property")
        properties = node.get("properties", {})
        extra = node.get("additionalProperties")
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if key in properties:
                yield from _validate(item, properties[key], sub, root)
            elif extra is False:
                yield SchemaError(sub, "additional properties are not allowed")
            elif isinstance(extra, Mapping):
                yield from _validate(item, extra, sub, root)
    if "anyOf" in node:
        branches = [list(_validate(value, branch, path, root)) for branch in node["anyOf"]]
        if all(branches):
            yield SchemaError(where, f"{_show(value)} is not valid under any of the given schemas")
    if "if" in node:
        branch = node.get("then") if not list(_validate(value, node["if"], path, root)) else node.get("else")
        if isinstance(branch, Mapping):
            yield from _validate(value, branch, path, root)


def _multiple(value: float, base: float) -> bool:
    quotient = value / base
    return math.isfinite(quotient) and abs(quotient - round(quotient)) < 1e-9
