"""The demo's scenarios for the consumers: node-change auditor, instance-status notifier, DQ forwarder.

A night of failures (with a storm of ``storm`` failures in one minute routed to one DingTalk
robot that allows 20 messages a minute), reruns and a recovery, a baseline alert; a node's
cron changed, then frozen; Data Quality results passing, warning and failing.
"""

from __future__ import annotations

from typing import Any

from openevent.events import sample_data as S
from openevent.events.samples import sample_event
from openevent.local.bus import Delivery
from openevent.local.demo_steps import DEMO_DIGEST_WINDOW_S, DemoContext, Step, failure_text, result_of
from openevent.local.stack import DINGTALK_TOKEN

AUDITOR, NOTIFIER, DQ = "node_change_auditor", "instance_status_notifier", "dq_result_forwarder"
STATUS = "dataworks:InstanceStatusChanges:InstanceStatusChanges"
NODE_UPDATED = "dataworks:NodeChange:NodeChangeUpdated"
DQ_FINISHED = "dataworks:DqcCheck:DqcCheckFinishedEvent"
STORM_FIRST_INSTANCE = 523536700000


# ------------------------------------------------------------------------------------- auditor
def audited(action: str, diff: list[str] | None) -> Any:
    """One audit record with ``action`` whose diff names exactly ``diff`` (None: no diff expected)."""

    def check(deliveries: list[Delivery], ctx: DemoContext) -> tuple[bool, str]:
        out = result_of(deliveries, AUDITOR)
        if out is None:
            return False, failure_text(deliveries)
        (record,) = out["records"] or [None]
        if record is None:
            return False, "no record"
        fields = [c["field"] for c in record.get("diff") or []]
        ok = record["action"] == action and (fields == diff if diff is not None else not fields)
        sinks = ", ".join(f"{k}:{v}" for k, v in (out.get("sinks") or {}).items())
        changed = f"; diff {', '.join(fields)}" if fields else "; first sighting, no diff" if action == "create" else ""
        return ok, f"record {record['action']} {record['resource']['kind']} {record['resource'].get('name') or ''}" \
                   f"{changed} ({sinks})"

    return check


def auditor_steps() -> list[Step]:
    created = sample_event("dataworks:NodeChange:NodeChangeCreated")
    return [
        Step("02:00 dwd_order_detail_di deployed to production", AUDITOR, created, audited("create", None)),
        Step("11:40 its cron changed 00:05 → 05:30", AUDITOR,
             sample_event(NODE_UPDATED, {"data.cronExpress": "00 30 05 * * ?"}), audited("update", ["cron"])),
        Step("11:45 the node frozen (PAUSE)", AUDITOR,
             sample_event(NODE_UPDATED, {"data.cronExpress": "00 30 05 * * ?", "data.schedulerType": "PAUSE"}),
             audited("update", ["scheduler_type"])),
        Step("12:10 an operator reruns yesterday's instance", AUDITOR,
             sample_event("dataworks:InstanceChange:RerunInstance"), audited("rerun", None)),
    ]


# ------------------------------------------------------------------------------------- notifier
def _statuses(out: dict[str, Any]) -> dict[str, str]:
    return {n["receiver"]: n["status"] for n in out.get("notifications") or []}


def notified(expect: str, *, receiver: str = "dingtalk", text: tuple[str, ...] = ()) -> Any:
    """``receiver`` got status ``expect``; with ``text``, its newest DingTalk message contains each word."""

    def check(deliveries: list[Delivery], ctx: DemoContext) -> tuple[bool, str]:
        out = result_of(deliveries, NOTIFIER)
        if out is None:
            return False, failure_text(deliveries)
        statuses = _statuses(out)
        ok = statuses.get(receiver) == expect if expect != "nothing" else not any(
            s == "sent" for s in statuses.values())
        if text:
            bodies = [str(m["body"]) for m in ctx.new_messages() if m["vendor"] == "dingtalk"]
            ok = ok and bool(bodies) and all(word in bodies[-1] for word in text)
        summary = ", ".join(sorted({f"{s}" for s in statuses.values()})) or out.get("skipped") or "nothing"
        return ok, f"{receiver}: {statuses.get(receiver, '-')} (all: {summary})"

    return check


def storm_member(deliveries: list[Delivery], ctx: DemoContext) -> tuple[bool, str]:
    out = result_of(deliveries, NOTIFIER)
    if out is None:
        return False, failure_text(deliveries)
    statuses = _statuses(out)
    counts = ctx.notes.setdefault("storm", {})
    ding = statuses.get("dingtalk", "-")
    counts[ding] = counts.get(ding, 0) + 1
    ok = ding in ("sent", "digested") and "failed" not in statuses.values()
    return ok, "dingtalk: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))


def storm_flushed(storm: int) -> Any:
    """After the digest window: ≤ 20 DingTalk messages for the storm, and every instance in one of them."""

    def check(deliveries: list[Delivery], ctx: DemoContext) -> tuple[bool, str]:
        start = ctx.notes.get("storm_inbox_start", 0)
        messages = [m for m in ctx.stack.inbox()[start:] if m["vendor"] == "dingtalk" and m["target"] == DINGTALK_TOKEN]
        text = "\n".join(str(m["body"]) for m in messages)
        missing = [i for i in range(storm) if str(STORM_FIRST_INSTANCE + i) not in text]
        ok = 0 < len(messages) <= 20 and not missing and all(d.ok for d in deliveries)
        return ok, (f"{len(messages)} DingTalk messages carried all {storm} failures (robot limit 20/min)"
                    if not missing else f"{len(missing)} failed instances in no message")

    return check


class _MarkStormStart:
    def __call__(self, deliveries: list[Delivery], ctx: DemoContext) -> tuple[bool, str]:
        ctx.notes["storm_inbox_start"] = ctx.inbox_before
        return storm_member(deliveries, ctx)


def notifier_steps(storm: int) -> list[Step]:
    failure = sample_event(STATUS, {"data.status": 5, "data.taskId": S.INSTANCE_ID, "data.dagType": 0})
    steps = [
        Step("00:09 dwd_order_detail_di failed", NOTIFIER, failure,
             notified("sent", text=(S.NODE_NAME, "ODPS-0130071"))),
        Step("00:09 the same failure delivered twice", NOTIFIER, dict(failure), notified("nothing")),
        Step("00:40 rerun succeeded: recovery", NOTIFIER,
             sample_event(STATUS, {"data.status": 6, "data.taskId": S.INSTANCE_ID, "data.dagType": 0}),
             notified("sent")),
        Step("00:50 baseline ods layer is overtime", NOTIFIER,
             sample_event("dataworks:MonitorAlert:WorkbenchMonitorAlert"), notified("sent")),
    ]
    for i in range(storm):
        event = sample_event(STATUS, {"data.status": 5, "data.dagType": 0, "data.taskId": STORM_FIRST_INSTANCE + i,
                                      "data.nodeId": 700004130000 + i})
        check = _MarkStormStart() if i == 0 else storm_member
        steps.append(Step(f"01:00 storm: {storm} failures in one minute", NOTIFIER, event, check, group="storm"))
    steps.append(Step(f"01:01 digest window ({DEMO_DIGEST_WINDOW_S} s here) ends: timer trigger flushes", NOTIFIER,
                      {"triggerTime": "2025-03-14T01:01:00Z", "triggerName": "digest-flush", "payload": "flush"},
                      storm_flushed(storm), direct=True, wait_s=DEMO_DIGEST_WINDOW_S + 0.5))
    return steps


# ------------------------------------------------------------------------------------- DQ forwarder
def forwarded(chat: bool, blocking: bool = False) -> Any:
    """The webhook always got the result; chat only when ``chat``; blocking said when ``blocking``."""

    def check(deliveries: list[Delivery], ctx: DemoContext) -> tuple[bool, str]:
        out = result_of(deliveries, DQ)
        if out is None:
            return False, failure_text(deliveries)
        rows = out.get("forwarded") or []
        sent = {r.get("receiver") or r["destination"] for r in rows if r["status"] == "sent"}
        chat_sent = any(r["destination"] == "chat" and r["status"] == "sent" for r in rows)
        webhook_sent = any(r["destination"] == "webhook" and r["status"] == "sent" for r in rows)
        ok = webhook_sent and chat_sent == chat and bool(out.get("blocking")) == blocking
        return ok, f"{out.get('level')}{' BLOCKING' if out.get('blocking') else ''}: sent to {', '.join(sorted(sent))}"

    return check


def dq_steps() -> list[Step]:
    return [
        Step("07:10 row count check passed", DQ, sample_event(DQ_FINISHED, {"data.checkResult": 0}), forwarded(False)),
        Step("07:12 fluctuation check warned", DQ,
             sample_event(DQ_FINISHED, {"data.checkResult": 1, "data.blockType": 0}), forwarded(False)),
        Step("07:15 strong rule failed: empty partition", DQ,
             sample_event(DQ_FINISHED, {"data.checkResult": 2, "data.blockType": 1,
                                        "data.sampleValue": [{"bizDate": "2025-03-13 00:00:00", "value": 0.0}]}),
             forwarded(True, blocking=True)),
    ]


def consumer_steps(storm: int = 200) -> list[Step]:
    return auditor_steps() + dq_steps() + notifier_steps(storm)  # DQ first: the storm uses up the shared robot


