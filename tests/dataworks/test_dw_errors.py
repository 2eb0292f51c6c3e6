"""Which failures are transient, and what an error may say."""

from __future__ import annotations

import pytest

from openevent.dataworks.errors import DataWorksApiError, clean_message, is_transient
from openevent.errors import OpenEventError


@pytest.mark.parametrize(("code", "status"), [
    ("Throttling", 400), ("Throttling.User", 400), ("Throttling.Api", 429), ("ServiceUnavailable", 503),
    ("InternalError", 500), ("SDK.HttpError", None), (None, 502), ("SomethingNew", 504),
])
def test_transient_failures(code: str | None, status: int | None) -> None:
    assert is_transient(code, status)


@pytest.mark.parametrize(("code", "status"), [
    ("InvalidAccessKeyId.NotFound", 404), ("SignatureDoesNotMatch", 400), ("InvalidAccessKeySecret", 400),
    ("Forbidden.Access", 403), ("InvalidParameter", 400), ("MissingMessageId", 400),
    ("InvalidSecurityToken.Expired", 400), ("Forbidden.Access", 500), ("Unsuccessful", 200),
])
def test_permanent_failures(code: str, status: int) -> None:
    assert not is_transient(code, status)


def test_api_errors_are_openevent_errors() -> None:
    assert isinstance(DataWorksApiError("InternalError"), OpenEventError)


def test_the_string_to_sign_is_cut_from_messages() -> None:
    text = "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&Secur"

    assert "POST&" not in clean_message(text)


def test_long_messages_are_bounded() -> None:
    assert len(clean_message("x" * 10_000)) == 500
