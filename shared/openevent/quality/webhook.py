"""Posting the normalised result document to a generic webhook, through the notify webhook channel.

The notify :class:`~openevent.notify.channels.webhook.WebhookChannel` renders a *message*;
this destination posts the *result document* itself (``openevent.dq_result/v1``). It reuses
the channel for everything else: the exact request (``Content-Type``, configured headers and,
with a ``secret``, ``X-Openevent-Signature: t=<ts>,v1=<hmac>`` plus ``X-Hub-Signature-256``,
computed anew for every attempt), the classification of the answer (2xx sent; 408, 429 and
5xx transient, ``Retry-After`` honoured up to the caller's ``max_wait_s``; anything else
permanent) and :func:`~openevent.notify.sender.send_with_retry` — the one retry loop — for
retries within the invocation's budget.

Example:
    >>> hook = DocumentWebhook("dq", "http://127.0.0.1:9/hooks/dq", secret="whsecret-1")
    >>> req = hook.request({"schema": "openevent.dq_result/v1"})
    >>> sorted(k for k in req.headers if k.startswith("X-"))
    ['X-Hub-Signature-256', 'X-Openevent-Signature']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openevent.notify.channels.base import DEFAULT_TIMEOUT_S, Clock
from openevent.notify.channels.webhook import WebhookChannel
from openevent.notify.message import Message
from openevent.notify.outcome import Outcome
from openevent.notify.sender import send_with_retry
from openevent.notify.transport import HttpRequest, Transport, TransportError, default_transport

_PLACEHOLDER = Message(kind="dq_result", title="dq_result document")


class DocumentWebhook:
    """A webhook that receives JSON documents (signed like the notify webhook channel)."""

    kind = "webhook"

    def __init__(self, name: str, url: str, *, secret: str | None = None, headers: Mapping[str, str] | None = None,
                 transport: Transport | None = None, clock: Clock | None = None) -> None:
        self.name = name
        self._channel = WebhookChannel(name, url, secret=secret, headers=headers, transport=transport, clock=clock)

    def request(self, document: Mapping[str, Any]) -> HttpRequest:
        """The exact request for ``document`` (signed now)."""
        return self._channel.prepare(dict(document))

    def post(self, document: Mapping[str, Any], *, timeout: float = DEFAULT_TIMEOUT_S) -> Outcome:
        """Post once and classify the answer; never raises for delivery problems."""
        request = self.request(document)
        transport = self._channel.transport or default_transport()
        try:
            response = transport.post(request, timeout)
        except TransportError as exc:
            if exc.transient:
                return Outcome.retry(self.kind, code=exc.code, text=exc.detail)
            return Outcome.permanent(self.kind, code=exc.code, text=exc.detail)
        return self._channel.classify(response)

    def deliver(self, document: Mapping[str, Any], *, budget_s: float | None = None, **retry: Any) -> Outcome:
        """Post with retries of transient failures inside ``budget_s`` (default: the current budget).

        ``retry`` are :func:`~openevent.notify.sender.send_with_retry`'s options (``max_wait_s``, …).
        """
        return send_with_retry(_Bound(self, document), _PLACEHOLDER, budget_s=budget_s, **retry)


class _Bound:
    """Adapts one document to the ``send(message)`` shape the shared retry loop drives."""

    kind = DocumentWebhook.kind

    def __init__(self, hook: DocumentWebhook, document: Mapping[str, Any]) -> None:
        self.name = hook.name
        self._hook = hook
        self._document = document

    def send(self, message: Message, *, timeout: float = DEFAULT_TIMEOUT_S) -> Outcome:
        return self._hook.post(self._document, timeout=timeout)
