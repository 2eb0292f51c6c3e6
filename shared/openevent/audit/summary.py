"""Chat summaries of selected changes (a production node frozen, its owner changed, a workspace deleted…).

A record is summarised when one of its ``labels`` is in ``chat_summary.labels`` and its workspace
is in ``chat_summary.workspaces`` (or that list is empty). Each receiver gets each event's summary
once: the part ``chat:<receiver>`` of the event's idempotency claim is recorded after a successful
send (the same mechanism as the sinks', :mod:`openevent.audit.delivery`). A failed chat post is
reported (``chat:<receiver>: failed``) and logged but does not fail the invocation: the audit
trail is in the sinks, the chat line is a courtesy (a later delivery of the event tries again).
Sends share the invocation's budget (at most ``chat_summary.budget_s``) and never sleep out a
vendor's throttling.

Example:
    >>> from openevent.audit.record import AuditRecord, Resource
    >>> rec = AuditRecord(audit_id="a", event_id="e", event_type="t", action="update", recorded_at="x",
    ...                   resource=Resource(kind="node", id="7", name="ods_orders"), labels=["frozen"])
    >>> summary_message(rec, lang="en").title
    'Audit: node ods_orders (7) frozen'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from openevent.audit.config import ChatSummaryConfig
from openevent.audit.delivery import EventRecords
from openevent.audit.record import AuditRecord
from openevent.delivery.idempotency import Idempotency

THROTTLE_WAIT_S = 1.0
"""The longest vendor wait a summary sleeps for; a longer one is reported ``failed``."""

_LABEL_TEXT = {
    "zh": {"frozen": "被冻结", "unfrozen": "已解冻", "owner-changed": "负责人变更", "node-deleted": "已删除",
           "workspace-deleted": "已删除", "schedule-changed": "调度周期变更"},
    "en": {"frozen": "frozen", "unfrozen": "unfrozen", "owner-changed": "owner changed", "node-deleted": "deleted",
           "workspace-deleted": "deleted", "schedule-changed": "schedule changed"},
}


def summary_part(receiver: str, audit_id: str) -> str:
    """The part of an event's claim that says ``receiver`` got the summary of record ``audit_id``.

    Example:
        >>> summary_part("oncall", "6d0c")
        'chat:oncall:6d0c'
    """
    return f"chat:{receiver}:{audit_id}"


def selected(record: AuditRecord, config: ChatSummaryConfig) -> list[str]:
    """The labels of ``record`` that ``config`` asks to summarise (empty: no summary)."""
    if config.workspaces and record.where.workspace_id not in config.workspaces:
        return []
    return [label for label in record.labels if label in config.labels]


def summary_message(record: AuditRecord, *, lang: str = "zh", labels: Sequence[str] | None = None) -> Any:
    """The :class:`openevent.notify.Message` (kind ``audit_change``) that summarises ``record``."""
    from openevent.notify.message import Message

    words = _LABEL_TEXT["en" if lang == "en" else "zh"]
    what = ", ".join(words.get(label, label) for label in (labels or record.labels))
    res = record.resource
    title = (f"Audit: {res.kind} {res.name or ''} ({res.id}) {what}" if lang == "en"
             else f"审计：{res.kind} {res.name or ''} ({res.id}) {what}").replace("  ", " ")
    fields: list[tuple[str, str]] = [("workspace", record.where.workspace_id or ""),
                                     ("operator", record.actor.uid or record.actor.kind),
                                     ("time", record.occurred_at or ""), ("action", record.action)]
    for change in record.diff or []:
        fields.append((change.field, f"{change.before} → {change.after}"))
    fields.append(("audit_id", record.audit_id))
    severity = "warning" if {"frozen", "node-deleted", "workspace-deleted"} & set(record.labels) else "info"
    return Message(kind="audit_change", title=title, severity=severity, fields=fields,
                   lang="en" if lang == "en" else "zh")


class ChatSummary:
    """Sends summaries through the ``openevent.notify`` channels named in the config."""

    def __init__(self, config: ChatSummaryConfig, receivers: Mapping[str, Any], *,
                 channels: Mapping[str, Any] | None = None) -> None:
        self.config = config
        if channels is None:
            from openevent.notify.receivers import NotifyConfig, build_channels

            parsed = NotifyConfig.model_validate({"receivers": dict(receivers)}).receivers
            chosen = {name: parsed[name] for name in config.receivers if name in parsed}
            channels = build_channels(chosen)
        self.channels = dict(channels)

    def __call__(self, items: Sequence[EventRecords], idempotency: Idempotency | None = None) -> dict[str, str]:
        """Summarise the selected records of ``items`` to every receiver that lacks them; ``{chat:<name>: status}``."""
        import time

        from openevent.delivery.budget import current_budget
        from openevent.notify.sender import send_with_retry
        from openevent.runtime.logging import get_logger

        statuses: dict[str, str] = {}
        started = time.monotonic()
        for item in items:
            for record in item.records:
                labels = selected(record, self.config)
                if not labels:
                    continue
                message = summary_message(record, lang=self.config.lang, labels=labels)
                for name, channel in self.channels.items():
                    status, part = f"chat:{name}", summary_part(name, record.audit_id)
                    if part in item.done:
                        statuses.setdefault(status, "already-sent")
                        continue
                    budget = current_budget()
                    left = self.config.budget_s - (time.monotonic() - started)
                    if budget is not None:
                        left = min(left, budget.available())
                    outcome = send_with_retry(channel, message, budget_s=max(0.0, left), max_wait_s=THROTTLE_WAIT_S)
                    if outcome.ok:
                        item.done.add(part)
                        if idempotency is not None:
                            idempotency.complete_part(item.key, part, {"status": "sent", "at": time.time()})
                        statuses[status] = "sent"
                    else:
                        get_logger("openevent.audit").warning("audit.chat_failed", receiver=name,
                                                              reason=outcome.reason)
                        statuses[status] = "failed"
        return statuses
