"""The forwarder's configuration: where DQ results go and which ones each destination wants.

A config file (``OPENEVENT_CONFIG``) has the notifier's ``receivers:`` (see
:mod:`openevent.notify.receivers`) and ``destinations:``, each a ``kind`` with its own
``filter``::

    receivers:
      oncall: {kind: dingtalk, url: "${DINGTALK_WEBHOOK_URL}", secret: "${DINGTALK_SECRET}"}
    destinations:
      chat:      {kind: chat, receivers: [oncall], lang: en,
                  filter: {results: [critical, exception, warning], tables: ["sales_dw.dwd_*"]}}
      dq-hook:   {kind: webhook, url: "${DQ_RESULT_WEBHOOK_URL}", secret: "${DQ_RESULT_WEBHOOK_SECRET}"}
      dashboard: {kind: sls, endpoint: "${DQ_SLS_ENDPOINT}", project: "${DQ_SLS_PROJECT}",
                  logstore: "${DQ_SLS_LOGSTORE}", topic: dq_result}
    link_template: "https://dqc-{region}.data.aliyun.com/…"   # optional, "" disables links
    dedup_ttl_s: 86400

Filters (every condition must hold; an empty list means "any"):

* ``results`` — result levels by name or code: ``skipped`` (-2), ``exception`` (-1),
  ``passed`` (0), ``warning`` (1), ``critical`` (2), and ``feedback`` for feedback events;
* ``tables`` — shell globs matched against the table name and ``project.table``;
* ``workspaces`` — workspace ids or names;
* ``strong_only`` — only strong (blocking) rules.

Default filters: a ``chat`` destination gets ``critical`` and ``exception`` results (add
``warning`` or ``feedback`` to its ``results``); ``webhook`` and ``sls`` get everything.
A destination whose required settings interpolated to nothing (its ``${VAR}`` is unset) is
**disabled**, as receivers are; the shipped ``functions/dq_result_forwarder/config.yaml`` uses
this so that it behaves exactly like the environment-only mode of :func:`config_from_env`.

Example:
    >>> cfg = QualityConfig.model_validate({
    ...     "receivers": {"ops": {"kind": "slack", "url": "https://hooks.slack.com/services/T/B/XYZ123"}},
    ...     "destinations": {"hook": {"kind": "webhook", "url": None}, "chat": {"kind": "chat"}}})
    >>> sorted(cfg.enabled_destinations()), cfg.destinations["chat"].filter.results
    (['chat'], ['critical', 'exception'])
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from openevent.notify.receivers import NotifyConfig, ReceiverConfig, WebhookReceiver, check_http_url, register_url
from openevent.quality.links import DEFAULT_LINK_TEMPLATE, check_template
from openevent.quality.result import FEEDBACK, RESULT_CODES, RESULT_NAMES, DqResult
from openevent.runtime.config import validate
from openevent.runtime.redact import MASK, is_secret_key, register_secret

DEFAULT_CHAT_RESULTS = ("critical", "exception")
DEFAULT_DEDUP_TTL_S = 7 * 86400
_LEVELS = (*RESULT_CODES, FEEDBACK)


class ResultFilter(BaseModel):
    """Which results a destination receives; see the module docstring."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    results: list[str] = Field(default_factory=list)
    tables: list[str] = Field(default_factory=list)
    workspaces: list[str] = Field(default_factory=list)
    strong_only: bool = False

    @field_validator("results", mode="before")
    @classmethod
    def _levels(cls, value: Any) -> Any:
        if isinstance(value, str):  # "critical,exception" (how ${DQ_CHAT_RESULTS} arrives)
            value = [v for v in value.split(",") if v.strip()]
        if isinstance(value, int):
            value = [value]
        if not isinstance(value, list):
            return value
        out = []
        for item in value:
            text = str(item).strip().lower()
            if text.isascii() and text.lstrip("-").isdigit() and int(text) in RESULT_NAMES:
                text = RESULT_NAMES[int(text)]
            if text not in _LEVELS:
                raise ValueError(f"unknown result level {item!r}; use {', '.join(_LEVELS)} or -2..2")
            out.append(text)
        return out

    @field_validator("tables", "workspaces", mode="before")
    @classmethod
    def _strings(cls, value: Any) -> Any:
        if isinstance(value, str | int):
            value = [value]
        return [str(v) for v in value] if isinstance(value, list) else value

    def reason_to_skip(self, result: DqResult) -> str | None:
        """Why ``result`` does not pass this filter, or ``None`` when it does.

        Example:
            >>> from openevent.events import parse, sample_event
            >>> from openevent.quality.result import normalise
            >>> r = normalise(parse(sample_event("dataworks:DqcCheck:DqcCheckFinishedEvent")))
            >>> ResultFilter(results=["critical"]).reason_to_skip(r)
            'result passed not in [critical]'
        """
        level = result.level
        if self.results and level not in self.results:
            return f"result {level} not in [{', '.join(self.results)}]"
        if self.tables and not self._table_matches(result):
            return f"table {result.table.qualified_name or '?'} matches none of [{', '.join(self.tables)}]"
        if self.workspaces and not ({str(result.workspace.id), str(result.workspace.name)} & set(self.workspaces)):
            return f"workspace {result.workspace.id} not in [{', '.join(self.workspaces)}]"
        if self.strong_only and not result.rule.strong:
            return "weak rule (strong_only)"
        return None

    def _table_matches(self, result: DqResult) -> bool:
        names = [n for n in (result.table.name, result.table.qualified_name) if n]
        return any(fnmatch.fnmatchcase(n.lower(), g.lower()) for n in names for g in self.tables)


class _Destination(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    filter: ResultFilter = Field(default_factory=ResultFilter)

    @property
    def enabled(self) -> bool:
        return True


class ChatDestination(_Destination):
    """Readable messages through notify receivers (``receivers``: names; empty = every chat receiver)."""

    kind: Literal["chat"]
    receivers: list[str] = Field(default_factory=list)
    lang: Literal["zh", "en"] = "zh"
    filter: ResultFilter = Field(default_factory=lambda: ResultFilter(results=list(DEFAULT_CHAT_RESULTS)))


class WebhookDestination(_Destination):
    """Every result as the normalised JSON document, HMAC-signed when ``secret`` is set."""

    kind: Literal["webhook"]
    url: str | None = None
    secret: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return self.url is not None

    @model_validator(mode="after")
    def _register_secrets(self) -> WebhookDestination:
        register_secret(self.secret)
        if self.url:
            register_url(self.url)
            check_http_url(self.url, "url")  # refused at load: never sent to a file: or gopher: URL
        for name, value in self.headers.items():
            if is_secret_key(name) or name.lower() == "authorization":
                register_secret(value)
                register_secret(value.split(" ", 1)[-1])
        return self

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for key, value in super().__repr_args__():
            yield key, (MASK if key in ("secret", "url", "headers") and value else value)


class SlsDestination(_Destination):
    """Every result as one log in an SLS logstore (credentials from the FC context or environment)."""

    kind: Literal["sls"]
    endpoint: str | None = None
    project: str | None = None
    logstore: str | None = None
    topic: str = "dq_result"
    source: str | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.endpoint and self.project and self.logstore)


DestinationConfig = Annotated[ChatDestination | WebhookDestination | SlsDestination, Field(discriminator="kind")]


class QualityConfig(NotifyConfig):
    """The whole ``dq_result_forwarder`` config (``receivers`` come from :class:`NotifyConfig`)."""

    destinations: dict[str, DestinationConfig] = Field(default_factory=dict)
    link_template: str | None = DEFAULT_LINK_TEMPLATE
    dedup_ttl_s: float = Field(default=DEFAULT_DEDUP_TTL_S, gt=0)
    remember_checks_s: float = Field(default=DEFAULT_DEDUP_TTL_S, ge=0)

    @field_validator("link_template")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        return check_template(value) if value else None

    @model_validator(mode="after")
    def _known_receivers(self) -> QualityConfig:
        for name, dest in self.destinations.items():
            if isinstance(dest, ChatDestination):
                unknown = [r for r in dest.receivers if r not in self.receivers]
                if unknown:
                    raise ValueError(f"destinations.{name}.receivers: unknown receiver(s) {', '.join(unknown)}")
        return self

    def enabled_destinations(self) -> dict[str, DestinationConfig]:
        """Destinations whose required settings are present (a chat destination needs an enabled receiver)."""
        return {name: d for name, d in self.destinations.items()
                if d.enabled and (not isinstance(d, ChatDestination) or self.chat_receivers(d))}

    def chat_receivers(self, dest: ChatDestination) -> dict[str, ReceiverConfig]:
        """The enabled receivers of a chat destination (all non-webhook receivers when it names none)."""
        names = dest.receivers or [n for n, r in self.receivers.items() if not isinstance(r, WebhookReceiver)]
        return {n: self.receivers[n] for n in names if self.receivers[n].enabled}


def config_from_env(env: Mapping[str, str] | None = None) -> QualityConfig:
    """The config of environment-only mode (no ``OPENEVENT_CONFIG``), equivalent to the shipped config.yaml.

    * ``DINGTALK_WEBHOOK_URL``, ``FEISHU_WEBHOOK_URL``, ``WECOM_WEBHOOK_URL``, ``SLACK_WEBHOOK_URL``,
      ``SMTP_HOST`` + ``SMTP_TO`` (and their companions, see :mod:`openevent.notify.env`) → a
      ``chat`` destination; ``DQ_CHAT_RESULTS`` (comma-separated levels) overrides its default
      ``critical,exception``; ``DQ_CHAT_LANG`` (zh | en) its language.
    * ``ALERT_WEBHOOK_URL`` (+ ``ALERT_WEBHOOK_SECRET``) → a ``webhook`` destination posting every
      normalised result.
    * ``DQ_SLS_ENDPOINT`` + ``DQ_SLS_PROJECT`` + ``DQ_SLS_LOGSTORE`` (+ ``DQ_SLS_TOPIC``) → an ``sls`` destination.
    * ``DQ_LINK_TEMPLATE`` → ``link_template`` (empty disables links).

    Example:
        >>> cfg = config_from_env({"ALERT_WEBHOOK_URL": "https://hooks.example.com/dq"})
        >>> sorted(cfg.enabled_destinations())
        ['webhook']
    """
    from openevent.notify.env import receivers_from_env

    environ = os.environ if env is None else env

    def get(name: str) -> str | None:
        value = environ.get(name, "").strip()
        return value or None

    chat = {n: r for n, r in receivers_from_env(environ).items() if not isinstance(r, WebhookReceiver)}
    destinations: dict[str, Any] = {}
    if chat:
        chat_filter: dict[str, Any] = {"results": (get("DQ_CHAT_RESULTS") or ",".join(DEFAULT_CHAT_RESULTS)).split(",")}
        destinations["chat"] = {"kind": "chat", "receivers": sorted(chat), "lang": get("DQ_CHAT_LANG") or "zh",
                                "filter": chat_filter}
    if get("ALERT_WEBHOOK_URL"):
        destinations["webhook"] = {"kind": "webhook", "url": get("ALERT_WEBHOOK_URL"),
                                   "secret": get("ALERT_WEBHOOK_SECRET")}
    if get("DQ_SLS_ENDPOINT") and get("DQ_SLS_PROJECT") and get("DQ_SLS_LOGSTORE"):
        destinations["sls"] = {"kind": "sls", "endpoint": get("DQ_SLS_ENDPOINT"), "project": get("DQ_SLS_PROJECT"),
                               "logstore": get("DQ_SLS_LOGSTORE"), "topic": get("DQ_SLS_TOPIC") or "dq_result"}
    raw: dict[str, Any] = {"receivers": {n: r.model_dump(by_alias=True, exclude_none=True) for n, r in chat.items()},
                           "destinations": destinations}
    if "DQ_LINK_TEMPLATE" in environ:
        raw["link_template"] = environ["DQ_LINK_TEMPLATE"].strip() or None
    return validate(QualityConfig, raw, source="environment")


def load_quality_config(path: str | os.PathLike[str] | None = None, *,
                        env: Mapping[str, str] | None = None) -> QualityConfig:
    """The config file at ``path`` or ``$OPENEVENT_CONFIG``; without either, :func:`config_from_env`.

    Example:
        >>> load_quality_config(env={"DQ_SLS_ENDPOINT": "cn-hangzhou.log.aliyuncs.com", "DQ_SLS_PROJECT": "dw",
        ...                          "DQ_SLS_LOGSTORE": "dq"}).destinations["sls"].topic
        'dq_result'
    """
    from openevent.runtime.config import CONFIG_ENV, load_config

    environ = os.environ if env is None else env
    if path or environ.get(CONFIG_ENV, "").strip():
        return load_config(QualityConfig, path, env=environ)
    return config_from_env(environ)
