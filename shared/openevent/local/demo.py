"""``openevent demo``: a scripted, realistic DataWorks day replayed through every function.

The demo starts the local stack (fake DataWorks, webhook inbox, sqlite state) and the local
bus in this process, replays the script below through the same routing ``s deploy`` installs,
and checks each step's outcome against what it should be. The summary is a table per
function (event, decision or action, where messages went); the exit status is 0 only when
every step behaved as scripted.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from openevent.events import sample_data as S
from openevent.events.samples import sample_event
from openevent.local.bus import Delivery, LocalBus
from openevent.local.demo_steps import DEMO_DIGEST_WINDOW_S, Check, DemoContext, Step, failure_text, result_of
from openevent.local.stack import LocalStack


@dataclass
class StepResult:
    title: str
    function: str
    event_type: str
    ok: bool
    outcome: str
    destinations: str
    group: str = ""


@dataclass
class DemoReport:
    results: list[StepResult]
    failures: list[dict[str, Any]]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results) and not self.failures

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "steps": [r.__dict__ for r in self.results], "failures": self.failures}

    def render(self) -> str:
        lines: list[str] = []
        for function in dict.fromkeys(r.function for r in self.results):
            rows = [r for r in self.results if r.function == function]
            lines.append(f"\n{function}")
            header = ("", "step", "event", "decision / action", "messages went to")
            table = [header] + [("✓" if r.ok else "✗", r.title, r.event_type.rsplit(":", 1)[-1], r.outcome,
                                 r.destinations or "-") for r in rows]
            widths = [min(max(len(row[i]) for row in table), cap) for i, cap in enumerate((1, 46, 28, 60, 40))]
            for i, row in enumerate(table):
                cells = [_fit(cell, widths[j]) for j, cell in enumerate(row)]
                lines.append("  " + "  ".join(cells).rstrip())
                if i == 0:
                    lines.append("  " + "  ".join("-" * w for w in widths))
        passed = sum(r.ok for r in self.results)
        lines.append(f"\n{passed}/{len(self.results)} steps behaved as scripted"
                     + (f"; {len(self.failures)} invocations failed after retries" if self.failures else "")
                     + (" — OK" if self.ok else " — FAILED"))
        return "\n".join(lines)


def _fit(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


class Progress:
    """A one-line progress bar on a terminal stream (plain lines when it is not a terminal)."""

    def __init__(self, total: int, stream: TextIO | None) -> None:
        self.total, self.stream, self.done = total, stream, 0
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())

    def advance(self, label: str) -> None:
        self.done += 1
        if self.stream is None:
            return
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        bar = f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {label[:50]}"
        if self.tty:
            self.stream.write("\r" + bar.ljust(100))
            if self.done == self.total:
                self.stream.write("\n")
        elif self.done == self.total or self.done % max(1, self.total // 10) == 0:
            self.stream.write(bar + "\n")
        self.stream.flush()


# ------------------------------------------------------------------------------------------ checks
def _destinations(ctx: DemoContext) -> str:
    vendors = [m["vendor"] for m in ctx.new_messages()]
    return ", ".join(f"{v} ×{vendors.count(v)}" if vendors.count(v) > 1 else v for v in dict.fromkeys(vendors))


def guard_answers(expected: str, rule: str | None = None) -> Check:
    """The guard decided ``expected`` (under ``rule``) and DataWorks received exactly that callback."""

    def check(deliveries: list[Delivery], ctx: DemoContext) -> tuple[bool, str]:
        out = result_of(deliveries, deliveries[0].function if deliveries else "")
        if out is None:
            return False, failure_text(deliveries)
        callbacks = [c for c in ctx.stack.callbacks() if c["message_id"] == out["message_id"]]
        sent = [c["check_result"] for c in callbacks]
        ok = out["decision"] == expected and (rule is None or out["rule"] == rule) and sent == [expected]
        text = f"{out['decision']}" + (f" [{out['rule']}]" if out.get("rule") else "")
        if out.get("would"):
            text += f" (dry-run would {out['would']['decision']} [{out['would']['rule']}])"
        return ok, text + f"; callback {callbacks[0]['action'] if callbacks else 'none'} {'/'.join(sent) or '-'}"

    return check


# ------------------------------------------------------------------------------------------ script

def guard_steps() -> list[Step]:
    from openevent.local.stack import DEMO_MAX_PT_DEPLOY

    delete, download = "dataworks:ProjectChange:DeleteProject", "dataworks:ResourcesDownload:DownloadResources"
    upload = "dataworks:ResourcesUpload:UploadDataToTable"
    pii_sql = ("WITH recent AS (SELECT user_id, mobile, id_card FROM crm.ods_user_pii_di WHERE ds = '${bizdate}') "
               "SELECT r.*, o.order_amount FROM recent r "
               "JOIN sales_dw.dwd_order_detail_di o ON r.user_id = o.customer_id")
    wdg, dg, cg = "workspace_delete_guard", "download_guard", "change_guard"
    return [
        Step("09:12 delete the production workspace sales_dw", wdg,
             sample_event(delete, {"data.projectId": S.WORKSPACE_ID}), guard_answers("FAIL", "protected-workspaces")),
        Step("09:15 delete the tagged workspace finance_archive", wdg,
             sample_event(delete, {"data.projectId": 20003}), guard_answers("FAIL", "protect-tag")),
        Step("09:20 delete the old marketing_sandbox", wdg,
             sample_event(delete, {"data.projectId": 20002}), guard_answers("OK")),
        Step("09:21 marketing_sandbox is gone (post-event)", wdg,
             sample_event("dataworks:ProjectChange:ProjectDeleted", {"data.projectId": 20002,
                                                                     "data.projectName": "marketing_sandbox"}),
             _confirmation_linked),
        Step("10:02 download 2,000,000 order rows", dg,
             sample_event(download, {"data.dataRowSize": "2000000"}), guard_answers("FAIL", "row-limit")),
        Step("10:05 download a query joining PII", dg,
             sample_event(download, {"data.sqlText": pii_sql, "data.dataRowSize": "5000"}),
             guard_answers("FAIL", "sensitive-tables")),
        Step("10:09 download 10,000 order rows", dg, sample_event(download), guard_answers("OK")),
        Step("10:30 upload overwriting dim_customer", dg,
             sample_event(upload, {"data.tableGuid": "odps.sales_dw.dim_customer", "data.writeType": "OVERWRITE"}),
             guard_answers("FAIL", "protected-table-overwrite")),
        Step("10:31 upload appending to a staging table", dg,
             sample_event(upload, {"data.tableGuid": "odps.sales_dw.stg_store_targets", "data.writeType": "APPEND"}),
             guard_answers("OK")),
        Step("11:02 deploy code that reads MAX_PT", cg,
             sample_event("dataworks:FileChange:DeployFile", {"id": DEMO_MAX_PT_DEPLOY}),
             guard_answers("FAIL", "no-max-pt")),
        Step("11:20 undeploy a protected production node", cg,
             sample_event("dataworks:NodeChange:UndeployNode"), guard_answers("FAIL", "protected-nodes")),
        Step("11:25 backfill one day of one node", cg, sample_event("dataworks:BackfillDataOperate:BackfillData"),
             guard_answers("OK")),
    ]


def _confirmation_linked(deliveries: list[Delivery], ctx: DemoContext) -> tuple[bool, str]:
    out = result_of(deliveries, "workspace_delete_guard")
    if out is None:
        return False, failure_text(deliveries)
    linked = out.get("linked_decision") or {}
    return linked.get("decision") == "OK", f"logged; linked to {linked.get('decision_id')} ({linked.get('decision')})"


def script(storm: int = 200) -> list[Step]:
    """Every scenario of the functions this checkout has, in the order of the day."""
    from openevent.local.functions import list_functions

    available = set(list_functions())
    steps = [s for s in guard_steps() if s.function in available]
    try:
        from openevent.local.demo_consumers import consumer_steps
    except ImportError:
        return steps
    return steps + [s for s in consumer_steps(storm) if s.function in available]


def run_demo(template: str | None = "s.yaml", storm: int = 200, progress: TextIO | None = sys.stderr,
             steps: Iterable[Step] | None = None, audit_path: str | None = None) -> DemoReport:
    """Replay the script; never raises for a misbehaving function (it is reported as a failed step).

    State is fresh for every run; the auditor's JSONL trail goes to ``audit_path`` when given (it
    outlives the run, for ``openevent audit show``), else into the run's temporary folder.
    """
    from openevent.runtime.logging import configure_logging

    configure_logging("null", force=True)
    plan = list(steps) if steps is not None else script(storm)
    results: list[StepResult] = []
    if audit_path is not None:
        Path(audit_path).parent.mkdir(parents=True, exist_ok=True)
    with LocalStack(audit_path=audit_path) as stack:
        env = {**stack.env, "NOTIFY_DIGEST_WINDOW_S": str(DEMO_DIGEST_WINDOW_S), "NOTIFY_LANG": "en"}
        bus = LocalBus(template=template, env=env, backoff_s=0.01)
        bar = Progress(len(plan), progress)
        ctx = DemoContext(stack)
        for step in plan:
            if step.wait_s:
                time.sleep(step.wait_s)
            ctx.inbox_before = len(stack.inbox())
            deliveries = [bus.invoke_direct(step.function, step.event)] if step.direct else bus.deliver(step.event)
            handled = [d for d in deliveries if d.function == step.function]
            if not handled:
                ok, outcome = False, f"not routed to {step.function} (routed to {[d.function for d in deliveries]})"
            else:
                try:
                    ok, outcome = step.check(handled, ctx)
                except Exception as exc:  # a check must not stop the demo
                    ok, outcome = False, f"check failed: {type(exc).__name__}: {exc}"
            if step.group and results and results[-1].group == step.group and step.group != "":
                prev = results[-1]
                prev.ok = prev.ok and ok
                prev.outcome, prev.destinations = outcome, _merge(prev.destinations, _destinations(ctx))
            else:
                results.append(StepResult(step.title, step.function, str(step.event.get("type", "timer")), ok, outcome,
                                          _destinations(ctx), step.group))
            bar.advance(step.title)
        return DemoReport(results, list(bus.failures))


def _merge(a: str, b: str) -> str:
    return ", ".join(x for x in dict.fromkeys((a.split(", ") if a else []) + (b.split(", ") if b else [])) if x)


