"""Links from a DQ result to the DataWorks console.

The default is the *check detail* page of Data Quality, the page DataWorks' own DQ alert
webhooks link to as ``detailUrl`` (DataWorks docs, "Configure monitoring rules" → "Appendix:
Webhook message format")::

    https://dqc-cn-zhangjiakou.data.aliyun.com/?defaultProjectId=3058#/jobDetail?envType=ODPS
        &projectName=…&tableName=…&entityId=…&taskId=…&bizDate=1687536000000&executeTime=1687694111000

The console host and route are not an API and may change, so the template is configurable
(``link_template`` in the function config, ``DQ_LINK_TEMPLATE`` in env-only mode; an empty
value disables links). Placeholders: ``{region}``, ``{workspace_id}``, ``{env_type}``,
``{project}``, ``{table}``, ``{entity_id}``, ``{task_id}``, ``{check_id}``, ``{rule_id}``,
``{node_id}``, ``{bizdate_ms}``, ``{begin_ms}``. Values are URL-encoded. A template whose
placeholders cannot all be filled from the result gives no link rather than a broken one.

Example:
    >>> from openevent.events import parse, sample_event
    >>> from openevent.quality.result import normalise
    >>> r = normalise(parse(sample_event("dataworks:DqcCheck:DqcCheckFinishedEvent")))
    >>> console_link(r).split("#")[0]
    'https://dqc-cn-hangzhou.data.aliyun.com/?defaultProjectId=10001'
"""

from __future__ import annotations

import string
from typing import Any
from urllib.parse import quote

from openevent.events.fields import stamp_to_datetime
from openevent.quality.result import DqResult

DEFAULT_LINK_TEMPLATE = (
    "https://dqc-{region}.data.aliyun.com/?defaultProjectId={workspace_id}#/jobDetail?envType={env_type}"
    "&projectName={project}&tableName={table}&entityId={entity_id}&taskId={task_id}"
    "&bizDate={bizdate_ms}&executeTime={begin_ms}"
)

PLACEHOLDERS = frozenset({"region", "workspace_id", "env_type", "project", "table", "entity_id", "task_id",
                          "check_id", "rule_id", "node_id", "bizdate_ms", "begin_ms"})


def link_values(result: DqResult) -> dict[str, str]:
    """The placeholder values a result can fill (missing ones are absent).

    Example:
        >>> from openevent.events import parse, sample_event
        >>> from openevent.quality.result import normalise
        >>> link_values(normalise(parse(sample_event("dataworks:DqcCheck:DqcCheckFinishedEvent"))))["bizdate_ms"]
        '1741795200000'
    """
    raw: dict[str, Any] = {
        "region": result.event.region, "workspace_id": result.workspace.id,
        "env_type": result.table.env_type or "ODPS", "project": result.table.project,
        "table": result.table.name, "entity_id": result.entity_id, "task_id": result.task_id,
        "check_id": result.check_id, "rule_id": result.rule.id, "node_id": result.trigger.node_id,
        "bizdate_ms": _ms(result.partition.bizdate), "begin_ms": _ms(result.times.begin),
    }
    return {k: quote(str(v), safe="") for k, v in raw.items() if v not in (None, "")}


def console_link(result: DqResult, template: str | None = DEFAULT_LINK_TEMPLATE) -> str | None:
    """The console URL for ``result`` from ``template``, or ``None`` (no template, or a value missing).

    Example:
        >>> from openevent.events import parse, sample_event
        >>> from openevent.quality.result import normalise
        >>> r = normalise(parse(sample_event("dataworks:DqcCheck:DqcCheckFinishedEvent")))
        >>> console_link(r, "https://dw.example/{workspace_id}/rules/{rule_id}")
        'https://dw.example/10001/rules/28610334'
        >>> console_link(r, None) is None
        True
    """
    if not template:
        return None
    values = link_values(result)
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    if not names <= values.keys():
        return None
    return template.format(**values)


def check_template(template: str) -> str:
    """Validate a link template (known placeholders only); returns it unchanged.

    Example:
        >>> check_template("https://x/{nope}")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ValueError: unknown placeholder {nope}; known: begin_ms, bizdate_ms, check_id, ...
    """
    known = PLACEHOLDERS
    for _, name, spec, conv in string.Formatter().parse(template):
        if name is None:
            continue
        if name not in known or spec or conv:
            raise ValueError(f"unknown placeholder {{{name}}}; known: {', '.join(sorted(known))}")
    return template


def _ms(iso: str | None) -> int | None:
    moment = stamp_to_datetime(iso) if iso else None
    return int(moment.timestamp() * 1000) if moment is not None else None
