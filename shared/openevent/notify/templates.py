"""Title and body of a message for one channel: readable defaults, optional user templates.

Defaults come from :mod:`openevent.notify.markup` (per channel dialect, per message kind, in
Chinese or English by ``message.lang``). A receiver may override the title and/or the body
with Jinja2 templates, rendered in a ``SandboxedEnvironment`` with ``StrictUndefined``; a
template that fails to compile or render falls back to the default and a warning names the
receiver and the error. Jinja2 is imported only when a user template is configured.

Template context: ``message`` (the message as a dict), ``kind``, ``kind_label``, ``title``,
``severity``, ``severity_label``, ``icon``, ``text``, ``fields`` (list of ``[name, value]``),
``field`` (dict), ``link``, ``mentions``, ``lang``, ``default_title`` and ``default_body``.

Example:
    >>> from openevent.notify.message import Message
    >>> m = Message(kind="test", title="hi", lang="en")
    >>> render(m, "plain").title
    '🔔 [INFO] hi'
    >>> render(m, "plain", TemplateOverride(title="{{ kind_label }}: {{ title }}")).title
    'Connectivity test: hi'
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from openevent.notify.labels import KIND_ICONS, KIND_LABELS, SEVERITY_LABELS, pick
from openevent.notify.markup import Dialect, display_title, render_body
from openevent.notify.message import Message


class TemplateOverride(BaseModel):
    """A receiver's ``template:`` block: Jinja2 sources for the title and/or the body."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str | None = None
    body: str | None = None


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    custom: bool = False


_lock = threading.Lock()
_env: Any = None
_compiled: dict[str, Any] = {}


def _template(source: str) -> Any:
    global _env
    with _lock:
        if _env is None:
            from jinja2 import StrictUndefined
            from jinja2.sandbox import SandboxedEnvironment

            _env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False,
                                        keep_trailing_newline=False)
        tpl = _compiled.get(source)
        if tpl is None:
            tpl = _env.from_string(source)
            if len(_compiled) < 256:
                _compiled[source] = tpl
        return tpl


def template_context(message: Message, default_title: str, default_body: str) -> dict[str, Any]:
    """The variables a user template can use."""
    return {
        "message": message.model_dump(),
        "kind": message.kind,
        "kind_label": pick(KIND_LABELS[message.kind], message.lang),
        "title": message.title,
        "severity": message.severity,
        "severity_label": pick(SEVERITY_LABELS[message.severity], message.lang),
        "icon": KIND_ICONS[message.kind],
        "text": message.text,
        "fields": [list(p) for p in message.fields],
        "field": dict(message.fields),
        "link": message.link,
        "mentions": message.mentions.model_dump(),
        "lang": message.lang,
        "default_title": default_title,
        "default_body": default_body,
    }


def _render_user(source: str, context: dict[str, Any], what: str, receiver: str) -> str | None:
    try:
        return str(_template(source).render(**context))
    except Exception as exc:  # any template problem: fall back, never lose the alert
        from openevent.runtime.logging import get_logger

        get_logger("openevent.notify").warning(
            "notify.template_failed", receiver=receiver, part=what,
            error=f"{type(exc).__name__}: {exc}", fallback="default")
        return None


def render(message: Message, dialect: Dialect, override: TemplateOverride | None = None, *,
           receiver: str = "", with_title: bool = True, with_link: bool = True) -> Rendered:
    """Title (plain text) and body (in ``dialect``) of ``message`` for one receiver.

    ``with_title`` / ``with_link`` leave those out of the default body for channels that
    show them elsewhere (card header, button); a user body template is used as written.
    """
    title = display_title(message)
    body = render_body(message, dialect, with_title=with_title, with_link=with_link)
    if override is None or (override.title is None and override.body is None):
        return Rendered(title, body)
    context = template_context(message, title, body)
    custom = False
    if override.title is not None:
        got = _render_user(override.title, context, "title", receiver)
        if got is not None and got.strip():
            title, custom = got.strip(), True
    if override.body is not None:
        got = _render_user(override.body, context, "body", receiver)
        if got is not None and got.strip():
            body, custom = got, True
    return Rendered(title, body, custom)
