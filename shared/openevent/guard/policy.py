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
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from openevent.guard.conditions import validate_when
from openevent.runtime.config import CONFIG_ENV, file_revision, load_config

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


class Policy(BaseModel):
    """A guard's whole configuration."""

    model_config = ConfigDict(extra="forbid")

    failure_policy: FailurePolicy = "fail-closed"
    extension_code: str | None = None
    contact: str = "your DataWorks platform team"
    timezone: str = "Asia/Shanghai"
    enrichment: Enrichment = Field(default_factory=Enrichment)
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

    def references(self, prefix: str) -> bool:
        """Whether any rule looks at a fact under ``prefix`` (e.g. ``sql``: only then is SQL parsed)."""
        dotted = prefix + "."

        def group_refs(group: dict[str, Any]) -> bool:
            return any(k == prefix or k.startswith(dotted) for k in group)

        return any(group_refs(g) for r in self.rules for g in (r.when if isinstance(r.when, list) else [r.when]))


class LoadedPolicy(BaseModel):
    """A policy with the path and revision it was loaded from."""

    policy: Policy
    path: str | None
    revision: str


def load_policy(path: str | os.PathLike[str] | None = None) -> LoadedPolicy:
    """Load and validate the policy at ``path`` (default ``$OPENEVENT_CONFIG``).

    Raises :class:`~openevent.errors.ConfigError` naming the bad key.
    """
    where = str(path) if path else os.environ.get(CONFIG_ENV) or None
    policy = load_config(Policy, where)
    return LoadedPolicy(policy=policy, path=where, revision=file_revision(where))


def default_config_path(function_dir: str | os.PathLike[str]) -> str | None:
    """The config file shipped next to a function's ``index.py`` (what s.yaml deploys), if any."""
    for name in ("config.yaml", "config.yml", "config.json"):
        candidate = Path(function_dir) / name
        if candidate.is_file():
            return str(candidate)
    return None
