"""Enrichment through the DataWorks OpenAPI: what the event's ids stand for.

``GetInstance`` gives the node name, owner, bizdate, cycle time, begin/finish times and the
rerun count; ``GetNode`` the priority, baseline and program type; ``GetInstanceLog`` an
excerpt (error lines first, then the last lines, size-capped). Every call is optional and
failure-tolerant: a failed call adds a note to the alert (``GetInstance failed: …``) and the
alert goes out with what is known. Recoveries skip the log. Together the calls take at most
``enrichment.budget_share`` (half) of the time the invocation has left for ordinary work: a
DataWorks that hangs costs the alert its details, never its delivery.

Example:
    >>> log_excerpt("a\\nERROR boom\\nb\\nc", lines=2, error_lines=5, max_bytes=200)
    'ERROR boom\\n…\\nb\\nc'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from openevent.alerting.alert import Alert
from openevent.alerting.config import EnrichmentConfig
from openevent.delivery.budget import DEFAULT_TIMEOUT_S, Budget, activate, current_budget
from openevent.events.fields import ascii_int
from openevent.runtime.logging import get_logger

_ERROR = re.compile(r"\b(ERROR|FATAL|FAILED|Exception|Traceback)\b|Error:|错误|失败", re.IGNORECASE)
ClientFactory = Callable[[Any], Any]


def log_excerpt(text: str, *, lines: int, error_lines: int, max_bytes: int) -> str:
    """Error lines first (the last ``error_lines`` of them), then the last ``lines`` lines, within ``max_bytes``."""
    all_lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    tail = all_lines[-lines:]
    tail_start = len(all_lines) - len(tail)
    errors = [ln for i, ln in enumerate(all_lines) if _ERROR.search(ln) and i < tail_start][-error_lines:] \
        if error_lines else []
    parts = [*errors, "…", *tail] if errors else tail
    out = "\n".join(parts)
    raw = out.encode("utf-8")
    if len(raw) > max_bytes:  # keep the beginning (the error lines) and mark the cut
        out = raw[: max_bytes - 4].decode("utf-8", errors="ignore").rstrip() + "\n…"
    return out


def _default_client(context: Any) -> Any:
    from openevent.dataworks import DataWorksClient

    return DataWorksClient.from_environment(context)


class Enricher:
    """Fills an :class:`Alert` from the OpenAPI; ``client_factory(context)`` makes the client (per call)."""

    def __init__(self, cfg: EnrichmentConfig, client_factory: ClientFactory = _default_client) -> None:
        self.cfg = cfg
        self.client_factory = client_factory

    def enrich(self, alert: Alert, context: Any = None) -> None:
        """Add what the API knows to ``alert``; never raises for an API problem."""
        if not self.cfg.enabled or (alert.instance_id is None and alert.node_id is None):
            return
        try:
            client = self.client_factory(context)
        except Exception as exc:  # a config problem must not lose the alert
            alert.notes.append(f"enrichment unavailable: {exc}")
            return
        if not getattr(client, "can_send", True):
            alert.notes.append("enrichment skipped: no DataWorks credentials")
            return
        with activate(self._share()):  # the calls below draw their timeouts and retries from it
            if alert.instance_id is not None:
                self._instance(client, alert)
            if alert.node_id is not None:
                self._node(client, alert)
            if alert.instance_id is not None and self.cfg.log and not alert.is_recovery:
                self._log(client, alert)

    def _share(self) -> Budget:
        """``budget_share`` of what the invocation has left for ordinary work (the sends keep the rest)."""
        current = current_budget()
        left = current.available() if current is not None else DEFAULT_TIMEOUT_S
        return Budget(timeout_s=max(0.05, left * self.cfg.budget_share), margin_s=0.0)

    def _call(self, alert: Alert, what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except Exception as exc:  # DataWorksApiError, network, bad answer: note it and go on
            code = getattr(exc, "code", None) or type(exc).__name__
            alert.notes.append(f"{what} failed: {code}")
            get_logger("openevent.alerting").warning("alerting.enrich_failed", call=what, error=str(code),
                                                     instance_id=alert.instance_id, node_id=alert.node_id)
            return None

    def _instance(self, client: Any, alert: Alert) -> None:
        from openevent.dataworks import get_instance

        inst = self._call(alert, "GetInstance",
                          lambda: get_instance(client, alert.instance_id or 0, self.cfg.project_env))
        if inst is None:
            return
        alert.node_name = inst.node_name or alert.node_name
        alert.node_id = alert.node_id if alert.node_id is not None else inst.node_id
        alert.owner = inst.owner or alert.owner
        alert.bizdate = inst.bizdate if inst.bizdate is not None else alert.bizdate
        alert.cyc_time = inst.cyc_time
        alert.begin_time = alert.begin_time or inst.begin_running_time  # the event's own times win
        alert.finish_time = alert.finish_time or inst.finish_time
        alert.priority = inst.priority if inst.priority is not None else alert.priority
        if inst.baseline_id:
            alert.baseline_id = alert.baseline_id or inst.baseline_id
        rerun = inst.raw.get("TaskRerunTime")
        alert.rerun_count = ascii_int(str(rerun)) if isinstance(rerun, int | str) else None

    def _node(self, client: Any, alert: Alert) -> None:
        from openevent.dataworks import get_node

        node = self._call(alert, "GetNode", lambda: get_node(client, alert.node_id or 0, self.cfg.project_env))
        if node is None:
            return
        alert.node_name = alert.node_name or node.node_name
        alert.owner = alert.owner or node.owner_id
        alert.priority = node.priority if node.priority is not None else alert.priority
        if node.baseline_id:
            alert.baseline_id = alert.baseline_id or node.baseline_id
        alert.program_type = node.program_type

    def _log(self, client: Any, alert: Alert) -> None:
        from openevent.dataworks import get_instance_log

        log = self._call(alert, "GetInstanceLog",
                         lambda: get_instance_log(client, alert.instance_id or 0, self.cfg.project_env))
        if log is not None and log.text.strip():
            alert.log_excerpt = log_excerpt(log.text, lines=self.cfg.log_lines,
                                            error_lines=self.cfg.log_error_lines, max_bytes=self.cfg.log_max_bytes)
