"""Loading a function's configuration file (YAML or JSON) into a pydantic model.

* The path comes from the argument or from ``OPENEVENT_CONFIG``.
* ``${ENV_VAR}`` and ``${ENV_VAR:-default}`` inside string values are replaced from the
  environment, so secrets live in environment variables, never in the file. A variable that
  is unset and has no default is an error naming the key, unless the whole value is exactly
  ``${VAR}``, in which case ``optional_env`` decides (receivers that are switched on by the
  presence of a variable use that).
* An **empty** variable counts as unset (as ``:-`` does in the shell): s.yaml cannot leave a
  variable out, it passes ``${env('X', '')}``, and an empty webhook URL must disable its
  receiver, an empty ``NOTIFY_LANG`` must mean the default.
* :func:`referenced_variables` lists the ``${VAR}`` references of a document (what ``openevent
  check`` compares with the environment s.yaml passes).
* Values interpolated into keys that look secret, or from variables whose name looks
  secret, are registered with :mod:`openevent.runtime.redact` so no log line shows them.
* Validation errors are turned into one :class:`~openevent.errors.ConfigError` whose text
  lists ``dotted.key: problem`` for each problem.

Example:
    >>> import os; os.environ["HOOK"] = "https://example.invalid/hook"
    >>> interpolate({"url": "${HOOK}", "n": "${MISSING:-3}"})
    {'url': 'https://example.invalid/hook', 'n': '3'}
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from openevent.errors import ConfigError
from openevent.runtime.redact import is_secret_key, register_secret

CONFIG_ENV = "OPENEVENT_CONFIG"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

M = TypeVar("M", bound=BaseModel)


class _Unset:
    """Marker for a whole-value ``${VAR}`` whose variable is not set."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def interpolate(value: Any, env: Mapping[str, str] | None = None, *, path: str = "",
                optional_env: bool = False) -> Any:
    """Replace ``${VAR}`` / ``${VAR:-default}`` in every string of ``value``.

    With ``optional_env`` a string that is exactly ``${VAR}`` with ``VAR`` unset becomes
    ``None`` (so ``url: ${DINGTALK_WEBHOOK_URL}`` disables a receiver instead of failing).
    """
    environ = os.environ if env is None else env
    if isinstance(value, str):
        return _interpolate_str(value, environ, path, optional_env)
    if isinstance(value, Mapping):
        return {k: interpolate(v, environ, path=f"{path}.{k}" if path else str(k), optional_env=optional_env)
                for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, environ, path=f"{path}[{i}]", optional_env=optional_env)
                for i, v in enumerate(value)]
    return value


def _interpolate_str(text: str, environ: Mapping[str, str], path: str, optional_env: bool) -> Any:
    whole = _VAR.fullmatch(text)
    if whole and whole.group(2) is None and not environ.get(whole.group(1)):
        if optional_env:
            return None
        raise ConfigError(f"{path or '<root>'}: environment variable {whole.group(1)} is not set")
    leaf = path.rsplit(".", 1)[-1]

    def sub(m: re.Match[str]) -> str:
        name, default = m.group(1), m.group(2)
        if environ.get(name):
            val = environ[name]
            if is_secret_key(name) or is_secret_key(leaf):
                register_secret(val)
            return val
        if default is not None:
            return default
        raise ConfigError(f"{path or '<root>'}: environment variable {name} is not set")

    return _VAR.sub(sub, text)


def referenced_variables(value: Any) -> dict[str, bool]:
    """``{VAR: has_default}`` for every ``${VAR}`` / ``${VAR:-default}`` in the strings of ``value``.

    Example:
        >>> referenced_variables({"url": "${HOOK}", "lang": "${LANG:-zh}", "n": [1, "${HOOK}"]})
        {'HOOK': False, 'LANG': True}
    """
    found: dict[str, bool] = {}
    if isinstance(value, str):
        for m in _VAR.finditer(value):
            found[m.group(1)] = found.get(m.group(1), True) and m.group(2) is not None
    elif isinstance(value, Mapping):
        for item in value.values():
            for name, has_default in referenced_variables(item).items():
                found[name] = found.get(name, True) and has_default
    elif isinstance(value, list):
        for item in value:
            for name, has_default in referenced_variables(item).items():
                found[name] = found.get(name, True) and has_default
    return found


def read_document(path: str | os.PathLike[str]) -> Any:
    """Read a YAML or JSON file (by extension; YAML is a superset, so anything else is YAML)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {p} does not exist") from exc
    except OSError as exc:
        raise ConfigError(f"config file {p} cannot be read: {exc.strerror}") from exc
    try:
        if p.suffix.lower() == ".json":
            return json.loads(text)
        import yaml  # lazy: only functions with a config file pay for it

        # the pure-Python SafeLoader: packages do not ship libyaml (openevent build prunes it), so a
        # CSafeLoader path would be dead code on FC
        return yaml.safe_load(text)
    except ValueError as exc:
        raise ConfigError(f"config file {p} is not valid JSON: {exc}") from exc
    except Exception as exc:  # yaml.YAMLError and friends
        raise ConfigError(f"config file {p} is not valid YAML: {exc}") from exc


def format_validation_error(exc: ValidationError, prefix: str = "") -> str:
    """One line per problem: ``dotted.key: message``."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        key = f"{prefix}.{loc}" if prefix and loc else (prefix or loc or "<root>")
        lines.append(f"{key}: {err['msg']}")
    return "; ".join(lines)


def validate(model: type[M], data: Any, *, source: str = "config") -> M:
    """Validate ``data`` against ``model``, raising :class:`ConfigError` that names each bad key."""
    try:
        return model.model_validate({} if data is None else data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {format_validation_error(exc)}") from None


def load_config(model: type[M], path: str | os.PathLike[str] | None = None, *,
                env: Mapping[str, str] | None = None, optional_env: bool = True) -> M:
    """Load, interpolate and validate a config file; ``path`` defaults to ``$OPENEVENT_CONFIG``.

    With neither a path nor the variable, the model's defaults are used.
    """
    environ = os.environ if env is None else env
    path = path or environ.get(CONFIG_ENV) or None
    if path is None:
        return validate(model, {}, source="default config")
    raw = read_document(path)
    if raw is not None and not isinstance(raw, Mapping):
        raise ConfigError(f"{path}: the top level must be a mapping, not {type(raw).__name__}")
    data = interpolate(raw or {}, environ, optional_env=optional_env)
    return validate(model, data, source=str(path))


def file_revision(path: str | os.PathLike[str] | None) -> str:
    """A short content hash of a file (the policy revision of a guard); ``"none"`` without one."""
    if not path:
        return "none"
    import hashlib

    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    except OSError:
        return "unreadable"
