"""Writing logs to an Alibaba Cloud SLS logstore with ``PutLogs`` (aliyun-log-python-sdk).

One small client shared by the sinks that write to SLS (the auditor's audit logstore, the DQ
forwarder's dashboard logstore): :class:`SlsWriter` sends batches of ``(time, contents)``
logs with a topic, a source and tags, and turns the service's answers into one
:class:`SlsError` whose ``transient`` flag says whether a retry can help
(``WriteQuotaExceed``, ``ShardWriteQuotaExceed``, ``ServerBusy``, ``InternalServerError``,
``RequestTimeout``, any 5xx, network errors) or not (bad signature, unknown project or logstore, …).

One request is **one attempt**: the SDK's own loop (up to ten tries of a 5xx or a dropped
connection, a second's sleep each, blind to the invocation's deadline) is switched off, so the
caller's one retry loop (:func:`openevent.delivery.retry.retry_call` with :func:`classify`)
decides, inside the budget. Each request's timeout is capped by the time the current budget
has left (:func:`openevent.delivery.budget.call_timeout`).

The SDK is imported on the first write, so a function that never writes to SLS never loads it.

Example:
    >>> from openevent.runtime.credentials import Credentials
    >>> w = SlsWriter(SlsTarget(endpoint="http://127.0.0.1:9", project="p", logstore="s"), credentials=None)
    >>> try:
    ...     w.put([(0, [("k", "v")])])
    ... except SlsError as exc:
    ...     print(exc.code, exc.transient)
    MissingCredentials False
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from openevent.delivery.budget import call_timeout
from openevent.delivery.retry import Attempt
from openevent.errors import OpenEventError
from openevent.runtime.credentials import Credentials
from openevent.runtime.redact import redact_text, register_secret

TRANSIENT_CODES = frozenset({"WriteQuotaExceed", "ShardWriteQuotaExceed", "ServerBusy", "InternalServerError",
                             "RequestTimeout", "LogRequestError"})
CREDENTIAL_CODES = frozenset({"MissingCredentials", "Unauthorized", "SecurityTokenExpired", "InvalidAccessKeyId"})
"""Refusals of the credentials: retrying with them cannot help, but FC's next invocation brings the
role's rotated STS token (or the role once it is attached) — the caller leaves them to FC's retry."""

Log = tuple[int, Sequence[tuple[str, str]]]
"""One log: epoch seconds and its ``(key, value)`` text contents."""


class SlsError(OpenEventError):
    """A ``PutLogs`` that SLS (or the network) refused; ``transient`` when retrying can help."""

    def __init__(self, code: str, message: str, *, transient: bool) -> None:
        self.code, self.transient = code, transient
        self.credentials = code in CREDENTIAL_CODES
        """The credentials were refused (or missing): another invocation, with FC's fresh ones, may succeed."""
        super().__init__(f"{code}: {message}")


def classify(exc: BaseException) -> Attempt[Any]:
    """The retry classification of a failed ``PutLogs``: transient :class:`SlsError` → retry, else permanent.

    Example:
        >>> classify(SlsError("ServerBusy", "busy", transient=True)).status
        'retry_after'
        >>> classify(SlsError("LogStoreNotExist", "no", transient=False)).status
        'permanent'
    """
    if isinstance(exc, SlsError) and exc.transient:
        return Attempt.retry(exc)
    return Attempt.permanent(exc)


@dataclass(frozen=True)
class SlsTarget:
    """Where and how to write: the logstore, the request's topic/source/tags, compression, timeout."""

    endpoint: str
    project: str
    logstore: str
    topic: str = ""
    source: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    compress: bool = True
    timeout_s: float = 10.0


def _is_ip_with_port(endpoint: str) -> bool:
    host = endpoint.split("://", 1)[-1].split("/", 1)[0]
    name, _, port = host.rpartition(":")
    parts = name.split(".")
    return bool(port) and len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts)


class SlsWriter:
    """``PutLogs`` to one logstore with AccessKey or STS ``credentials`` (``None``: every write fails clearly)."""

    def __init__(self, target: SlsTarget, credentials: Credentials | None) -> None:
        self.target = target
        self.credentials = credentials
        self._client: Any = None
        if credentials is not None:
            register_secret(credentials.access_key_secret)
            register_secret(credentials.security_token)

    def put(self, logs: Sequence[Log], *, timeout_s: float | None = None) -> None:
        """One ``PutLogs`` request (one attempt) with every log; raises :class:`SlsError`.

        ``timeout_s`` caps the request (default: the target's, bounded by the current budget).
        """
        if not logs:
            return
        if self.credentials is None:
            raise SlsError("MissingCredentials", "no credentials (ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET or the FC role)",
                           transient=False)
        from aliyun.log import LogException, LogItem, PutLogsRequest

        t = self.target
        items = [LogItem(timestamp=ts, contents=list(contents)) for ts, contents in logs]
        request = PutLogsRequest(project=t.project, logstore=t.logstore, topic=t.topic,
                                 source=t.source or "openevent", logitems=items,
                                 logtags=sorted(t.tags.items()) or None, compress=t.compress)
        client = self._get_client()
        client.timeout = max(0.1, min(self.target.timeout_s, timeout_s if timeout_s is not None
                                      else call_timeout(self.target.timeout_s)))
        try:
            client.put_logs(request)
        except _OneAttempt as stop:
            exc = stop.error
        except LogException as exc_:  # raised outside the request itself (e.g. building it)
            exc = exc_
        else:
            return
        code = str(exc.get_error_code())
        status = getattr(exc, "resp_status", None)
        transient = code in TRANSIENT_CODES or (isinstance(status, int) and status >= 500)
        raise SlsError(code, redact_text(str(exc.get_error_message()))[:300], transient=transient) from None

    def _get_client(self) -> Any:
        if self._client is None:
            creds = self.credentials
            assert creds is not None
            client: Any = _client_class()(self.target.endpoint, creds.access_key_id, creds.access_key_secret,
                                          securityToken=creds.security_token,
                                          source=self.target.source or "openevent")
            client.timeout = self.target.timeout_s
            if _is_ip_with_port(self.target.endpoint):
                # the SDK recognises only a bare IP as such; with a port it would put the project in
                # front of the IP (``project.127.0.0.1:8080``), which no resolver knows
                client._isRowIp = True
            self._client = client
        return self._client


class _OneAttempt(Exception):
    """Carries the SDK's ``LogException`` past the SDK's own retry loop (which only catches that type)."""

    def __init__(self, error: Any) -> None:
        super().__init__(str(error))
        self.error = error


_CLIENT_CLASS: Any = None


def _client_class() -> Any:
    """``LogClient`` whose requests are single attempts (built on first use: the SDK loads lazily)."""
    global _CLIENT_CLASS
    if _CLIENT_CLASS is None:
        from aliyun.log import LogClient, LogException

        class OneAttemptLogClient(LogClient):
            def _sendRequest(self, *args: Any, **kwargs: Any) -> Any:  # the SDK's own name
                try:
                    return LogClient._sendRequest(self, *args, **kwargs)  # type: ignore[attr-defined]
                except LogException as exc:
                    raise _OneAttempt(exc) from None

        _CLIENT_CLASS = OneAttemptLogClient
    return _CLIENT_CLASS
