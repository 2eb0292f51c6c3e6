"""Facts every guard shares: who, where, when, what event.

A guard's fact collector starts from :func:`base_facts` and adds its own keys; rules refer
to facts by dotted path (see :mod:`openevent.guard.conditions`).

Example:
    >>> from datetime import datetime, timezone
    >>> from openevent.events import parse, sample_event
    >>> ev = parse(sample_event("dataworks:ProjectChange:DeleteProject"))
    >>> f = base_facts(ev, datetime(2025, 3, 14, 10, 0, tzinfo=timezone.utc))
    >>> f["event"]["name"], f["workspace"]["id"], f["now"].hour, f["day"], f["date"]
    ('DeleteProject', 10001, 10, 'fri', '2025-03-14')
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from openevent.events import Event

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BASE_FACTS: dict[str, str] = {
    "event.type": "str", "event.name": "str", "event.code": "str", "event.module": "str", "event.level": "str",
    "event.region": "str", "event.delivery": "str", "workspace.id": "int", "tenant.id": "int",
    "operator.uid": "str", "now": "datetime", "day": "str", "hour": "int", "date": "str",
}
"""The facts of :func:`base_facts` and their types (a guard's ``FACTS`` table starts from these)."""


def base_facts(event: Event, now: datetime) -> dict[str, Any]:
    """The facts of any extension event: event, workspace, tenant, operator, now, day, hour, date.

    ``now`` is already in the policy's time zone (the runner makes it so); ``date`` is its
    calendar day as ``YYYY-MM-DD`` (for freeze lists: ``date: {in: ["2025-10-01"]}``).
    """
    spec = event.spec
    return {
        "event": {"type": event.type, "name": spec.name, "code": event.event_code, "module": spec.module,
                  "level": spec.level, "region": event.region, "delivery": event.delivery},
        "workspace": {"id": event.workspace_id},
        "tenant": {"id": event.tenant_id},
        "operator": {"uid": event.operator},
        "now": now,
        "day": DAYS[now.weekday()],
        "hour": now.hour,
        "date": now.strftime("%Y-%m-%d"),
    }
