"""Enums for the documented DataWorks codes, open to values the docs do not list.

DataWorks adds codes over time and its own docs disagree (instance "not run" is 1 in the
format table and 0 in the official sample code). An unknown value must never make a
message unparseable, so every enum here is *open*: an undocumented value becomes a
pseudo-member named ``UNKNOWN_<value>`` that compares equal to the raw value.
Numeric codes sent as strings (``"5"``) are accepted too.

Example:
    >>> InstanceStatus(5), InstanceStatus("6"), InstanceStatus(42).name
    (<InstanceStatus.FAILURE: 5>, <InstanceStatus.SUCCESS: 6>, 'UNKNOWN_42')
    >>> InstanceStatus(0).is_not_run and InstanceStatus(1).is_not_run
    True
"""

from __future__ import annotations

from enum import Enum, IntEnum
from typing import Any


class OpenIntEnum(IntEnum):
    """An ``IntEnum`` that keeps unknown values as ``UNKNOWN_<n>`` pseudo-members."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                return None
            known = cls._value2member_map_.get(value)
            if known is not None:
                return known
        if isinstance(value, int) and not isinstance(value, bool):
            member = int.__new__(cls, value)
            member._name_ = f"UNKNOWN_{value}"
            member._value_ = value
            return member
        return None


class OpenStrEnum(str, Enum):
    """A string enum, case-insensitive, that keeps unknown values as pseudo-members."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        for member in cls:
            if member.value.lower() == value.lower():
                return member
        member = str.__new__(cls, value)
        member._name_ = f"UNKNOWN_{value}"
        member._value_ = value
        return member

    def __str__(self) -> str:
        return str(self.value)


class InstanceStatus(OpenIntEnum):
    """Scheduled instance ``status`` (§8.4). "Not run" is sent as 1 (format table) or 0 (samples)."""

    NOT_RUN_0 = 0
    NOT_RUN = 1
    WAIT_TIME = 2
    WAIT_RESOURCE = 3
    RUNNING = 4
    FAILURE = 5
    SUCCESS = 6
    CHECKING = 7
    CHECKING_CONDITION = 8

    @property
    def is_not_run(self) -> bool:
        return self.value in (0, 1)

    @property
    def is_final(self) -> bool:
        return self.value in (5, 6)


class DagType(OpenIntEnum):
    """``dagType``. 4 and 5 are swapped between the format doc and the official sample code;
    the names follow the format doc (4 temporary workflow, 5 manually triggered workflow)."""

    SCHEDULED = 0
    MANUAL = 1
    SMOKE_TEST = 2
    BACKFILL = 3
    TEMPORARY_WORKFLOW = 4
    MANUAL_WORKFLOW = 5


class SchedulerType(OpenIntEnum):
    """``taskType`` of instance events; node events send the *name* (see :class:`SchedulerTypeName`)."""

    NORMAL = 0
    MANUAL = 1
    PAUSE = 2
    SKIP = 3
    SKIP_UNCHOOSE = 4
    SKIP_CYCLE = 5
    CONDITION_UNCHOOSE = 6
    REALTIME_DEPRECATED = 7


class SchedulerTypeName(OpenStrEnum):
    """``schedulerType`` of node events, sent as the name string. ``PAUSE`` means frozen."""

    NORMAL = "NORMAL"
    MANUAL = "MANUAL"
    PAUSE = "PAUSE"
    SKIP = "SKIP"
    SKIP_UNCHOOSE = "SKIP_UNCHOOSE"
    SKIP_CYCLE = "SKIP_CYCLE"
    CONDITION_UNCHOOSE = "CONDITION_UNCHOOSE"
    REALTIME_DEPRECATED = "REALTIME_DEPRECATED"


class WorkflowStatus(OpenIntEnum):
    """DAG (workflow) ``status`` of ``DagStatusChanges`` (§8.9)."""

    NOT_RUN = 1
    RUNNING = 4
    FAILURE = 5
    SUCCESS = 6


class BaselineStatus(OpenIntEnum):
    """``baselineStatus`` of a baseline (SLA) alert."""

    ABNORMAL = -1
    SAFE = 1
    WARNING = 2
    OVERTIME = 3


class DqCheckResult(OpenIntEnum):
    """Data Quality ``checkResult`` (§10.2)."""

    SKIPPED = -2
    EXCEPTION = -1
    PASSED = 0
    WARNING = 1
    CRITICAL = 2


class AlarmType(OpenStrEnum):
    SLA_ALERT = "SLA_ALERT"
    REMIND_ALERT = "REMIND_ALERT"
    TOPIC_ALERT = "TOPIC_ALERT"


class RemindType(OpenStrEnum):
    FINISHED = "FINISHED"
    UNFINISHED = "UNFINISHED"
    ERROR = "ERROR"
    CYCLE_UNFINISHED = "CYCLE_UNFINISHED"
    TIMEOUT = "TIMEOUT"
    RES_GROUP_THRESHOLD = "RES_GROUP_THRESHOLD"
    RES_GROUP_WAIT_AMOUNT = "RES_GROUP_WAIT_AMOUNT"


class RemindUnit(OpenStrEnum):
    NODE = "NODE"
    GATEWAY_RES = "GATEWAY_RES"
    DI_RES = "DI_RES"


class ChangeType(OpenIntEnum):
    """``changeType`` of file commit/deploy (sent as the string ``"0"``)."""

    CREATE = 0
    UPDATE = 1
    DELETE = 2
