"""The DataWorks OpenAPI (2020-05-18) client: one signed RPC call with retries and a deadline.

:class:`DataWorksClient` sends the requests the SDK would send (:mod:`openevent.dataworks.signing`:
the layout of ``aliyun-python-sdk-dataworks-public``'s request classes, signed by
``aliyunsdkcore``'s RPC signer, imported on the first call) over kept-alive HTTP/1.1
connections (:mod:`openevent.runtime.http`, one per thread and endpoint):

* credentials from :func:`openevent.runtime.credentials.resolve_credentials` (AccessKey or STS);
* region from :func:`openevent.runtime.credentials.resolve_region`;
* endpoint ``DATAWORKS_ENDPOINT`` (``http://127.0.0.1:8765`` for the local fake; a value without
  a scheme means https), otherwise ``https://dataworks.<region>.aliyuncs.com``;
* every attempt's connect/read timeouts are drawn from the invocation's budget
  (:mod:`openevent.delivery.budget`): enrichment from its ordinary share, callbacks
  (``use_reserve=True``) from the reserve a guard keeps to answer; transient failures are
  retried by the one retry loop (:func:`openevent.delivery.retry.retry_call`);
* ``Success: false`` in a 200 answer raises :class:`DataWorksApiError` like an HTTP error does;
  error answers and network failures get the codes ``AcsClient`` would raise (the gateway's
  ``Code``, ``InvalidAccessKeySecret`` for a wrong secret, ``SDK.HttpError`` for a network error).

Without credentials the client cannot send (``can_send`` is false, ``dry_reason`` says why); a
loopback ``DATAWORKS_ENDPOINT`` without credentials uses the key registered with
:func:`use_loopback_credentials` — the local tooling (:mod:`openevent.local`, never shipped
in a function package) registers the demo key its fake DataWorks knows. On Function Compute
(``FC_FUNCTION_NAME`` set by the runtime) missing credentials are an error
(:class:`DataWorksNotConfiguredError`), never a dry run: DataWorks would wait forever.

Example:
    >>> client = DataWorksClient.from_environment(env={"FC_REGION": "cn-shanghai"})
    >>> client.endpoint, client.can_send
    ('https://dataworks.cn-shanghai.aliyuncs.com', False)
    >>> client.call("GetProject", {"ProjectId": 10001})  # doctest: +SKIP
    {'RequestId': '…', 'Success': True, 'Data': {...}}
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from openevent.dataworks.errors import DataWorksApiError, DataWorksNotConfiguredError
from openevent.dataworks.signing import sign_request
from openevent.delivery.budget import Budget, context_timeout_s, current_budget
from openevent.delivery.retry import Attempt, RetryPolicy, retry_call
from openevent.errors import ConfigError
from openevent.runtime.context import running_on_fc
from openevent.runtime.credentials import Credentials, resolve_credentials, resolve_region
from openevent.runtime.http import LOOPBACK, ConnectionPool
from openevent.runtime.logging import get_logger
from openevent.runtime.redact import register_secret

DEFAULT_CONNECT_TIMEOUT_S = 5.0
DEFAULT_READ_TIMEOUT_S = 10.0
_REGION = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")



def _log() -> Any:
    return get_logger("openevent.dataworks")


def normalize_endpoint(value: str) -> str:
    """``scheme://host[:port]`` for an endpoint setting (https when no scheme is given).

    Example:
        >>> normalize_endpoint("127.0.0.1:8765/"), normalize_endpoint("http://127.0.0.1:8765")
        ('https://127.0.0.1:8765', 'http://127.0.0.1:8765')
    """
    text = value.strip().rstrip("/")
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise ConfigError(f"DATAWORKS_ENDPOINT: expected http(s)://host[:port], got {value!r}")
    try:
        parts.port  # noqa: B018 - validates the port
    except ValueError as exc:
        raise ConfigError(f"DATAWORKS_ENDPOINT: bad port in {value!r}") from exc
    return f"{parts.scheme}://{parts.netloc}"


def regional_endpoint(region: str) -> str:
    """The public endpoint of a region.

    Example:
        >>> regional_endpoint("cn-hangzhou")
        'https://dataworks.cn-hangzhou.aliyuncs.com'
    """
    if not _REGION.match(region):
        raise ConfigError(f"region: not a region id: {region!r}")
    return f"https://dataworks.{region}.aliyuncs.com"


def is_loopback(endpoint: str) -> bool:
    """True when ``endpoint`` points at this machine."""
    return (urlsplit(endpoint).hostname or "") in LOOPBACK


@dataclass(frozen=True)
class ApiResponse:
    """A successful answer: the parsed JSON ``body`` and how many attempts it took."""

    action: str
    body: dict[str, Any]
    attempts: int
    elapsed_s: float

    @property
    def request_id(self) -> str | None:
        rid = self.body.get("RequestId")
        return str(rid) if rid else None


class DataWorksClient:
    """Signed DataWorks OpenAPI calls with retries inside the invocation's deadline.

    ``clock``/``sleep``/``rng`` are injectable (tests); ``context`` is the FC context whose
    remaining time bounds each call (``default_budget_s`` when there is none).
    """

    def __init__(
        self,
        *,
        region: str,
        credentials: Credentials | None,
        endpoint: str | None = None,
        context: Any = None,
        policy: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
        read_timeout_s: float = DEFAULT_READ_TIMEOUT_S,
        default_budget_s: float = 20.0,
        on_fc: bool = False,
    ) -> None:
        self.region = region
        self.endpoint_overridden = endpoint is not None
        self.endpoint = normalize_endpoint(endpoint) if endpoint else regional_endpoint(region)
        if credentials is None and self.endpoint_overridden and is_loopback(self.endpoint):
            credentials = _loopback_credentials  # only the local tooling sets these (openevent.local)
        self._credentials = credentials
        if credentials is not None:
            _register_credentials(credentials)
        self.context = context
        self.policy = policy or RetryPolicy()
        self.clock = clock
        self.sleep = sleep
        self.rng = rng
        self.connect_timeout_s = connect_timeout_s
        self.read_timeout_s = read_timeout_s
        self.default_budget_s = default_budget_s
        self.on_fc = on_fc

    @classmethod
    def from_environment(cls, context: Any = None, env: Mapping[str, str] | None = None,
                         **options: Any) -> DataWorksClient:
        """A client configured from the environment (``env`` defaults to ``os.environ``) and FC ``context``.

        Example:
            >>> DataWorksClient.from_environment(env={"DATAWORKS_ENDPOINT": "http://127.0.0.1:9"}).can_send
            True
        """
        environ = os.environ if env is None else env
        options.setdefault("on_fc", running_on_fc(environ))
        return cls(region=resolve_region(context, environ), credentials=resolve_credentials(context, environ),
                   endpoint=environ.get("DATAWORKS_ENDPOINT") or None, context=context, **options)

    @property
    def can_send(self) -> bool:
        """False in dry mode: no credentials and no loopback endpoint override."""
        return self._credentials is not None

    @property
    def dry_reason(self) -> str | None:
        """Why the client cannot send, or ``None`` when it can."""
        if self.can_send:
            return None
        return ("no credentials (ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET[/_SECURITY_TOKEN] or FC context) "
                "and no local DATAWORKS_ENDPOINT")

    @property
    def may_dry_run(self) -> bool:
        """True where a missing credential may mean "print what would be sent": never on FC."""
        return not self.can_send and not self.on_fc

    @property
    def uses_sts(self) -> bool:
        return self._credentials is not None and self._credentials.security_token is not None

    def __repr__(self) -> str:
        return (f"DataWorksClient(endpoint={self.endpoint!r}, region={self.region!r}, "
                f"can_send={self.can_send})")

    def budget(self) -> Budget:
        """The invocation's budget (the current one), else one of the context's timeout on this clock."""
        active = current_budget()
        if active is not None:
            return active
        return Budget(timeout_s=context_timeout_s(self.context, self.default_budget_s), clock=self.clock)

    def call(self, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Call ``action`` with ``params`` (setter names of the SDK request class); the parsed JSON answer.

        Raises :class:`DataWorksApiError` (after retries of transient failures) or
        :class:`DataWorksNotConfiguredError` in dry mode.

        Example:
            >>> client.call("GetInstance", {"InstanceId": 453000169, "ProjectEnv": "PROD"})  # doctest: +SKIP
        """
        return self.invoke(action, params).body

    def invoke(self, action: str, params: Mapping[str, Any], *, use_reserve: bool = False) -> ApiResponse:
        """Like :meth:`call`, with the number of attempts and the time taken.

        ``use_reserve`` lets the call draw on the budget's reserve (a guard's answer does;
        enrichment does not, so it can never take the time the answer needs).

        Example:
            >>> client.invoke("GetProject", {"ProjectId": 10001}).attempts  # doctest: +SKIP
            1
        """
        if self._credentials is None:
            where = " on Function Compute (is the function's role set?)" if self.on_fc else ""
            raise DataWorksNotConfiguredError(f"cannot call {action}{where}: {self.dry_reason}")
        budget = self.budget()
        started = budget.clock()

        def on_retry(outcome: Attempt[dict[str, Any]], attempt_no: int, delay: float) -> None:
            exc = outcome.error
            fields = exc.as_log_fields() if isinstance(exc, DataWorksApiError) else {"error": str(exc)}
            _log().warning("dataworks.retry", action=action, attempt=attempt_no, delay_s=round(delay, 3), **fields)

        def no_time() -> DataWorksApiError:
            return DataWorksApiError("DeadlineExceeded", f"{budget.left(use_reserve=use_reserve):.2f}s left "
                                     "before the deadline", transient=True, attempts=0)

        try:
            body, attempts = retry_call(lambda timeout_s: self._attempt(action, params, timeout_s), _classify,
                                        budget=budget, policy=self.policy, use_reserve=use_reserve,
                                        sleep=self.sleep, rng=self.rng, on_retry=on_retry, no_time=no_time)
        except DataWorksApiError as exc:
            exc.action = action
            _log().warning("dataworks.call_failed", action=action, **exc.as_log_fields())
            raise
        elapsed = budget.clock() - started
        _log().debug("dataworks.call", action=action, request_id=body.get("RequestId"), attempts=attempts,
                     elapsed_ms=round(elapsed * 1000, 1))
        return ApiResponse(action=action, body=body, attempts=attempts, elapsed_s=elapsed)

    def _attempt(self, action: str, params: Mapping[str, Any], timeout_s: float) -> dict[str, Any]:
        assert self._credentials is not None
        signed = sign_request(action, params, self._credentials, self.region)
        try:
            answer = _POOL.connection(self.endpoint).request(
                signed.method, signed.path, signed.body, signed.headers,
                connect_timeout=max(0.05, min(self.connect_timeout_s, timeout_s)),
                read_timeout=max(0.05, min(self.read_timeout_s, timeout_s)))
        except (OSError, http.client.HTTPException) as exc:  # what AcsClient reports as SDK.HttpError
            where = urlsplit(self.endpoint).netloc
            raise DataWorksApiError("SDK.HttpError", f"{where}: {type(exc).__name__}: {exc}",
                                    action=action) from None
        if not 200 <= answer.status < 300:
            raise server_error(action, answer.status, answer.body, signed.string_to_sign)
        return parse_body(action, answer.body)


_POOL = ConnectionPool()
"""Kept-alive connections to DataWorks, one per thread and endpoint: warm invocations reuse them."""


_loopback_credentials: Credentials | None = None


def use_loopback_credentials(credentials: Credentials | None) -> None:
    """The credentials a loopback ``DATAWORKS_ENDPOINT`` gets when none are configured (local fakes only)."""
    global _loopback_credentials
    _loopback_credentials = credentials


def _classify(exc: BaseException) -> Attempt[dict[str, Any]]:
    """The one classification of a DataWorks failure: its ``transient`` flag."""
    if isinstance(exc, DataWorksApiError) and exc.transient:
        return Attempt.retry(exc)
    return Attempt.permanent(exc)


def server_error(action: str, status: int, raw: bytes, string_to_sign: str) -> DataWorksApiError:
    """The error of a non-2xx answer, coded as ``AcsClient`` codes it.

    The gateway's ``Code``/``Message``/``RequestId`` (``SDK.UnknownServerError`` when the body is
    not JSON); ``SignatureDoesNotMatch`` quoting our own string to sign means the secret is wrong.

    Example:
        >>> server_error("GetProject", 503, b"Service Unavailable", "").code
        'SDK.UnknownServerError'
    """
    text = raw.decode("utf-8", "replace")
    code, message, request_id = "SDK.UnknownServerError", f"ServerResponseBody: {text}", None
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict):
        code = str(body.get("Code") or code)
        message = str(body.get("Message") or message)
        request_id = body.get("RequestId")
    if status == 400 and code == "SignatureDoesNotMatch" and ":" in message \
            and message.split(":", 1)[1] == string_to_sign:
        code, message = "InvalidAccessKeySecret", ("The AccessKeySecret is incorrect. "
                                                   "Please check your AccessKeyId and AccessKeySecret.")
    return DataWorksApiError(code, message, action=action, http_status=status,
                             request_id=str(request_id) if request_id else None)


def parse_body(action: str, raw: bytes | str) -> dict[str, Any]:
    """The JSON answer of a 2xx response; ``Success: false`` (boolean or string) raises.

    Example:
        >>> parse_body("GetNode", b'{"RequestId": "r1", "Success": false, "ErrorCode": "Invalid.Node",'
        ...            b' "ErrorMessage": "node not found", "HttpStatusCode": 400}')
        Traceback (most recent call last):
        ...
        openevent.dataworks.errors.DataWorksApiError: GetNode failed: Invalid.Node: node not found
    """
    try:
        body = json.loads(raw)
    except ValueError:
        raise DataWorksApiError("InvalidResponse", "the answer is not JSON", action=action,
                                transient=False) from None
    if not isinstance(body, dict):
        raise DataWorksApiError("InvalidResponse", "the answer is not a JSON object", action=action,
                                transient=False)
    if str(body.get("Success", "true")).lower() == "false":
        status = str(body.get("HttpStatusCode", ""))
        raise DataWorksApiError(str(body.get("ErrorCode") or body.get("Code") or "Unsuccessful"),
                                str(body.get("ErrorMessage") or body.get("Message") or ""), action=action,
                                http_status=int(status) if status.isdigit() else None,
                                request_id=body.get("RequestId"))
    return body


def _register_credentials(creds: Credentials) -> None:
    # the token travels (URL-encoded) in the request URL, which could show up in an error text
    for value in (creds.access_key_secret, creds.security_token):
        if value:
            register_secret(value)
            register_secret(quote(value, safe=""))
