"""Default templates per kind and language, user templates, and their fallback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from openevent.notify.markup import render_body
from openevent.notify.message import Message
from openevent.notify.templates import TemplateOverride, render

KINDS = ["guard_decision", "instance_failure", "instance_recovery", "digest", "audit_change", "dq_result", "test"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_chinese_and_an_english_default_title(kind: str) -> None:
    zh = render(Message(kind=kind, title="标题", severity="warning"), "plain").title
    en = render(Message(kind=kind, title="title", severity="warning", lang="en"), "plain").title
    assert "【警告】标题" in zh and "[WARNING] title" in en


def test_the_default_body_lists_fields_in_order_and_the_link() -> None:
    m = Message(kind="instance_failure", title="t", text="body", fields=[("b", "2"), ("a", "1")],
                link="https://example.com", lang="en")
    body = render_body(m, "dingtalk_md")
    assert body.index("**b**: 2") < body.index("**a**: 1")
    assert "[View details](https://example.com)" in body


def test_a_user_template_replaces_title_and_body() -> None:
    m = Message(kind="dq_result", title="rule r1", fields={"table": "t1"}, lang="en")
    r = render(m, "plain", TemplateOverride(title="DQ {{ title }}", body="table={{ field.table }}"))
    assert (r.title, r.body, r.custom) == ("DQ rule r1", "table=t1", True)


def test_a_failing_user_template_falls_back_to_the_default_and_logs_why(json_logs) -> None:
    m = Message(kind="dq_result", title="rule r1", lang="en")
    r = render(m, "plain", TemplateOverride(body="{{ no_such_variable }}"), receiver="team")
    assert r.body == render_body(m, "plain") and not r.custom
    line = json.loads(json_logs.readouterr().err.strip().splitlines()[-1])
    assert line["event"] == "notify.template_failed" and line["receiver"] == "team"
    assert "no_such_variable" in line["error"]


def test_a_template_cannot_escape_the_sandbox(json_logs) -> None:
    m = Message(kind="test", title="t", lang="en")
    r = render(m, "plain", TemplateOverride(body="{{ message.__class__.__mro__ }}"))
    assert not r.custom


def test_importing_and_sending_defaults_does_not_load_jinja2_or_requests() -> None:
    code = ("import sys; from openevent.notify import Message, build_channels, receivers_from_env; "
            "from openevent.notify.channels.dingtalk import DingTalkChannel; "
            "DingTalkChannel('x', 'http://127.0.0.1:9/robot/send?access_token=t').render("
            "Message(kind='test', title='t')); "
            "print([m for m in ('jinja2', 'requests') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
