"""Operation Center monitoring alerts (§8.10): one type, three shapes by ``alarmType``.

``MonitorAlertPayload`` is a discriminated union: baseline (``SLA_ALERT``), event
(``TOPIC_ALERT``) and rule (``REMIND_ALERT``, node or resource-group unit) alerts; an
alarm type the docs do not list parses as :class:`OtherAlert` instead of failing.

The tag is the string field ``alarmType`` (``Literal`` on each model), read by pydantic-core
itself, so the JSON is validated in one pass without a Python call; only a message whose tag is
missing or unknown tries :class:`OtherAlert` next (and :class:`OtherAlert` refuses the three
known tags, so a broken baseline alert is reported as one, not taken as "other").

Example:
    >>> from pydantic import TypeAdapter
    >>> alerts = TypeAdapter(MonitorAlertPayload)
    >>> type(alerts.validate_json(b'{"alarmType": "SLA_ALERT", "baselineId": 7}')).__name__
    'BaselineAlert'
    >>> type(alerts.validate_json(b'{"alarmType": "NEW_ALERT", "x": 1}')).__name__
    'OtherAlert'
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, GetCoreSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

from openevent.events.codes import BaselineStatus, InstanceStatus, RemindType, RemindUnit
from openevent.events.fields import ALERT_KNOWN, ALERT_OTHER, KNOWN_TAG_ERROR, CsvIds, Id, Stamp
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


KNOWN_ALARM_TYPES = ("SLA_ALERT", "TOPIC_ALERT", "REMIND_ALERT")


def _not_a_known_alarm(alert: OtherAlert) -> OtherAlert:
    # runs only when the tagged union failed: a known tag means its own model's error is the real one
    if alert.alarm_type in KNOWN_ALARM_TYPES:
        raise PydanticCustomError(KNOWN_TAG_ERROR, "a known alarm type is not an other alert")
    return alert


class _AlertUnion:
    """``alarmType``-tagged union of the three documented shapes, then :class:`OtherAlert`."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        known = handler.generate_schema(
            Annotated[BaselineAlert | EventAlert | RuleAlert, Discriminator("alarm_type")])
        other = core_schema.no_info_after_validator_function(_not_a_known_alarm, handler.generate_schema(OtherAlert))
        return core_schema.union_schema([(known, ALERT_KNOWN), (other, ALERT_OTHER)], mode="left_to_right")


MonitorAlertPayload = Annotated[BaselineAlert | EventAlert | RuleAlert | OtherAlert, _AlertUnion()]
