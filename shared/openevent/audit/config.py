"""The node-change auditor's configuration (``functions/node_change_auditor/config.yaml``).

Every key is optional; with no file at all the auditor writes to stdout, and to a local
JSONL file when it is not running on Function Compute.

Example:
    >>> cfg = AuditConfig.model_validate({"sinks": {"sls": {"endpoint": "cn-hangzhou.log.aliyuncs.com",
    ...                                                     "project": "dw-audit", "logstore": "node-changes"}}})
    >>> cfg.sinks.sls.topic, cfg.sinks.stdout, cfg.get_node.enabled
    ('openevent_audit', True, False)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

JSONL_ENV = "OPENEVENT_AUDIT_JSONL"
DEFAULT_JSONL = "audit.jsonl"
FC_WRITABLE_DIR = "/tmp"
"""The only writable directory of an FC instance (its code directory is read-only)."""
DAY_S = 86400.0


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class JsonlSinkConfig(_Section):
    """``enabled``: ``true``/``false``, or ``null`` (default) for "on unless running on FC".

    On FC the code directory is read-only: a relative ``path`` is taken under ``/tmp`` there
    (the instance's writable disk; it is lost with the instance, so on FC the trail belongs in SLS).

    Example:
        >>> JsonlSinkConfig(enabled=True).resolved_path({"FC_FUNCTION_NAME": "node_change_auditor"})
        '/tmp/audit.jsonl'
        >>> JsonlSinkConfig(path="trail/audit.jsonl").resolved_path({})
        'trail/audit.jsonl'
    """

    enabled: bool | None = None
    path: str | None = None

    def resolved_path(self, env: Mapping[str, str] | None = None) -> str:
        """``path``, else ``OPENEVENT_AUDIT_JSONL``, else ``audit.jsonl``: relative to the working
        directory locally, to ``/tmp`` on FC."""
        from openevent.runtime.context import running_on_fc

        environ = os.environ if env is None else env
        path = self.path or environ.get(JSONL_ENV) or DEFAULT_JSONL
        if running_on_fc(environ) and not os.path.isabs(path):
            path = os.path.join(FC_WRITABLE_DIR, path)
        return path

    def is_enabled(self, env: Mapping[str, str] | None = None) -> bool:
        from openevent.runtime.context import running_on_fc

        environ = os.environ if env is None else env
        if self.enabled is not None:
            return self.enabled
        return bool(environ.get(JSONL_ENV)) or not running_on_fc(environ)


class SlsSinkConfig(_Section):
    """An SLS logstore written with PutLogs; credentials come from the environment or the FC role.

    The sink is active when ``enabled`` and ``endpoint``, ``project`` and ``logstore`` are all set
    (so ``project: ${AUDIT_SLS_PROJECT}`` with the variable unset switches it off).
    """

    enabled: bool = True
    endpoint: str | None = Field(default=None,
                                 description="e.g. cn-hangzhou-intranet.log.aliyuncs.com or http://127.0.0.1:PORT")
    project: str | None = None
    logstore: str | None = None
    topic: str = "openevent_audit"
    source: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    batch_size: int = Field(default=200, ge=1, le=4096)
    compress: bool = True
    timeout_s: float = Field(default=10.0, gt=0)

    @property
    def active(self) -> bool:
        return bool(self.enabled and self.endpoint and self.project and self.logstore)


class SinksConfig(_Section):
    stdout: bool = True
    jsonl: JsonlSinkConfig = Field(default_factory=JsonlSinkConfig)
    sls: SlsSinkConfig | None = None


class GetNodeConfig(_Section):
    """Fetch the current definition of a node with ``GetNode`` (through ``openevent.dataworks``)."""

    enabled: bool = False
    env: Literal["PROD", "DEV"] = "PROD"


class RetryConfig(_Section):
    """Per-sink retries inside one invocation (the core retry loop, bounded by the invocation's
    budget); after them a failing sink makes the invocation fail, so FC retries it."""

    attempts: int = Field(default=3, ge=1, le=10)
    backoff_s: float = Field(default=0.2, ge=0)


DEFAULT_NODE_TTL_DAYS = 30.0
"""How long the auditor keeps a node's last state when ``state.node_ttl_days`` is not set: a node
unchanged for longer gets a diff against nothing on its next change (its record has no ``before``)."""


class StateConfig(_Section):
    """How long the auditor remembers: node states, and each event's claim (its built records and
    the sinks that stored them).

    Example:
        >>> StateConfig().node_ttl_days, StateConfig(node_ttl_days=None).node_ttl_days
        (30.0, None)
    """

    node_ttl_days: float | None = Field(
        default=DEFAULT_NODE_TTL_DAYS, gt=0,
        description="how long a node's last state is kept after its last change (default 30 days); "
                    "null, set explicitly: forever (a memory:// store still bounds it by its size and default TTL)")
    dedup_ttl_days: float = Field(default=7.0, gt=0, description="must exceed EventBridge's 1-day retry horizon")


class ChatSummaryConfig(_Section):
    """Chat summaries for selected changes (``receivers`` are names under the top-level ``receivers:``)."""

    receivers: list[str] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=lambda: ["frozen", "owner-changed", "node-deleted",
                                                       "workspace-deleted"])
    workspaces: list[str] = Field(default_factory=list, description="empty: every workspace")
    lang: Literal["zh", "en"] = "zh"
    budget_s: float = Field(default=10.0, gt=0)


class AuditConfig(BaseModel):
    """The whole config file; ``receivers:`` is read by :mod:`openevent.notify` when a summary is configured."""

    model_config = ConfigDict(extra="forbid")

    sinks: SinksConfig = Field(default_factory=SinksConfig)
    get_node: GetNodeConfig = Field(default_factory=GetNodeConfig)
    retry: RetryConfig = Field(default_factory=RetryConfig)
    state: StateConfig = Field(default_factory=StateConfig)
    chat_summary: ChatSummaryConfig | None = None
    receivers: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _valid_receivers(self) -> AuditConfig:
        """The receivers are checked when the config loads (a ``file:`` URL, a bad kind), not when a summary is sent."""
        if self.receivers and self.chat_summary is not None and self.chat_summary.receivers:
            from pydantic import ValidationError

            from openevent.notify.receivers import NotifyConfig
            from openevent.runtime.config import format_validation_error

            try:
                NotifyConfig.model_validate({"receivers": self.receivers})
            except ValidationError as exc:  # named by key only: the input may hold a webhook token
                raise ValueError(format_validation_error(exc)) from None
        return self
