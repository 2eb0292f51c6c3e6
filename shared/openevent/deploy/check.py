"""``openevent check``: refuse a tree that would deploy fine and fail in production.

:func:`check_template` reads ``s.yaml`` with the environment of the deploying shell (what ``s deploy``
would render) and the function declarations (``functions/<name>/index.py``, passed in as
:class:`Declared`), and reports:

* **template** — each resource's props against the fc3 schema (:mod:`openevent.deploy.schema`), and
  keys the schema does not know; a resource for every function folder and a folder for every resource;
  ``handler`` and ``instanceLifecycleConfig.initializer`` naming entry points the index defines;
  ``pre-deploy`` running ``openevent check`` before ``openevent build``;
* **routing** — every declared type reaches its function the way DataWorks publishes it: a
  tenant-level type through a default-bus trigger (``eventSourceType: Default``), a workspace-level
  type through a custom-bus rule (``vars.busRules``, applied by ``openevent rules apply``); no
  default-bus trigger for a workspace-level type (it never arrives there); no rule sending a type to
  a function that does not declare it; at most 10 default-bus triggers; a ``data`` filter that lists a
  number without its string form (DataWorks sends some numbers as strings) is a warning;
* **timers** — a function declared ``timer=True`` has an enabled timer trigger with a valid schedule;
* **environment** — every ``${VAR}`` its shipped config reads, and the variables the library reads
  for its kind, are passed by s.yaml; their values (as deployed) mean something
  (:mod:`openevent.runtime.envcheck`); the total stays under FC's 4 KB; ``memory://`` state is a
  warning for functions that need shared state; a missing async failure destination is a warning;
  VPC settings are complete;
* **configs** — each shipped config validated by its model (a guard's policy by
  :func:`openevent.guard.policy.load_policy`) with the environment FC will give it.

:func:`check_function` validates one config file for one function with the current environment.
Each problem is a :class:`Finding`, printed as ``error: <file>: <key>: <problem>``.

Example:
    >>> Finding("error", "s.yaml", "resources.x", "no functions/x/index.py").line()
    'error: s.yaml: resources.x: no functions/x/index.py'
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from openevent.deploy.pattern import PatternError, matches
from openevent.deploy.template import DEFAULT_BUS, FunctionSpec, Template, load_template
from openevent.errors import ConfigError

Level = Literal["error", "warning"]
MAX_DEFAULT_BUS_TRIGGERS = 10
"""FC allows 10 rules per region on the default bus for cloud-service triggers."""
MAX_ENV_BYTES = 4096
"""FC: the environment variables of a function take at most 4 KB."""
CODE_DIR = "/code"
CONFIG_NAMES = ("config.yaml", "config.yml", "config.json")
CONFIG_LOADERS = {"openevent.guard.policy:Policy": "openevent.guard.policy:load_policy"}
"""Config models whose own loader does more than validate the model (a guard policy's facts and events)."""
COMMON_ENV = ("OPENEVENT_STATE_URL", "OPENEVENT_LOG_LEVEL")
GUARD_ENV = ("OPENEVENT_FAILURE_POLICY", "DATAWORKS_EXTENSION_CODE", "DATAWORKS_EXTENSION_CODE_{FUNCTION}")
_CRON = re.compile(r"^(CRON_TZ=\S+\s+)?(\S+\s+){5}\S+$")
_EVERY = re.compile(r"^@every\s+([1-9][0-9]*)([mh])$")
_ARN = re.compile(r"^acs:(mns|fc|eventbridge):[a-z0-9-]*:[0-9]*:\S+$")
_PRIVATE_HOST = re.compile(r"^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|r-[a-z0-9]+\.redis\.|[^.]+\.redis\.rds\.)")


@dataclass(frozen=True)
class Finding:
    """One problem: ``error`` fails the check, ``warning`` is printed and passes (unless ``--strict``)."""

    level: Level
    file: str
    key: str
    problem: str

    def line(self) -> str:
        return f"{self.level}: {self.file}: {self.key}: {self.problem}" if self.key else (
            f"{self.level}: {self.file}: {self.problem}")

    def as_json(self) -> dict[str, str]:
        return {"level": self.level, "file": self.file, "key": self.key, "problem": self.problem}


@dataclass(frozen=True)
class Declared:
    """What ``openevent check`` needs from a function's declaration (its ``app = FunctionApp(...)``)."""

    name: str
    handles: tuple[str, ...]
    kind: str = "consumer"
    timer: bool = False
    config: str | None = None
    directory: str | None = None
    entry_points: frozenset[str] = field(default_factory=frozenset)
    """The callables ``index.py`` defines (``handler``, ``initialize``, …)."""

    @classmethod
    def of(cls, module: Any) -> Declared:
        """From a loaded ``functions/<name>/index.py`` module.

        Example:
            >>> import types
            >>> m = types.SimpleNamespace(app=types.SimpleNamespace(name="f", handles=("t",), kind="guard",
            ...     timer=False, config=None, directory=None), handler=print)
            >>> Declared.of(m).entry_points
            frozenset({'handler'})
        """
        app = module.app
        names = frozenset(n for n, v in vars(module).items() if callable(v) and not n.startswith("_")
                          and not isinstance(v, type))
        return cls(name=app.name, handles=tuple(app.handles), kind=str(app.kind), timer=bool(app.timer),
                   config=app.config if isinstance(app.config, str) else None, directory=app.directory,
                   entry_points=names)

    @property
    def config_file(self) -> Path | None:
        """The config shipped with the function (``/code/config.yaml`` on FC)."""
        if not self.directory:
            return None
        for name in CONFIG_NAMES:
            path = Path(self.directory) / name
            if path.is_file():
                return path
        return None


def display(path: str | os.PathLike[str]) -> str:
    """``path`` relative to the working directory when it is inside it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


# --- the environment a function needs --------------------------------------------------------


def required_environment(declared: Declared) -> dict[str, str]:
    """``{VAR: why}``: the variables s.yaml must pass to ``declared`` (its config's ``${VAR}``s + its kind's).

    Example:
        >>> sorted(required_environment(Declared("g", (), kind="guard")))  # doctest: +NORMALIZE_WHITESPACE
        ['DATAWORKS_EXTENSION_CODE', 'DATAWORKS_EXTENSION_CODE_G', 'OPENEVENT_FAILURE_POLICY',
         'OPENEVENT_LOG_LEVEL', 'OPENEVENT_STATE_URL']
    """
    out: dict[str, str] = {}
    config = declared.config_file
    if config is not None:
        out["OPENEVENT_CONFIG"] = f"points the function at its config ({CODE_DIR}/{config.name})"
        for name in config_references(config):
            out[name] = f"{display(config)} reads ${{{name}}}"
    for name in COMMON_ENV:
        out.setdefault(name, "every function reads it")
    if declared.kind == "guard":
        for name in GUARD_ENV:
            out.setdefault(name.format(FUNCTION=declared.name.upper()), "every guard reads it")
    return out


def config_references(path: str | os.PathLike[str]) -> list[str]:
    """The ``${VAR}`` names the values of a config file reference (comments do not count)."""
    from openevent.runtime.config import read_document, referenced_variables

    try:
        return sorted(referenced_variables(read_document(path)))
    except ConfigError:
        return []


def env_line(name: str) -> str:
    """What to add to a resource's ``environmentVariables`` for ``name``."""
    from openevent.runtime.envcheck import variable

    entry = variable(name)
    default = entry.default if entry is not None else ""
    return f"{name}: ${{env('{name}', '{default}')}}"


# --- the template -----------------------------------------------------------------------------


def check_template(template_path: str | os.PathLike[str], declared: Sequence[Declared], *,
                   env: Mapping[str, str] | None = None) -> list[Finding]:
    """Every problem of the template and of the functions it deploys (see the module docstring)."""
    environ = dict(os.environ if env is None else env)
    where = display(template_path)
    try:
        template = load_template(template_path, environ)
    except (ConfigError, PatternError) as exc:
        return [Finding("error", where, "", str(exc))]
    out: list[Finding] = []
    by_name = {d.name: d for d in declared}
    resources = {f.resource: f for f in template.functions}
    for d in declared:
        if d.name not in resources:
            out.append(Finding("error", where, f"resources.{d.name}",
                               f"no resource for functions/{d.name} (copy a resource block; its key is the folder)"))
    for spec in template.functions:
        if spec.resource not in by_name:
            out.append(Finding("error", where, f"resources.{spec.resource}",
                               f"no functions/{spec.resource}/index.py declares this function"))
    for key in template.unknown_bus_rules:
        out.append(Finding("error", where, f"vars.busRules.{key}", "names no resource of this template"))
    out.extend(_check_actions(template, where))
    default_triggers = [(s, t) for s in template.functions for t in s.triggers if t.bus == DEFAULT_BUS]
    if len(default_triggers) > MAX_DEFAULT_BUS_TRIGGERS:
        out.append(Finding("error", where, "resources", f"{len(default_triggers)} default-bus triggers; FC allows "
                                                        f"{MAX_DEFAULT_BUS_TRIGGERS} per region"))
    out.extend(_check_destinations(template, where))
    for spec in template.functions:
        found = by_name.get(spec.resource)
        out.extend(_check_props(spec, found, where))
        if found is None:
            continue
        d = found
        out.extend(_check_routes(spec, d, where))
        out.extend(_check_timers(spec, d, where))
        env_findings, function_env = _check_environment(spec, d, where)
        out.extend(env_findings)
        config = d.config_file
        if config is not None:
            out.extend(check_config(d, config, env=function_env))
    return out


def _check_actions(template: Template, where: str) -> Iterator[Finding]:
    actions = template.document.get("actions") or {}
    runs = [str(a.get("run", "")).strip() for a in (actions.get("pre-deploy") or []) if isinstance(a, Mapping)]
    check = next((i for i, r in enumerate(runs) if r.startswith("openevent check")), None)
    build = next((i for i, r in enumerate(runs) if r.startswith("openevent build")), None)
    if check is None or (build is not None and check > build):
        yield Finding("error", where, "actions.pre-deploy",
                      "does not run `openevent check` before `openevent build`: a broken tree would deploy")
    if any(f.bus_rules for f in template.functions):
        after = [str(a.get("run", "")) for a in (actions.get("success-deploy") or []) if isinstance(a, Mapping)]
        if not any(r.strip().startswith("openevent rules apply") for r in after):
            yield Finding("error", where, "actions.success-deploy",
                          "does not run `openevent rules apply`: the custom-bus rules (vars.busRules) would not exist")


def _check_props(spec: FunctionSpec, d: Declared | None, where: str) -> Iterator[Finding]:
    from openevent.deploy.schema import unknown_keys, validate_props

    base = f"resources.{spec.resource}.props"
    props = spec.props
    if "function" in props:  # the fc (FC 2.0) component: not what the fc3 schema describes
        return
    for error in validate_props(props):
        yield Finding("error", where, f"{base}.{error.path}" if error.path else base, error.message)
    for error in unknown_keys(spec.props):
        yield Finding("error", where, f"{base}.{error.path}", error.message)
    if d is None:
        return
    handler = spec.props.get("handler")
    if isinstance(handler, str) and _entry(handler) not in d.entry_points:
        yield Finding("error", where, f"{base}.handler",
                      f"{handler!r}: functions/{d.name}/index.py defines no {_entry(handler)}()")
    hook = ((spec.props.get("instanceLifecycleConfig") or {}).get("initializer") or {})
    if not isinstance(hook, Mapping) or not hook.get("handler"):
        if "initialize" in d.entry_points:
            yield Finding("error", where, f"{base}.instanceLifecycleConfig.initializer",
                          "no initializer: the first event of every instance pays for building the worker "
                          "(add handler: index.initialize, timeout: 30)")
    else:
        name = _entry(str(hook["handler"]))
        if name not in d.entry_points:
            yield Finding("error", where, f"{base}.instanceLifecycleConfig.initializer.handler",
                          f"{hook['handler']!r}: functions/{d.name}/index.py defines no {name}()")
        if "timeout" not in hook:
            yield Finding("warning", where, f"{base}.instanceLifecycleConfig.initializer.timeout",
                          "not set: FC's default may be shorter than loading the config and clients takes")
    concurrency = spec.props.get("instanceConcurrency")
    runtime = str(spec.props.get("runtime", ""))
    if isinstance(concurrency, int) and concurrency > 1 and runtime.startswith("python"):
        yield Finding("warning", where, f"{base}.instanceConcurrency",
                      f"{concurrency}: standard runtimes ({runtime}) run one request per instance in FC 3.0")
    vpc = spec.props.get("vpcConfig")
    if isinstance(vpc, Mapping):
        ids = [v for v in (vpc.get("vSwitchIds") or []) if v] if isinstance(vpc.get("vSwitchIds"), list) else []
        parts = {"vpcId": bool(vpc.get("vpcId")), "vSwitchIds": bool(ids) or vpc.get("vSwitchIds") == "auto",
                 "securityGroupId": bool(vpc.get("securityGroupId"))}
        if any(parts.values()) and not all(parts.values()):
            missing = ", ".join(k for k, v in parts.items() if not v)
            yield Finding("error", where, f"{base}.vpcConfig", f"incomplete: {missing} missing (set all three or none)")


def _entry(handler: str) -> str:
    module, _, name = handler.rpartition(".")
    return name if module == "index" else f"{handler} (not in index.py)"


def _check_destinations(template: Template, where: str) -> Iterator[Finding]:
    empty = []
    for spec in template.functions:
        config = (spec.props.get("asyncInvokeConfig") or {}).get("destinationConfig")
        base = f"resources.{spec.resource}.props.asyncInvokeConfig.destinationConfig"
        if not isinstance(config, Mapping):
            continue
        if not any(isinstance(v, Mapping) and v.get("destination") for v in config.values()):
            empty.append(spec.resource)
        for kind, value in config.items():
            target = value.get("destination") if isinstance(value, Mapping) else None
            if isinstance(target, str) and not _ARN.match(target):
                yield Finding("error", where, f"{base}.{kind}.destination",
                              f"{target!r} is not an ARN such as acs:mns:<region>:<account>:/queues/<queue>/messages")
    if empty:
        yield Finding("warning", where, "asyncInvokeConfig.destinationConfig",
                      f"no failure destination for {', '.join(empty)}: an event that still fails after its async "
                      "retries is dropped (set OPENEVENT_ASYNC_DESTINATION_FILE, e.g. "
                      "deploy/async-destination.example.json)")


# --- routing ------------------------------------------------------------------------------------


def _envelope_matches(pattern: Mapping[str, Any], event_type: str) -> bool:
    from openevent.events.registry import SOURCE

    envelope = {k: v for k, v in pattern.items() if k in ("source", "type")}
    return matches(envelope, {"source": SOURCE, "type": event_type})


def _listed(types: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(types[:limit])
    return shown + (f" and {len(types) - limit} more" if len(types) > limit else "")


def _check_routes(spec: FunctionSpec, d: Declared, where: str) -> Iterator[Finding]:
    from openevent.events.registry import REGISTRY

    base = f"resources.{spec.resource}.props.triggers"
    rules_key = f"vars.busRules.{spec.resource}"
    default = [(i, t) for i, t in enumerate(spec.triggers) if t.bus == DEFAULT_BUS]
    unregistered = [t for t in d.handles if t not in REGISTRY]
    if unregistered:
        yield Finding("error", f"functions/{d.name}/index.py", "handles",
                      f"{_listed(unregistered)}: not registered event types (openevent events list)")
    tenant = [t for t in d.handles if t in REGISTRY and REGISTRY[t].level == "tenant"]
    workspace = [t for t in d.handles if t in REGISTRY and REGISTRY[t].level == "workspace"]
    unrouted = [t for t in tenant if not any(_envelope_matches(tr.pattern, t) for _, tr in default)]
    if unrouted:
        yield Finding("error", where, base, f"tenant-level {_listed(unrouted)} reach {d.name} through no default-bus "
                                            "trigger (tenant-level events arrive on the default bus only)")
    unrouted = [t for t in workspace if not any(_envelope_matches(r.pattern, t) for r in spec.bus_rules)]
    if unrouted:
        yield Finding("error", where, rules_key, f"workspace-level {_listed(unrouted)} are in no custom-bus rule: "
                                                 f"they would never reach {d.name}")
    for i, trigger in default:
        wrong = [t for t in workspace if _envelope_matches(trigger.pattern, t)]
        if wrong:
            yield Finding("error", where, f"{base}[{i}].triggerConfig.eventRuleFilterPattern",
                          f"workspace-level {_listed(wrong)} never arrive on the default bus; they come through "
                          f"the custom bus ({rules_key})")
    rules: list[tuple[str, Mapping[str, Any]]] = [
        (f"{base}[{i}].triggerConfig.eventRuleFilterPattern", t.pattern) for i, t in default]
    rules += [(f"{rules_key}.{r.key}" if r.key else rules_key, r.pattern) for r in spec.bus_rules]
    for key, pattern in rules:
        strays = [t for t in REGISTRY if t not in d.handles and _envelope_matches(pattern, t)]
        if strays:
            yield Finding("error", where, key, f"routes {_listed(strays)} to {d.name}, which does not handle them")
        for path, problem in _one_form_only(pattern.get("data"), "data"):
            yield Finding("warning", where, key, f"{path}: {problem}")


def _one_form_only(node: Any, path: str) -> Iterator[tuple[str, str]]:
    """Numbers listed without their string form (or the reverse) in a ``data`` filter."""
    if isinstance(node, Mapping):
        for key, sub in node.items():
            yield from _one_form_only(sub, f"{path}.{key}")
        return
    if not isinstance(node, list):
        return
    numbers = {repr(v) if isinstance(v, float) else str(v) for v in node
               if isinstance(v, (int, float)) and not isinstance(v, bool)}
    strings = {v for v in node if isinstance(v, str)}
    for n in sorted(numbers - strings):
        yield path, f"lists {n} without \"{n}\": DataWorks sometimes sends numbers as strings, and EventBridge " \
                    "never matches a string against a number"
    for s in sorted(s for s in strings - numbers if re.fullmatch(r"-?[0-9]+", s)):
        yield path, f"lists \"{s}\" without {s}: the documented events carry it as a number"


def _check_timers(spec: FunctionSpec, d: Declared, where: str) -> Iterator[Finding]:
    base = f"resources.{spec.resource}.props.triggers"
    enabled = [t for t in spec.timers if t.enabled is True]
    if d.timer and not enabled:
        yield Finding("error", where, base, f"no enabled timer trigger: {d.name} is declared timer=True (digests and "
                                            "quiet-hour alerts wait for the next event, or vanish with the instance)")
    if not d.timer and spec.timers:
        yield Finding("warning", where, base, f"{d.name} is not declared timer=True: timer events are wasted on it")
    for index, timer in enumerate(spec.timers):
        cron = timer.cron
        if not isinstance(cron, str) or "${" in cron:
            continue
        if not (_EVERY.match(cron.strip()) or _CRON.match(cron.strip())):
            yield Finding("error", where, f"{base}[{index}].triggerConfig.cronExpression",
                          f"{cron!r} is not '@every <n>m|h' or a 6-field cron expression (seconds first)")


# --- environment --------------------------------------------------------------------------------


def _check_environment(spec: FunctionSpec, d: Declared, where: str) -> tuple[list[Finding], dict[str, str]]:
    from openevent.runtime.envcheck import environment_problems, needs_shared_state_warning

    base = f"resources.{spec.resource}.props.environmentVariables"
    env = {str(k): "" if v is None else str(v) for k, v in spec.environment.items()}
    out: list[Finding] = []
    for name, why in required_environment(d).items():
        if name not in env:
            out.append(Finding("error", where, f"{base}.{name}",
                               f"{why}; s.yaml does not pass it (add {env_line(name)})"))
    config = d.config_file
    if config is not None and "OPENEVENT_CONFIG" in env and env["OPENEVENT_CONFIG"] != f"{CODE_DIR}/{config.name}":
        out.append(Finding("error", where, f"{base}.OPENEVENT_CONFIG",
                           f"{env['OPENEVENT_CONFIG']!r}: the package ships {CODE_DIR}/{config.name}"))
    resolved = {k: v for k, v in env.items() if "${" not in v}
    for problem in environment_problems(resolved, on_fc=True):
        out.append(Finding("error", where, f"{base}.{problem.name}", problem.problem))
    size = sum(len(k) + len(v) for k, v in env.items())
    if size > MAX_ENV_BYTES:
        out.append(Finding("error", where, base, f"{size} bytes of environment; FC allows {MAX_ENV_BYTES}"))
    warning = needs_shared_state_warning(d.name, kind=d.kind, timer=d.timer, env=resolved)
    if warning is not None:
        out.append(Finding("warning", where, f"{base}.OPENEVENT_STATE_URL", warning))
    url = resolved.get("OPENEVENT_STATE_URL", "")
    host = re.sub(r"^rediss?://([^@/]*@)?", "", url).split(":")[0].split("/")[0] if url.startswith("redis") else ""
    vpc = spec.props.get("vpcConfig")
    if host and _PRIVATE_HOST.match(host) and not (isinstance(vpc, Mapping) and vpc.get("vpcId")):
        out.append(Finding("warning", where, f"resources.{spec.resource}.props.vpcConfig",
                           f"Redis at {host} is reachable only from the VPC: set OPENEVENT_VPC_CONFIG_FILE"))
    if d.kind == "guard":
        from openevent.guard.runner import EXTENSION_CODE_ENV, extension_code_env

        own = extension_code_env(d.name)
        if not (resolved.get(EXTENSION_CODE_ENV) or resolved.get(own)):
            # a warning (the shipped tree must pass, and no tree can ship a code: registering the extension
            # gives it, docs/deploy.md); `--strict` refuses it, and on FC the guard logs an error at start
            out.append(Finding("warning", where, f"{base}.{EXTENSION_CODE_ENV}",
                               f"empty: {d.name} cannot answer EventBridge deliveries without its extension code "
                               f"(export {own} or {EXTENSION_CODE_ENV})"))
    return out, resolved


# --- configs --------------------------------------------------------------------------------------


def check_function(declared: Declared, config_path: str | os.PathLike[str], *,
                   env: Mapping[str, str] | None = None) -> list[Finding]:
    """One config file for one function, with the current environment (``openevent check FUNCTION --config``)."""
    from openevent.runtime.envcheck import environment_problems

    environ = dict(os.environ if env is None else env)
    out = [Finding("error", "environment", p.name, p.problem) for p in environment_problems(environ)]
    return out + check_config(declared, config_path, env=environ)


def check_config(declared: Declared, config_path: str | os.PathLike[str], *,
                 env: Mapping[str, str]) -> list[Finding]:
    """Validate ``config_path`` with the function's config model (or loader) under ``env``."""
    where = display(config_path)
    if not Path(config_path).is_file():
        return [Finding("error", where, "", "config file does not exist")]
    if not declared.config:
        return []
    try:
        with _environment(env):
            loader = CONFIG_LOADERS.get(declared.config)
            if loader is not None:  # a guard policy: checked against the guard's facts and events too
                from openevent.guard.policy import PolicySchema

                _resolve(loader)(str(config_path), schema=PolicySchema.of(declared))
            else:
                from openevent.runtime.config import load_config

                load_config(_resolve(declared.config), config_path, env=env)
    except ConfigError as exc:
        return [Finding("error", where, key, problem) for key, problem in _problems(str(exc), str(config_path))]
    return []


def _problems(text: str, path: str) -> list[tuple[str, str]]:
    """``(key, problem)`` pairs of a :class:`ConfigError` text (``<path>: key: problem; key: problem``)."""
    body = text.removeprefix(f"{path}: ")
    out = []
    for part in re.split(r"; (?=[\w.\[\]<>-]+: )", body):
        key, sep, problem = part.partition(": ")
        out.append((key, problem) if sep and " " not in key else ("", part))
    return out


def _resolve(ref: str) -> Any:
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


@contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` as FC would give it to the function (loaders that read it see only that)."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TZ", "TMPDIR")}
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update({**keep, **{k: str(v) for k, v in env.items()}})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
