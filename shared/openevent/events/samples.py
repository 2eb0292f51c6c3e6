"""Complete, realistic CloudEvents for every registered type (like ``sam local generate-event``).

The payloads are the official examples with their masking and syntax errors repaired
(:mod:`openevent.events.sample_data`); the envelope is what EventBridge adds. Each call
gets a fresh ``id`` and the current time unless overridden.

Example:
    >>> ev = sample_event("dataworks:InstanceStatusChanges:InstanceStatusChanges", {"data.status": 5})
    >>> ev["data"]["status"], ev["source"]
    (5, 'acs.dataworks')
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from openevent.errors import OpenEventError
from openevent.events.fields import ascii_int
from openevent.events.registry import REGISTRY

CUSTOM_BUS = "dataworks-openevent-bus"
_CST = timezone(timedelta(hours=8))


def sample_event(event_type: str, overrides: Mapping[str, Any] | None = None, *,
                 variant: str | None = None, region: str = "cn-hangzhou") -> dict[str, Any]:
    """A complete CloudEvent dict for ``event_type``; ``overrides`` maps dotted paths to values."""
    from openevent.events.sample_data import ALIYUN_ACCOUNT_ID, SAMPLE_DATA, SAMPLE_VARIANTS

    spec = REGISTRY.get(event_type)
    if spec is None:
        raise OpenEventError(f"unknown event type {event_type!r}; see `openevent events list`")
    if variant is not None:
        variants = SAMPLE_VARIANTS.get(event_type, {})
        if variant not in variants:
            names = ", ".join(sorted(variants)) or "none"
            raise OpenEventError(f"no variant {variant!r} for {event_type}; variants: {names}")
        data = copy.deepcopy(variants[variant])
    else:
        data = copy.deepcopy(SAMPLE_DATA[event_type])
    now = datetime.now(_CST)
    event: dict[str, Any] = {
        "datacontenttype": "application/json;charset=utf-8",
        "data": data,
        "id": str(uuid.uuid4()),
        "source": "acs.dataworks",
        "specversion": "1.0",
        "subject": "",
        "time": now.isoformat(timespec="seconds"),
        "type": event_type,
        "aliyunaccountid": ALIYUN_ACCOUNT_ID,
        "aliyunpublishtime": now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "aliyuneventbusname": "default" if spec.level == "tenant" else CUSTOM_BUS,
        "aliyunregionid": region,
    }
    for path, value in (overrides or {}).items():
        set_path(event, path, value)
    return event


def set_path(doc: dict[str, Any], path: str, value: Any) -> None:
    """Set ``doc[a][b][c] = value`` for ``path`` ``"a.b.c"`` (list indexes allowed: ``a.0.b``)."""
    parts = path.split(".")
    if not path or any(not p for p in parts):
        raise OpenEventError(f"bad field path {path!r}")
    node: Any = doc
    for i, part in enumerate(parts[:-1]):
        index = ascii_int(part) if isinstance(node, list) else None
        nxt = node[index] if index is not None and index < len(node) else None
        if isinstance(node, dict):
            nxt = node.get(part)
            if nxt is None:
                nxt = node[part] = {}
        if not isinstance(nxt, dict | list):
            raise OpenEventError(f"cannot set {path!r}: {'.'.join(parts[: i + 1])} is not an object")
        node = nxt
    last = parts[-1]
    if isinstance(node, list):
        index = ascii_int(last)
        if index is None or index >= len(node):
            raise OpenEventError(f"cannot set {path!r}: bad list index {last!r}")
        node[index] = value
    else:
        node[last] = value


def parse_value(text: str) -> Any:
    """A ``--set`` value: JSON when it parses (``5``, ``true``, ``[1,2]``, ``"5"``), else the text."""
    try:
        return json.loads(text)
    except ValueError:
        return text
