"""Receivers as configured in a function's config, and the factory that turns them into channels.

A config file names its receivers under ``receivers:``; each is discriminated on ``kind``::

    receivers:
      oncall-dingtalk: {kind: dingtalk, url: "${DINGTALK_WEBHOOK_URL}", secret: "${DINGTALK_SECRET}",
                        keyword: "告警", msg_type: markdown}
      team-feishu:     {kind: feishu, url: "${FEISHU_WEBHOOK_URL}", secret: "${FEISHU_SECRET}"}
      dev-lark:        {kind: lark, token: "${LARK_TOKEN}"}
      ops-wecom:       {kind: wecom, url: "${WECOM_WEBHOOK_URL}", msg_type: text}
      intl-slack:      {kind: slack, url: "${SLACK_WEBHOOK_URL}"}
      siem:            {kind: webhook, url: "${ALERT_WEBHOOK_URL}", secret: "${ALERT_WEBHOOK_SECRET}",
                        format: alertmanager, headers: {Authorization: "Bearer ${SIEM_TOKEN}"}}
      mail:            {kind: email, preset: directmail-cn-hangzhou, from: alerts@example.com,
                        password: "${SMTP_PASSWORD}", to: [oncall@example.com]}

A receiver whose ``url`` (e-mail: ``host``/``to``) interpolated to nothing because its
environment variable is unset is **disabled**, not an error. A ``url`` that is not ``http://`` or
``https://`` (``file:``, ``gopher:``, ``ftp:``, a bare path) is refused when the config loads
(:func:`check_http_url`), never tried when sending. Secrets (``secret``,
``password``, the webhook URL and its token, secret-looking header values) are registered
for log redaction on validation and shown as ``***`` in ``repr``.

Example:
    >>> cfg = NotifyConfig.model_validate({"receivers": {
    ...     "a": {"kind": "slack", "url": "https://hooks.slack.com/services/T0/B0/XXXXSECRET"},
    ...     "b": {"kind": "dingtalk", "url": None}}, "other": 1})
    >>> sorted(enabled_receivers(cfg.receivers))
    ['a']
    >>> "XXXXSECRET" in repr(cfg.receivers["a"])
    False
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator

from openevent.errors import ConfigError
from openevent.notify.channels.base import Channel, Clock
from openevent.notify.templates import TemplateOverride
from openevent.notify.transport import Transport
from openevent.runtime.redact import MASK, is_secret_key, redact_text, register_secret

_SECRET_FIELDS = ("secret", "password")


class _Receiver(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    template: TemplateOverride | None = None

    @property
    def enabled(self) -> bool:
        return getattr(self, "url", None) is not None

    @model_validator(mode="after")
    def _register_secrets(self) -> _Receiver:
        for key in _SECRET_FIELDS:
            register_secret(getattr(self, key, None))
        url = getattr(self, "url", None)
        if isinstance(url, str):
            register_url(url)  # first: a refused URL is masked in the error's log line too
            check_http_url(url, "url")
        host = getattr(self, "host", None)
        if isinstance(host, str) and "://" in host and not isinstance(self, EmailReceiver):
            check_http_url(host, "host")
        token = getattr(self, "token", None)
        register_secret(token)
        for name, value in (getattr(self, "headers", None) or {}).items():
            if is_secret_key(name) or name.lower() in ("authorization", "proxy-authorization"):
                register_secret(value)
                register_secret(value.split(" ", 1)[-1])
        return self

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for key, value in super().__repr_args__():
            if key in (*_SECRET_FIELDS, "token") and value:
                yield key, MASK
            elif key == "url" and isinstance(value, str):
                yield key, redact_url(value)
            elif key == "headers" and value:
                yield key, {k: (MASK if is_secret_key(k) or k.lower() == "authorization" else v)
                            for k, v in value.items()}
            else:
                yield key, value


class DingTalkReceiver(_Receiver):
    kind: Literal["dingtalk"]
    url: str | None = None
    secret: str | None = None
    keyword: str | None = None
    msg_type: Literal["text", "markdown", "actionCard"] = "markdown"


class FeishuReceiver(_Receiver):
    """Feishu or Lark: give the full ``url``, or ``token`` (+ ``host``: feishu, lark or a base URL)."""

    kind: Literal["feishu", "lark"]
    url: str | None = None
    token: str | None = None
    host: str | None = None
    secret: str | None = None
    keyword: str | None = None
    msg_type: Literal["text", "post", "interactive"] = "interactive"

    @property
    def enabled(self) -> bool:
        return self.url is not None or self.token is not None


class WeComReceiver(_Receiver):
    kind: Literal["wecom"]
    url: str | None = None
    msg_type: Literal["text", "markdown"] = "markdown"


class SlackReceiver(_Receiver):
    kind: Literal["slack"]
    url: str | None = None
    msg_type: Literal["text", "blocks"] = "blocks"


class WebhookReceiver(_Receiver):
    kind: Literal["webhook"]
    url: str | None = None
    secret: str | None = None
    format: Literal["openevent", "alertmanager"] = "openevent"
    headers: dict[str, str] = Field(default_factory=dict)


class EmailReceiver(_Receiver):
    """SMTP; ``preset`` (DirectMail region or ``alimail``) fills host, port and security."""

    kind: Literal["email"]
    preset: str | None = None
    host: str | None = None
    port: int | None = None
    security: Literal["ssl", "starttls", "plain"] | None = None
    username: str | None = None
    password: str | None = None
    from_addr: str | None = Field(default=None, alias="from")
    to: list[str] | None = None
    ca_file: str | None = None
    verify_tls: bool = True

    @model_validator(mode="before")
    @classmethod
    def _split_to(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and isinstance(data.get("to"), str):
            data = {**data, "to": [a.strip() for a in data["to"].split(",") if a.strip()]}
        return data

    @model_validator(mode="after")
    def _check_preset(self) -> EmailReceiver:
        from openevent.notify.channels.email import SMTP_PRESETS

        if self.preset is not None and self.preset not in SMTP_PRESETS:
            raise ValueError(f"unknown preset {self.preset!r}; one of {', '.join(sorted(SMTP_PRESETS))}")
        return self

    @property
    def enabled(self) -> bool:
        has_server = self.host is not None or self.preset is not None
        return has_server and bool(self.to) and self.from_addr is not None


ReceiverConfig = Annotated[
    DingTalkReceiver | FeishuReceiver | WeComReceiver | SlackReceiver | WebhookReceiver | EmailReceiver,
    Field(discriminator="kind"),
]


class NotifyConfig(BaseModel):
    """The part of a function config this package reads; other top-level keys are ignored."""

    model_config = ConfigDict(extra="ignore")

    receivers: dict[str, ReceiverConfig] = Field(default_factory=dict)


def check_http_url(url: str, field: str = "url") -> str:
    """``url`` when it is an ``http://`` or ``https://`` URL with a host; else ``ValueError`` naming ``field``.

    Only those schemes are ever sent to: a ``file:``, ``ftp:`` or ``gopher:`` URL in a config is a
    mistake or an attack, and is refused when the config loads. The URL itself is not echoed (it may
    carry a token).

    Example:
        >>> check_http_url("https://oapi.dingtalk.com/robot/send?access_token=x")[:8]
        'https://'
        >>> check_http_url("file:///etc/passwd")
        Traceback (most recent call last):
        ...
        ValueError: url: only http:// and https:// URLs are accepted, not 'file:'
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        raise ValueError(f"{field}: not a URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = f"'{scheme}:'" if scheme else "a URL without a scheme"
        raise ValueError(f"{field}: only http:// and https:// URLs are accepted, not {shown}")
    if not host:
        raise ValueError(f"{field}: the URL has no host")
    return url


def register_url(url: str) -> None:
    """Register a webhook URL and the secret parts in it (query tokens, hook path tokens)."""
    register_secret(url)
    parts = urlsplit(url)
    for _key, value in parse_qsl(parts.query):
        register_secret(value)
    segments = [s for s in parts.path.split("/") if s]
    if "hook" in segments or "services" in segments:  # Feishu/Lark hook token, Slack T/B/X path
        for seg in segments[segments.index("hook" if "hook" in segments else "services") + 1:]:
            register_secret(seg)


def redact_url(url: str) -> str:
    """``scheme://host/path-prefix/***`` keeping only what identifies the vendor.

    Example:
        >>> redact_url("https://oapi.dingtalk.com/robot/send?access_token=abcdef123")
        'https://oapi.dingtalk.com/robot/send?***'
    """
    parts = urlsplit(url)
    path = parts.path
    for marker in ("/hook/", "/services/"):
        if marker in path:
            path = path.split(marker, 1)[0] + marker + MASK
    query = f"?{MASK}" if parts.query else ""
    return redact_text(f"{parts.scheme}://{parts.hostname or ''}{path}{query}")


def enabled_receivers(receivers: Mapping[str, ReceiverConfig]) -> dict[str, ReceiverConfig]:
    """The receivers whose required settings are present (unset env vars disable the others)."""
    return {name: r for name, r in receivers.items() if r.enabled}


def build_channel(name: str, receiver: ReceiverConfig, *, transport: Transport | None = None,
                  clock: Clock | None = None) -> Channel:
    """The channel for one enabled receiver.

    Example:
        >>> build_channel("x", SlackReceiver(kind="slack", url="https://hooks.slack.com/services/T/B/C"))
        SlackChannel(name='x')
    """
    if not receiver.enabled:
        raise ConfigError(f"receivers.{name}: disabled (its url or required settings are unset)")
    common: dict[str, Any] = {"template": receiver.template, "clock": clock}
    if isinstance(receiver, DingTalkReceiver):
        from openevent.notify.channels.dingtalk import DingTalkChannel

        assert receiver.url is not None
        return DingTalkChannel(name, receiver.url, secret=receiver.secret, keyword=receiver.keyword,
                               msg_type=receiver.msg_type, transport=transport, **common)
    if isinstance(receiver, FeishuReceiver):
        from openevent.notify.channels.feishu import FeishuChannel, hook_url

        url = receiver.url or hook_url(receiver.token or "", receiver.host or receiver.kind)
        return FeishuChannel(name, url, secret=receiver.secret, keyword=receiver.keyword,
                             msg_type=receiver.msg_type, transport=transport, **common)
    if isinstance(receiver, WeComReceiver):
        from openevent.notify.channels.wecom import WeComChannel

        assert receiver.url is not None
        return WeComChannel(name, receiver.url, msg_type=receiver.msg_type, transport=transport, **common)
    if isinstance(receiver, SlackReceiver):
        from openevent.notify.channels.slack import SlackChannel

        assert receiver.url is not None
        return SlackChannel(name, receiver.url, msg_type=receiver.msg_type, transport=transport, **common)
    if isinstance(receiver, WebhookReceiver):
        from openevent.notify.channels.webhook import WebhookChannel

        assert receiver.url is not None
        return WebhookChannel(name, receiver.url, secret=receiver.secret, format=receiver.format,
                              headers=receiver.headers, transport=transport, **common)
    return _email_channel(name, receiver, common)


def _email_channel(name: str, receiver: EmailReceiver, common: dict[str, Any]) -> Channel:
    from openevent.notify.channels.email import SMTP_PRESETS, EmailChannel

    host, port, security = SMTP_PRESETS.get(receiver.preset or "", (None, None, None))
    host = receiver.host or host
    security = receiver.security or security or "ssl"
    port = receiver.port or port or {"ssl": 465, "starttls": 587, "plain": 25}[security]
    assert host is not None and receiver.from_addr is not None and receiver.to
    return EmailChannel(name, host=host, port=port, security=security, from_addr=receiver.from_addr,
                        to=receiver.to,
                        username=receiver.username or (receiver.from_addr if receiver.password else None),
                        password=receiver.password, ca_file=receiver.ca_file,
                        verify_tls=receiver.verify_tls, **common)


def build_channels(receivers: Mapping[str, ReceiverConfig], *, transport: Transport | None = None,
                   clock: Clock | None = None) -> dict[str, Channel]:
    """Channels for every enabled receiver, by name (disabled ones are skipped)."""
    return {name: build_channel(name, r, transport=transport, clock=clock)
            for name, r in enabled_receivers(receivers).items()}
