"""Digests: alerts that could not go out one by one are collapsed, never dropped.

Two lanes per receiver, each a list in the state store plus a small document holding when
its first pending item arrived (``opened_at``) and the flush in flight (``inflight``):

* ``overflow`` — over the receiver's rate budget (or throttled by the vendor); sent
  ``digest.window_s`` after the first item;
* ``quiet`` — held during quiet hours; sent once quiet hours are over.

Appenders write the item first and then make sure ``opened_at`` is set. A flusher wins the
lane atomically (:func:`claim_due` replaces ``opened_at`` by its own ``inflight`` record,
expiring at its invocation's deadline), drains the list and writes the drained items into
``inflight`` before sending anything; when it is done, :func:`settle` puts back what it
could not send (rate budget used up, vendor throttling, no time left) and only then clears
``inflight``. A flusher that dies mid-flush therefore loses nothing: once its ``inflight``
has expired the next flush takes those items over (the only window left is the few
milliseconds between the drain and the ``inflight`` write).

Queued items carry the id of their event, and a flush keeps one item per event
(:func:`dedupe`), so an alert queued twice — its invocation died between queueing it and
recording that it did — is listed once.

:func:`digest_messages` renders items as one or more messages that each fit the channel
("37 more failures in workspace 10001: …"), listing every alert, grouped by workspace.

A lane's backlog is bounded. While alerts arrive faster than a rate-limited receiver takes digests
(Slack: one message a second of 2,500 bytes), listing every alert would make the list, and the
memory holding it, grow without end. A flush therefore keeps the first ``max_items`` alerts listed
and counts every later one, per workspace and kind, in one summary item per workspace
(:func:`fold`, "… 12000 more, not listed one by one: 11950 failed instances, 50 recovered
instances"). Counted alerts are reported, not dropped: the counts travel through the in-flight
record, requeueing and settling like any item, and later summaries of a workspace merge into one.
Only their per-alert details (the instance ids) are lost. Between flushes (all through quiet hours,
say) an appender that finds the list past twice the bound folds it in place (:func:`compact`).

Example:
    >>> from openevent.state import open_store
    >>> store = open_store("memory://")
    >>> queue(store, "ops", "overflow", {"event_id": "e1", "instance_id": 1}, now=100.0, list_ttl_s=3600)
    1
    >>> claim_due(store, "ops", "overflow", now=130.0, window_s=60, hold_s=30) is None
    True
    >>> due = claim_due(store, "ops", "overflow", now=161.0, window_s=60, hold_s=30)
    >>> due.items
    [{'event_id': 'e1', 'instance_id': 1}]
    >>> settle(store, due, [], opened_at=161.0, list_ttl_s=3600)
    >>> store.get("digest:ops:overflow") is None
    True
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from openevent.alerting.config import LinkConfig
from openevent.alerting.render import fmt_date
from openevent.notify.message import Lang, Message
from openevent.state import StateStore

Lane = Literal["overflow", "quiet"]
LANES: tuple[Lane, ...] = ("overflow", "quiet")
FOLDED = "folded"
"""The ``kind`` of a summary item: ``counts`` ({alert kind: n}) of a workspace's alerts beyond the listed ones."""

# text bytes per digest message, below each vendor's body limit with room for title and JSON
DIGEST_TEXT_BYTES: dict[str, int] = {"dingtalk": 12_000, "feishu": 12_000, "lark": 12_000, "wecom": 3_000,
                                     "slack": 2_500, "webhook": 60_000, "email": 200_000}
_ICONS = {"instance_failure": "❌", "workflow_failure": "❌", "monitor_alert": "⚠️", "instance_recovery": "✅",
          "workflow_recovery": "✅"}


def _key(receiver: str, lane: Lane) -> str:
    return f"digest:{receiver}:{lane}"


def _opened(at: float) -> Any:
    def keep_oldest(doc: dict[str, Any] | None) -> dict[str, Any]:
        doc = dict(doc or {})
        doc["opened_at"] = min(at, float(doc.get("opened_at", at)))
        return doc

    return keep_oldest


def queue(store: StateStore, receiver: str, lane: Lane, item: dict[str, Any], *, now: float,
          list_ttl_s: float) -> int:
    """Add ``item`` to the receiver's pending digest (item first, then ``opened_at``); returns how many
    items the lane's list holds now."""
    length = store.append(_key(receiver, lane), item, ttl_s=list_ttl_s)
    store.update(_key(receiver, lane), _opened(now), ttl_s=list_ttl_s)
    return length


def requeue(store: StateStore, receiver: str, lane: Lane, items: Sequence[Mapping[str, Any]], *, opened_at: float,
            list_ttl_s: float) -> None:
    """Put back items a flush could not send; they are due again ``window_s`` after ``opened_at``."""
    for item in items:
        store.append(_key(receiver, lane), dict(item), ttl_s=list_ttl_s)
    if items:
        store.update(_key(receiver, lane), _opened(opened_at), ttl_s=list_ttl_s)


def pending_since(store: StateStore, receiver: str, lane: Lane) -> float | None:
    """When the oldest pending item of the lane arrived, ``None`` when nothing is pending."""
    doc = store.get(_key(receiver, lane))
    return None if doc is None or "opened_at" not in doc else float(doc["opened_at"])


def dedupe(items: Sequence[Any]) -> list[Any]:
    """One item per event id (the first), in order; items without an id are compared whole.

    Example:
        >>> dedupe([{"event_id": "a", "n": 1}, {"event_id": "b"}, {"event_id": "a", "n": 2}])
        [{'event_id': 'a', 'n': 1}, {'event_id': 'b'}]
    """
    seen: set[str] = set()
    out = []
    for item in items:
        ident = item.get("event_id") if isinstance(item, Mapping) else None
        key = f"id:{ident}" if ident not in (None, "") else "item:" + json.dumps(item, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


@dataclass
class DueDigest:
    """A flush this caller won: the lane's items (in flight until :func:`settle`)."""

    receiver: str
    lane: Lane
    token: str
    items: list[Any]


def _due(doc: Mapping[str, Any], now: float, window_s: float) -> bool:
    flight = doc.get("inflight")
    if isinstance(flight, Mapping):
        return float(flight.get("until", 0.0)) <= now  # a flusher died: take its items over
    return "opened_at" in doc and now - float(doc["opened_at"]) >= window_s


def alert_count(item: Mapping[str, Any]) -> int:
    """How many alerts an item stands for: a summary its counts' total, any other item one."""
    if item.get("kind") == FOLDED:
        return sum(int(n) for n in (item.get("counts") or {}).values())
    return 1


def fold(items: Sequence[Any], max_items: int | None, *, token: str = "") -> list[Any]:
    """The first ``max_items`` alerts as they are; every later one, and every earlier summary, counted in
    one summary item per workspace (after the listed ones). ``None`` lists every alert.

    Example:
        >>> items = [{"event_id": f"e{i}", "kind": "instance_failure", "workspace_id": 7} for i in range(5)]
        >>> folded = fold(items, 2, token="t")
        >>> [i["event_id"] for i in folded], folded[-1]["counts"], sum(alert_count(i) for i in folded)
        (['e0', 'e1', 'folded:7:t'], {'instance_failure': 3}, 5)
    """
    summaries = [i for i in items if isinstance(i, Mapping) and i.get("kind") == FOLDED]
    alerts = [i for i in items if not (isinstance(i, Mapping) and i.get("kind") == FOLDED)]
    if (max_items is None or len(alerts) <= max_items) and len(summaries) <= 1:
        return list(items)
    keep = len(alerts) if max_items is None else max_items
    merged: dict[str, dict[str, Any]] = {}
    for item in [*summaries, *alerts[keep:]]:
        workspace = str(item.get("workspace_id", "?"))
        summary = merged.setdefault(workspace, {"kind": FOLDED, "event_id": f"{FOLDED}:{workspace}:{token}",
                                                "subject": "", "workspace_id": item.get("workspace_id"),
                                                "counts": {}})
        if item.get("region") and not summary.get("region"):
            summary["region"] = item["region"]
        counts = summary["counts"]
        plus = (item.get("counts") or {}) if item.get("kind") == FOLDED else {str(item.get("kind", "alert")): 1}
        for kind, n in plus.items():
            counts[kind] = counts.get(kind, 0) + int(n)
    for summary in merged.values():
        summary["subject"] = f"{alert_count(summary)} more alerts in workspace {summary['workspace_id']}"
    return [*alerts[:keep], *merged.values()]


def claim_due(store: StateStore, receiver: str, lane: Lane, *, now: float, window_s: float,
              hold_s: float, max_items: int | None = None) -> DueDigest | None:
    """The lane's items when its window has passed and this caller won the flush; else ``None``.

    The items stay recorded as in flight for ``hold_s`` (the flusher's remaining time): call
    :func:`settle` when done. A live flush of the lane by someone else makes this ``None``.
    Beyond ``max_items`` alerts, the rest are counted in summaries (:func:`fold`).
    """
    key = _key(receiver, lane)
    doc = store.get(key)
    if doc is None or not _due(doc, now, window_s):
        return None
    token = uuid.uuid4().hex
    won: list[list[Any]] = []

    def take(current: dict[str, Any] | None) -> dict[str, Any] | None:
        won.clear()
        if current is None or not _due(current, now, window_s):
            return current
        flight = current.get("inflight")
        won.append(list(flight.get("items") or []) if isinstance(flight, Mapping) else [])
        rest = {k: v for k, v in current.items() if k not in ("opened_at", "inflight")}
        return {**rest, "inflight": {"token": token, "until": now + hold_s, "items": won[-1]}}

    store.update(key, take)
    if not won:
        return None
    items = fold(dedupe(won[-1] + store.drain(key)), max_items, token=token)
    due = DueDigest(receiver, lane, token, items)
    if not items:
        settle(store, due, [], opened_at=now, list_ttl_s=1.0)
        return None
    progress(store, due, items)
    return due


def compact(store: StateStore, receiver: str, lane: Lane, *, now: float, hold_s: float, max_items: int,
            list_ttl_s: float) -> bool:
    """Fold the lane's pending items in place, sending nothing: it is due again when it was.

    ``False`` when a flush (or another compaction) holds the lane: that one folds it.
    """
    opened = pending_since(store, receiver, lane)
    due = claim_due(store, receiver, lane, now=now, window_s=-math.inf, hold_s=hold_s, max_items=max_items)
    if due is None:
        return False
    settle(store, due, due.items, opened_at=now if opened is None else opened, list_ttl_s=list_ttl_s)
    return True


def progress(store: StateStore, due: DueDigest, remaining: Sequence[Any]) -> None:
    """Record which items of a flush in flight are still unsent (after each message that went out)."""
    due.items = list(remaining)

    def mark(doc: dict[str, Any] | None) -> dict[str, Any] | None:
        flight = (doc or {}).get("inflight")
        if doc is None or not isinstance(flight, Mapping) or flight.get("token") != due.token:
            return doc
        return {**doc, "inflight": {**flight, "items": list(remaining)}}

    store.update(_key(due.receiver, due.lane), mark)


def settle(store: StateStore, due: DueDigest, unsent: Sequence[Mapping[str, Any]], *, opened_at: float,
           list_ttl_s: float) -> None:
    """End a flush: put back ``unsent`` (due again from ``opened_at``), then clear the in-flight record."""
    requeue(store, due.receiver, due.lane, unsent, opened_at=opened_at, list_ttl_s=list_ttl_s)

    def clear(doc: dict[str, Any] | None) -> dict[str, Any] | None:
        flight = (doc or {}).get("inflight")
        if doc is None or not isinstance(flight, Mapping) or flight.get("token") != due.token:
            return doc
        rest = {k: v for k, v in doc.items() if k != "inflight"}
        return rest or None

    store.update(_key(due.receiver, due.lane), clear)


_KIND_NAMES: dict[str, tuple[str, str]] = {
    "instance_failure": ("实例失败", "failed instances"), "workflow_failure": ("工作流失败", "failed workflows"),
    "monitor_alert": ("监控告警", "monitor alerts"), "instance_recovery": ("实例恢复", "recovered instances"),
    "workflow_recovery": ("工作流恢复", "recovered workflows")}


def _folded_line(item: Mapping[str, Any], lang: Lang) -> str:
    counts = sorted((item.get("counts") or {}).items(), key=lambda kv: (-int(kv[1]), kv[0]))
    names = [(_KIND_NAMES.get(kind, (kind, kind))[0 if lang == "zh" else 1], n) for kind, n in counts]
    if lang == "zh":
        return f"- …另有 {alert_count(item)} 条未逐条列出：" + "，".join(f"{name} {n}" for name, n in names)
    return f"- … {alert_count(item)} more, not listed one by one: " + ", ".join(f"{n} {name}" for name, n in names)


def _line(item: Mapping[str, Any], lang: Lang) -> str:
    if item.get("kind") == FOLDED:
        return _folded_line(item, lang)
    icon = _ICONS.get(str(item.get("kind")), "•")
    name = item.get("node_name") or item.get("dag_name") or item.get("baseline_name") or item.get("node_id") \
        or item.get("subject")
    parts = [f"{icon} {name}"]
    if item.get("instance_id") is not None:
        parts.append(f"{'实例' if lang == 'zh' else 'inst'} {item['instance_id']}")
    parts.append(str(item.get("status", "")))
    if item.get("owner"):
        parts.append(str(item["owner"]))
    if item.get("bizdate") is not None:
        parts.append(fmt_date(item["bizdate"]))
    return "- " + " · ".join(p for p in parts if p)


def _header(count: int, workspace: str, lane: Lane, lang: Lang) -> str:
    if lang == "zh":
        why = "静默时段内暂缓的" if lane == "quiet" else "超出发送频率而合并的"
        return f"工作空间 {workspace} 另有 {count} 条{why}告警："
    why = "held during quiet hours" if lane == "quiet" else "more alerts (rate limit)"
    return f"{count} {why} in workspace {workspace}:"


def digest_messages(items: Sequence[Mapping[str, Any]], *, lane: Lane, lang: Lang, channel_kind: str,
                    links: LinkConfig | None = None) -> list[tuple[Message, list[Mapping[str, Any]]]]:
    """Messages listing every item, grouped by workspace, each within the channel's size budget,
    with the items each message carries."""
    if not items:
        return []
    budget = DIGEST_TEXT_BYTES.get(channel_kind, 4_000)
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for item in items:
        groups.setdefault(str(item.get("workspace_id", "?")), []).append(item)
    chunks: list[list[str]] = [[]]
    carried: list[list[Mapping[str, Any]]] = [[]]
    size = 0
    for workspace, members in groups.items():
        count = sum(alert_count(m) for m in members)
        lines = [_header(count, workspace, lane, lang)] + [_line(m, lang) for m in members]
        for i, line in enumerate(lines):
            cost = len(line.encode("utf-8")) + 1
            if size + cost > budget and chunks[-1]:
                chunks.append([] if i == 0 else [_header(count, workspace, lane, lang) + " (…)"])
                carried.append([])
                size = sum(len(x.encode("utf-8")) + 1 for x in chunks[-1])
            chunks[-1].append(line)
            if i > 0:
                carried[-1].append(members[i - 1])
            size += cost
    kinds = {str(k) for i in items for k in ((i.get("counts") or {}) if i.get("kind") == FOLDED else [i.get("kind")])}
    severity = "error" if any(k.endswith("failure") for k in kinds) else "warning"
    total, n = sum(alert_count(i) for i in items), len(chunks)
    messages = []
    for k, (chunk, members) in enumerate(zip(chunks, carried, strict=True), start=1):
        part = f" ({k}/{n})" if n > 1 else ""
        title = (f"告警汇总：{total} 条{part}" if lang == "zh" else f"Alert digest: {total} alerts{part}")
        message = Message(kind="digest", title=title, severity=severity, text="\n".join(chunk),
                          markdown=True, lang=lang, link=_workspace_link(members[0] if members else items[0], links))
        messages.append((message, members))
    return messages


def _workspace_link(item: Mapping[str, Any], links: LinkConfig | None) -> str | None:
    if links is None:
        return None
    region = item.get("region") or links.region
    if not region or item.get("workspace_id") is None:
        return None
    return links.workspace.format(console=links.console.rstrip("/"), region=region,
                                  workspace_id=item["workspace_id"], instance_id="", node_id="", dag_id="")
