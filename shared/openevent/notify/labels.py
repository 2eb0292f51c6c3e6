"""Chinese and English wording shared by the default templates."""

from __future__ import annotations

from openevent.notify.message import Lang, MessageKind, Severity

KIND_LABELS: dict[MessageKind, tuple[str, str]] = {
    "guard_decision": ("拦截决定", "Guard decision"),
    "instance_failure": ("任务实例失败", "Instance failed"),
    "instance_recovery": ("任务实例恢复", "Instance recovered"),
    "digest": ("告警汇总", "Alert digest"),
    "audit_change": ("变更审计", "Change audit"),
    "dq_result": ("数据质量结果", "Data quality result"),
    "test": ("连通性测试", "Connectivity test"),
}
KIND_ICONS: dict[MessageKind, str] = {
    "guard_decision": "🛡️", "instance_failure": "❌", "instance_recovery": "✅", "digest": "📋",
    "audit_change": "📝", "dq_result": "📊", "test": "🔔",
}
SEVERITY_LABELS: dict[Severity, tuple[str, str]] = {
    "info": ("信息", "INFO"), "warning": ("警告", "WARNING"),
    "error": ("错误", "ERROR"), "critical": ("严重", "CRITICAL"),
}
VIEW_DETAILS = ("查看详情", "View details")
SOURCE_NOTE = ("来自 DataWorks OpenEvent 通知", "Sent by the DataWorks OpenEvent notifier")


def pick(pair: tuple[str, str], lang: Lang) -> str:
    """The Chinese or English half of a label pair.

    Example:
        >>> pick(VIEW_DETAILS, "en")
        'View details'
    """
    return pair[0] if lang == "zh" else pair[1]
