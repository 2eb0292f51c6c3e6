"""The channel interface and the shared machinery of the HTTP webhook channels.

A :class:`Channel` has a ``name`` (the receiver's name), a ``kind`` and one method that
matters, :meth:`Channel.send`, which never raises for a delivery problem: it returns an
:class:`Outcome`. :class:`HttpChannel` splits that into steps each vendor module fills in:
``render`` (message → JSON payload within the vendor's limits), ``prepare`` (payload → exact
bytes and URL, signing with the injected clock) and ``classify`` (HTTP answer → outcome).

Example:
    >>> from openevent.notify.channels.slack import SlackChannel
    >>> ch = SlackChannel("ops", "http://127.0.0.1:9/services/T/B/X")
    >>> ch.kind, ch.name
    ('slack', 'ops')
"""

from __future__ import annotations

import json
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

from openevent.notify.message import Message
from openevent.notify.outcome import Outcome
from openevent.notify.templates import TemplateOverride
from openevent.notify.transport import (
    HttpRequest,
    HttpResponse,
    Transport,
    TransportError,
    default_transport,
)

Clock = Callable[[], float]  # epoch seconds, like time.time

DEFAULT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Payload:
    """A rendered vendor JSON document; ``truncated`` when content was cut to fit a limit."""

    body: dict[str, Any]
    truncated: bool = False


class Channel(ABC):
    """Something that can deliver a :class:`Message` and say what happened."""

    kind: ClassVar[str]

    def __init__(self, name: str, *, template: TemplateOverride | None = None,
                 clock: Clock | None = None) -> None:
        self.name = name
        self.template = template
        self.clock: Clock = clock or time.time

    @abstractmethod
    def send(self, message: Message, *, timeout: float = DEFAULT_TIMEOUT_S) -> Outcome:
        """Deliver once (no retries) and classify the answer; never raises for delivery problems."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class HttpChannel(Channel):
    """A channel that POSTs one JSON document to a webhook URL."""

    def __init__(self, name: str, url: str, *, transport: Transport | None = None,
                 template: TemplateOverride | None = None, clock: Clock | None = None) -> None:
        super().__init__(name, template=template, clock=clock)
        self.url = url
        self.transport = transport

    @abstractmethod
    def render(self, message: Message) -> Payload:
        """The vendor JSON payload for ``message`` (already within the vendor's size limits)."""

    def prepare(self, payload: dict[str, Any]) -> HttpRequest:
        """Exact request for ``payload``; vendors that sign override this."""
        return HttpRequest(self.url, dump_json(payload), {"Content-Type": "application/json; charset=utf-8"})

    @abstractmethod
    def classify(self, response: HttpResponse) -> Outcome:
        """Turn the vendor's answer into an outcome (HTTP 200 is not necessarily success)."""

    def send(self, message: Message, *, timeout: float = DEFAULT_TIMEOUT_S) -> Outcome:
        rendered = self.render(message)
        truncated = rendered.truncated
        request = self.prepare(rendered.body)
        transport = self.transport or default_transport()
        try:
            response = transport.post(request, timeout)
        except TransportError as exc:
            if exc.transient:
                return Outcome.retry(self.kind, code=exc.code, text=exc.detail).with_(truncated=truncated)
            return Outcome.permanent(self.kind, code=exc.code, text=exc.detail).with_(truncated=truncated)
        return self.classify(response).with_(truncated=truncated)


def dump_json(payload: Any) -> bytes:
    """The bytes every channel sends: compact UTF-8 JSON (Chinese not escaped, so sizes are honest)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def body_size(payload: Any) -> int:
    return len(dump_json(payload))


def retry_after_seconds(response: HttpResponse) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date), ``None`` when absent/invalid."""
    value = response.header("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²" passes isdigit() alone and float() refuses it
        seconds = float(value)
        return seconds if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def classify_http(kind: str, response: HttpResponse) -> Outcome | None:
    """The status-only part shared by all channels: 429/5xx/408 are transient. ``None`` = look at the body."""
    status = response.status
    if status == 429 or status == 408 or status >= 500:
        return Outcome.retry(kind, code=None, text=response.text.strip()[:200], http_status=status,
                             after=retry_after_seconds(response))
    return None


def classify_errcode(kind: str, response: HttpResponse, *, key: str, fallback_key: str | None,
                     message_keys: tuple[str, ...], retry_codes: dict[int, float | None]) -> Outcome:
    """Classify a JSON ``{key: 0|code, msg}`` answer as DingTalk, WeCom and Feishu send it.

    A missing or non-integer code, or a body that is not JSON, is never a success.
    """
    body = response.json()
    if not isinstance(body, dict):
        transient = classify_http(kind, response)
        if transient is not None:
            return transient
        return Outcome.permanent(kind, code="unparsable_response", text=response.text.strip()[:200],
                                 http_status=response.status)
    code = body.get(key)
    if code is None and fallback_key:
        code = body.get(fallback_key)
    text = next((str(body[k]) for k in message_keys if body.get(k) not in (None, "")), "")
    if not isinstance(code, int) or isinstance(code, bool):
        transient = classify_http(kind, response)
        if transient is not None:
            return transient
        return Outcome.permanent(kind, code="missing_code", text=text or response.text.strip()[:200],
                                 http_status=response.status)
    if code == 0 and 200 <= response.status < 300:
        return Outcome.sent(kind, code=0, text=text, http_status=response.status)
    if code in retry_codes:
        after = retry_codes[code]
        header_after = retry_after_seconds(response)
        return Outcome.retry(kind, code=code, text=text, http_status=response.status,
                             after=header_after if header_after is not None else after)
    transient = classify_http(kind, response)  # a vendor code on a 5xx/429 answer: still transient
    if transient is not None:
        return transient.with_(code=code, text=text or transient.text)
    return Outcome.permanent(kind, code=code, text=text, http_status=response.status)
