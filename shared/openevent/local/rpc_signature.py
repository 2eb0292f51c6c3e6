"""The Alibaba Cloud RPC (signature version 1.0) recipe the fakes verify requests with.

``Signature = base64(HMAC-SHA1(secret + "&", METHOD&%2F&percentEncode(canonical query)))``, where
the canonical query is every parameter but ``Signature``, sorted, each name and value encoded per
RFC 3986 (space → ``%20``, ``*`` → ``%2A``, ``~`` kept) — what aliyunsdkcore computes for RPC APIs
such as DataWorks and EventBridge.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote


def percent_encode(value: str) -> str:
    """RFC 3986 encoding used by the RPC signature (space → %20, * → %2A, ~ kept).

    Example:
        >>> percent_encode("a b*c~/")
        'a%20b%2Ac~%2F'
    """
    return quote(value, safe="~")


def string_to_sign(method: str, params: dict[str, str]) -> str:
    """``METHOD&%2F&percentEncode(sorted canonical query)`` over ``params`` (``Signature`` left out)."""
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in pairs)
    return f"{method}&%2F&{percent_encode(canonical)}"


def sign(method: str, params: dict[str, str], secret: str) -> str:
    """The RPC v1 signature: base64(HMAC-SHA1(secret + "&", string_to_sign)).

    Example:
        >>> sign("POST", {"Action": "GetProject"}, "s")
        '9UwJIqwkiGFpalzlixjIAeAtMyo='
        >>> sign("POST", {"Action": "GetRule"}, "s")
        'mAr+LIqN6yFG6/GH/CxpO/KCPSA='
    """
    digest = hmac.new((secret + "&").encode(), string_to_sign(method, params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()
