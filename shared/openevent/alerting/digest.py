"""Digests: alerts that could not go out one by one are collapsed, never dropped.

Two lanes per receiver, each a list in the state store plus a small document holding when
its first item arrived:

* ``overflow`` — over the receiver's rate budget (or throttled by the vendor); sent
  ``digest.window_s`` after the first item;
* ``quiet`` — held during quiet hours; sent once quiet hours are over.

Appenders write the item first and then make sure the document exists; a flusher deletes the
document (atomically: one flusher wins) and then drains the list, so an item is always
either drained now or covered by a document for a later flush. Items a flush could not send
(budget used up, vendor failure) are put back.

:func:`digest_messages` renders items as one or more messages that each fit the channel
("37 more failures in workspace 10001: …"), listing every alert, grouped by workspace.

Example:
    >>> from openevent.state import open_store
    >>> store = open_store("memory://")
    >>> queue(store, "ops", "overflow", {"instance_id": 1}, now=100.0, list_ttl_s=3600)
    >>> claim_due(store, "ops", "overflow", now=130.0, window_s=60), claim_due(store, "ops", "overflow",
    ...                                                                         now=161.0, window_s=60)
    (None, [{'instance_id': 1}])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from openevent.alerting.config import LinkConfig
from openevent.alerting.render import fmt_date
from openevent.notify.message import Lang, Message
from openevent.state import StateStore

Lane = Literal["overflow", "quiet"]
LANES: tuple[Lane, ...] = ("overflow", "quiet")

# text bytes per digest message, below each vendor's body limit with room for title and JSON
DIGEST_TEXT_BYTES: dict[str, int] = {"dingtalk": 12_000, "feishu": 12_000, "lark": 12_000, "wecom": 3_000,
                                     "slack": 2_500, "webhook": 60_000, "email": 200_000}
_ICONS = {"instance_failure": "❌", "workflow_failure": "❌", "monitor_alert": "⚠️", "instance_recovery": "✅",
          "workflow_recovery": "✅"}


def _key(receiver: str, lane: Lane) -> str:
    return f"digest:{receiver}:{lane}"


def queue(store: StateStore, receiver: str, lane: Lane, item: dict[str, Any], *, now: float,
          list_ttl_s: float) -> None:
    """Add ``item`` to the receiver's pending digest (item first, then the document)."""
    store.append(_key(receiver, lane), item, ttl_s=list_ttl_s)
    store.update(_key(receiver, lane), lambda doc: doc or {"opened_at": now}, ttl_s=list_ttl_s)


def requeue(store: StateStore, receiver: str, lane: Lane, items: Sequence[dict[str, Any]], *, opened_at: float,
            list_ttl_s: float) -> None:
    """Put back items a flush could not send; they stay due from ``opened_at``."""
    for item in items:
        store.append(_key(receiver, lane), item, ttl_s=list_ttl_s)

    def keep_oldest(doc: dict[str, Any] | None) -> dict[str, Any]:
        return {"opened_at": min(opened_at, float((doc or {}).get("opened_at", opened_at)))}

    if items:
        store.update(_key(receiver, lane), keep_oldest, ttl_s=list_ttl_s)


def pending_since(store: StateStore, receiver: str, lane: Lane) -> float | None:
    """When the oldest pending item of the lane arrived, ``None`` when nothing is pending."""
    doc = store.get(_key(receiver, lane))
    return None if doc is None else float(doc.get("opened_at", 0.0))


def claim_due(store: StateStore, receiver: str, lane: Lane, *, now: float, window_s: float) -> list[Any] | None:
    """The lane's items when its window has passed and this caller won the flush; else ``None``."""
    opened = pending_since(store, receiver, lane)
    if opened is None or now - opened < window_s:
        return None
    won: list[bool] = []

    def take(doc: dict[str, Any] | None) -> dict[str, Any] | None:
        won.clear()
        due = doc is not None and now - float(doc.get("opened_at", 0.0)) >= window_s
        won.append(due)
        return None if due else doc

    store.update(_key(receiver, lane), take)
    if not (won and won[-1]):
        return None
    return store.drain(_key(receiver, lane))


def _line(item: Mapping[str, Any], lang: Lang) -> str:
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
        lines = [_header(len(members), workspace, lane, lang)] + [_line(m, lang) for m in members]
        for i, line in enumerate(lines):
            cost = len(line.encode("utf-8")) + 1
            if size + cost > budget and chunks[-1]:
                chunks.append([] if i == 0 else [_header(len(members), workspace, lane, lang) + " (…)"])
                carried.append([])
                size = sum(len(x.encode("utf-8")) + 1 for x in chunks[-1])
            chunks[-1].append(line)
            if i > 0:
                carried[-1].append(members[i - 1])
            size += cost
    severity = "error" if any(str(i.get("kind", "")).endswith("failure") for i in items) else "warning"
    total, n = len(items), len(chunks)
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
