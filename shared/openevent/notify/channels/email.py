"""E-mail over SMTP (``smtplib``): implicit TLS (465), STARTTLS or plain; text + HTML parts.

Presets for Alibaba Cloud DirectMail (邮件推送) fill host, port and security from the region
(:data:`SMTP_PRESETS`); DirectMail requires the login user to equal the sender address, so
``username`` defaults to ``from_addr``.

Classification: 2xx/3xx replies → ``sent``; authentication failure (535), refused sender or
recipients, 5xx replies and TLS certificate failures → ``permanent`` with the SMTP code;
4xx replies, timeouts and dropped connections → ``retry_after``.

Example:
    >>> SMTP_PRESETS["directmail-ap-southeast-1"]
    ('smtpdm-ap-southeast-1.aliyuncs.com', 465, 'ssl')
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Literal

from openevent.notify.channels.base import DEFAULT_TIMEOUT_S, Channel, Clock
from openevent.notify.markup import render_body
from openevent.notify.message import Message
from openevent.notify.outcome import Outcome
from openevent.notify.templates import TemplateOverride, render

Security = Literal["ssl", "starttls", "plain"]

# reference notify-channels.md §7: DirectMail regional SMTP endpoints (465 = SSL)
SMTP_PRESETS: dict[str, tuple[str, int, Security]] = {
    "directmail-cn-hangzhou": ("smtpdm.aliyun.com", 465, "ssl"),
    "directmail-ap-southeast-1": ("smtpdm-ap-southeast-1.aliyuncs.com", 465, "ssl"),
    "directmail-us-east-1": ("smtpdm-us-east-1.aliyuncs.com", 465, "ssl"),
    "directmail-eu-central-1": ("smtpdm-eu-central-1.aliyuncs.com", 465, "ssl"),
    "alimail": ("smtp.qiye.aliyun.com", 465, "ssl"),
}


class EmailChannel(Channel):
    kind = "email"

    def __init__(self, name: str, *, host: str, port: int, from_addr: str, to: Sequence[str],
                 security: Security = "ssl", username: str | None = None, password: str | None = None,
                 ca_file: str | None = None, verify_tls: bool = True,
                 template: TemplateOverride | None = None, clock: Clock | None = None) -> None:
        super().__init__(name, template=template, clock=clock)
        self.host, self.port, self.security = host, port, security
        self.from_addr, self.to = from_addr, list(to)
        self.username, self.password = username, password
        self.ca_file, self.verify_tls = ca_file, verify_tls

    def render(self, message: Message) -> EmailMessage:
        """The MIME message: subject = title, a text part and an HTML alternative."""
        r = render(message, "plain", self.template, receiver=self.name)
        mail = EmailMessage()
        mail["Subject"] = r.title
        mail["From"] = self.from_addr
        mail["To"] = ", ".join(self.to)
        mail["Date"] = formatdate(self.clock(), localtime=False)
        mail["Message-ID"] = make_msgid(domain=self.from_addr.rpartition("@")[2] or None)
        mail.set_content(r.body)
        if not r.custom:
            html_body = render_body(message, "html")
            mail.add_alternative(f"<html><body>{html_body}</body></html>", subtype="html")
        return mail

    def _tls_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=self.ca_file)
        if not self.verify_tls:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def _connect(self, timeout: float) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=timeout, context=self._tls_context())
        smtp = smtplib.SMTP(self.host, self.port, timeout=timeout)
        if self.security == "starttls":
            smtp.ehlo()
            smtp.starttls(context=self._tls_context())
            smtp.ehlo()
        return smtp

    def send(self, message: Message, *, timeout: float = DEFAULT_TIMEOUT_S) -> Outcome:
        mail = self.render(message)
        try:
            smtp = self._connect(max(0.1, timeout))
            try:
                if self.username:
                    smtp.login(self.username, self.password or "")
                refused = smtp.send_message(mail)
            finally:
                try:
                    smtp.quit()
                except (smtplib.SMTPException, OSError):
                    smtp.close()
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (550, b"recipients refused"))
            return _reply_outcome(code, text)
        except smtplib.SMTPResponseException as exc:  # auth, sender refused, data, other replies
            return _reply_outcome(exc.smtp_code, exc.smtp_error)
        except smtplib.SMTPNotSupportedError as exc:
            return Outcome.permanent(self.kind, code="not_supported", text=str(exc))
        except ssl.SSLCertVerificationError as exc:
            return Outcome.permanent(self.kind, code="tls_verify_failed", text=exc.verify_message or "")
        except ssl.SSLError as exc:
            return Outcome.permanent(self.kind, code="tls_error", text=exc.reason or type(exc).__name__)
        except smtplib.SMTPServerDisconnected as exc:
            return Outcome.retry(self.kind, code="disconnected", text=str(exc)[:200])
        except smtplib.SMTPException as exc:  # e.g. no suitable AUTH mechanism
            return Outcome.permanent(self.kind, code="smtp_error", text=str(exc)[:200])
        except TimeoutError:
            return Outcome.retry(self.kind, code="timeout", text=f"{self.host}:{self.port}")
        except OSError as exc:
            return Outcome.retry(self.kind, code="connection_error",
                                 text=f"{self.host}:{self.port}: {exc.strerror}")
        if refused:
            first = next(iter(refused.values()))
            refused_text = f"some recipients refused: {sorted(refused)}"
            return _reply_outcome(first[0], first[1]).with_(text=refused_text)
        return Outcome.sent(self.kind, code=250)


def _reply_outcome(code: int, text: bytes | str) -> Outcome:
    detail = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    if 400 <= code < 500:
        return Outcome.retry("email", code=code, text=detail)
    return Outcome.permanent("email", code=code, text=detail)
