"""Answering an extension point event: the three DataWorks callback APIs behind one function.

=============================  ====================================  ===================
API                            used for                              result field / text
=============================  ====================================  ===================
``CallbackExtension``          generic (tenant-level events, …)      CheckResult / CheckMessage
``UpdateIDEEventResult``       Data Studio (commit/deploy/run file)  CheckResult / CheckResultTip
``UpdateWorkbenchEventResult`` Operation Center (freeze/backfill…)   CheckResult / CheckResultTip
=============================  ====================================  ===================

``UpdateWorkbenchEventResult`` accepts only OK and FAIL, so WARN goes out as OK with the
warning kept in the tip (``[WARN] …``). In dry mode (no credentials, no local endpoint) the
receipt says ``sent=False, dry_run=True`` and carries the parameters that would have been sent.

Example:
    >>> receipt = send_callback("UpdateWorkbenchEventResult", "msg-1", "ext-code", "WARN", "big backfill",
    ...                         env={})
    >>> receipt.sent, receipt.dry_run, receipt.params["CheckResult"], receipt.params["CheckResultTip"]
    (False, True, 'OK', '[WARN] big backfill')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict

from openevent.dataworks.client import DataWorksClient
from openevent.errors import ConfigError

CallbackApi = Literal["CallbackExtension", "UpdateIDEEventResult", "UpdateWorkbenchEventResult"]
CheckResult = Literal["OK", "WARN", "FAIL"]
CALLBACK_APIS: tuple[str, ...] = get_args(CallbackApi)
CHECK_RESULTS: tuple[str, ...] = get_args(CheckResult)
MAX_MESSAGE_CHARS = 1000  # the limit DataWorks applies is not documented; keep answers short
EXTENSION_CODE_ENV = "DATAWORKS_EXTENSION_CODE"

# api -> (name of the text parameter, results the API accepts)
_API_SHAPE: dict[str, tuple[str, tuple[str, ...]]] = {
    "CallbackExtension": ("CheckMessage", ("OK", "WARN", "FAIL")),
    "UpdateIDEEventResult": ("CheckResultTip", ("OK", "WARN", "FAIL")),
    "UpdateWorkbenchEventResult": ("CheckResultTip", ("OK", "FAIL")),
}


class CallbackReceipt(BaseModel):
    """What was (or, in dry mode, would have been) sent to DataWorks, and what it answered."""

    model_config = ConfigDict(frozen=True)

    api: CallbackApi
    message_id: str
    extension_code: str
    result: CheckResult
    sent_result: str
    message: str
    params: dict[str, str]
    sent: bool
    dry_run: bool
    request_id: str | None = None
    attempts: int = 0
    endpoint: str | None = None


def callback_params(api: str, message_id: str, extension_code: str, result: str,
                    message: str = "") -> dict[str, str]:
    """The request parameters of ``api`` for this answer (WARN mapped where the API lacks it).

    Example:
        >>> callback_params("CallbackExtension", "m1", "ext", "fail", "owner is not you")
        {'ExtensionCode': 'ext', 'MessageId': 'm1', 'CheckResult': 'FAIL', 'CheckMessage': 'owner is not you'}
    """
    if api not in _API_SHAPE:
        raise ValueError(f"unknown callback api {api!r}; expected one of {', '.join(CALLBACK_APIS)}")
    check = result.upper()
    if check not in CHECK_RESULTS:
        raise ValueError(f"check result must be OK, WARN or FAIL, not {result!r}")
    if not message_id:
        raise ValueError("message_id is empty")
    text_param, accepted = _API_SHAPE[api]
    text = message or ""
    if check not in accepted:  # WARN on UpdateWorkbenchEventResult: pass, and keep the warning visible
        check, text = "OK", f"[WARN] {text}".rstrip()
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[: MAX_MESSAGE_CHARS - 1] + "…"
    params = {"ExtensionCode": extension_code, "MessageId": message_id, "CheckResult": check}
    if text:
        params[text_param] = text
    return params


def resolve_extension_code(extension_code: str | None, env: Mapping[str, str] | None = None) -> str:
    """The extension code from the argument, else ``DATAWORKS_EXTENSION_CODE``; ConfigError if neither.

    Example:
        >>> resolve_extension_code(None, env={"DATAWORKS_EXTENSION_CODE": "abc"})
        'abc'
    """
    code = extension_code or (os.environ if env is None else env).get(EXTENSION_CODE_ENV)
    if not code:
        raise ConfigError(f"{EXTENSION_CODE_ENV}: no extension code configured (needed for every callback)")
    return code


def send_callback(
    api: str,
    message_id: str,
    extension_code: str | None,
    result: str,
    message: str = "",
    *,
    client: DataWorksClient | None = None,
    context: Any = None,
    env: Mapping[str, str] | None = None,
) -> CallbackReceipt:
    """Send the check result of extension event ``message_id`` through ``api``.

    The client defaults to :meth:`DataWorksClient.from_environment` (``context``, ``env``).
    Raises :class:`~openevent.dataworks.errors.DataWorksApiError` when DataWorks refuses or
    cannot be reached within the deadline (after retries), and
    :class:`~openevent.dataworks.errors.DataWorksNotConfiguredError` on FC without credentials.

    Example:
        >>> send_callback("CallbackExtension", event.id, None, "FAIL", "[owner-only] ask the owner",
        ...               context=context).sent  # doctest: +SKIP
        True
    """
    code = resolve_extension_code(extension_code, env)
    params = callback_params(api, message_id, code, result, message)
    dw = client or DataWorksClient.from_environment(context, env)
    text_param = _API_SHAPE[api][0]
    base: dict[str, Any] = {
        "api": api, "message_id": message_id, "extension_code": code, "result": result.upper(),
        "sent_result": params["CheckResult"], "message": params.get(text_param, ""), "params": params,
        "endpoint": dw.endpoint,
    }
    if dw.may_dry_run:
        return CallbackReceipt(**base, sent=False, dry_run=True)
    response = dw.invoke(api, params, use_reserve=True)  # the answer may use the budget's reserve
    return CallbackReceipt(**base, sent=True, dry_run=False, request_id=response.request_id,
                           attempts=response.attempts)


__all__ = ["CALLBACK_APIS", "CHECK_RESULTS", "CallbackApi", "CallbackReceipt", "CheckResult",
           "callback_params", "resolve_extension_code", "send_callback"]
