"""E-mail over SMTP against a real local aiosmtpd server (STARTTLS and implicit TLS, AUTH LOGIN)."""

from __future__ import annotations

import socket
from email import message_from_bytes
from email.header import decode_header, make_header
from typing import Any

from openevent.notify.channels.email import EmailChannel
from openevent.notify.message import Message


def _message() -> Message:
    return Message(kind="instance_failure", title="任务 n1 失败", severity="error", text="实例失败",
                   fields={"项目": "p1"}, link="https://example.com/i/1")


def _channel(server: Any, security: Any, **kw: Any) -> EmailChannel:
    opts: dict[str, Any] = {"host": "localhost", "port": server.port, "security": security,
                            "from_addr": server.user, "to": ["oncall@example.com"], "username": server.user,
                            "password": server.password, "ca_file": server.ca_file}
    return EmailChannel("mail", **{**opts, **kw})


def test_starttls_with_login_delivers_a_text_and_html_message(smtp_starttls: Any) -> None:
    outcome = _channel(smtp_starttls, "starttls").send(_message())
    assert (outcome.status, outcome.code) == ("sent", 250)
    mail = message_from_bytes(smtp_starttls.messages[0].content)
    assert "任务 n1 失败" in str(make_header(decode_header(mail["Subject"])))
    assert [p.get_content_type() for p in mail.walk()][1:] == ["text/plain", "text/html"]


def test_implicit_tls_with_login_delivers(smtp_ssl: Any) -> None:
    outcome = _channel(smtp_ssl, "ssl").send(_message())
    assert outcome.ok
    assert smtp_ssl.messages[0].rcpt_tos == ["oncall@example.com"]


def test_a_wrong_password_is_permanent_with_the_smtp_code(smtp_starttls: Any) -> None:
    outcome = _channel(smtp_starttls, "starttls", password="wrong-password").send(_message())
    assert (outcome.status, outcome.code) == ("permanent", 535)
    assert smtp_starttls.messages == []


def test_an_untrusted_certificate_is_permanent(smtp_ssl: Any) -> None:
    outcome = _channel(smtp_ssl, "ssl", ca_file=None).send(_message())
    assert (outcome.status, outcome.code) == ("permanent", "tls_verify_failed")


def test_a_refused_connection_is_retry_after() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    channel = EmailChannel("mail", host="127.0.0.1", port=port, security="plain",
                           from_addr="alerts@example.com", to=["oncall@example.com"])
    outcome = channel.send(_message(), timeout=2)
    assert (outcome.status, outcome.code) == ("retry_after", "connection_error")
