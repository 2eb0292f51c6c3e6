"""Generic JSON webhook: a documented payload (or Alertmanager's v4 shape), optional HMAC signing.

Payload ``format: openevent`` (default)::

    {"version": "1", "source": "openevent", "receiver": "<name>", "kind": "instance_failure",
     "title": "…", "severity": "error", "text": "…", "markdown": false,
     "fields": [{"name": "project", "value": "p1"}, …], "link": "https://…" | null,
     "mentions": {"mobiles": […], "user_ids": […], "at_all": false}, "lang": "zh",
     "sent_at": "2026-11-28T07:35:00Z"}

``format: alertmanager`` sends Alertmanager's webhook v4 document (one alert; ``status``
``resolved`` for ``instance_recovery``, else ``firing``; fields become labels), so receivers
written for Alertmanager (prometheus-webhook-dingtalk, PrometheusAlert…) work unchanged.

With a ``secret`` every request carries ``X-Openevent-Signature: t=<unix s>,v1=<hex>``
(HMAC-SHA256 of ``"<t>." + body``; reject if ``t`` is more than 5 minutes off) and
``X-Hub-Signature-256: sha256=<hex>`` (HMAC-SHA256 of the body), over the exact bytes sent.
Any 2xx is success; 408, 429 (``Retry-After`` honoured) and 5xx are transient; other statuses
permanent.

Example:
    >>> from openevent.notify.message import Message
    >>> ch = WebhookChannel("hook", "http://127.0.0.1:9/x", format="alertmanager")
    >>> ch.render(Message(kind="instance_recovery", title="ok")).body["status"]
    'resolved'
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Literal

from openevent.notify.channels.base import Clock, HttpChannel, Payload, classify_http, dump_json
from openevent.notify.markup import display_title
from openevent.notify.message import Message
from openevent.notify.outcome import Outcome
from openevent.notify.signing import webhook_signature_headers
from openevent.notify.templates import TemplateOverride, render
from openevent.notify.transport import HttpRequest, HttpResponse, Transport

WebhookFormat = Literal["openevent", "alertmanager"]
ZERO_TIME = "0001-01-01T00:00:00Z"


class WebhookChannel(HttpChannel):
    kind = "webhook"

    def __init__(self, name: str, url: str, *, secret: str | None = None, format: WebhookFormat = "openevent",
                 headers: Mapping[str, str] | None = None, transport: Transport | None = None,
                 template: TemplateOverride | None = None, clock: Clock | None = None) -> None:
        super().__init__(name, url, transport=transport, template=template, clock=clock)
        self.secret = secret
        self.format: WebhookFormat = format
        self.headers = dict(headers or {})

    def _now_iso(self) -> str:
        return datetime.fromtimestamp(self.clock(), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def render(self, message: Message) -> Payload:
        text = message.text
        title = message.title
        if self.template is not None:  # a user template replaces title/text of the document
            r = render(message, "plain", self.template, receiver=self.name)
            if r.custom:
                title, text = r.title, r.body
        if self.format == "alertmanager":
            return Payload(self._alertmanager(message, title, text))
        return Payload({
            "version": "1", "source": "openevent", "receiver": self.name, "kind": message.kind,
            "title": title, "severity": message.severity, "text": text, "markdown": message.markdown,
            "fields": [{"name": n, "value": v} for n, v in message.fields], "link": message.link,
            "mentions": message.mentions.model_dump(), "lang": message.lang, "sent_at": self._now_iso(),
        })

    def _alertmanager(self, message: Message, title: str, text: str) -> dict[str, Any]:
        status = "resolved" if message.kind == "instance_recovery" else "firing"
        labels: dict[str, str] = {"alertname": message.kind, "severity": message.severity}
        for name, value in message.fields:
            labels.setdefault(name, value)
        annotations = {"summary": title or display_title(message), "description": text}
        fingerprint = hashlib.sha256(repr(sorted(labels.items())).encode()).hexdigest()[:16]
        now = self._now_iso()
        alert = {"status": status, "labels": labels, "annotations": annotations,
                 "startsAt": now, "endsAt": now if status == "resolved" else ZERO_TIME,
                 "generatorURL": message.link or "", "fingerprint": fingerprint}
        return {"version": "4", "groupKey": f'{{}}:{{alertname="{message.kind}"}}', "truncatedAlerts": 0,
                "status": status, "receiver": self.name, "groupLabels": {"alertname": message.kind},
                "commonLabels": labels, "commonAnnotations": annotations,
                "externalURL": message.link or "", "alerts": [alert]}

    def prepare(self, payload: dict[str, Any]) -> HttpRequest:
        body = dump_json(payload)
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "openevent-notify/1",
                   **self.headers}
        if self.secret:
            headers.update(webhook_signature_headers(self.secret, body, int(self.clock())))
        return HttpRequest(self.url, body, headers)

    def classify(self, response: HttpResponse) -> Outcome:
        if 200 <= response.status < 300:
            return Outcome.sent(self.kind, http_status=response.status)
        transient = classify_http(self.kind, response)
        if transient is not None:
            return transient
        return Outcome.permanent(self.kind, text=response.text.strip()[:200], http_status=response.status)
