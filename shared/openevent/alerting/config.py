"""The notifier's configuration: what alerts, where it goes, how noise is kept down.

One YAML/JSON document (``OPENEVENT_CONFIG``; ``${ENV}`` interpolated by
:func:`openevent.runtime.config.load_config`)::

    lang: zh                           # zh | en
    receivers: {...}                   # as openevent.notify.NotifyConfig; unset ${URL} = disabled
    select:
      instance_dag_types: [0]          # 0 scheduled; add 1 manual, 2 smoke test, 3 backfill
      recovery: true                   # SUCCESS after an alerted FAILURE
      workflow_dag_types: [3, 4, 5]    # DAG failures of backfills and manual workflows
      monitor_alerts: true
      include: {workspaces: [10001]}   # optional: an alert must match this …
      exclude: [{nodes: ["tmp_*"]}]    # … and none of these
    routes:                            # ordered; first match wins unless `continue: true`
      - {match: {priorities: [7, 8]}, receivers: [oncall-phone], continue: true}
      - {match: {workspaces: [10001]}, receivers: [sales-dingtalk]}
    default_receivers: ["*"]           # when no route matched; "*" = every enabled receiver
    owners: {"1900000001": {name: 张三, mobile: "13800001111", user_id: "zhangsan"}}
    noise: {repeat_window_s: 1800, max_per_instance_per_day: 3}
    quiet_hours: {start: "22:00", end: "08:00", utc_offset: "+08:00", bypass: {priorities: [8]}}
    digest: {window_s: 60}
    enrichment: {enabled: true, log_lines: 20, log_max_bytes: 1500}
    links: {console: "https://dataworks.data.aliyun.com"}

Example:
    >>> cfg = NotifierConfig.model_validate({"receivers": {"a": {"kind": "slack", "url": None}},
    ...                                      "routes": [{"match": {"nodes": ["ods_*"]},
    ...                                                  "receivers": ["a"], "continue": True}]})
    >>> cfg.routes[0].continue_, cfg.noise.max_per_instance_per_day, cfg.select.instance_dag_types
    (True, 3, [0])
"""

from __future__ import annotations

import re
from datetime import timedelta, timezone
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from openevent.notify.receivers import ReceiverConfig, check_http_url

AlertKind = Literal["instance_failure", "instance_recovery", "workflow_failure", "workflow_recovery",
                    "monitor_alert"]
ALL_RECEIVERS = "*"
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Match(_Model):
    """Matchers: every given field must match (AND); within a field any value may (OR).

    ``nodes`` and ``baselines`` are globs matched against the name and the id; ``owners``
    against the owner's UID and their name in ``owners:``; ``statuses`` against
    ``FAILURE``/``SUCCESS``/a baseline status/a remind type.
    """

    workspaces: list[str] | None = None
    nodes: list[str] | None = None
    owners: list[str] | None = None
    priorities: list[int] | None = None
    baselines: list[str] | None = None
    statuses: list[str] | None = None
    alarm_types: list[str] | None = None
    kinds: list[AlertKind] | None = None
    dag_types: list[int] | None = None

    @field_validator("workspaces", "nodes", "owners", "baselines", "statuses", "alarm_types", mode="before")
    @classmethod
    def _strings(cls, value: object) -> object:
        if isinstance(value, str | int):
            value = [value]
        if isinstance(value, list):
            return [str(v) for v in value]
        return value


class Route(_Model):
    """One route: alerts matching ``match`` go to ``receivers``; ``continue`` falls through to the next."""

    name: str | None = None
    match: Match = Field(default_factory=Match)
    receivers: list[str]
    continue_: bool = Field(default=False, alias="continue")
    mention_owner: bool = True


class Owner(_Model):
    """How to @ a DataWorks user (by UID) in chat: phone number and/or the chat vendor's user id."""

    name: str | None = None
    mobile: str | None = None
    user_id: str | None = None


class SelectConfig(_Model):
    """Which events alert, before any enrichment (``include``/``exclude`` are applied after it)."""

    instance_dag_types: list[int] = Field(default_factory=lambda: [0])
    recovery: bool = True
    workflow_dag_types: list[int] = Field(default_factory=lambda: [3, 4, 5])
    workflow_recovery: bool = False
    monitor_alerts: bool = True
    monitor_alarm_types: list[str] | None = None
    include: Match | None = None
    exclude: list[Match] = Field(default_factory=list)


class RateLimit(_Model):
    limit: int = Field(ge=1)
    window_s: float = Field(gt=0)


class NoiseConfig(_Model):
    """Deduplication and repeat limits (DataWorks' ``AlertInterval`` / ``MaxAlertTimes`` equivalents)."""

    event_ttl_s: float = Field(default=86400.0, gt=0)
    """How long a delivered event's id is remembered (redeliveries within it are skipped)."""
    in_progress_s: float = Field(default=120.0, gt=0)
    """Accepted for old configs and no longer used: an event's in-progress claim now expires at
    the claiming invocation's deadline (its start plus the FC timeout)."""
    repeat_window_s: float = Field(default=1800.0, gt=0)
    max_per_instance_per_day: int = Field(default=3, ge=1)
    recovery_memory_s: float = Field(default=7 * 86400.0, gt=0)
    rate_limits: dict[str, list[RateLimit]] = Field(default_factory=dict)
    digest_reserve: float = Field(default=0.25, ge=0, lt=1)


class QuietHours(_Model):
    """Hold non-critical alerts between ``start`` and ``end`` (local time at ``utc_offset``); a digest follows."""

    start: str
    end: str
    utc_offset: str = "+08:00"
    bypass: Match = Field(default_factory=lambda: Match(priorities=[7, 8]))

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError(f"expected HH:MM, got {value!r}")
        return value

    @field_validator("utc_offset")
    @classmethod
    def _offset(cls, value: str) -> str:
        if not _OFFSET.match(value):
            raise ValueError(f"expected ±HH:MM, got {value!r}")
        return value

    def minutes(self, which: Literal["start", "end"]) -> int:
        hh, mm = (getattr(self, which)).split(":")
        return int(hh) * 60 + int(mm)

    @property
    def tz(self) -> timezone:
        m = _OFFSET.match(self.utc_offset)
        assert m is not None
        delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
        return timezone(-delta if m.group(1) == "-" else delta)


class DigestConfig(_Model):
    """Collapsed alerts wait ``window_s`` (from the first one) before their digest is sent. A flush lists
    at most ``max_items`` alerts of a receiver's lane and counts the rest per workspace and kind, so the
    backlog stays bounded while alerts outrun the receiver (``null``: list every alert)."""

    window_s: float = Field(default=60.0, gt=0)
    list_ttl_s: float = Field(default=7 * 86400.0, gt=0)
    max_items: int | None = Field(default=1000, ge=1)


class EnrichmentConfig(_Model):
    """The OpenAPI calls that complete an alert; together they take at most ``budget_share`` of the time
    the invocation has left for ordinary work, so a hung DataWorks never keeps the alert from being sent."""

    enabled: bool = True
    budget_share: float = Field(default=0.5, gt=0, le=1)
    log: bool = True
    log_lines: int = Field(default=20, ge=1)
    log_error_lines: int = Field(default=5, ge=0)
    log_max_bytes: int = Field(default=1500, ge=100)
    project_env: Literal["PROD", "DEV"] = "PROD"


class LinkConfig(_Model):
    """Operation Center links. ``instance`` is a template with ``{console}``, ``{region}``,
    ``{workspace_id}``, ``{instance_id}``, ``{node_id}``, ``{dag_id}``."""

    console: str = "https://dataworks.data.aliyun.com"
    region: str | None = None
    instance: str = "{console}/{region}/sc?defaultProjectId={workspace_id}#/runningInstance?taskId={instance_id}"
    workspace: str = "{console}/{region}/sc?defaultProjectId={workspace_id}"

    @field_validator("console")
    @classmethod
    def _http_console(cls, value: str) -> str:
        return check_http_url(value, "console")  # links in alerts are http(s) only


class SendConfig(_Model):
    """Sending one message: attempts, per-attempt timeout, and how long it may take at most.

    The time always comes from the invocation's budget (its FC timeout less the reserve):
    ``budget_s`` only caps one message's share of it. A vendor asking to wait longer than
    ``max_wait_s`` (throttling) is not waited out inside the handler: the alert goes into the
    next digest instead.
    """

    max_attempts: int = Field(default=2, ge=1)
    timeout_s: float = Field(default=5.0, gt=0)
    budget_s: float = Field(default=15.0, gt=0)
    max_wait_s: float = Field(default=2.0, ge=0)


class NotifierConfig(BaseModel):
    """The whole config of ``instance_status_notifier``."""

    model_config = ConfigDict(extra="forbid")

    lang: Literal["zh", "en"] = "zh"
    receivers: dict[str, ReceiverConfig] = Field(default_factory=dict)
    select: SelectConfig = Field(default_factory=SelectConfig)
    routes: list[Route] = Field(default_factory=list)
    default_receivers: list[str] = Field(default_factory=lambda: [ALL_RECEIVERS])
    owners: dict[str, Owner] = Field(default_factory=dict)
    noise: NoiseConfig = Field(default_factory=NoiseConfig)
    quiet_hours: QuietHours | None = None
    digest: DigestConfig = Field(default_factory=DigestConfig)
    enrichment: EnrichmentConfig = Field(default_factory=EnrichmentConfig)
    links: LinkConfig = Field(default_factory=LinkConfig)
    send: SendConfig = Field(default_factory=SendConfig)

    @model_validator(mode="after")
    def _known_receivers(self) -> NotifierConfig:
        names = set(self.receivers) | {ALL_RECEIVERS}
        used = [(f"routes[{i}].receivers", r) for i, route in enumerate(self.routes) for r in route.receivers]
        used += [("default_receivers", r) for r in self.default_receivers]
        for where, name in used:
            if name not in names:
                raise ValueError(f"{where}: unknown receiver {name!r} (not under receivers:)")
        return self
