"""The vendors' signing recipes, each a few lines that are easy to get subtly wrong.

* DingTalk: key = secret, message = ``f"{timestamp_ms}\\n{secret}"``; the raw base64 goes into
  the **query** and is URL-encoded exactly once (:func:`dingtalk_signed_url`).
* Feishu/Lark: key = ``f"{timestamp_s}\\n{secret}"``, message = empty; ``timestamp`` and
  ``sign`` go into the **JSON body**, not encoded.
* Generic webhook: ``X-Openevent-Signature: t=<ts>,v1=<hex>`` over ``f"{ts}.".encode() + body``
  and GitHub's ``X-Hub-Signature-256: sha256=<hex>`` over the body, both HMAC-SHA256.

Example (the reference's test vectors):
    >>> dingtalk_sign("SEC0123456789abcdef", 1700000000000)
    'TSZbRFUuvaSQaRKUpF970OPCb2/LcQAP3wOvwZIzBZk='
    >>> feishu_sign("feishu-test-secret", 1700000000)
    'e3MJ8Q5llVxGJ8pVkGPBhexDAgjvYqpjPP1GkY9XceI='
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SIGNATURE_HEADER = "X-Openevent-Signature"
HUB_SIGNATURE_HEADER = "X-Hub-Signature-256"


def _hmac(key: bytes, msg: bytes) -> bytes:
    return hmac.new(key, msg, hashlib.sha256).digest()


def dingtalk_sign(secret: str, timestamp_ms: int | str) -> str:
    """Raw base64 DingTalk signature (not URL-encoded)."""
    digest = _hmac(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode())
    return base64.b64encode(digest).decode("ascii")


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """``url`` with ``timestamp`` and ``sign`` added to its query, encoded once, other parameters kept.

    Example:
        >>> dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=T",
        ...                     "SEC0123456789abcdef", 1700000000000)
        'https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=1700000000000&sign=TSZbRFUuvaSQaRKUpF970OPCb2%2FLcQAP3wOvwZIzBZk%3D'
    """
    parts = urlsplit(url)
    kept = parse_qsl(parts.query, keep_blank_values=True)
    query = [(k, v) for k, v in kept if k not in ("timestamp", "sign")]
    query += [("timestamp", str(timestamp_ms)), ("sign", dingtalk_sign(secret, timestamp_ms))]
    return urlunsplit(parts._replace(query=urlencode(query)))


def feishu_sign(secret: str, timestamp_s: int | str) -> str:
    """Feishu/Lark signature: HMAC keyed with ``timestamp + "\\n" + secret`` over an empty message."""
    digest = _hmac(f"{timestamp_s}\n{secret}".encode(), b"")
    return base64.b64encode(digest).decode("ascii")


def hub_signature(secret: str, body: bytes) -> str:
    """GitHub-style ``sha256=<hex>`` over the raw body.

    Example:
        >>> hub_signature("whsecret", b'{"status":"firing"}')
        'sha256=42c28fa7ae54da7fa89abe249d8862475982f0022b75cdbea82e01bab224d45d'
    """
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def openevent_signature(secret: str, body: bytes, timestamp_s: int) -> str:
    """``t=<ts>,v1=<hex>`` where hex = HMAC-SHA256(secret, ``f"{ts}."`` + body)."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp_s}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp_s},v1={mac}"


def webhook_signature_headers(secret: str, body: bytes, timestamp_s: int) -> dict[str, str]:
    """Both signature headers for a generic webhook delivery of exactly ``body``."""
    return {SIGNATURE_HEADER: openevent_signature(secret, body, timestamp_s),
            HUB_SIGNATURE_HEADER: hub_signature(secret, body)}


def verify_openevent_signature(secret: str, header: str, body: bytes, now_s: float,
                               tolerance_s: float = 300.0) -> bool:
    """Receiver side of ``X-Openevent-Signature``: right MAC and timestamp within ``tolerance_s``.

    Example:
        >>> h = openevent_signature("k3y-k3y", b"{}", 1700000000)
        >>> verify_openevent_signature("k3y-k3y", h, b"{}", now_s=1700000060)
        True
    """
    items = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    ts, mac = items.get("t", ""), items.get("v1", "")
    if not ts.isdigit() or abs(now_s - int(ts)) > tolerance_s:
        return False
    expected = openevent_signature(secret, body, int(ts)).split("v1=", 1)[1]
    return hmac.compare_digest(expected, mac)
