"""Errors of the DataWorks OpenAPI client, and which of them are worth retrying.

Every failure of a DataWorks call is a :class:`DataWorksApiError` carrying the service's error
``code``, ``http_status``, ``request_id`` and a ``transient`` flag (retrying may help:
network errors, timeouts, 5xx, throttling). A ``200`` answer with ``"Success": false`` is an
error too. :class:`DataWorksNotConfiguredError` means the client has neither credentials nor
an endpoint to send to (the "dry" mode).

Example:
    >>> err = DataWorksApiError("Throttling.User", "Request was denied due to user flow control.",
    ...                         http_status=400, action="GetProject")
    >>> err.transient, str(err)
    (True, 'GetProject failed: Throttling.User: Request was denied due to user flow control.')
"""

from __future__ import annotations

import re

from openevent.errors import OpenEventError
from openevent.runtime.redact import redact_text

# Codes worth retrying whatever the HTTP status (Alibaba Cloud gateway and DataWorks codes).
TRANSIENT_CODES = frozenset({
    "Throttling", "Throttling.User", "Throttling.Api", "Throttling.System", "ServiceUnavailable",
    "ServiceUnavailableTemporary", "InternalError", "InternalServerError", "SDK.HttpError",
    "SDK.ServerUnreachable", "SDK.TimeOut", "RequestTimeout", "LastResponseTimeout",
})
# Codes that are never worth retrying even when they come with a 5xx status.
PERMANENT_PREFIXES = (
    "InvalidAccessKeyId", "InvalidAccessKeySecret", "SignatureDoesNotMatch", "IncompleteSignature",
    "InvalidSecurityToken", "MissingSecurityToken", "Forbidden", "NoPermission", "InvalidParameter",
    "MissingParameter", "InvalidApi", "InvalidAction", "InvalidVersion", "InvalidTimeStamp",
    "SignatureNonceUsed", "Missing", "Invalid",
)
_MAX_MESSAGE = 500
_SIGNED_URL = re.compile(r"(url: )/\?\S*")


def is_transient(code: str | None, http_status: int | None) -> bool:
    """Whether a failure with this error ``code`` / HTTP status is worth retrying.

    Example:
        >>> is_transient("ServiceUnavailable", 503), is_transient("SignatureDoesNotMatch", 400)
        (True, False)
        >>> is_transient(None, 502), is_transient("Throttling", 429)
        (True, True)
    """
    if code and (code in TRANSIENT_CODES or code.startswith("Throttling")):
        return True
    if code and code.startswith(PERMANENT_PREFIXES):
        return False
    return http_status is not None and (http_status >= 500 or http_status == 429)


def clean_message(message: str | None) -> str:
    """An error message safe to log: no string-to-sign (it embeds the STS token), secrets masked, bounded.

    Example:
        >>> clean_message("Specified signature is not matched. server string to sign is:POST&%2F&A%3D1")
        'Specified signature is not matched. server string to sign is: <omitted>'
        >>> clean_message("Max retries exceeded with url: /?Action=X&Signature=abc (Caused by ...)")
        'Max retries exceeded with url: /?<signed query omitted> (Caused by ...)'
    """
    text = message or ""
    marker = text.lower().find("string to sign is:")
    if marker >= 0:
        text = text[: marker + len("string to sign is:")] + " <omitted>"
    text = _SIGNED_URL.sub(r"\1/?<signed query omitted>", text)
    text = redact_text(text)
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


class DataWorksError(OpenEventError):
    """Base class of the DataWorks client's errors."""


class DataWorksNotConfiguredError(DataWorksError):
    """Neither credentials nor ``DATAWORKS_ENDPOINT`` are available: the client cannot send."""


class DataWorksApiError(DataWorksError):
    """A DataWorks OpenAPI call failed (HTTP error, ``Success: false``, network error or timeout)."""

    def __init__(self, code: str, message: str | None = None, *, http_status: int | None = None,
                 request_id: str | None = None, action: str | None = None,
                 transient: bool | None = None, attempts: int = 1) -> None:
        self.code = code
        self.message = clean_message(message)
        self.http_status = http_status
        self.request_id = request_id
        self.action = action
        self.transient = is_transient(code, http_status) if transient is None else transient
        self.attempts = attempts
        prefix = f"{action} failed: " if action else ""
        super().__init__(f"{prefix}{code}: {self.message}" if self.message else f"{prefix}{code}")

    def as_log_fields(self) -> dict[str, object]:
        """The fields worth putting on a log line (all safe to log)."""
        return {"error_code": self.code, "error_message": self.message, "http_status": self.http_status,
                "request_id": self.request_id, "transient": self.transient, "attempts": self.attempts}
