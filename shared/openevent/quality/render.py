"""The chat message for a DQ result: what was checked, what was expected, what was found, how bad.

One :class:`~openevent.notify.message.Message` of kind ``dq_result`` whose title names the
level, the table and the partition, whose text says rule, expected vs actual and, for a strong
rule at the critical threshold, that DataWorks is **holding the downstream instance**, and whose
fields carry the details in a fixed order (table, partition, rule, metric, expected, actual,
result, blocking, trigger, check time, workspace), in Chinese or English.

Example:
    >>> from openevent.events import parse, sample_event
    >>> from openevent.quality.result import normalise
    >>> r = normalise(parse(sample_event("dataworks:DqcCheck:DqcCheckFinishedEvent",
    ...                                  {"data.checkResult": 2, "data.sampleValue": [{"value": 0}]})))
    >>> m = render_message(r, lang="en")
    >>> m.title
    'BLOCKING · DQ critical: sales_dw.dwd_order_detail_di ds=20250313'
    >>> dict(m.fields)["Expected"], dict(m.fields)["Actual"]
    ('>= 0', '0')
"""

from __future__ import annotations

from openevent.notify.message import Lang, Message, Severity
from openevent.quality.result import DqResult, Sample, format_value

SEVERITY: dict[str, Severity] = {"critical": "critical", "exception": "error", "warning": "warning",
                                 "passed": "info", "skipped": "info", "feedback": "info"}
MAX_SAMPLES = 5

_L: dict[str, tuple[str, str]] = {
    "table": ("表", "Table"), "partition": ("分区", "Partition"), "rule": ("规则", "Rule"),
    "metric": ("指标", "Metric"), "expected": ("期望", "Expected"), "actual": ("实际", "Actual"),
    "result": ("结果", "Result"), "blocking": ("阻塞", "Blocking"), "trigger": ("触发", "Triggered by"),
    "time": ("校验时间", "Checked at"), "workspace": ("工作空间", "Workspace"),
    "feedback": ("反馈", "Feedback"), "by": ("反馈人", "By"), "fb_time": ("反馈时间", "Given at"),
    "check": ("校验记录", "Check"),
    "strong": ("强规则", "strong"), "weak": ("弱规则", "weak"), "node": ("调度节点", "node"),
    "manual": ("手动触发", "manual run"), "dq": ("数据质量", "DQ"), "blocking_title": ("阻塞", "BLOCKING"),
    "blocking_yes": ("是：DataWorks 已阻塞下游实例，处理后才会继续运行",
                     "yes: DataWorks is holding the downstream instance until this is resolved"),
    "blocking_no": ("否", "no"), "column": ("列", "column"), "reference": ("参考值", "reference"),
    "trend": ("趋势", "trend"), "warn": ("警告阈值", "warning"), "crit": ("严重阈值", "critical"),
    "between": ("介于", "between"), "and": ("和", "and"),
}
_LEVELS: dict[str, tuple[str, str]] = {
    "critical": ("严重", "critical"), "warning": ("警告", "warning"), "exception": ("异常", "exception"),
    "passed": ("通过", "passed"), "skipped": ("跳过", "skipped"), "feedback": ("反馈", "feedback"),
}


def _t(key: str, lang: Lang) -> str:
    zh, en = _L[key]
    return zh if lang == "zh" else en


def level_label(level: str, lang: Lang) -> str:
    """``critical`` → ``严重`` / ``critical``; unknown levels are shown as they are."""
    pair = _LEVELS.get(level)
    return level if pair is None else (pair[0] if lang == "zh" else pair[1])


def render_message(result: DqResult, *, lang: Lang = "zh") -> Message:
    """The chat message for ``result`` (finished or feedback).

    Example:
        >>> from openevent.events import parse, sample_event
        >>> from openevent.quality.result import normalise
        >>> r = normalise(parse(sample_event("dataworks:DqcCheck:DqcCheckFeedbackEvent")))
        >>> render_message(r, lang="en").title
        'DQ feedback on rule 28610334: Skip'
    """
    if result.event.kind == "feedback":
        return _feedback_message(result, lang)
    return _finished_message(result, lang)


def expected_text(result: DqResult, lang: Lang = "en") -> str:
    """What the rule expects: ``>= 0``, ``trend up; warning 0.1, critical 0.6``, ``between 2344 and 22200``.

    Example:
        >>> from openevent.events import parse, sample_event
        >>> from openevent.quality.result import normalise
        >>> expected_text(normalise(parse(sample_event("dataworks:DqcCheck:DqcCheckFinishedEvent",
        ...     {"data.fixedCheck": False, "data.warningThreshold": 0.1, "data.criticalThreshold": "0.6"}))))
        '>= 0; warning 0.1, critical 0.6'
    """
    c = result.check
    parts = []
    if c.operator and c.expected is not None:
        parts.append(f"{c.operator} {format_value(c.expected)}")
    elif c.trend:
        parts.append(f"{_t('trend', lang)} {c.trend}")
    thresholds = [f"{_t(k, lang)} {format_value(v)}" for k, v in (("warn", c.warning_threshold),
                                                                  ("crit", c.critical_threshold)) if v is not None]
    if thresholds:
        parts.append(", ".join(thresholds))
    if c.lower is not None and c.upper is not None:
        parts.append(f"{_t('between', lang)} {format_value(c.lower)} {_t('and', lang)} {format_value(c.upper)}")
    return "; ".join(parts) or "-"


def actual_text(result: DqResult, lang: Lang = "en") -> str:
    """The sample value(s), with the reference value of a fluctuation check.

    Example:
        >>> from openevent.events import parse, sample_event
        >>> from openevent.quality.result import normalise
        >>> actual_text(normalise(parse(sample_event("dataworks:DqcCheck:DqcCheckFinishedEvent"))))
        '48213'
    """
    text = _samples(result.sample) or "-"
    if result.check.method != "fixed" and result.reference:
        text += f" ({_t('reference', lang)} {_samples(result.reference)})"
    return text


def _samples(samples: list[Sample]) -> str:
    shown = [(f"{s.group}={format_value(s.value)}" if s.group and len(samples) > 1 else format_value(s.value))
             for s in samples[:MAX_SAMPLES] if s.value is not None]
    more = len(samples) - MAX_SAMPLES
    return ", ".join(shown) + (f", … (+{more})" if more > 0 else "")


def _where(result: DqResult) -> str:
    table = result.table.qualified_name or result.table.name or "?"
    return f"{table} {result.partition.expression}" if result.partition.expression else table


def _finished_message(result: DqResult, lang: Lang) -> Message:
    level = result.level
    rule = result.rule
    strength = _t("strong" if rule.strong else "weak", lang)
    rule_text = f"{rule.name or rule.id} (#{rule.id}, {strength})" if rule.name else f"#{rule.id} ({strength})"
    metric = result.metric.method or "-"
    if result.metric.column:
        metric += f" ({_t('column', lang)} {result.metric.column})"
    trigger = (_t("manual", lang) if result.trigger.manual
               else f"{_t('node', lang)} {result.trigger.node_id} ({result.trigger.type})")
    code = result.result.code if result.result is not None else "?"
    expected, actual = expected_text(result, lang), actual_text(result, lang)
    fields = [
        (_t("table", lang), result.table.qualified_name or result.table.name or "-"),
        (_t("partition", lang), result.partition.expression or "-"),
        (_t("rule", lang), rule_text),
        (_t("metric", lang), metric),
        (_t("expected", lang), expected),
        (_t("actual", lang), actual),
        (_t("result", lang), f"{level_label(level, lang)} ({code})"),
        (_t("blocking", lang), _t("blocking_yes" if result.blocking else "blocking_no", lang)),
        (_t("trigger", lang), trigger),
        (_t("time", lang), " ".join(p for p in (result.times.begin or "-", _paren(result.times.duration)) if p)),
        (_t("workspace", lang), _workspace(result)),
    ]
    head = f"{_t('blocking_title', lang)} · " if result.blocking else ""
    title = f"{head}{_t('dq', lang)} {level_label(level, lang)}: {_where(result)}"
    if lang == "zh":
        text = f"规则「{rule.name or rule.id}」校验{level_label(level, 'zh')}：期望 {expected}，实际 {actual}。"
        if result.blocking:
            text += "强规则触发严重阈值，DataWorks 已阻塞下游实例。"
    else:
        text = f"Rule \"{rule.name or rule.id}\" {level_label(level, 'en')}: expected {expected}, actual {actual}."
        if result.blocking:
            text += " Strong rule at the critical threshold: DataWorks is holding the downstream instance."
    return Message(kind="dq_result", title=title, severity=SEVERITY.get(level, "warning"), text=text,
                   fields=fields, link=result.link, lang=lang)


def _feedback_message(result: DqResult, lang: Lang) -> Message:
    fb = result.feedback
    content = fb.content if fb is not None and fb.content else "-"
    fields = [(_t("feedback", lang), content), (_t("by", lang), (fb.user if fb else None) or "-"),
              (_t("fb_time", lang), (fb.at if fb else None) or "-"),
              (_t("rule", lang),
               f"{result.rule.name} (#{result.rule.id})" if result.rule.name else str(result.rule.id)),
              (_t("check", lang), str(result.check_id or "-"))]
    if result.table.name:
        fields.insert(0, (_t("table", lang), _where(result)))
    if result.result is not None:
        fields.append((_t("result", lang), f"{level_label(result.result.name, lang)} ({result.result.code})"))
    fields.append((_t("workspace", lang), _workspace(result)))
    title = (f"数据质量反馈（规则 {result.rule.id}）：{content}" if lang == "zh"
             else f"DQ feedback on rule {result.rule.id}: {content}")
    return Message(kind="dq_result", title=title, severity="info", fields=fields, link=result.link, lang=lang)


def _workspace(result: DqResult) -> str:
    ws = result.workspace
    return f"{ws.name} ({ws.id})" if ws.name else str(ws.id or "-")


def _paren(text: str | None) -> str:
    return f"({text})" if text else ""
