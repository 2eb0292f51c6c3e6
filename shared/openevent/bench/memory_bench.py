"""``openevent bench memory``: does a long-lived FC instance keep growing? RSS per handler over N events.

For each function, a fresh interpreter (one warm FC instance) runs ``events`` distinct events through
the real ``functions/<name>/index.py`` handler, in process, with ``memory://`` state bounded to
``max_entries`` keys (``memory://?max_entries=N``; the bench's default, 10,000, is small enough that
every handler reaches the bound within the run — production's default is 100,000) and the shipped
config pointed at the local fakes (:class:`~openevent.local.stack.LocalStack`: fake DataWorks for the
guards' callbacks and enrichment, the fake chat vendors for the notifier and the DQ forwarder). The
fakes run in a process of their own, so what they record never counts in a handler's memory.

* logging is on at ``info`` and rendered to nothing (the ``null`` stream), so every log line is
  built, redacted and rendered as on FC;
* the notifier also gets its FC timer trigger (the digest flush) every 1,000 events;
* the auditor runs as on FC: stdout sink, no local JSONL trail (``jsonl.enabled: false``), no SLS.

After a warm-up (``events // 10``), the resident set size (``/proc/self/statm``, after a
``gc.collect()``) and the interpreter's allocated blocks (:func:`sys.getallocatedblocks`: Python
objects, exact and free of tracemalloc's own overhead) are sampled every ``events // samples``
events. The figures per function (JSON): RSS at the warm-up and at the end, the least-squares slope
in bytes per event after the warm-up and from the first sample after the store first evicted a key
(``bound_reached_at_event``), the same slope for allocated blocks, the peak RSS, the keys the store
holds at the warm-up and at the end, how many it evicted and how many items its lists hold at the end
(the notifier's pending digests: a backlog that grows while alerts come faster than the rate-limited
robots take digests, which the key bound does not cap), and how many invocations raised
(a consumer raises while a delivery is undone, e.g. a throttled chat robot).

``--max-entries 0`` runs the store unbounded and without a default TTL (the store as it was
before it had either), to show the growth the bound prevents.

Example:
    >>> figures = run(events=200, function="download_guard")   # doctest: +SKIP
    >>> figures["functions"]["download_guard"]["rss_slope_bytes_per_event"]  # doctest: +SKIP
    0.0
"""

from __future__ import annotations

import copy
import gc
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

FUNCTIONS = ("instance_status_notifier", "node_change_auditor", "dq_result_forwarder",
             "workspace_delete_guard", "download_guard", "change_guard")
DEFAULT_EVENTS = 100_000
BENCH_MAX_ENTRIES = 10_000
"""The store bound of the bench: small, so the bound is reached within the run (production: 100,000)."""
DEFAULT_SAMPLES = 20
TIMER_EVERY = 1000
TIMER_EVENT = {"triggerTime": "2025-03-14T04:00:30Z", "triggerName": "digest-flush", "payload": ""}
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes() -> int:
    """This process's resident set size now (``/proc/self/statm``; peak RSS where there is no ``/proc``).

    Example:
        >>> rss_bytes() > 0
        True
    """
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except OSError:  # pragma: no cover - not Linux
        import resource

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def slope(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of ``(x, y)`` points (0 for fewer than two distinct x).

    Example:
        >>> slope([(0, 10.0), (10, 30.0), (20, 50.0)])
        2.0
    """
    if len(points) < 2:
        return 0.0
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    return 0.0 if var == 0 else sum((x - mx) * (y - my) for x, y in points) / var


# -- the events ---------------------------------------------------------------------------------------------
_KINDS: dict[str, tuple[tuple[str, float], ...]] = {
    # the tenant mix of ``openevent bench load``, per function
    "instance_status_notifier": (("status", 0.87), ("dag", 0.11), ("monitor", 0.02)),
    "node_change_auditor": (("node", 0.73), ("instance_op", 0.21), ("project_deleted", 0.06)),
    "dq_result_forwarder": (("dq", 1.0),),
    "workspace_delete_guard": (("delete_project", 1.0),),
    "download_guard": (("download", 1.0),),
    "change_guard": (("change", 1.0),),
}
FAILED_STATUS_SHARE = 0.02


class _Samples:
    """Sample events by type, copied (never rebuilt) for each event."""

    def __init__(self) -> None:
        self._cache: dict[str, dict[str, Any]] = {}

    def __call__(self, event_type: str, **data: Any) -> dict[str, Any]:
        base = self._cache.get(event_type)
        if base is None:
            from openevent.events.samples import sample_event

            base = self._cache[event_type] = sample_event(event_type)
        event = copy.deepcopy(base)
        event["data"].update(data)
        return event


def events_for(function: str, count: int, *, seed: int = 11,
               failed_share: float = FAILED_STATUS_SHARE) -> Iterator[bytes]:
    """``count`` distinct events of ``function`` (ids, instances, nodes, tables unique), made lazily.

    ``failed_share`` of the instance status changes are failures (the rest waiting, running, succeeded).

    Example:
        >>> raws = list(events_for("node_change_auditor", 3))
        >>> len({json.loads(r)["id"] for r in raws})
        3
    """
    rng = random.Random(seed)
    kinds = [k for k, _ in _KINDS[function]]
    weights = [w for _, w in _KINDS[function]]
    make = _Samples()
    for i in range(count):
        kind = rng.choices(kinds, weights)[0]
        unique = 7_400_000_000_000 + i * 7 + seed
        event = _event(kind, unique, rng, make, failed_share)
        event["id"] = f"mem-{function[:8]}-{i:07d}"
        yield json.dumps(event).encode()


def _event(kind: str, unique: int, rng: random.Random, make: _Samples, failed_share: float) -> dict[str, Any]:
    if kind == "status":
        status = 5 if rng.random() < failed_share else rng.choice([2, 3, 4, 6, 6, 6])
        return make("dataworks:InstanceStatusChanges:InstanceStatusChanges", taskId=unique, nodeId=unique + 1,
                    dagType=0, status=status)
    if kind == "dag":
        return make("dataworks:DagStatusChanges:DagStatusChanges", dagId=unique, dagName=f"P_mem_dag_{unique}",
                    status=5 if rng.random() < 0.25 else 6, dagType=3)
    if kind == "monitor":
        return make("dataworks:MonitorAlert:WorkbenchMonitorAlert", baselineId=unique,
                    baselineName=f"mem baseline {unique}", taskId=unique + 2, nodeId=unique + 3)
    if kind == "node":
        etype = rng.choice(["NodeChangeCreated", "NodeChangeUpdated", "NodeChangeUpdated", "NodeChangeDeleted"])
        return make(f"dataworks:NodeChange:{etype}", nodeId=unique, nodeName=f"ods_mem_{unique}")
    if kind == "instance_op":
        etype = rng.choice(["FreezeInstance", "KillInstance", "RerunInstance", "SetInstanceSuccess"])
        return make(f"dataworks:InstanceChange:{etype}", taskIds=[unique])
    if kind == "project_deleted":
        return make("dataworks:ProjectChange:ProjectDeleted")
    if kind == "dq":
        result = 2 if rng.random() < 0.2 else 0
        return make("dataworks:DqcCheck:DqcCheckFinishedEvent", tableName=f"mem_tbl_{unique}",
                    checkResult=result, checkResultStatus=result)
    if kind == "delete_project":
        return make("dataworks:ProjectChange:DeleteProject", projectId=20002)
    if kind == "download":
        etype = rng.choice(["dataworks:ResourcesDownload:DownloadResources",
                            "dataworks:ResourcesDownload:DownloadResourcesExecute",
                            "dataworks:ResourcesUpload:UploadDataToTable"])
        return make(etype)
    etype = rng.choice(["dataworks:FileChange:RunFile", "dataworks:NodeChange:FreezeNode",
                        "dataworks:InstanceChange:PreKillInstance", "dataworks:BackfillDataOperate:BackfillData",
                        "dataworks:DqcCheck:BatchCreateDataQualityRules"])
    return make(etype)


# -- one function in a fresh interpreter ------------------------------------------------------------------
def _auditor_config(folder: Path) -> str:
    """The auditor's shipped config as on FC: no local JSONL trail (stdout and, when set, SLS)."""
    from openevent.local.functions import default_config
    from openevent.runtime.config import read_document

    shipped = default_config("node_change_auditor")
    doc = read_document(shipped) if shipped else {}
    doc.setdefault("sinks", {})["jsonl"] = {"enabled": False}
    path = folder / "node_change_auditor.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def measure(function: str, events: int, samples: int = DEFAULT_SAMPLES) -> dict[str, Any]:
    """Run ``events`` events through ``function``'s handler in this process and sample its memory.

    The environment (``OPENEVENT_STATE_URL``, the fakes' endpoints) is this process's.
    """
    import openevent.local  # noqa: F401 - loopback endpoints use the local tooling's demo key
    from openevent.local.functions import load_module
    from openevent.runtime.context import LocalContext
    from openevent.runtime.logging import configure_logging

    configure_logging("null", level="info", force=True)
    module = load_module(function, fresh=True)
    handler = module.handler
    ctx = LocalContext(function_name=function, timeout_s=60)
    timer = json.dumps(TIMER_EVENT).encode()
    every = max(1, events // max(1, samples))
    warmup = max(1, events // 10)
    points: list[tuple[int, float]] = []
    blocks: list[tuple[int, float]] = []
    keys: list[int | None] = []
    evicted: list[int] = []
    errors = 0
    first_error: str | None = None
    started = time.perf_counter()
    for i, raw in enumerate(events_for(function, events), start=1):
        try:
            handler(raw, ctx)
            if function == "instance_status_notifier" and i % TIMER_EVERY == 0:
                handler(timer, ctx)
        except Exception as exc:  # a consumer raises while a delivery is undone: FC would retry it
            errors += 1
            first_error = first_error or f"{type(exc).__name__}: {str(exc)[:200]}"
        if i in (warmup, events) or (i > warmup and (i - warmup) % every == 0):
            gc.collect()
            points.append((i, float(rss_bytes())))
            blocks.append((i, float(sys.getallocatedblocks())))
            keys.append(_keys(module))
            evicted.append(getattr(_store(module), "evicted", 0))
    elapsed = time.perf_counter() - started
    import resource

    store = _store(module)
    bound = getattr(store, "max_entries", None)
    full = next((k for k, n in enumerate(evicted) if n), None)  # the first sample after an eviction
    after = points[full:] if full is not None and len(points) - full >= 3 else []
    return {
        "events": events, "warmup_events": warmup, "samples": len(points), "elapsed_s": round(elapsed, 1),
        "rss_warmup_mib": round(points[0][1] / 2**20, 2), "rss_end_mib": round(points[-1][1] / 2**20, 2),
        "rss_slope_bytes_per_event": round(slope(points), 2),
        "bound_reached_at_event": None if full is None else points[full][0],
        "rss_slope_after_bound_bytes_per_event": round(slope(after), 2) if after else None,
        "rss_peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 2),
        "blocks_warmup": int(blocks[0][1]), "blocks_end": int(blocks[-1][1]),
        "blocks_slope_per_event": round(slope(blocks), 4),
        "store_keys_warmup": keys[0], "store_keys_end": keys[-1],
        "store_max_entries": bound, "store_evicted": getattr(store, "evicted", None),
        "store_list_items_end": _list_items(store),
        "errors": errors, "first_error": first_error,
        "rss_samples_mib": [round(y / 2**20, 2) for _, y in points],
    }


def _store(module: Any) -> Any:
    app = getattr(module, "app", None)
    worker = getattr(app, "_worker", None)
    return getattr(worker, "store", None)


def _list_items(store: Any) -> int | None:
    """Items held in the store's lists (the notifier's pending digests): a backlog the key bound does not cap."""
    data = getattr(store, "_data", None)
    if data is None:
        return None
    return sum(len(e.value) for e in list(data.values()) if isinstance(e.value, list) and e.value
               and isinstance(e.value[0], str))


def _keys(module: Any) -> int | None:
    size = getattr(_store(module), "size", None)  # a memory store's keys
    return size if isinstance(size, int) else None


# -- the run ----------------------------------------------------------------------------------------------
_FAKES = (
    "import json, sys\n"
    "from openevent.local.stack import LocalStack\n"
    "with LocalStack() as stack:\n"
    "    print(json.dumps(stack.env), flush=True)\n"
    "    sys.stdin.read()\n"
)


def run(events: int = DEFAULT_EVENTS, function: str | None = None, *, max_entries: int = BENCH_MAX_ENTRIES,
        samples: int = DEFAULT_SAMPLES, only: tuple[str, ...] | None = None, **_ignored: Any) -> dict[str, Any]:
    """Run the benchmark for ``function`` (default: every function, or those in ``only``) and return its figures.

    ``max_entries`` 0 leaves the store unbounded and without a default TTL (what it was before it
    had either), to show the growth the bound prevents.
    """
    import tempfile

    from openevent.errors import OpenEventError

    if events < 20:
        raise OpenEventError("--events must be at least 20")
    names = (function,) if function is not None else (only or FUNCTIONS)
    unknown = [n for n in names if n not in FUNCTIONS]
    if unknown:
        raise OpenEventError(f"unknown function {unknown[0]!r}; functions: {', '.join(FUNCTIONS)}")
    state_url = (f"memory://?max_entries={max_entries}" if max_entries
                 else f"memory://?max_entries={2**62}&default_ttl_s=0")
    fakes = subprocess.Popen([sys.executable, "-c", _FAKES], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, env=_child_env({}))
    out: dict[str, Any] = {}
    try:
        assert fakes.stdout is not None
        line = fakes.stdout.readline()
        if not line:
            raise RuntimeError("the fakes process ended before it answered")
        stack_env: dict[str, str] = json.loads(line)
        from openevent.runtime.redact import is_secret_key, register_secret

        for key, value in stack_env.items():  # the fakes' secrets: masked should a worker's error show one
            if is_secret_key(key):
                register_secret(value)
        with tempfile.TemporaryDirectory(prefix="openevent-membench-") as tmp:
            base = {k: v for k, v in stack_env.items() if k != "OPENEVENT_AUDIT_JSONL"}
            base.update(OPENEVENT_STATE_URL=state_url, OPENEVENT_LOG_STREAM="null", OPENEVENT_LOG_LEVEL="info",
                        NOTIFY_DIGEST_WINDOW_S="5")
            for name in names:
                env = dict(base)
                config = _auditor_config(Path(tmp)) if name == "node_change_auditor" else None
                from openevent.local.functions import default_config

                env["OPENEVENT_CONFIG"] = config or default_config(name) or ""
                out[name] = _measure_in_child(name, events, samples, env)
    finally:
        if fakes.stdin:
            fakes.stdin.close()
        try:
            fakes.wait(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover
            fakes.kill()
    return {"bench": "memory", "events": events, "state_url": state_url,
            "bounded": bool(max_entries), "functions": out}


def _child_env(extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENEVENT_", "DATAWORKS_"))}
    src = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env


def _measure_in_child(function: str, events: int, samples: int, env: Mapping[str, str]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-m", "openevent.bench.memory_bench", function, str(events), str(samples)],
                          capture_output=True, text=True, env=_child_env(env), check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        from openevent.runtime.redact import redact_text

        raise RuntimeError(f"bench worker for {function} failed (exit {proc.returncode}): "
                           f"{redact_text(proc.stderr.strip()[-600:])}")
    figures: dict[str, Any] = json.loads(lines[-1])
    return figures


if __name__ == "__main__":  # the worker: python -m openevent.bench.memory_bench FUNCTION EVENTS SAMPLES
    print(json.dumps(measure(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))), flush=True)
