"""Builders for the audit tests: node change events in sequence, auditors with test sinks."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openevent.audit.auditor import Auditor
from openevent.audit.config import AuditConfig
from openevent.audit.setup import build_auditor
from openevent.local.fake_sls import SLS_DEMO_KEY_ID, SLS_DEMO_KEY_SECRET
from openevent.state import StateStore, open_store
from support import load_event

NODE_ID = 700004120003
PROJECT, LOGSTORE = "dw-audit", "node-changes"


def node_event(kind: str, event_id: str, time: str, **data: Any) -> dict[str, Any]:
    """A corpus node event for :data:`NODE_ID` with a new id, time and changed payload fields."""
    base = load_event("NodeChangeUpdated" if kind == "NodeChangeUpdated" else kind)
    event = copy.deepcopy(base)
    event["id"], event["time"] = event_id, time
    event["data"].update({"nodeId": NODE_ID, "nodeName": "dwd_order_detail_di", "cronExpress": "00 30 00 * * ?",
                          "schedulerType": "NORMAL", "ownerId": "1987654321067890", "priority": 1,
                          "baselineId": 70012287, "repeatability": True, "programType": "ODPS_SQL"})
    event["data"].pop("datasource", None)
    event["data"].update(data)
    return event


def lifecycle() -> list[dict[str, Any]]:
    """create → update (cron) → update (freeze) → delete, for one node."""
    return [
        node_event("NodeChangeCreated", "evt-create", "2025-03-14T10:05:05+08:00"),
        node_event("NodeChangeUpdated", "evt-cron", "2025-03-14T10:06:18+08:00", cronExpress="00 45 01 * * ?"),
        node_event("NodeChangeUpdated", "evt-freeze", "2025-03-14T10:07:00+08:00", cronExpress="00 45 01 * * ?",
                   schedulerType="PAUSE"),
        node_event("NodeChangeDeleted", "evt-delete", "2025-03-14T10:16:28+08:00", cronExpress="00 45 01 * * ?",
                   schedulerType="PAUSE"),
    ]


def sls_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": SLS_DEMO_KEY_ID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SLS_DEMO_KEY_SECRET,
           "FC_FUNCTION_NAME": "node_change_auditor"}
    env.update(extra or {})
    return env


def make_auditor(*, jsonl: Path | None = None, sls_endpoint: str | None = None, store: StateStore | None = None,
                 env: dict[str, str] | None = None, **config: Any) -> Auditor:
    """An auditor with stdout off (tests capture it separately), the given JSONL file and fake SLS."""
    sinks: dict[str, Any] = {"stdout": False, "jsonl": {"enabled": jsonl is not None, "path": str(jsonl or "")}}
    if sls_endpoint is not None:
        sinks["sls"] = {"endpoint": sls_endpoint, "project": PROJECT, "logstore": LOGSTORE, "tags": {"team": "dp"}}
    cfg = AuditConfig.model_validate({"sinks": sinks, **config})
    auditor = build_auditor(cfg, store=store or open_store("memory://"), env=sls_env(env))
    auditor.sleep = lambda _s: None
    return auditor


def jsonl_records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def replay(auditor: Auditor, events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [auditor.handle(json.dumps(e).encode()) for e in events]


def capture() -> io.StringIO:
    return io.StringIO()
