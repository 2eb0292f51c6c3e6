"""Alibaba Cloud credentials for OpenAPI calls.

Order: the environment (``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``_SECRET`` / ``_SECURITY_TOKEN``),
then the FC ``context.credentials`` (the function role's STS token). Secrets are registered
for redaction as soon as they are read.

Example:
    >>> creds = resolve_credentials(env={"ALIBABA_CLOUD_ACCESS_KEY_ID": "id",
    ...                                  "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "secret-xyz"})
    >>> creds.access_key_id, creds.security_token
    ('id', None)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from openevent.runtime.redact import register_secret


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    access_key_secret: str
    security_token: str | None = None

    def __repr__(self) -> str:
        return f"Credentials(access_key_id={self.access_key_id[:4]}***, sts={self.security_token is not None})"


def _get(obj: Any, *names: str) -> str | None:
    for name in names:
        val = obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)
        if val:
            return str(val)
    return None


def resolve_credentials(context: Any = None, env: Mapping[str, str] | None = None) -> Credentials | None:
    """Credentials from the environment, else from ``context.credentials``; ``None`` if neither."""
    environ = os.environ if env is None else env
    ak = environ.get("ALIBABA_CLOUD_ACCESS_KEY_ID")
    sk = environ.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    token = environ.get("ALIBABA_CLOUD_SECURITY_TOKEN") or None
    if not (ak and sk) and context is not None:
        fc_creds = getattr(context, "credentials", None)
        if fc_creds is not None:
            ak = _get(fc_creds, "access_key_id", "accessKeyId")
            sk = _get(fc_creds, "access_key_secret", "accessKeySecret")
            token = _get(fc_creds, "security_token", "securityToken")
    if not (ak and sk):
        return None
    register_secret(sk)
    register_secret(token)
    return Credentials(ak, sk, token)


def resolve_region(context: Any = None, env: Mapping[str, str] | None = None, default: str = "cn-hangzhou") -> str:
    """Region from ``FC_REGION``, ``ALIBABA_CLOUD_REGION_ID``, the context, else ``default``."""
    environ = os.environ if env is None else env
    region = environ.get("FC_REGION") or environ.get("ALIBABA_CLOUD_REGION_ID")
    if not region and context is not None:
        region = getattr(context, "region", None)
    return region or default
