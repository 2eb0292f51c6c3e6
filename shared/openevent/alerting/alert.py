"""``Alert``: what one event is about, as the later stages need it (filled in by enrichment).

``subject`` identifies the thing that alerts (an instance, a workflow run, a baseline cycle,
a rule) and ``state_key`` the thing in a given state; the repeat window keys on the latter,
the daily cap and recovery on the former.

Example:
    >>> a = Alert(kind="instance_failure", event_id="e1", event_type="t", status="FAILURE",
    ...           subject="instance:42", instance_id=42, node_id=7)
    >>> a.state_key, a.display_node
    ('instance:42:FAILURE', '7')
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from openevent.alerting.config import AlertKind


@dataclass
class Alert:
    kind: AlertKind
    event_id: str
    event_type: str
    status: str
    subject: str
    workspace_id: int | str | None = None
    region: str | None = None
    event_time: str | None = None
    alarm_type: str | None = None
    instance_id: int | str | None = None
    node_id: int | str | None = None
    node_name: str | None = None
    dag_id: int | str | None = None
    dag_type: int | None = None
    dag_name: str | None = None
    owner: str | None = None
    operator: str | None = None
    priority: int | None = None
    baseline_id: int | str | None = None
    baseline_name: str | None = None
    program_type: str | None = None
    bizdate: int | str | None = None
    cyc_time: int | str | None = None
    begin_time: int | str | None = None
    finish_time: int | str | None = None
    rerun_count: int | None = None
    log_excerpt: str | None = None
    detail: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def state_key(self) -> str:
        return f"{self.subject}:{self.status}"

    @property
    def display_node(self) -> str:
        """The node's name, else its id, else the workflow's name, else the subject."""
        for value in (self.node_name, self.node_id, self.dag_name, self.baseline_name):
            if value not in (None, ""):
                return str(value)
        return self.subject

    @property
    def is_recovery(self) -> bool:
        return self.kind in ("instance_recovery", "workflow_recovery")

    def summary(self) -> dict[str, Any]:
        """A small JSON-ready record of the alert (what a digest keeps of it)."""
        data = asdict(self)
        keep = ("kind", "event_id", "status", "subject", "workspace_id", "region", "alarm_type", "instance_id",
                "node_id", "node_name", "dag_id", "dag_name", "owner", "priority", "baseline_name", "bizdate",
                "event_time")
        return {k: data[k] for k in keep if data[k] not in (None, "")}
