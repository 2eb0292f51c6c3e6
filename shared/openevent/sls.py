"""Writing logs to an Alibaba Cloud SLS logstore with ``PutLogs`` (aliyun-log-python-sdk).

One small client shared by the sinks that write to SLS (the auditor's audit logstore, the DQ
forwarder's dashboard logstore): :class:`SlsWriter` sends batches of ``(time, contents)``
logs with a topic, a source and tags, and turns the service's answers into one
:class:`SlsError` whose ``transient`` flag says whether a retry can help
(``WriteQuotaExceed``, ``ShardWriteQuotaExceed``, ``ServerBusy``, ``InternalServerError``,
``RequestTimeout``, network errors) or not (bad signature, unknown project or logstore, …).
The SDK itself already retries 5xx answers and connection errors before it gives up.

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

from openevent.errors import OpenEventError
from openevent.runtime.credentials import Credentials
from openevent.runtime.redact import redact_text, register_secret

TRANSIENT_CODES = frozenset({"WriteQuotaExceed", "ShardWriteQuotaExceed", "ServerBusy", "InternalServerError",
                             "RequestTimeout", "LogRequestError"})

Log = tuple[int, Sequence[tuple[str, str]]]
"""One log: epoch seconds and its ``(key, value)`` text contents."""


class SlsError(OpenEventError):
    """A ``PutLogs`` that SLS (or the network) refused; ``transient`` when retrying can help."""

    def __init__(self, code: str, message: str, *, transient: bool) -> None:
        self.code, self.transient = code, transient
        super().__init__(f"{code}: {message}")


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

    def put(self, logs: Sequence[Log]) -> None:
        """One ``PutLogs`` request with every log; raises :class:`SlsError`."""
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
        try:
            self._get_client().put_logs(request)
        except LogException as exc:
            code = str(exc.get_error_code())
            raise SlsError(code, redact_text(str(exc.get_error_message()))[:300],
                           transient=code in TRANSIENT_CODES) from None

    def _get_client(self) -> Any:
        if self._client is None:
            from aliyun.log import LogClient

            creds = self.credentials
            assert creds is not None
            client: Any = LogClient(self.target.endpoint, creds.access_key_id, creds.access_key_secret,
                                    securityToken=creds.security_token, source=self.target.source or "openevent")
            client.timeout = self.target.timeout_s
            if _is_ip_with_port(self.target.endpoint):
                # the SDK recognises only a bare IP as such; with a port it would put the project in
                # front of the IP (``project.127.0.0.1:8080``), which no resolver knows
                client._isRowIp = True
            self._client = client
        return self._client
