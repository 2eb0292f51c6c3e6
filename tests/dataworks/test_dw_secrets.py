"""No AccessKey secret, STS token or signature reaches a log line or an error message."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Callable, Iterator
from urllib.parse import quote

import pytest

from openevent.dataworks.client import DataWorksClient
from openevent.dataworks.errors import DataWorksApiError
from openevent.local.fake_dataworks import DEFAULT_EXTENSION_CODE, FakeDataWorks
from openevent.runtime.credentials import Credentials
from openevent.runtime.logging import configure_logging

ClientFactory = Callable[..., DataWorksClient]
PARAMS = {"ExtensionCode": DEFAULT_EXTENSION_CODE, "MessageId": "m-1", "CheckResult": "OK"}
SIGNATURE_VALUE = re.compile(r"Signature=(?!\*\*\*)[A-Za-z0-9%+/=]{8,}")


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    configure_logging(stream="stderr", level="debug", force=True)
    caplog.set_level(logging.DEBUG, logger="aliyunsdkcore")
    yield caplog
    configure_logging(force=True)


def _exercise(fake: FakeDataWorks, make_client: ClientFactory, sts: Credentials) -> list[str]:
    """Success, retries, a signature failure, a bad token and an unreachable endpoint; the error texts."""
    errors: list[str] = []
    fake.fail_next(1, "unavailable")
    make_client(sts).call("CallbackExtension", PARAMS)
    for creds in (Credentials(sts.access_key_id, "wrong-secret-value", sts.security_token),
                  Credentials(sts.access_key_id, sts.access_key_secret, "wrong-token-value-123")):
        with pytest.raises(DataWorksApiError) as caught:
            make_client(creds).call("CallbackExtension", PARAMS)
        errors.append(str(caught.value))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DataWorksApiError) as caught:
        make_client(sts, endpoint=f"http://127.0.0.1:{port}").call("CallbackExtension", PARAMS)
    errors.append(str(caught.value))
    return errors


def test_secrets_are_absent_from_log_output_and_errors(fake: FakeDataWorks, make_client: ClientFactory,
                                                       sts_credentials: Credentials,
                                                       debug_logs: pytest.LogCaptureFixture,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    errors = _exercise(fake, make_client, sts_credentials)

    output = capsys.readouterr()
    text = "\n".join([output.out, output.err, debug_logs.text, *errors])
    # logs were produced, at debug level too (the SDK's own logger is no longer on the path: signing.py)
    assert "dataworks.retry" in output.err and '"event": "dataworks.call"' in output.err
    token = sts_credentials.security_token or ""
    for secret in (sts_credentials.access_key_secret, token, quote(token, safe=""), "wrong-secret-value",
                   "wrong-token-value-123"):
        assert secret not in text
    assert not SIGNATURE_VALUE.search(text)
