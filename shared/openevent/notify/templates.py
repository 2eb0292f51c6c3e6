"""Title and body of a message for one channel: readable defaults, optional user templates.

Defaults come from :mod:`openevent.notify.markup` (per channel dialect, per message kind, in
Chinese or English by ``message.lang``). A receiver may override the title and/or the body
with Jinja2 templates, rendered in a ``SandboxedEnvironment`` with ``StrictUndefined``; a
template that fails to compile or render falls back to the default and a warning names the
receiver and the error. Jinja2 is imported only when a user template is configured.

Template context: ``message`` (the message as a dict), ``kind``, ``kind_label``, ``title``,
``severity``, ``severity_label``, ``icon``, ``text``, ``fields`` (list of ``[name, value]``),
``field`` (dict), ``link``, ``mentions``, ``lang``, ``default_title`` and ``default_body``.

Bounds: a template source is at most :data:`MAX_TEMPLATE_CHARS` (refused when the config loads), a
rendering at most :data:`MAX_RENDERED_CHARS` (a longer one falls back to the default), and no value
it builds may be longer either: the sandbox refuses ``*``, ``**``, ``+`` and ``~`` whose result
would be huge (``{{ "x" * 10**9 }}``, strings doubled in a loop) and padding wider than that
(``center``, ``ljust``, ``zfill``, format widths); the ``center``/``indent``/``wordwrap``/``format``
filters are not available. A template can neither reach ``_`` attributes (the sandbox) nor exhaust
the function's memory. (A template that loops for long without output is not bounded in time: it
is the config author's, and the FC timeout ends it.)

Example:
    >>> from openevent.notify.message import Message
    >>> m = Message(kind="test", title="hi", lang="en")
    >>> render(m, "plain").title
    '🔔 [INFO] hi'
    >>> render(m, "plain", TemplateOverride(title="{{ kind_label }}: {{ title }}")).title
    'Connectivity test: hi'
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from openevent.notify.labels import KIND_ICONS, KIND_LABELS, SEVERITY_LABELS, pick
from openevent.notify.markup import Dialect, display_title, render_body
from openevent.notify.message import Message

MAX_TEMPLATE_CHARS = 16 * 1024
"""The longest template source a config may hold (title or body)."""
MAX_RENDERED_CHARS = 64 * 1024
"""The longest text a template may render; past it the default title/body is used."""
_MAX_REPEAT = MAX_RENDERED_CHARS


class TemplateOverride(BaseModel):
    """A receiver's ``template:`` block: Jinja2 sources for the title and/or the body."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str | None = Field(default=None, max_length=MAX_TEMPLATE_CHARS)
    body: str | None = Field(default=None, max_length=MAX_TEMPLATE_CHARS)


class TemplateTooLargeError(Exception):
    """A template rendered (or was about to render) more than :data:`MAX_RENDERED_CHARS`."""


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    custom: bool = False


_lock = threading.Lock()
_env: Any = None
_compiled: dict[str, Any] = {}


_PADDING_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
_FORMAT_WIDTH = re.compile(r"\d{6,}")


def _sized(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple) else len(str(value))


def _bounded_env() -> Any:
    from jinja2 import StrictUndefined
    from jinja2.compiler import CodeGenerator
    from jinja2.sandbox import SandboxedEnvironment

    class BoundedCodeGenerator(CodeGenerator):
        """``a ~ b`` compiled to the environment's bounded join (Jinja's own is not interceptable)."""

        def visit_Concat(self, node: Any, frame: Any) -> None:
            self.write("environment.bounded_join((")
            for arg in node.nodes:
                self.visit(arg, frame)
                self.write(", ")
            self.write("))")

    class BoundedSandbox(SandboxedEnvironment):
        """The sandbox, where no operation may build a value longer than a rendering may be."""

        intercepted_binops = frozenset({"*", "**", "+"})
        code_generator_class = BoundedCodeGenerator

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            if operator == "*":
                for seq, count in ((left, right), (right, left)):
                    if isinstance(seq, str | bytes | list | tuple) and isinstance(count, int) \
                            and len(seq) * count > _MAX_REPEAT:
                        raise TemplateTooLargeError(f"a repetition of {len(seq) * count} items")
            elif operator == "+" and isinstance(left, str | bytes | list | tuple) \
                    and isinstance(right, str | bytes | list | tuple) and len(left) + len(right) > _MAX_REPEAT:
                raise TemplateTooLargeError("a concatenation too long")
            elif operator == "**" and isinstance(left, int | float) and isinstance(right, int | float) \
                    and abs(right) > 64 and abs(left) > 1:
                raise TemplateTooLargeError("a power too large to compute")
            return super().call_binop(context, operator, left, right)

        def bounded_join(self, parts: Any) -> str:
            texts = [str(p) for p in parts]
            if sum(len(t) for t in texts) > _MAX_REPEAT:
                raise TemplateTooLargeError("a concatenation too long")
            return "".join(texts)

        def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
            name = getattr(__obj, "__name__", "")
            owner = getattr(__obj, "__self__", None)
            if isinstance(owner, str):
                if name in _PADDING_METHODS and any(isinstance(a, int) and a > _MAX_REPEAT
                                                    for a in (*args, *kwargs.values())):
                    raise TemplateTooLargeError(f"{name}() wider than {_MAX_REPEAT}")
                if name in ("format", "format_map") and _FORMAT_WIDTH.search(owner):
                    raise TemplateTooLargeError("a format width too large")
            return super().call(__context, __obj, *args, **kwargs)

        def wrap_str_format(self, value: Any) -> Any:
            """``"…".format`` / ``format_map`` as the sandbox hands them out (Jinja 3.1.5+): no huge widths."""
            owner = getattr(value, "__self__", None)
            if isinstance(owner, str) and getattr(value, "__name__", "") in ("format", "format_map") \
                    and _FORMAT_WIDTH.search(owner):
                def refused(*_args: Any, **_kwargs: Any) -> str:
                    raise TemplateTooLargeError("a format width too large")

                return refused
            return getattr(super(), "wrap_str_format", lambda _value: None)(value)

    env = BoundedSandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    for name in ("center", "indent", "wordwrap", "format"):
        env.filters.pop(name, None)
    return env


def _template(source: str) -> Any:
    global _env
    with _lock:
        if _env is None:
            _env = _bounded_env()
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
        if len(source) > MAX_TEMPLATE_CHARS:
            raise TemplateTooLargeError(f"the template is {len(source)} characters (at most {MAX_TEMPLATE_CHARS})")
        parts: list[str] = []
        size = 0
        for chunk in _template(source).generate(**context):  # streamed: stop as soon as it is too long
            size += len(chunk)
            if size > MAX_RENDERED_CHARS:
                raise TemplateTooLargeError(f"the rendering exceeds {MAX_RENDERED_CHARS} characters")
            parts.append(chunk)
        return "".join(parts)
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
