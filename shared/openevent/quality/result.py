"""The normalised Data Quality result (schema ``openevent.dq_result/v1``): one document per DQ event.

DataWorks reports a rule check with ``DqcCheckFinishedEvent`` and a user's feedback on a check
with ``DqcCheckFeedbackEvent`` (reference §10.1–10.2). Their payloads mix camelCase keys,
times as ``"yyyy-MM-dd HH:mm:ss"`` strings or epoch milliseconds (as numbers or strings) and
numbers sent as strings (§11.5). :func:`normalise` turns either event into a :class:`DqResult`
with stable snake_case keys, ISO 8601 times (China time, ``+08:00``) and plain numbers: the
document the webhook destination posts, the SLS destination stores (flattened by
:func:`log_contents`) and the chat message is rendered from.

Schema (``schema: "openevent.dq_result/v1"``; keys are only ever added within a version)::

    event       {id, type, kind: "finished"|"feedback", time, region}
    workspace   {id, name}            tenant_id
    table       {project, database, name, qualified_name, env_type}
    partition   {expression (actual partition, "ds=20250313"), filter ("ds=$[yyyymmdd-1]"),
                 bizdate (ISO)}
    rule        {id, name, strong, block_type, template_id, checker_type, comment}
    metric      {method ("table_count"), column (None for a table-level rule)}
    check       {method: "fixed"|"fluctuation"|"prediction", operator, trend, expected,
                 warning_threshold, critical_threshold, lower, upper, discrete}
    sample      [{biz_date, group, value}]         reference [{biz_date, group, value, result}]
    actual      the first sample value (or None)
    result      {code: -2..2, name: skipped|exception|passed|warning|critical, blocking,
                 status (checkResultStatus)}    (None for feedback without a known check)
    trigger     {type ("CWF2"), node_id (the scheduling node that produced the data), manual}
    times       {begin, end, duration, duration_s}
    check_id, task_id, entity_id
    feedback    {content, user, at, rule_check_id}   (feedback events only)
    link        console URL of the check (see :mod:`openevent.quality.links`) or None
    unparsed    {wire field: value as sent} for the times and numbers that could not be read
                (their normalised field is None; e.g. {"bizdate": "99999999999999999999"}), or None

``result.blocking`` is true for a **strong** rule (``blockType`` 1) at the **critical**
threshold (``checkResult`` 2): DataWorks then holds the downstream instance until someone acts.

Example:
    >>> from openevent.events import parse, sample_event
    >>> r = normalise(parse(sample_event("dataworks:DqcCheck:DqcCheckFinishedEvent",
    ...                                  {"data.checkResult": 2})))
    >>> r.table.qualified_name, r.partition.expression, r.result.name, r.result.blocking
    ('sales_dw.dwd_order_detail_di', 'ds=20250313', 'critical', True)
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from openevent.errors import OpenEventError
from openevent.events.codes import DqCheckResult
from openevent.events.envelope import Event
from openevent.events.fields import log_unreadable, stamp_to_datetime

SCHEMA = "openevent.dq_result/v1"
FINISHED_TYPE = "dataworks:DqcCheck:DqcCheckFinishedEvent"
FEEDBACK_TYPE = "dataworks:DqcCheck:DqcCheckFeedbackEvent"
EVENT_TYPES = (FINISHED_TYPE, FEEDBACK_TYPE)

ResultName = str  # skipped | exception | passed | warning | critical | unknown_<n>
RESULT_NAMES: dict[int, str] = {m.value: m.name.lower() for m in DqCheckResult}
RESULT_CODES: dict[str, int] = {name: code for code, name in RESULT_NAMES.items()}
FEEDBACK = "feedback"
"""The pseudo result name of a feedback event (filters can select it like a result level)."""


class NotAQualityEventError(OpenEventError):
    """The event is not one of the Data Quality result events this package normalises."""


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EventRef(_Part):
    id: str
    type: str
    kind: Literal["finished", "feedback"]
    time: str | None = None
    region: str | None = None


class Workspace(_Part):
    id: int | str | None = None
    name: str | None = None


class Table(_Part):
    project: str | None = None
    database: str | None = None
    name: str | None = None
    qualified_name: str | None = None
    env_type: str | None = None


class Partition(_Part):
    expression: str | None = None
    filter: str | None = None
    bizdate: str | None = None


class Rule(_Part):
    id: int | str | None = None
    name: str | None = None
    strong: bool = False
    block_type: int | None = None
    template_id: int | None = None
    checker_type: int | None = None
    comment: str | None = None


class Metric(_Part):
    method: str | None = None
    column: str | None = None


class Check(_Part):
    method: Literal["fixed", "fluctuation", "prediction"] | None = None
    operator: str | None = None
    trend: str | None = None
    expected: float | None = None
    warning_threshold: float | None = None
    critical_threshold: float | None = None
    lower: float | None = None
    upper: float | None = None
    discrete: bool | None = None


class Sample(_Part):
    biz_date: str | None = None
    group: str | None = None
    value: float | None = None
    result: int | None = None


class CheckOutcome(_Part):
    code: int
    name: ResultName
    blocking: bool = False
    status: int | None = None


class Trigger(_Part):
    type: str | None = None
    node_id: str | None = None
    manual: bool = False


class Times(_Part):
    begin: str | None = None
    end: str | None = None
    duration: str | None = None
    duration_s: float | None = None


class Feedback(_Part):
    content: str | None = None
    user: str | None = None
    at: str | None = None
    rule_check_id: int | str | None = None


class DqResult(_Part):
    """One normalised DQ result (see the module docstring for the schema)."""

    schema_: str = SCHEMA
    event: EventRef
    workspace: Workspace
    tenant_id: int | str | None = None
    table: Table = Table()
    partition: Partition = Partition()
    rule: Rule = Rule()
    metric: Metric = Metric()
    check: Check = Check()
    sample: list[Sample] = []
    reference: list[Sample] = []
    actual: float | None = None
    result: CheckOutcome | None = None
    trigger: Trigger = Trigger()
    times: Times = Times()
    check_id: int | str | None = None
    task_id: str | None = None
    entity_id: int | str | None = None
    feedback: Feedback | None = None
    link: str | None = None
    unparsed: dict[str, Any] | None = None

    @property
    def level(self) -> ResultName:
        """What filters match on: the result name, or ``feedback`` for a feedback event."""
        if self.event.kind == "feedback":
            return FEEDBACK
        return self.result.name if self.result is not None else "unknown"

    @property
    def blocking(self) -> bool:
        return self.result is not None and self.result.blocking

    def to_json(self) -> dict[str, Any]:
        """The JSON document (``schema`` first), as the webhook destination posts it.

        Example:
            >>> from openevent.events import parse, sample_event
            >>> normalise(parse(sample_event(FINISHED_TYPE))).to_json()["schema"]
            'openevent.dq_result/v1'
        """
        doc = self.model_dump(mode="json")
        doc.pop("schema_")
        return {"schema": self.schema_, **doc}


def result_name(code: int) -> ResultName:
    """``-2..2`` → ``skipped | exception | passed | warning | critical`` (``unknown_<n>`` otherwise).

    Example:
        >>> result_name(-1), result_name(7)
        ('exception', 'unknown_7')
    """
    return RESULT_NAMES.get(code, f"unknown_{code}")


def normalise(event: Event) -> DqResult:
    """The normalised result of a parsed ``DqcCheckFinishedEvent`` or ``DqcCheckFeedbackEvent``.

    Raises :class:`NotAQualityEventError` for any other event type.

    Example:
        >>> from openevent.events import parse, sample_event
        >>> normalise(parse(sample_event(FEEDBACK_TYPE))).feedback.content
        'Skip'
    """
    if event.type == FINISHED_TYPE:
        return _finished(event)
    if event.type == FEEDBACK_TYPE:
        return _feedback(event)
    raise NotAQualityEventError(f"{event.type}: not a Data Quality result event ({', '.join(EVENT_TYPES)})")


def _ref(event: Event, kind: Literal["finished", "feedback"]) -> EventRef:
    return EventRef(id=event.id, type=event.type, kind=kind, time=event.time, region=event.aliyunregionid)


def _finished(event: Event) -> DqResult:
    d = event.data
    extra: dict[str, Any] = dict(d.model_extra or {})
    code = int(d.check_result)
    strong = d.block_type == 1
    project = d.project_name
    database = _text(extra.get("databaseName") or extra.get("schemaName") or extra.get("database"))
    unparsed: dict[str, Any] = {}
    read = _Reader(unparsed)
    samples = [_sample(s, f"sampleValue[{i}]", unparsed) for i, s in enumerate(d.sample_value or [])]
    return DqResult(
        event=_ref(event, "finished"),
        workspace=Workspace(id=event.workspace_id, name=d.project_name),
        tenant_id=event.tenant_id,
        table=Table(project=project, database=database, name=d.table_name,
                    qualified_name=".".join(p for p in (project, database, d.table_name) if p) or None,
                    env_type=_text(extra.get("envType") or extra.get("engineTypeName"))),
        partition=Partition(expression=d.actual_expression, filter=d.match_expression,
                            bizdate=read.iso(d.bizdate, "bizdate")),
        rule=Rule(id=d.rule_id, name=d.rule_name, strong=strong, block_type=d.block_type,
                  template_id=d.template_id, checker_type=d.checker_type,
                  comment=d.comment or _text(extra.get("comment"))),
        metric=Metric(method=d.method_name or _text(extra.get("MethodName")), column=_column(d.column)),
        check=Check(method=_check_method(d.fixed_check, d.is_prediction), operator=d.op or None,
                    trend=d.trend or None, expected=read.num(d.expect_value, "expectValue"),
                    warning_threshold=read.num(extra.get("warningThreshold"), "warningThreshold"),
                    critical_threshold=read.num(extra.get("criticalThreshold"), "criticalThreshold"),
                    lower=read.num(extra.get("lowerValue"), "lowerValue"),
                    upper=read.num(extra.get("upperValue"), "upperValue"),
                    discrete=d.discrete if d.discrete is not None else extra.get("discreteCheck")),
        sample=samples,
        reference=[_sample(s, f"referenceValue[{i}]", unparsed) for i, s in enumerate(d.reference_value or [])],
        actual=samples[0].value if samples else None,
        result=CheckOutcome(code=code, name=result_name(code), blocking=strong and code == DqCheckResult.CRITICAL,
                       status=d.check_result_status),
        trigger=_trigger(d.external_type, d.external_id),
        times=Times(begin=read.iso(d.begin_time, "beginTime"), end=read.iso(d.end_time, "endTime"),
                    duration=d.time_consuming, duration_s=_seconds(d.time_consuming)),
        check_id=d.id, task_id=d.task_id, entity_id=d.entity_id,
        unparsed=unparsed or None,
    )


def _feedback(event: Event) -> DqResult:
    d = event.data
    extra: dict[str, Any] = dict(d.model_extra or {})
    unparsed: dict[str, Any] = {}
    at = _Reader(unparsed).iso(d.begin_time, "beginTime")
    return DqResult(
        event=_ref(event, "feedback"),
        workspace=Workspace(id=event.workspace_id, name=d.project_name),
        tenant_id=event.tenant_id,
        table=Table(project=d.project_name, name=_text(extra.get("tableName")), env_type=d.env_type,
                    qualified_name=".".join(p for p in (d.project_name, _text(extra.get("tableName"))) if p)
                    if extra.get("tableName") else None),
        rule=Rule(id=d.rule_id),
        check_id=d.rule_check_id, task_id=d.task_id,
        feedback=Feedback(content=d.feedback_content, user=d.create_user, at=at, rule_check_id=d.rule_check_id),
        unparsed=unparsed or None,
    )


def _sample(s: Any, where: str, unparsed: dict[str, Any]) -> Sample:
    read = _Reader(unparsed)
    return Sample(biz_date=read.iso(s.biz_date, f"{where}.bizDate"), group=s.discrete_property,
                  value=read.num(s.value, f"{where}.value"), result=s.single_check_result)


class _Reader:
    """Reads times and numbers of one event; what it cannot read goes to ``unparsed`` as sent, with a warning."""

    def __init__(self, unparsed: dict[str, Any]) -> None:
        self.unparsed = unparsed

    def iso(self, value: int | str | None, field: str) -> str | None:
        """An ISO 8601 time in China time, ``None`` when ``value`` is none or no time."""
        moment = stamp_to_datetime(value, field=f"data.{field}")
        if moment is None and value not in (None, ""):
            self.unparsed[field] = value
        return moment.isoformat() if moment is not None else None

    def num(self, value: Any, field: str) -> float | None:
        """A finite float, ``None`` when ``value`` is none or no finite number (``1e999`` reads as infinity)."""
        number = _num(value)
        if number is not None and not math.isfinite(number):
            log_unreadable(f"data.{field}", value, "a finite number")
            self.unparsed[field] = value if isinstance(value, str) else str(value)
            return None
        return number


def _trigger(external_type: str | None, external_id: str | None) -> Trigger:
    """``externalType`` ``CWF2`` means the scheduler ran the check after node ``externalId``;
    an empty type or ``externalId == "triggerByManual"`` means someone ran it by hand."""
    manual = not external_type or external_id in (None, "", "triggerByManual")
    return Trigger(type=external_type or None, node_id=None if manual else external_id, manual=manual)


def _check_method(fixed: bool | None, prediction: bool | None) -> Literal["fixed", "fluctuation", "prediction"] | None:
    if fixed:
        return "fixed"
    if prediction:
        return "prediction"
    if fixed is False:
        return "fluctuation"
    return None


def _column(value: str | None) -> str | None:
    return None if value in (None, "", "-") else value


def _num(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def _seconds(text: str | None) -> float | None:
    """``"7s"`` → 7.0, ``"10"`` → 10.0 (seconds), anything else → None."""
    match = _DURATION.match(text or "")
    if match is None:
        return None
    seconds = float(match.group(1)) * _UNIT_S[match.group(2) or "s"]
    return seconds if math.isfinite(seconds) else None  # "1…(400 digits)s" is no duration


def log_contents(result: DqResult) -> dict[str, str]:
    """The result as one SLS log: flat ``snake_case`` keys, string values (lists as JSON text).

    Nested keys are joined with ``_`` (``table_name``, ``result_code``); ``None`` values are
    left out, booleans are ``"true"``/``"false"``, numbers their shortest text.

    Example:
        >>> from openevent.events import parse, sample_event
        >>> rec = log_contents(normalise(parse(sample_event(FINISHED_TYPE))))
        >>> rec["table_name"], rec["result_code"], rec["result_name"], rec["rule_strong"]
        ('dwd_order_detail_di', '0', 'passed', 'true')
    """
    out: dict[str, str] = {}
    for key, value in result.to_json().items():
        _flatten(key, value, out)
    return out


def _flatten(key: str, value: Any, out: dict[str, str]) -> None:
    if value is None:
        return
    if isinstance(value, dict):
        for sub, inner in value.items():
            _flatten(f"{key}_{sub}", inner, out)
    elif isinstance(value, list):
        out[key] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        out[key] = format_value(value)


def format_value(value: Any) -> str:
    """A scalar as text: ``True`` → ``"true"``, ``48213.0`` → ``"48213"``, ``0.25`` → ``"0.25"``.

    Example:
        >>> format_value(48213.0), format_value(0.1), format_value(False)
        ('48213', '0.1', 'false')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)
