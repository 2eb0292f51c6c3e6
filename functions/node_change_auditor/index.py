"""FC handler: audit DataWorks node changes, instance operations, approvals and workspace deletions.

Thin by design: the configuration (``OPENEVENT_CONFIG``, see ``config.yaml`` here) and the
auditor are built once per FC instance on the first call; each invocation parses the event and
delegates to :class:`openevent.audit.Auditor`. The result is
``{event_id, records: [...], sinks: {name: status}}``. When a sink still fails after its retries
the handler raises, so FC (and EventBridge) retry the delivery; the retry writes only what is
missing.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_auditor: Any = None


def _get_auditor() -> Any:
    global _auditor
    if _auditor is None:
        with _lock:
            if _auditor is None:
                from openevent.audit.config import AuditConfig
                from openevent.audit.setup import build_auditor
                from openevent.runtime.config import load_config

                _auditor = build_auditor(load_config(AuditConfig))
    return _auditor


def reset() -> None:
    """Forget the cached auditor (tests, or after changing the environment in a local run)."""
    global _auditor
    with _lock:
        _auditor = None


def handler(event: bytes, context: Any) -> dict[str, Any]:
    from openevent.runtime.logging import bind_invocation

    bind_invocation(context)
    result: dict[str, Any] = _get_auditor().handle(event, context)
    return result
