"""Chat summaries of selected changes (a production node frozen, its owner changed, a workspace deleted…).

A record is summarised when one of its ``labels`` is in ``chat_summary.labels`` and its workspace
is in ``chat_summary.workspaces`` (or that list is empty). Each receiver gets each record once:
a done-mark ``audit:sent:chat:<receiver>:<audit_id>`` is written after a successful send. A failed
chat post is reported (``chat:<receiver>: failed``) and logged but does not fail the invocation:
the audit trail is in the sinks, the chat line is a courtesy.

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

from openevent.audit.config import DAY_S, ChatSummaryConfig
from openevent.audit.delivery import mark_key
from openevent.audit.record import AuditRecord
from openevent.state import StateStore

_LABEL_TEXT = {
    "zh": {"frozen": "被冻结", "unfrozen": "已解冻", "owner-changed": "负责人变更", "node-deleted": "已删除",
           "workspace-deleted": "已删除", "schedule-changed": "调度周期变更"},
    "en": {"frozen": "frozen", "unfrozen": "unfrozen", "owner-changed": "owner changed", "node-deleted": "deleted",
           "workspace-deleted": "deleted", "schedule-changed": "schedule changed"},
}


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
                 mark_ttl_s: float = 7 * DAY_S, channels: Mapping[str, Any] | None = None) -> None:
        self.config = config
        self.mark_ttl_s = mark_ttl_s
        if channels is None:
            from openevent.notify.receivers import NotifyConfig, build_channels

            parsed = NotifyConfig.model_validate({"receivers": dict(receivers)}).receivers
            chosen = {name: parsed[name] for name in config.receivers if name in parsed}
            channels = build_channels(chosen)
        self.channels = dict(channels)

    def __call__(self, records: Sequence[AuditRecord], store: StateStore) -> dict[str, str]:
        from openevent.notify.sender import send_with_retry
        from openevent.runtime.logging import get_logger

        statuses: dict[str, str] = {}
        for record in records:
            labels = selected(record, self.config)
            if not labels:
                continue
            message = summary_message(record, lang=self.config.lang, labels=labels)
            for name, channel in self.channels.items():
                key = mark_key(f"chat:{name}", record.audit_id)
                if store.get(key) is not None:
                    statuses.setdefault(f"chat:{name}", "already-sent")
                    continue
                outcome = send_with_retry(channel, message, budget_s=self.config.budget_s)
                if outcome.ok:
                    store.put(key, {"sink": f"chat:{name}"}, ttl_s=self.mark_ttl_s)
                    statuses[f"chat:{name}"] = "sent"
                else:
                    get_logger("openevent.audit").warning("audit.chat_failed", receiver=name, reason=outcome.reason)
                    statuses[f"chat:{name}"] = "failed"
        return statuses
