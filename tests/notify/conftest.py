"""Fixtures for the notification channel tests: a fake clock, the fake chat vendors, SMTP servers."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from openevent.local.fake_chat import FakeChat
from openevent.notify.transport import HttpTransport
from openevent.runtime.logging import configure_logging

START = 1_700_000_000.0


@dataclass
class FakeClock:
    """Epoch clock shared by the channels (signing), the sender (deadlines) and the fakes (windows)."""

    now: float = START
    slept: list[float] = field(default_factory=list)

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def chat(clock: FakeClock) -> Iterator[FakeChat]:
    with FakeChat(clock=clock.time) as fake:
        yield fake


@pytest.fixture
def transport() -> Iterator[HttpTransport]:
    t = HttpTransport(connect_timeout=2.0, read_timeout=5.0)
    yield t
    t.close()


@pytest.fixture
def retry_opts(clock: FakeClock) -> dict[str, Any]:
    """Keyword arguments for send_with_retry/send_all that run on the fake clock."""
    return {"clock": clock.monotonic, "sleep": clock.sleep, "rng": lambda: 1.0}


@pytest.fixture
def json_logs(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    """structlog JSON lines go to stderr, captured by capsys."""
    configure_logging(stream="stderr", force=True)
    yield capsys


# -- SMTP ---------------------------------------------------------------------------------

@dataclass
class SmtpServer:
    host: str
    port: int
    messages: list[Any]
    ca_file: str
    user: str = "alerts@example.com"
    password: str = "smtp-pa55word-for-tests"


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _self_signed(tmp_path_factory.mktemp("tls"))


SMTP_USER = SmtpServer.user
SMTP_PASSWORD = SmtpServer.password


def _start_smtp(tls_files: tuple[Path, Path], *, implicit_tls: bool) -> Iterator[SmtpServer]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    cert, key = tls_files
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    messages: list[Any] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            messages.append(envelope)
            return "250 Message accepted for delivery"

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == SMTP_USER.encode()
              and auth_data.password == SMTP_PASSWORD.encode())
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535

    class PortZeroController(Controller):  # type: ignore[misc]
        def _trigger_server(self) -> None:
            self.port = self.server.sockets[0].getsockname()[1]
            super()._trigger_server()

    if implicit_tls:  # the whole session is TLS; aiosmtpd only counts STARTTLS as TLS for AUTH
        controller = PortZeroController(Handler(), hostname="127.0.0.1", port=0, ssl_context=server_ctx,
                                        authenticator=authenticator, auth_require_tls=False)
    else:
        controller = PortZeroController(Handler(), hostname="127.0.0.1", port=0, tls_context=server_ctx,
                                        require_starttls=True, authenticator=authenticator,
                                        auth_require_tls=True)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", controller.port, messages, str(cert))
    finally:
        controller.stop()


@pytest.fixture
def smtp_starttls(tls_files: tuple[Path, Path]) -> Iterator[SmtpServer]:
    yield from _start_smtp(tls_files, implicit_tls=False)


@pytest.fixture
def smtp_ssl(tls_files: tuple[Path, Path]) -> Iterator[SmtpServer]:
    yield from _start_smtp(tls_files, implicit_tls=True)
