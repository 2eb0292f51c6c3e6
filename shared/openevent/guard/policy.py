"""The guard policy file: named rules, a failure policy, and who to ask.

YAML (or JSON) at ``$OPENEVENT_CONFIG``; ``${ENV}`` references are interpolated. Example::

    failure_policy: fail-closed          # or fail-open: what the guard answers when it is in trouble
    contact: "the data platform team (DingTalk group 'dw-oncall')"
    timezone: Asia/Shanghai              # for change windows
    rules:
      - name: break-glass
        action: allow                    # allow rules are exceptions, checked first
        when: {operator.uid: {in: ["1987654321012345"]}}
      - name: protected-workspaces
        action: deny                     # deny -> FAIL, warn -> WARN
        mode: enforce                    # or dry-run: evaluated and logged, never changes the answer
        when: {workspace.identifier: {glob: ["prod_*"]}}
        message: "workspace {workspace.identifier} is protected"

The revision of a policy is the hash of its file, so every decision names the exact policy
that made it.

Loaded for a guard (:func:`load_policy` with a :class:`PolicySchema`, what the guard runner and
``openevent check`` do), a policy cannot misfire silently: every ``when`` key and every
``{field}`` of a message must be a fact the guard declares (its ``FACTS`` table, or under one of
its ``dict`` facts such as ``extension.options``), every operator must apply to its fact's type,
every ``applies_to`` name must be an extension point event the guard handles, and a fact that only
enrichment provides cannot be used while ``enrichment.enabled`` is false. Each problem is
reported as ``<file>: rules.<rule>.<key>: <problem>``::

    functions/download_guard/config.yaml: rules.row-limit.when.download.row: unknown fact (did you mean download.rows?)
"""

from __future__ import annotations

import difflib
import importlib
import os
import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from openevent.errors import ConfigError
from openevent.guard.conditions import validate_when
from openevent.runtime.config import CONFIG_ENV, file_revision, interpolate, load_config, read_document

Action = Literal["deny", "warn", "allow"]
Mode = Literal["enforce", "dry-run"]
FailurePolicy = Literal["fail-closed", "fail-open"]
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")


class Rule(BaseModel):
    """One named rule: when its conditions hold, it proposes its action."""

    model_config = ConfigDict(extra="forbid")

    name: str
    action: Action
    when: dict[str, Any] | list[dict[str, Any]]
    mode: Mode = "enforce"
    message: str = ""
    description: str = ""
    applies_to: list[str] = Field(default_factory=list, description="event type names; empty: all")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("use lower-case letters, digits, '-', '_' or '.', starting with a letter or digit")
        return value

    @model_validator(mode="after")
    def _conditions(self) -> Rule:
        validate_when(self.when, f"rules.{self.name}.when")
        return self

    def applies(self, event_type: str) -> bool:
        if not self.applies_to:
            return True
        short = event_type.rsplit(":", 1)[-1]
        return any(a in (event_type, short) for a in self.applies_to)


class Enrichment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    cache_ttl_s: float = 60.0


class ExtensionConfig(BaseModel):
    """How the guard honours its DataWorks extension registration (:mod:`openevent.guard.extension`).

    ``enabled``: read ``GetExtension`` (the ``extension.project.*disabled`` parameters, the testing
    status) and offer ``extension.options.*`` (``GetOptionValueForProject``) to rules;
    ``refresh_s``: how long one instance keeps them; ``testing_scope``: which events a *testing*
    extension limits to its test workspace — ``workspace-events`` (DataWorks' rule: a testing
    extension on tenant-level events already sees only its owner's operations) or ``all-events``.
    """

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    refresh_s: float = Field(default=300.0, gt=0)
    testing_scope: Literal["workspace-events", "all-events"] = "workspace-events"


class Policy(BaseModel):
    """A guard's whole configuration."""

    model_config = ConfigDict(extra="forbid")

    failure_policy: FailurePolicy = "fail-closed"
    extension_code: str | None = None
    contact: str = "your DataWorks platform team"
    timezone: str = "Asia/Shanghai"
    enrichment: Enrichment = Field(default_factory=Enrichment)
    extension: ExtensionConfig = Field(default_factory=ExtensionConfig)
    dedup_ttl_s: float = 7 * 24 * 3600
    rules: list[Rule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_names(self) -> Policy:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.name in seen:
                raise ValueError(f"rule name {rule.name!r} is used twice")
            seen.add(rule.name)
        return self

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except Exception:
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    def references(self, prefix: str, event_type: str | None = None) -> bool:
        """Whether a rule looks at a fact under ``prefix`` in its ``when`` or its message (e.g. ``sql``:
        only then is SQL parsed); with ``event_type``, only the rules that apply to it count.

        Example:
            >>> p = Policy(rules=[{"name": "r", "action": "warn", "when": {"day": "sun"},
            ...                    "message": "{sql.tables}", "applies_to": ["DownloadResources"]}])
            >>> p.references("sql"), p.references("sql", "dataworks:ResourcesUpload:UploadDataToTable")
            (True, False)
        """
        dotted = prefix + "."
        return any(k == prefix or k.startswith(dotted)
                   for r in self.rules if event_type is None or r.applies(event_type)
                   for k in rule_paths(r))

    def validate_for(self, schema: PolicySchema) -> list[tuple[str, str]]:
        """The ``(key, problem)`` pairs that make this policy misfire for the guard ``schema`` describes.

        Example:
            >>> schema = PolicySchema("g", facts={"download.rows": "int"})
            >>> policy = Policy(rules=[{"name": "r", "action": "deny", "when": {"download.row": {"gt": 1}}}])
            >>> policy.validate_for(schema)
            [('rules.r.when.download.row', 'unknown fact (did you mean download.rows?)')]
        """
        return list(_problems(self, schema))


class PolicyMismatchError(ConfigError):
    """The file is a valid policy, but it names facts, events or operators its guard does not offer.

    ``policy`` is what was read (its ``failure_policy`` and ``contact`` still say how to answer).
    """

    def __init__(self, message: str, policy: Policy) -> None:
        super().__init__(message)
        self.policy = policy


class LoadedPolicy(BaseModel):
    """A policy with the path and revision it was loaded from."""

    policy: Policy
    path: str | None
    revision: str


def load_policy(path: str | os.PathLike[str] | None = None, *, schema: PolicySchema | None = None) -> LoadedPolicy:
    """Load and validate the policy at ``path`` (default ``$OPENEVENT_CONFIG``).

    With ``schema`` (what a guard declares: :meth:`PolicySchema.of`), the policy is also checked
    against the guard's facts and events (:meth:`Policy.validate_for`). Raises
    :class:`~openevent.errors.ConfigError` naming the file and each bad key
    (``<file>: <key>: <problem>; <key>: <problem>``) — a :class:`PolicyMismatchError` when only the
    schema checks failed.

    Example:
        >>> load_policy("functions/download_guard/config.yaml",
        ...             schema=PolicySchema.of("openevent.guard.transfer")).policy.failure_policy  # doctest: +SKIP
        'fail-closed'
    """
    where = str(path) if path else os.environ.get(CONFIG_ENV) or None
    policy = load_config(Policy, where)
    if schema is not None:
        problems = policy.validate_for(schema)
        if problems:
            raise PolicyMismatchError(f"{where or 'default config'}: " + "; ".join(f"{k}: {p}" for k, p in problems),
                                      policy)
    return LoadedPolicy(policy=policy, path=where, revision=file_revision(where))


def validate_policy_file(path: str | os.PathLike[str], guard: Any, *,
                         env: Mapping[str, str] | None = None) -> list[str]:
    """Every problem of the policy file ``path`` for ``guard``, as ``error: <file>: <key>: <problem>`` lines.

    ``guard`` is a guard function's name (``"download_guard"``, looked up in the functions folder),
    its declaration (the ``FunctionApp``, or any object with ``name``, ``handles`` and ``factory``),
    its loaded ``index`` module, a guard facts module (``openevent.guard.transfer``, or its dotted
    name: events are then checked against the registry only) or a :class:`PolicySchema`. ``env``
    (default ``os.environ``) fills ``${VAR}`` references. An empty list means the file is valid;
    what the model itself rejects (a missing file, a bad YAML, an unknown key, an unknown operator)
    is reported the same way.

    Example:
        >>> validate_policy_file("functions/download_guard/config.yaml", "download_guard")  # doctest: +SKIP
        []
        >>> validate_policy_file("typo.yaml", "download_guard")                             # doctest: +SKIP
        ['error: typo.yaml: rules.row-limit.when.download.row: unknown fact (did you mean download.rows?)']
    """
    where = str(path)
    schema = PolicySchema.of(guard)
    environ = os.environ if env is None else env
    try:
        raw = read_document(where)
        if raw is not None and not isinstance(raw, Mapping):
            raise ConfigError(f"{where}: the top level must be a mapping, not {type(raw).__name__}")
        data = interpolate(raw or {}, environ, optional_env=True)
    except ConfigError as exc:
        text = str(exc).removeprefix(f"{where}: ")
        key, sep, problem = text.partition(": ")
        return [f"error: {where}: {key}: {problem}" if sep else f"error: {where}: <root>: {text}"]
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        return [f"error: {where}: {key}: {problem}" for key, problem in _model_problems(exc, data)]
    return [f"error: {where}: {key}: {problem}" for key, problem in policy.validate_for(schema)]


def default_config_path(function_dir: str | os.PathLike[str]) -> str | None:
    """The config file shipped next to a function's ``index.py`` (what s.yaml deploys), if any."""
    for name in ("config.yaml", "config.yml", "config.json"):
        candidate = Path(function_dir) / name
        if candidate.is_file():
            return str(candidate)
    return None


# -- what a guard's policy may refer to -----------------------------------------------------------
FACT_TYPES = frozenset({"str", "int", "float", "bool", "datetime", "list[str]", "list[int]", "dict"})
EXTENSION_FACTS: dict[str, str] = {"extension.options": "dict"}
"""Facts every guard offers (the runner fills them): the workspace's extension option values."""
_SCALARS = frozenset({"str", "int", "float", "bool"})
_LISTS = frozenset({"list[str]", "list[int]"})
_TEXT = frozenset({"str", "list[str]"})
OPERATOR_TYPES: dict[str, frozenset[str]] = {
    "eq": _SCALARS | _LISTS, "ne": _SCALARS | _LISTS,
    "in": _SCALARS | _LISTS, "not_in": _SCALARS | _LISTS,
    "glob": _TEXT, "not_glob": _TEXT, "regex": _TEXT, "not_regex": _TEXT, "cidr": _TEXT, "not_cidr": _TEXT,
    "gt": frozenset({"int", "float"}), "gte": frozenset({"int", "float"}),
    "lt": frozenset({"int", "float"}), "lte": frozenset({"int", "float"}),
    "contains": _TEXT | {"list[int]"},
    "exists": FACT_TYPES,
    "in_window": frozenset({"datetime"}), "outside_window": frozenset({"datetime"}),
}
"""The fact types each operator applies to (a fact under a ``dict`` fact has no declared type: any)."""
_GROUP = "group"  # a key that is the parent of declared facts (``workspace``): only ``exists`` applies


@dataclass(frozen=True)
class PolicySchema:
    """What a guard's policy may refer to: its facts and their types, the facts only enrichment
    provides (fact → the API that provides it), and the event types the guard handles.

    ``facts`` ``None`` skips the fact checks; ``handles`` ``None`` checks ``applies_to`` against the
    event registry only. :data:`EXTENSION_FACTS` are added to every guard's facts.

    Example:
        >>> schema = PolicySchema("g", facts={"download.rows": "int", "code.first_line": "dict"})
        >>> schema.fact_type("download.rows"), schema.fact_type("code.first_line.MAX_PT"), schema.fact_type("x")
        ('int', None, 'unknown')
    """

    guard: str
    facts: Mapping[str, str] | None = None
    handles: tuple[str, ...] | None = None
    enriched: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.facts is not None:
            bad = sorted(f"{k}: {t}" for k, t in self.facts.items() if t not in FACT_TYPES)
            if bad:
                raise ValueError(f"{self.guard}: undeclared fact types {bad}; use one of {sorted(FACT_TYPES)}")
            object.__setattr__(self, "facts", {**EXTENSION_FACTS, **self.facts})
        if self.handles is not None:
            object.__setattr__(self, "handles", tuple(self.handles))

    @classmethod
    def of(cls, guard: Any) -> PolicySchema:
        """The schema of a guard: a function name, its declaration or index module, a facts module.

        Example:
            >>> PolicySchema.of("openevent.guard.transfer").fact_type("download.rows")
            'int'
        """
        if isinstance(guard, PolicySchema):
            return guard
        if isinstance(guard, str):
            if guard.startswith("openevent.") or ":" in guard:
                return cls._of_module(importlib.import_module(guard.partition(":")[0]), None, guard)
            # a function's name: its declaration, as the local tooling finds it (the CLI's lookup;
            # a library caller passes the declaration itself)
            declaration = importlib.import_module("openevent.local.functions").declaration  # CLI-only path

            guard = declaration(guard)
        app = getattr(guard, "app", None) if isinstance(guard, ModuleType) else None
        if isinstance(guard, ModuleType) and app is None:
            return cls._of_module(guard, None, guard.__name__)
        app = app if app is not None else guard
        handles = getattr(app, "handles", None)
        if handles is None:
            raise TypeError(f"not a guard declaration: {guard!r}")
        factory = getattr(app, "factory", None)
        if factory is None:  # e.g. openevent check's summary of a declaration: look the name up
            declaration = importlib.import_module("openevent.local.functions").declaration  # CLI-only path

            factory = getattr(declaration(app.name), "factory", None)
        module_name = factory.partition(":")[0] if isinstance(factory, str) else getattr(factory, "__module__", "")
        module = importlib.import_module(module_name) if module_name else None
        return cls._of_module(module, tuple(handles), str(getattr(app, "name", module_name)))

    @classmethod
    def _of_module(cls, module: ModuleType | None, handles: tuple[str, ...] | None, name: str) -> PolicySchema:
        facts = getattr(module, "FACTS", None) if module is not None else None
        enriched = getattr(module, "ENRICHED", None) if module is not None else None
        return cls(guard=name, facts=facts, handles=handles, enriched=dict(enriched or {}))

    def fact_type(self, path: str) -> str | None:
        """The declared type of ``path``; ``None`` under a ``dict`` fact (any type), ``"group"`` for a
        parent of declared facts, ``"unknown"`` for a name the guard does not declare."""
        facts = self.facts or {}
        if path in facts:
            return facts[path]
        parts = path.split(".")
        for i in range(len(parts) - 1, 0, -1):
            if facts.get(".".join(parts[:i])) == "dict":
                return None
        if any(name.startswith(path + ".") for name in facts):
            return _GROUP
        return "unknown"

    def enrichment_api(self, path: str) -> str | None:
        """The API a fact comes from when only enrichment provides it (``None`` otherwise)."""
        parts = path.split(".")
        for i in range(len(parts), 0, -1):
            api = self.enriched.get(".".join(parts[:i]))
            if api is not None:
                return api
        return None

    def suggest(self, path: str) -> str:
        """`` (did you mean …?)`` for a misspelt fact, else ``""``."""
        close = difflib.get_close_matches(path, list(self.facts or {}), n=1, cutoff=0.6)
        return f" (did you mean {close[0]}?)" if close else ""


def rule_paths(rule: Rule) -> Iterator[str]:
    """Every fact path a rule looks at: its ``when`` keys and its message's ``{fields}``."""
    for group in rule.when if isinstance(rule.when, list) else [rule.when]:
        yield from group
    for path, _problem in template_fields(rule.message):
        if path:
            yield path


def template_fields(template: str) -> list[tuple[str, str | None]]:
    """``(fact path, problem)`` for each ``{field}`` of a message template.

    Example:
        >>> template_fields("{download.rows:,} rows from {sql.tables[0]} and {} ")
        [('download.rows', None), ('sql.tables', None), ('', 'a positional field {} has no fact; name one')]
    """
    import _string  # type: ignore[import-not-found]  # the parser string.Formatter itself uses

    out: list[tuple[str, str | None]] = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        return [("", f"the template is malformed ({exc}); double a literal brace: {{{{ or }}}}")]
    for _text, name, _spec, _conversion in parsed:
        if name is None:
            continue
        if name == "" or name.isdigit():
            out.append(("", f"a positional field {{{name}}} has no fact; name one"))
            continue
        try:
            first, rest = _string.formatter_field_name_split(name)
        except ValueError as exc:
            out.append(("", f"the field {{{name}}} is malformed ({exc})"))
            continue
        parts = [str(first)]
        for is_attr, part in rest:
            if not is_attr:
                break
            parts.append(str(part))
        out.append((".".join(parts), None))
    return out


def _problems(policy: Policy, schema: PolicySchema) -> Iterator[tuple[str, str]]:
    for rule in policy.rules:
        base = f"rules.{rule.name}"
        yield from _applies_to_problems(rule, schema, base)
        if schema.facts is None:
            continue
        groups = rule.when if isinstance(rule.when, list) else [rule.when]
        for gi, group in enumerate(groups):
            where = f"{base}.when[{gi}]" if isinstance(rule.when, list) else f"{base}.when"
            for path, cond in group.items():
                yield from _condition_problems(policy, schema, f"{where}.{path}", path, cond)
        for path, problem in template_fields(rule.message):
            key = f"{base}.message"
            if problem is not None:
                yield key, problem
                continue
            kind = schema.fact_type(path)
            if kind == "unknown":
                yield key, f"unknown fact {{{path}}}{schema.suggest(path)}"
            else:
                yield from _availability_problems(policy, schema, key, path, f"{{{path}}} ")


def _condition_problems(policy: Policy, schema: PolicySchema, key: str, path: str,
                        cond: Any) -> Iterator[tuple[str, str]]:
    kind = schema.fact_type(path)
    if kind == "unknown":
        yield key, f"unknown fact{schema.suggest(path)}"
        return
    yield from _availability_problems(policy, schema, key, path, "")
    if isinstance(cond, list):
        yield key, "a plain list is compared with the whole fact and never matches; use {in: [...]}"
        return
    ops = cond if isinstance(cond, Mapping) else {"eq": cond}
    if kind is None:
        return
    kind_name = "a group of facts" if kind == _GROUP else f"{'an' if kind == 'int' else 'a'} {kind}"
    for op in ops:
        allowed = OPERATOR_TYPES.get(op)
        applies = (op == "exists") if kind == _GROUP else (allowed is None or kind in allowed)
        if not applies:
            fits = sorted(o for o, types in OPERATOR_TYPES.items() if kind in types) if kind != _GROUP else ["exists"]
            at = f"{key}.{op}" if isinstance(cond, Mapping) else key
            yield at, f"{op} cannot apply to {path} ({kind_name}); use one of {', '.join(fits)}"


def _availability_problems(policy: Policy, schema: PolicySchema, key: str, path: str,
                           what: str) -> Iterator[tuple[str, str]]:
    effect = "the message would print ?" if what else "the rule would always see it absent"
    api = schema.enrichment_api(path)
    if api is not None and not policy.enrichment.enabled:
        yield key, f"{what}needs enrichment ({api}), but enrichment.enabled is false: {effect}"
    if (path == "extension.options" or path.startswith("extension.options.")) and not policy.extension.enabled:
        yield key, (f"{what}needs the extension settings (GetOptionValueForProject), but extension.enabled "
                    f"is false: {effect}")


def _applies_to_problems(rule: Rule, schema: PolicySchema, base: str) -> Iterator[tuple[str, str]]:
    from openevent.events.registry import REGISTRY

    handled = schema.handles if schema.handles is not None else tuple(REGISTRY)
    for i, name in enumerate(rule.applies_to):
        key = f"{base}.applies_to[{i}]"
        match = [t for t in handled if name in (t, t.rsplit(":", 1)[-1])]
        if match:
            spec = REGISTRY.get(match[0])
            if spec is not None and not spec.is_extension:
                yield key, (f"{name} is a regular event: rules decide only extension point events "
                            f"(this guard's: {_names(schema, handled)})")
            continue
        known = [t for t in REGISTRY if name in (t, t.rsplit(":", 1)[-1])]
        if known:
            yield key, f"{name} is not handled by {schema.guard} (it handles {_names(schema, handled)})"
            continue
        names = {t.rsplit(":", 1)[-1]: t for t in handled}
        lowered = {n.lower(): n for n in [*names, *handled]}
        close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
        hint = f" (did you mean {lowered[close[0]]}?)" if close else ""
        yield key, f"unknown event {name}{hint}"


def _names(schema: PolicySchema, handled: tuple[str, ...]) -> str:
    from openevent.events.registry import REGISTRY

    if schema.handles is None:
        return "any extension point event"
    names = [t.rsplit(":", 1)[-1] for t in handled if (s := REGISTRY.get(t)) is None or s.is_extension]
    return ", ".join(names) or "none"


def _model_problems(exc: ValidationError, data: Any) -> list[tuple[str, str]]:
    """``(key, problem)`` for each error the model reports, rules named by their ``name``."""
    out: list[tuple[str, str]] = []
    rules = data.get("rules") if isinstance(data, Mapping) else None
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        if len(loc) >= 2 and loc[0] == "rules" and loc[1].isdigit() and isinstance(rules, list):
            index = int(loc[1])
            item = rules[index] if index < len(rules) else None
            if isinstance(item, Mapping) and isinstance(item.get("name"), str):
                loc[1] = item["name"]
        message = str(err["msg"]).removeprefix("Value error, ")
        key = ".".join(loc) or "<root>"
        inner, sep, rest = message.partition(": ")
        if sep and inner.startswith(key.split(".", 2)[0] + ".") and " " not in inner:
            key, message = inner, rest  # the condition validator names the exact key itself
        out.append((key, message))
    return out
