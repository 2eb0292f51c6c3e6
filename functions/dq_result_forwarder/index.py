"""FC function: forwards DataWorks Data Quality results to chat, a webhook and an SLS logstore.

Handles ``DqcCheckFinishedEvent`` and ``DqcCheckFeedbackEvent``. Thin by design: the
configuration (``OPENEVENT_CONFIG``, see ``config.yaml`` here; without it the receivers named
by environment variables alone) and the state store (``OPENEVENT_STATE_URL``) are loaded once
per FC instance on the first call; each invocation parses the event and delegates to
:class:`openevent.quality.forward.Forwarder`. The result is
``{event_id, event_type, level, blocking, forwarded: [{destination, kind, status, reason}]}``.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_forwarder: Any = None


def _get_forwarder() -> Any:
    global _forwarder
    if _forwarder is None:
        with _lock:
            if _forwarder is None:
                from openevent.quality.forward import build_forwarder

                _forwarder = build_forwarder()
    return _forwarder


def reset() -> None:
    """Forget the cached forwarder (tests, or after changing the environment in a local run)."""
    global _forwarder
    with _lock:
        _forwarder = None


def handler(event: bytes, context: Any) -> dict[str, Any]:
    from openevent.runtime.logging import configure_logging

    configure_logging()
    result: dict[str, Any] = _get_forwarder().handle(event, context)
    return result
