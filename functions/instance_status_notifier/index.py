"""FC handler of ``instance_status_notifier``: instance/workflow status and monitor alerts → chat.

Thin by design: the :class:`~openevent.alerting.pipeline.Notifier` (config, channels, state
store) is imported and built once per FC instance on the first invocation and reused; each invocation is
parsed and delegated. Config: ``OPENEVENT_CONFIG``, else the ``config.yaml`` next to this
file (every alert to the receivers the environment configures). State: ``OPENEVENT_STATE_URL``.
An FC timer trigger event flushes pending digests.

Result: ``{"event_id": ..., "notifications": [{"receiver", "kind", "status", "reason"}, ...]}``.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openevent.runtime.logging import bind_invocation

if TYPE_CHECKING:
    from openevent.alerting.pipeline import Notifier

DEFAULT_CONFIG = Path(__file__).with_name("config.yaml")

_notifier: Notifier | None = None
_lock = threading.Lock()


def notifier() -> Notifier:
    """The instance's notifier (built on first use)."""
    global _notifier
    with _lock:
        if _notifier is None:
            from openevent.alerting.pipeline import Notifier  # on the first invocation, not at import

            _notifier = Notifier.from_environment(default_config=DEFAULT_CONFIG)
        return _notifier


def handler(event: bytes, context: Any) -> dict[str, Any]:
    bind_invocation(context)
    return notifier().handle_raw(event, context)
