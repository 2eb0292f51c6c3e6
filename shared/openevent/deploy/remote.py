"""Invoke a deployed function through the FC 2.0 API (``2016-08-15``) with the ``fc2`` SDK.

``fc2`` addresses a function as ``services/<service>[.<qualifier>]/functions/<function>``. Functions
created by the ``fc3`` component (FC 3.0, no services) are not documented to be reachable that way
(docs/deploy.md, "Remote invoke"), so the service is always explicit (``--service`` or
``FC_SERVICE``); for an fc3-deployed function use ``s invoke`` (FC 3.0 API) instead.

The endpoint is ``https://<account>.<region>.fc.aliyuncs.com`` unless ``FC_ENDPOINT`` overrides it
(tests point it at :class:`openevent.local.fake_fc.FakeFunctionCompute`). ``fc2`` logs failed
requests — signed headers and the STS token included — on the root logger; those records are
dropped while a call runs.

Example:
    >>> fc_endpoint("123", "cn-hangzhou", env={})
    'https://123.cn-hangzhou.fc.aliyuncs.com'
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from openevent.errors import ConfigError, OpenEventError
from openevent.runtime.credentials import Credentials


class RemoteInvokeError(OpenEventError):
    """FC refused the call or the function failed; ``status``, ``code`` and ``request_id`` say how."""

    def __init__(self, message: str, *, status: int | None = None, code: str = "",
                 request_id: str = "") -> None:
        super().__init__(message)
        self.status, self.code, self.request_id = status, code, request_id


@dataclass(frozen=True)
class InvokeResult:
    """What FC answered: HTTP status, request id and the function's response body."""

    status: int
    request_id: str
    body: bytes

    def response(self) -> Any:
        """The body as JSON when it is JSON, else as text (``None`` when empty, e.g. async)."""
        if not self.body:
            return None
        text = self.body.decode("utf-8", errors="replace")
        try:
            return json.loads(text)
        except ValueError:
            return text


def fc_endpoint(account_id: str | None, region: str, env: Mapping[str, str] | None = None) -> str:
    """``FC_ENDPOINT`` if set, else the public FC endpoint of the account and region."""
    environ = os.environ if env is None else env
    override = environ.get("FC_ENDPOINT")
    if override:
        return override
    if not account_id:
        raise ConfigError("the account id is missing: set FC_ACCOUNT_ID (or ALIBABA_CLOUD_ACCOUNT_ID)")
    return f"https://{account_id}.{region}.fc.aliyuncs.com"


def invoke(function: str, payload: bytes, *, service: str, credentials: Credentials, endpoint: str,
           qualifier: str | None = None, asynchronous: bool = False, timeout_s: float = 60) -> InvokeResult:
    """Invoke ``service/function`` once; :class:`RemoteInvokeError` for any error answer."""
    import fc2

    client = fc2.Client(endpoint=endpoint, accessKeyID=credentials.access_key_id,
                        accessKeySecret=credentials.access_key_secret,
                        securityToken=credentials.security_token or "", Timeout=timeout_s)
    headers = {"x-fc-invocation-type": "Async" if asynchronous else "Sync"}
    try:
        with _quiet_fc2():
            response = client.invoke_function(service, function, payload=payload, headers=headers,
                                              qualifier=qualifier)
    except fc2.FcError as exc:
        raise _error(exc) from None
    except ValueError as exc:  # requests' JSONDecodeError: an error answer that is not JSON
        raise RemoteInvokeError(f"FC answered with a body that is not JSON: {exc}") from None
    except OSError as exc:  # requests' ConnectionError/Timeout are OSErrors
        raise RemoteInvokeError(f"cannot reach {endpoint}: {exc.__class__.__name__}") from None
    response_headers = {k.lower(): v for k, v in dict(response.headers).items()}
    status = 202 if asynchronous else 200
    return InvokeResult(status=status, request_id=str(response_headers.get("x-fc-request-id", "")),
                        body=bytes(response.data or b""))


def _error(exc: Any) -> RemoteInvokeError:
    status = getattr(exc, "status_code", None)
    request_id = str(getattr(exc, "request_id", "") or "")
    try:
        body = json.loads(exc.message)
    except (TypeError, ValueError, AttributeError):
        body = {}
    code = str(body.get("ErrorCode") or body.get("errorType") or getattr(exc, "err_code", "") or "")
    message = str(body.get("ErrorMessage") or body.get("errorMessage") or exc)
    if body.get("errorType") or body.get("errorMessage"):
        what = f"the function failed ({code or 'error'}): {message}"
    else:
        what = f"FC refused the call: {code or 'error'} (HTTP {status}): {message}"
    return RemoteInvokeError(f"{what} [request id {request_id or 'unknown'}]", status=status, code=code,
                             request_id=request_id)


class _DropFc2Records(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return f"{os.sep}fc2{os.sep}" not in record.pathname


@contextmanager
def _quiet_fc2() -> Iterator[None]:
    root = logging.getLogger()
    flt = _DropFc2Records()
    root.addFilter(flt)
    try:
        yield
    finally:
        root.removeFilter(flt)
