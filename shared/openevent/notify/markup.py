"""The markup dialects the channels speak, and the default layout of a message in each.

Dialects: ``plain`` (DingTalk/WeCom/Feishu text, e-mail text part), ``dingtalk_md``,
``wecom_md`` (WeCom's markdown subset with ``<font color>``), ``lark_md`` (Feishu cards),
``slack_mrkdwn`` (escapes ``& < >``) and ``html`` (e-mail). The layout is the same in all of
them: title line, body, fields as ``name: value`` lines, a "view details" link.

Example:
    >>> from openevent.notify.message import Message
    >>> m = Message(kind="test", title="hello", text="body", fields={"a": "1"}, lang="en")
    >>> print(render_body(m, "plain"))
    🔔 [INFO] hello
    <BLANKLINE>
    body
    <BLANKLINE>
    a: 1
"""

from __future__ import annotations

import html
from typing import Literal

from openevent.notify.labels import KIND_ICONS, SEVERITY_LABELS, VIEW_DETAILS, pick
from openevent.notify.message import Message

Dialect = Literal["plain", "dingtalk_md", "wecom_md", "lark_md", "slack_mrkdwn", "html"]

_WECOM_COLOR = {"info": "info", "warning": "warning", "error": "warning", "critical": "warning"}


def display_title(message: Message) -> str:
    """``🔔 [INFO] title`` / ``🔔 【信息】标题``: the one-line summary used as preview and subject."""
    sev = pick(SEVERITY_LABELS[message.severity], message.lang)
    badge = f"【{sev}】" if message.lang == "zh" else f"[{sev}] "
    return f"{KIND_ICONS[message.kind]} {badge}{message.title}"


def escape(text: str, dialect: Dialect) -> str:
    if dialect == "slack_mrkdwn":
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if dialect == "html":
        return html.escape(text)
    return text


def render_fields(message: Message, dialect: Dialect) -> str:
    """The ordered fields, one per line, in ``dialect``."""
    lines = []
    for name, value in message.fields:
        n, v = escape(name, dialect), escape(value, dialect)
        if dialect == "dingtalk_md":
            lines.append(f"- **{n}**: {v}")
        elif dialect == "lark_md":
            lines.append(f"**{n}**: {v}")
        elif dialect == "wecom_md":
            lines.append(f"> {n}: <font color=\"comment\">{v}</font>")
        elif dialect == "slack_mrkdwn":
            lines.append(f"*{n}:* {v}")
        elif dialect == "html":
            lines.append(f"<tr><th align=\"left\">{n}</th><td>{v}</td></tr>")
        else:
            lines.append(f"{n}: {v}")
    if dialect == "html" and lines:
        return "<table>" + "".join(lines) + "</table>"
    return "\n".join(lines)


def render_link(message: Message, dialect: Dialect) -> str:
    if not message.link:
        return ""
    label = pick(VIEW_DETAILS, message.lang)
    if dialect in ("dingtalk_md", "wecom_md", "lark_md"):
        return f"[{label}]({message.link})"
    if dialect == "slack_mrkdwn":
        return f"<{message.link}|{label}>"
    if dialect == "html":
        return f"<p><a href=\"{html.escape(message.link)}\">{label}</a></p>"
    return f"{label}: {message.link}"


def render_title(message: Message, dialect: Dialect) -> str:
    title = escape(display_title(message), dialect)
    if dialect in ("dingtalk_md", "wecom_md"):
        if dialect == "wecom_md":
            color = _WECOM_COLOR[message.severity]
            return f"### <font color=\"{color}\">{title}</font>"
        return f"### {title}"
    if dialect == "lark_md":
        return f"**{title}**"
    if dialect == "slack_mrkdwn":
        return f"*{title}*"
    if dialect == "html":
        return f"<h3>{title}</h3>"
    return title


def render_text(message: Message, dialect: Dialect) -> str:
    """The message body (without title) in ``dialect``."""
    if not message.text:
        return ""
    if dialect == "html":
        return "<p>" + html.escape(message.text).replace("\n", "<br>") + "</p>"
    if dialect == "slack_mrkdwn":
        return escape(message.text, dialect)
    return message.text


def render_body(message: Message, dialect: Dialect, *, with_title: bool = True,
                with_link: bool = True) -> str:
    """Title, text, fields and link of ``message`` laid out in ``dialect``.

    Channels that show the title or the link elsewhere (a card header, a button) leave them out.
    """
    parts = [render_title(message, dialect)] if with_title else []
    parts += [render_text(message, dialect), render_fields(message, dialect)]
    if with_link:
        parts.append(render_link(message, dialect))
    sep = "" if dialect == "html" else "\n\n"
    return sep.join(p for p in parts if p)
