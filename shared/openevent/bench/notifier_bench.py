"""``openevent bench notifier``: notifier throughput, without network and end to end.

* ``filter_route_render`` — events per second through parse → select → include/exclude →
  route → render (the :class:`~openevent.notify.Message` and the DingTalk JSON payload, signed
  URL included), no I/O;
* ``end_to_end`` — events per second through the whole :class:`~openevent.alerting.pipeline.Notifier`
  (memory state store: event claim, repeat window, daily cap, budgets; enrichment off) to a
  local fake webhook over HTTP (:class:`~openevent.local.fake_chat.FakeChat`).

The corpus is a set of distinct instance FAILURE events (or the handled events among the JSON
files of ``--corpus``). Each round is timed; the best round is kept.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

_TYPES = ("dataworks:InstanceStatusChanges:InstanceStatusChanges", "dataworks:DagStatusChanges:DagStatusChanges",
          "dataworks:MonitorAlert:WorkbenchMonitorAlert")


def _corpus(folder: str | None, size: int = 100) -> list[dict[str, Any]]:
    if folder:
        docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(folder).rglob("*.json"))
                if "invalid" not in p.parts]
        return [d for d in docs if isinstance(d, dict) and d.get("type") in _TYPES]
    from openevent.events.samples import sample_event

    base = sample_event(_TYPES[0])
    base["data"].update(status=5, dagType=0)
    out = []
    for i in range(size):
        ev = copy.deepcopy(base)
        ev["data"].update(taskId=900_000_000 + i, nodeId=800_000_000 + i)
        out.append(ev)
    return out


def _unique(corpus: list[dict[str, Any]], round_no: int) -> list[bytes]:
    """The corpus as bytes with event and instance ids unique to the round (no dedup between rounds)."""
    out = []
    for i, ev in enumerate(corpus):
        ev = dict(ev, id=f"bench-{round_no}-{i}")
        data = dict(ev.get("data") or {})
        if "taskId" in data:
            data["taskId"] = 10**12 + round_no * 10**6 + i
        ev["data"] = data
        out.append(json.dumps(ev).encode())
    return out


def _config(url: str) -> Any:
    from openevent.alerting.config import NotifierConfig

    return NotifierConfig.model_validate({
        "receivers": {"bench": {"kind": "webhook", "url": url}},
        "routes": [{"match": {"priorities": [8]}, "receivers": ["bench"], "continue": True},
                   {"match": {"nodes": ["ods_*"]}, "receivers": ["bench"]}],
        "select": {"exclude": [{"nodes": ["tmp_*"]}]},
        "enrichment": {"enabled": False},
        "owners": {"1900000001": {"name": "owner", "mobile": "13800001111"}},
    })


def _no_network(raws: list[bytes], cfg: Any) -> int:
    from openevent.alerting.match import matches
    from openevent.alerting.render import render_alert
    from openevent.alerting.route import route
    from openevent.alerting.select import select
    from openevent.events import parse_one
    from openevent.notify.channels.dingtalk import DingTalkChannel

    channel = DingTalkChannel("dt", "https://oapi.dingtalk.com/robot/send?access_token=bench", secret="SECbench")
    rendered = 0
    for raw in raws:
        alert = select(parse_one(raw), cfg.select).alert
        if alert is None or any(matches(alert, m, cfg.owners) for m in cfg.select.exclude):
            continue
        for hit in route(alert, cfg.routes, cfg.default_receivers, enabled=["bench"], owners=cfg.owners):
            message = render_alert(alert, lang=cfg.lang, links=cfg.links, owners=cfg.owners,
                                   mention_owner=hit.mention_owner)
            channel.prepare(channel.render(message).body)
            rendered += 1
    return rendered


def run(corpus_dir: str | None = None, rounds: int = 7, loops: int = 200) -> dict[str, Any]:
    """Run the benchmark and return its figures (events per second, best round)."""
    from openevent.alerting.pipeline import Notifier
    from openevent.local.fake_chat import FakeChat
    from openevent.runtime.logging import configure_logging
    from openevent.state import open_store

    configure_logging(stream="stderr", level="error", force=True)
    corpus = _corpus(corpus_dir)
    if not corpus:
        raise ValueError("the corpus has no instance status, workflow status or monitor alert events")
    with FakeChat() as chat:
        url = chat.webhook_sink("bench")
        cfg = _config(url)
        _no_network(_unique(corpus, 0), cfg)
        best_pure = float("inf")
        pure_events = 0
        for r in range(rounds):
            raws = _unique(corpus, 1 + r) * max(1, loops // len(corpus) or 1)
            start = time.perf_counter()
            _no_network(raws, cfg)
            best_pure = min(best_pure, time.perf_counter() - start)
            pure_events = len(raws)
        e2e_events = min(len(corpus), max(20, loops))
        best_e2e = float("inf")
        sent = 0
        for r in range(rounds):
            notifier = Notifier(cfg, open_store("memory://"))
            raws = _unique(corpus, 1000 + r)[:e2e_events]
            start = time.perf_counter()
            for raw in raws:
                rows = notifier.handle_raw(raw)["notifications"]
                sent += sum(1 for row in rows if row["status"] == "sent")
            best_e2e = min(best_e2e, time.perf_counter() - start)
        delivered = len(chat.received("bench"))
    return {
        "corpus_events": len(corpus),
        "rounds": rounds,
        "filter_route_render": {"events": pure_events, "best_s": round(best_pure, 6),
                                "events_per_s": round(pure_events / best_pure, 1)},
        "end_to_end_local_webhook": {"events": len(raws), "best_s": round(best_e2e, 6),
                                     "events_per_s": round(len(raws) / best_e2e, 1), "sent": sent,
                                     "delivered": delivered, "state": "memory://", "enrichment": False},
    }
