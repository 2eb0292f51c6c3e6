"""``openevent bench cost``: what a tenant's instance status events cost the notifier, before and after
s.yaml's status filter.

A tenant with ``--daily`` instance status events a day (default 5,000,000): each instance goes through
``NOT_RUN → WAIT_TIME → WAIT_RESOURCE → RUNNING → SUCCESS | FAILURE`` (five events; ``--failure-rate``
of them fail, default 2 %). Without a status filter on the EventBridge rule every event invokes the
notifier, which drops the non-terminal ones itself; with s.yaml's filter (``data.status`` in
``[5, 6]``) only the terminal events invoke it. The real ``functions/instance_status_notifier``
handler is invoked warm, in-process, for each kind of event (memory state, enrichment off, a local
fake webhook for the alerts); its duration per invocation (median wall time; CPU time beside it) and its
log lines are measured, then scaled
to the day: invocations, GB-s at the function's memory (s.yaml: 256 MB) and log lines (the handler's
own plus FC's two per invocation — its start and end lines).

Prices are not applied: they differ by region and are not in the project's references; multiply the
invocations and GB-s by your region's FC price. ``gb_s`` uses the measured (warm) durations;
``gb_s_billed`` rounds each invocation up to ``--granularity-ms`` (default 1 ms; FC's billing
granularity is not in the references — check your region's pricing page). Cold starts add to both.

Example::

    openevent bench cost                      # 5 M events/day, 2 % failures
    openevent bench cost --daily 1000000 --failure-rate 0.05
"""

from __future__ import annotations

import copy
import io
import json
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

FUNCTION = "instance_status_notifier"
MEMORY_GB = 0.25
"""The notifier's memory in s.yaml (256 MB)."""
FC_LINES_PER_INVOCATION = 2
"""FC's own ``FC Invoke Start`` / ``FC Invoke End`` lines in the function's log."""
LIFECYCLE = (1, 2, 3, 4)
"""The non-terminal statuses of one instance: not run, waiting for time, for resources, running."""
TERMINAL = (6, 5)
"""SUCCESS, FAILURE: the statuses s.yaml's filter lets through (``vars.notifyStatuses``)."""


def _event(status: int, n: int) -> bytes:
    from openevent.events.samples import sample_event

    ev = copy.deepcopy(sample_event("dataworks:InstanceStatusChanges:InstanceStatusChanges"))
    ev["id"] = f"cost-{status}-{n}"
    ev["data"].update(status=status, dagType=0, taskId=7_000_000_000 + n, nodeId=6_000_000_000 + n % 500)
    return json.dumps(ev).encode()


@contextmanager
def _notifier(url: str, folder: str) -> Iterator[Callable[[bytes], dict[str, Any]]]:
    from openevent.local.functions import load_handler
    from openevent.local.invoke import function_env
    from openevent.runtime.context import LocalContext

    config = Path(folder) / "notifier.yaml"
    config.write_text(json.dumps({
        "receivers": {"hook": {"kind": "webhook", "url": url}},
        "enrichment": {"enabled": False},
    }), encoding="utf-8")
    with function_env(FUNCTION, str(config), {"OPENEVENT_STATE_URL": "memory://", "OPENEVENT_LOG_STREAM": "stdout",
                                              "OPENEVENT_LOG_LEVEL": "info"}):
        handler = load_handler(FUNCTION, fresh=True)
        context = LocalContext(function_name=FUNCTION)
        yield lambda raw: handler(raw, context)


def _measure(invoke: Callable[[bytes], dict[str, Any]], raws: list[bytes]) -> dict[str, float]:
    """CPU ms per invocation (median) and log lines per invocation (mean) over ``raws``."""
    cpu: list[float] = []
    wall: list[float] = []
    lines = 0
    real_stdout = sys.stdout
    for raw in raws:
        sink = io.StringIO()
        sys.stdout = sink
        try:
            start, start_cpu = time.perf_counter(), time.process_time()
            invoke(raw)
            wall.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        finally:
            sys.stdout = real_stdout
        lines += sum(1 for line in sink.getvalue().splitlines() if line.strip())
    return {"wall_ms": round(statistics.median(wall), 3), "cpu_ms": round(statistics.median(cpu), 3),
            "log_lines": round(lines / len(raws), 2)}


def _day(invocations: float, wall_ms: float, billed_ms: float, log_lines: float) -> dict[str, Any]:
    return {"invocations": round(invocations), "gb_s": round(invocations * wall_ms / 1000 * MEMORY_GB, 1),
            "gb_s_billed": round(invocations * billed_ms / 1000 * MEMORY_GB, 1),
            "log_lines": round(invocations * (log_lines + FC_LINES_PER_INVOCATION))}


def run(corpus_dir: str | None = None, rounds: int = 3, loops: int = 300, daily: int = 5_000_000,
        failure_rate: float = 0.02, granularity_ms: float = 1.0) -> dict[str, Any]:
    """Measure the notifier per kind of event and scale it to a tenant's day (see the module docstring)."""
    from openevent.local.fake_chat import FakeChat
    from openevent.runtime.logging import configure_logging

    configure_logging(stream="stdout", level="info", force=True)  # as on FC: the lines are part of the cost
    del corpus_dir  # the lifecycle is synthetic: the corpus has one sample per status at most
    per = max(20, loops // 4)
    with FakeChat() as chat, tempfile.TemporaryDirectory(prefix="openevent-cost-") as folder:
        with _notifier(chat.webhook_sink("hook"), folder) as invoke:
            # imports, config, the store: paid once per instance, not per event
            _measure(invoke, [_event(status, 10_000_000 + i) for i, status in enumerate((*LIFECYCLE, *TERMINAL) * 4)])
            best: dict[str, dict[str, float]] = {}
            for r in range(rounds):
                base = r * 1_000_000
                kinds = {
                    "non_terminal": [_event(LIFECYCLE[i % 4], base + i) for i in range(per)],
                    "success": [_event(6, base + 100_000 + i) for i in range(per)],
                    "failure": [_event(5, base + 200_000 + i) for i in range(per)],
                }
                for kind, raws in kinds.items():
                    figures = _measure(invoke, raws)
                    if kind not in best or figures["wall_ms"] < best[kind]["wall_ms"]:
                        best[kind] = figures
        alerts = len(chat.received("hook"))
    instances = daily / (len(LIFECYCLE) + 1)
    failures = instances * failure_rate
    successes = instances - failures
    non_terminal = instances * len(LIFECYCLE)

    def mix(with_filter: bool) -> dict[str, Any]:
        parts = [(successes, best["success"]), (failures, best["failure"])]
        if not with_filter:
            parts.append((non_terminal, best["non_terminal"]))
        invocations = sum(n for n, _ in parts)
        wall = sum(n * f["wall_ms"] for n, f in parts) / invocations
        billed = sum(n * math.ceil(f["wall_ms"] / granularity_ms) * granularity_ms for n, f in parts) / invocations
        lines = sum(n * f["log_lines"] for n, f in parts) / invocations
        return _day(invocations, wall, billed, lines)

    before, after = mix(False), mix(True)
    return {
        "function": FUNCTION, "python": sys.version.split()[0], "daily_events": daily, "failure_rate": failure_rate,
        "memory_gb": MEMORY_GB, "billing_granularity_ms": granularity_ms, "per_invocation": best, "alerts_sent": alerts,
        "per_day": {"without_status_filter": before, "with_status_filter": after},
        "ratio_after_before": {key: round(after[key] / before[key], 3) for key in ("invocations", "gb_s", "log_lines")},
    }
