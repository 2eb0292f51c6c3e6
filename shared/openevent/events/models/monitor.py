"""Operation Center monitoring alerts (§8.10): one type, three shapes by ``alarmType``.

``MonitorAlertPayload`` is a discriminated union: baseline (``SLA_ALERT``), event
(``TOPIC_ALERT``) and rule (``REMIND_ALERT``, node or resource-group unit) alerts; an
alarm type the docs do not list parses as :class:`OtherAlert` instead of failing.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Tag

from openevent.events.codes import BaselineStatus, InstanceStatus, RemindType, RemindUnit
from openevent.events.fields import CsvIds, Id, Stamp
from openevent.events.models.base import Payload


class BaselineAlert(Payload):
    """``SLA_ALERT``: baseline ``baseline_id`` is in ``baseline_status`` because of ``node_id``."""

    alarm_type: Literal["SLA_ALERT"] = "SLA_ALERT"
    baseline_id: Id
    baseline_name: str | None = None
    baseline_status: BaselineStatus | None = None
    biz_date: Stamp | None = None
    in_group_id: int | None = None
    node_id: Id | None = None
    task_id: Id | None = None


class EventAlert(Payload):
    """``TOPIC_ALERT``: an event (topic) alert about instance ``task_id``."""

    alarm_type: Literal["TOPIC_ALERT"] = "TOPIC_ALERT"
    topic_id: Id | None = None
    task_status: InstanceStatus | None = None
    node_id: Id | None = None
    task_id: Id | None = None


class RuleAlert(Payload):
    """``REMIND_ALERT``: a custom rule fired, on nodes (``remind_unit`` NODE) or a resource group."""

    alarm_type: Literal["REMIND_ALERT"] = "REMIND_ALERT"
    remind_id: Id | None = None
    remind_name: str | None = None
    remind_type: RemindType | None = None
    remind_unit: RemindUnit | None = None
    node_ids: CsvIds | None = None
    task_ids: CsvIds | None = None
    resource_group_identifier: str | None = None
    resource_group_name: str | None = None
    resource_group_type: str | None = None


class OtherAlert(Payload):
    """An ``alarmType`` this library does not know yet."""

    alarm_type: str | None = None


def _alarm_tag(value: Any) -> str:
    kind = value.get("alarmType", value.get("alarm_type")) if isinstance(value, dict) else getattr(
        value, "alarm_type", None)
    return kind if kind in ("SLA_ALERT", "TOPIC_ALERT", "REMIND_ALERT") else "other"


MonitorAlertPayload = Annotated[
    Annotated[BaselineAlert, Tag("SLA_ALERT")]
    | Annotated[EventAlert, Tag("TOPIC_ALERT")]
    | Annotated[RuleAlert, Tag("REMIND_ALERT")]
    | Annotated[OtherAlert, Tag("other")],
    Discriminator(_alarm_tag),
]
