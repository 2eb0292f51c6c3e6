"""DataWorks RPC requests laid out as the SDK's request classes lay them out, signed by the SDK's signer.

A DataWorks call is an Alibaba Cloud RPC request: ``Action``, ``Version``, ``Format``,
``RegionId``, the signature parameters and the action's own parameters, some in the query
string and some in a form body, signed with HMAC-SHA1 over both. This module composes exactly
what ``AcsClient.do_action_with_exception`` would send for a request object of
``aliyun-python-sdk-dataworks-public`` (2020-05-18):

* the layout — method, and whether each parameter goes in the query or the body — is the
  request classes' own, recorded in :data:`ACTIONS` (``tests/dataworks/test_dw_signing.py``
  compares the table with every request class it names, and the signed output with the SDK's,
  byte for byte);
* the signature, timestamp and nonce come from ``aliyunsdkcore.auth.composer.rpc_signature_composer``
  and ``aliyunsdkcore.utils.parameter_helper`` — the functions ``AcsClient`` calls;
* with STS credentials the token travels as the ``SecurityToken`` query parameter (as the SDK's
  ``StsTokenSigner`` puts it).

Why not ``AcsClient`` itself: importing ``aliyunsdkcore.client`` (or any request class, through
``aliyunsdkcore.request``) loads the SDK's vendored ``requests`` and, through its RSA signer,
``cryptography`` — about 55 ms of CPU on every cold start and 15 MB of every package, for an
HMAC signature. The HTTP exchange itself is :mod:`openevent.runtime.http`.

Example:
    >>> from openevent.runtime.credentials import Credentials
    >>> signed = sign_request("GetProject", {"ProjectId": 10001}, Credentials("LTAI5tExample", "s3cr3t"),
    ...                       "cn-shanghai")
    >>> signed.method, signed.body, "ProjectId=10001" in signed.path, "Signature=" in signed.path
    ('POST', None, True, True)
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from openevent.runtime.credentials import Credentials

API_VERSION = "2020-05-18"
QUERY, BODY = "query", "body"

# action -> (HTTP method, {parameter: where the SDK request class puts it})
ACTIONS: dict[str, tuple[str, dict[str, str]]] = {
    "CallbackExtension": ("POST", {"CheckMessage": BODY, "CheckResult": BODY, "ExtensionCode": BODY,
                                   "MessageId": BODY}),
    "UpdateIDEEventResult": ("POST", {"CheckResult": BODY, "CheckResultTip": BODY, "ExtensionCode": BODY,
                                      "MessageId": BODY}),
    "UpdateWorkbenchEventResult": ("POST", {"CheckResult": QUERY, "CheckResultTip": QUERY,
                                            "ExtensionCode": QUERY, "MessageId": QUERY}),
    "GetExtension": ("POST", {"ExtensionCode": QUERY}),
    "GetOptionValueForProject": ("POST", {"ExtensionCode": BODY, "ProjectId": BODY}),
    "GetIDEEventDetail": ("POST", {"MessageId": BODY, "ProjectId": BODY}),
    "GetProject": ("POST", {"ProjectId": QUERY, "ProjectIdentifier": QUERY}),
    "GetInstance": ("POST", {"InstanceId": BODY, "ProjectEnv": BODY}),
    "GetInstanceLog": ("POST", {"InstanceHistoryId": BODY, "InstanceId": BODY, "ProjectEnv": BODY}),
    "GetNode": ("POST", {"NodeId": BODY, "ProjectEnv": BODY}),
}


@dataclass(frozen=True)
class SignedRequest:
    """What goes on the wire: ``method``, ``path`` (``/?`` + signed query), form ``body`` and ``headers``.

    ``string_to_sign`` is kept to recognise a wrong secret: the gateway answers
    ``SignatureDoesNotMatch`` quoting its own string to sign, and when that equals ours the
    cause is the secret (the SDK reports ``InvalidAccessKeySecret`` then, and so does the client).
    """

    action: str
    method: str
    path: str
    body: bytes | None
    headers: dict[str, str]
    string_to_sign: str

    def __repr__(self) -> str:  # the path carries the signature and any STS token
        return f"SignedRequest(action={self.action!r}, method={self.method!r})"


def layout(action: str, params: Mapping[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """``(method, query, body)`` for ``action``: ``None`` values left out, unknown names refused.

    Example:
        >>> layout("GetNode", {"NodeId": 1, "ProjectEnv": "PROD"})
        ('POST', {}, {'NodeId': 1, 'ProjectEnv': 'PROD'})
        >>> layout("GetNode", {"Node": 1})
        Traceback (most recent call last):
        ...
        ValueError: GetNode has no parameter 'Node'
    """
    known = ACTIONS.get(action)
    if known is None:
        raise ValueError(f"unknown DataWorks action {action!r}")
    method, places = known
    query: dict[str, Any] = {}
    body: dict[str, Any] = {}
    for name, value in params.items():
        if value is None:
            continue
        place = places.get(name)
        if place is None:
            raise ValueError(f"{action} has no parameter {name!r}")
        (query if place == QUERY else body)[name] = value
    return method, query, body


def sign_request(action: str, params: Mapping[str, Any], credentials: Credentials, region: str) -> SignedRequest:
    """The signed request ``AcsClient`` would send for ``action`` with ``params`` (setter names)."""
    from aliyunsdkcore.auth.composer import rpc_signature_composer
    from aliyunsdkcore.utils import parameter_helper

    method, query, body = layout(action, params)
    if credentials.security_token:
        query["SecurityToken"] = credentials.security_token
    query.update({"Version": API_VERSION, "Action": action, "Format": "JSON"})
    query.setdefault("RegionId", region)
    path, string_to_sign = rpc_signature_composer.get_signed_url(
        query, credentials.access_key_id, credentials.access_key_secret, "JSON", method, body)
    headers = {"x-acs-action": action, "x-acs-version": API_VERSION, "x-sdk-invoke-type": "normal",
               "x-sdk-client": "python/2.0.0", "Accept-Encoding": "identity", "User-Agent": user_agent()}
    content: bytes | None = None
    if body:
        text = urlencode(body)
        content = text.encode("utf-8")
        headers.update({"Content-Type": "application/x-www-form-urlencoded",
                        "Content-MD5": parameter_helper.md5_sum(text)})
    return SignedRequest(action, method, path, content, headers, string_to_sign)


_user_agent: str | None = None


def user_agent() -> str:
    """``AlibabaCloud (<system> <release>;<machine>) Python/<v> Core/<v> openevent/<v>``: the SDK's, less requests."""
    global _user_agent
    if _user_agent is None:
        import aliyunsdkcore

        from openevent import __version__

        uname = os.uname()
        python = ".".join(str(part) for part in sys.version_info[:3])
        _user_agent = (f"AlibabaCloud ({uname.sysname} {uname.release};{uname.machine}) Python/{python} "
                       f"Core/{aliyunsdkcore.__version__} openevent/{__version__}")
    return _user_agent
