"""``openevent bench load``: the local bus (``openevent serve``) under a tenant's load, with the fakes.

What it does:

* starts the fakes of ``openevent serve`` (:class:`~openevent.local.stack.LocalStack` — fake DataWorks,
  the fake chat vendors and webhook inbox, one SQLite state file every function shares — plus a fake
  SLS for the auditor's and the forwarder's logstores) in this process, and the bus itself
  (:class:`~openevent.local.server.BusServer` over :class:`~openevent.local.bus.LocalBus`, every
  function in it) in a process of its own, as a deployment has the services apart from the
  functions; each function with its own environment as s.yaml gives it (its own chat robots);
* posts ``events`` events at ``rate`` per second over HTTP from a pool of senders, mixed across all
  six functions the way a real tenant's traffic is — instance status changes dominate, most of them
  not failures — with every id, instance, node and table unique (:func:`tenant_mix`);
* with ``duplicates``, posts every event twice, the whole sequence shuffled (EventBridge's
  at-least-once, out of order);
* after the last answer flushes the notifier's digests (its FC timer trigger) until none is pending,
  then counts what every fake received, per event and destination.

The figures (JSON): per function the invocations and the p50/p99 of its handler's time (one
invocation, as FC bills it) and of the HTTP round trip of the events it handled (the bus's queue
and its retries included); ``lost`` — extension events without a callback,
audited events without their records in the JSONL trail and SLS, alerts a receiver never got, DQ
results a destination never got, invocations that failed after the bus's retries; ``duplicated`` —
a second callback, record, alert or result for one event. Both must be 0.

Example:
    >>> figures = run(events=60, rate=60, duplicates=True)   # doctest: +SKIP
    >>> figures["lost"]["total"], figures["duplicated"]["total"]  # doctest: +SKIP
    (0, 0)
"""

from __future__ import annotations

import json
import random
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NOTIFIER, AUDITOR, FORWARDER = "instance_status_notifier", "node_change_auditor", "dq_result_forwarder"
GUARDS = ("workspace_delete_guard", "download_guard", "change_guard")
TIMER_EVENT = {"triggerTime": "2025-03-14T04:00:30Z", "triggerName": "digest-flush", "payload": ""}
DIGEST_WINDOW_S = 2
FC_RETRY_BACKOFF_S = 1.0
"""The bus retries a failed invocation after 1, 2 and 4 s, as FC's asynchronous invocation retries later."""
SLS_PROJECT, AUDIT_LOGSTORE, DQ_LOGSTORE = "bench-project", "audit", "dq"
CHAT_RECEIVERS = ("dingtalk", "feishu", "wecom", "slack", "webhook")

# share of the traffic (a tenant: status changes dominate, extension points and DQ are rare)
MIX: tuple[tuple[str, float], ...] = (
    ("status", 0.62), ("dag", 0.08), ("monitor", 0.01), ("node", 0.14), ("instance_op", 0.04),
    ("dq", 0.01), ("download", 0.04), ("change", 0.04), ("delete_project", 0.01), ("project_deleted", 0.01),
)
FAILED_STATUS_SHARE = 0.02
"""Of the instance status changes, the failures (the rest: waiting, running, succeeded)."""


@dataclass
class Sent:
    """One event of the run: what it is, what it should reach, and what answered it."""

    event: dict[str, Any]
    kind: str
    marker: str | None = None
    """A text unique to the event that every message about it carries (an instance id, a table, a DAG)."""
    answers: list[dict[str, Any]] = field(default_factory=list)
    e2e_ms: list[float] = field(default_factory=list)


def _percentile(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return round(ordered[index], 2)


# -- the traffic -------------------------------------------------------------------------------------------
def tenant_mix(events: int, seed: int = 7) -> list[Sent]:
    """``events`` distinct events in :data:`MIX` proportions (ids, instances, nodes, tables unique).

    Example:
        >>> mix = tenant_mix(200)
        >>> len(mix), len({s.event["id"] for s in mix}), Counter(s.kind for s in mix).most_common(1)[0][0]
        (200, 200, 'status')
    """
    from openevent.events.samples import sample_event

    rng = random.Random(seed)
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    out: list[Sent] = []
    for i in range(events):
        kind = rng.choices(kinds, weights)[0]
        unique = 7_300_000_000_000 + i * 7 + seed
        if kind == "status":
            failed = rng.random() < FAILED_STATUS_SHARE
            ev = sample_event("dataworks:InstanceStatusChanges:InstanceStatusChanges")
            ev["data"].update(taskId=unique, nodeId=unique + 1, dagType=0,
                              status=5 if failed else rng.choice([2, 3, 4, 6, 6, 6]))
            out.append(Sent(ev, kind, str(unique) if failed else None))
        elif kind == "dag":
            failed = rng.random() < 0.25
            ev = sample_event("dataworks:DagStatusChanges:DagStatusChanges")
            name = f"P_bench_dag_{unique}"
            ev["data"].update(dagId=unique, dagName=name, status=5 if failed else 6, dagType=3)
            out.append(Sent(ev, kind, name if failed else None))
        elif kind == "monitor":
            ev = sample_event("dataworks:MonitorAlert:WorkbenchMonitorAlert")
            name = f"bench baseline {unique}"
            ev["data"].update(baselineId=unique, baselineName=name, taskId=unique + 2, nodeId=unique + 3)
            out.append(Sent(ev, kind, name))
        elif kind == "node":
            etype = rng.choice(["NodeChangeCreated", "NodeChangeUpdated", "NodeChangeUpdated", "NodeChangeDeleted"])
            ev = sample_event(f"dataworks:NodeChange:{etype}")
            ev["data"].update(nodeId=unique, nodeName=f"ods_bench_{unique}")
            out.append(Sent(ev, kind))
        elif kind == "instance_op":
            etype = rng.choice(["FreezeInstance", "KillInstance", "RerunInstance", "SetInstanceSuccess"])
            ev = sample_event(f"dataworks:InstanceChange:{etype}")
            ev["data"]["taskIds"] = [unique]
            out.append(Sent(ev, kind))
        elif kind == "dq":
            ev = sample_event("dataworks:DqcCheck:DqcCheckFinishedEvent")
            table = f"bench_tbl_{unique}"
            result = 2 if rng.random() < 0.2 else 0
            ev["data"].update(tableName=table, checkResult=result, checkResultStatus=result)
            out.append(Sent(ev, kind, table))
        elif kind == "download":
            ev = sample_event(rng.choice(["dataworks:ResourcesDownload:DownloadResources",
                                          "dataworks:ResourcesDownload:DownloadResourcesExecute",
                                          "dataworks:ResourcesUpload:UploadDataToTable"]))
            out.append(Sent(ev, kind))
        elif kind == "change":
            ev = sample_event(rng.choice(["dataworks:FileChange:RunFile", "dataworks:NodeChange:FreezeNode",
                                          "dataworks:InstanceChange:PreKillInstance",
                                          "dataworks:BackfillDataOperate:BackfillData",
                                          "dataworks:DqcCheck:BatchCreateDataQualityRules"]))
            out.append(Sent(ev, kind))
        elif kind == "delete_project":
            out.append(Sent(sample_event("dataworks:ProjectChange:DeleteProject", {"data.projectId": 20002}), kind))
        else:
            out.append(Sent(sample_event("dataworks:ProjectChange:ProjectDeleted"), kind))
    return out


# -- the bus ----------------------------------------------------------------------------------------------
def _bus_class() -> Any:
    from openevent.local.bus import LocalBus

    class PerFunctionBus(LocalBus):
        """The local bus, where each function sees the stack's environment plus its own (as in s.yaml)."""

        def __init__(self, *, per_function: Mapping[str, Mapping[str, str | None]], **kwargs: Any) -> None:
            self._per_function = per_function
            self._current = threading.local()  # the function the request thread is invoking
            self._base: dict[str, str] = {}
            self._timed: dict[str, tuple[Any, Any]] = {}
            self.timings: dict[str, list[float]] = {}
            """Milliseconds per invocation of each function's handler."""
            super().__init__(**kwargs)

        @property
        def env(self) -> dict[str, str]:
            merged = {**self._base, **self._per_function.get(getattr(self._current, "function", ""), {})}
            return {k: v for k, v in merged.items() if v is not None}

        @env.setter
        def env(self, value: Mapping[str, str]) -> None:
            self._base = dict(value)

        def _invoke(self, function: str, raw: bytes, event: Mapping[str, Any]) -> Any:
            self._current.function = function
            return super()._invoke(function, raw, event)

        def _handler(self, function: str) -> Any:
            """The function's handler, timed: what one invocation takes, as FC bills it (no queueing)."""
            handler = super()._handler(function)
            timed = self._timed.get(function)
            if timed is None or timed[0] is not handler:
                def run(event: bytes, context: Any) -> Any:
                    started = time.perf_counter()
                    try:
                        return handler(event, context)
                    finally:
                        self.timings.setdefault(function, []).append((time.perf_counter() - started) * 1000)

                timed = self._timed[function] = (handler, run)
            return timed[1]

    return PerFunctionBus


def _forwarder_config(folder: Path) -> str:
    """The forwarder's shipped config with its receivers renamed ``dq-…``: its own robots, so its own rate
    budgets (budgets are counted per receiver name, shared with a notifier receiver of the same name)."""
    from openevent.local.functions import default_config
    from openevent.runtime.config import read_document

    shipped = default_config(FORWARDER)
    doc = read_document(shipped) if shipped else {}
    doc["receivers"] = {f"dq-{name}": r for name, r in (doc.get("receivers") or {}).items()}
    chat = (doc.get("destinations") or {}).get("chat")
    if isinstance(chat, dict):
        chat["receivers"] = [f"dq-{name}" for name in chat.get("receivers") or []]
    path = folder / "dq_result_forwarder.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def _per_function_env(stack: Any, sls_endpoint: str) -> dict[str, dict[str, str | None]]:
    """Each consumer its own robots (a vendor's rate limit is per robot), the SLS logstores, no audit chat."""
    chat = stack.chat
    out: dict[str, dict[str, str | None]] = {}
    for function in (NOTIFIER, FORWARDER):
        tag = "ntf" if function == NOTIFIER else "dq"
        out[function] = {
            "DINGTALK_WEBHOOK_URL": chat.dingtalk_robot(f"bench-{tag}-dt", secret=stack.env["DINGTALK_SECRET"]),
            "FEISHU_WEBHOOK_URL": chat.feishu_bot(f"bench-{tag}-fs", secret=stack.env["FEISHU_SECRET"]),
            "WECOM_WEBHOOK_URL": chat.wecom_robot(f"bench-{tag}-wc"),
            "SLACK_WEBHOOK_URL": chat.slack_hook(f"T0/B0/bench-{tag}-sl"),
            "ALERT_WEBHOOK_URL": chat.webhook_sink(f"bench-{tag}-hook", secret=stack.env["ALERT_WEBHOOK_SECRET"]),
        }
    out[NOTIFIER]["NOTIFY_DIGEST_WINDOW_S"] = str(DIGEST_WINDOW_S)
    out[FORWARDER].update(DQ_SLS_ENDPOINT=sls_endpoint, DQ_SLS_PROJECT=SLS_PROJECT, DQ_SLS_LOGSTORE=DQ_LOGSTORE,
                          OPENEVENT_CONFIG=_forwarder_config(Path(stack.state_dir)))
    out[AUDITOR] = {"AUDIT_SLS_ENDPOINT": sls_endpoint, "AUDIT_SLS_PROJECT": SLS_PROJECT,
                    "AUDIT_SLS_LOGSTORE": AUDIT_LOGSTORE, "DINGTALK_WEBHOOK_URL": None}
    return out


ROBOTS = {"dingtalk": "bench-ntf-dt", "feishu": "bench-ntf-fs", "wecom": "bench-ntf-wc",
          "slack": "T0/B0/bench-ntf-sl", "webhook": "bench-ntf-hook"}
DQ_ROBOTS = {"chat:dq-dingtalk": "bench-dq-dt", "chat:dq-feishu": "bench-dq-fs", "chat:dq-wecom": "bench-dq-wc",
             "chat:dq-slack": "T0/B0/bench-dq-sl", "webhook": "bench-dq-hook"}


# -- the run ----------------------------------------------------------------------------------------------
def run(events: int = 5000, rate: float = 200.0, duplicates: bool = False, *, seed: int = 7,
        senders: int = 16, state_url: str | None = None, **_ignored: Any) -> dict[str, Any]:
    """Run the load and return the figures (see the module docstring)."""
    from openevent.local.fake_sls import SLS_DEMO_KEY_ID, SLS_DEMO_KEY_SECRET, FakeSls
    from openevent.local.stack import LocalStack

    mix = tenant_mix(events, seed)
    order = [s for s in mix for _ in range(2 if duplicates else 1)]
    if duplicates:
        random.Random(seed + 1).shuffle(order)
    with tempfile.TemporaryDirectory(prefix="openevent-load-") as tmp, LocalStack(Path(tmp)) as stack, \
            FakeSls(projects={SLS_PROJECT: [AUDIT_LOGSTORE, DQ_LOGSTORE]}) as sls:
        stack.dataworks.add_key(SLS_DEMO_KEY_ID, SLS_DEMO_KEY_SECRET)  # one key for DataWorks and SLS
        env = {**stack.env, "ALIBABA_CLOUD_ACCESS_KEY_ID": SLS_DEMO_KEY_ID,
               "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SLS_DEMO_KEY_SECRET, "OPENEVENT_LOG_LEVEL": "warning",
               "OPENEVENT_LOG_STREAM": "null"}
        if state_url:
            env["OPENEVENT_STATE_URL"] = state_url
        with _BusProcess(env, _per_function_env(stack, sls.endpoint), Path(tmp)) as bus:
            elapsed = _send(bus.url, order, rate, senders)
            flushes = bus.flush_digests()
            failures, timings = bus.failures(), bus.timings()
        figures = _figures(mix, stack, sls, failures, timings, Path(env["OPENEVENT_AUDIT_JSONL"]))
    sent = len(order)
    return {"bench": "load", "events": events, "rate": rate, "duplicates": duplicates, "deliveries": sent,
            "elapsed_s": round(elapsed, 2), "achieved_rate": round(sent / elapsed, 1) if elapsed else None,
            "digest_flushes": flushes, "state": "redis" if state_url and state_url.startswith("redis")
            else "sqlite (shared by every function)", **figures}


class _BusProcess:
    """``python -m openevent.bench.load_bench STATE_DIR``: the bus in a process of its own.

    Its environment (secrets included) comes as the first line on stdin, never in a file; it prints
    its URL, then answers commands on stdin: ``flush`` (the notifier's timer trigger until no digest is
    pending; prints how many flushes it took), ``failures`` (prints the bus's failures).
    """

    def __init__(self, env: Mapping[str, str], per_function: Mapping[str, Mapping[str, str | None]],
                 state_dir: Path) -> None:
        import os
        import subprocess
        import sys

        child_env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENEVENT_", "DATAWORKS_"))}
        child_env.update(OPENEVENT_LOG_STREAM="null", OPENEVENT_LOG_LEVEL="warning",
                         PYTHONPATH=os.pathsep.join(p for p in [str(Path(__file__).resolve().parents[2]),
                                                                child_env.get("PYTHONPATH", "")] if p))
        self._proc = subprocess.Popen([sys.executable, "-m", "openevent.bench.load_bench", str(state_dir)],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=child_env, text=True)
        self.url = self._ask(json.dumps({"env": dict(env), "per_function": per_function}))["url"]

    def _read(self) -> Any:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError("the bus process ended before it answered")
        return json.loads(line)

    def _ask(self, command: str) -> Any:
        assert self._proc.stdin is not None
        self._proc.stdin.write(command + "\n")
        self._proc.stdin.flush()
        return self._read()

    def flush_digests(self) -> int:
        return int(self._ask("flush"))

    def failures(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = self._ask("failures")
        return out

    def timings(self) -> dict[str, list[float]]:
        out: dict[str, list[float]] = self._ask("timings")
        return out

    def __enter__(self) -> _BusProcess:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=30)
        except Exception:
            self._proc.kill()
            self._proc.wait(timeout=30)


def _serve_bus(state_dir: str) -> None:
    """The bus process (see :class:`_BusProcess`)."""
    import sys
    from types import SimpleNamespace

    import openevent.local  # noqa: F401 - the local tooling: loopback endpoints use its demo key
    from openevent.local.server import BusServer
    from openevent.runtime.logging import configure_logging

    configure_logging("null", level="warning", force=True)
    spec = json.loads(sys.stdin.readline())
    env = spec["env"]
    # FC retries a failed asynchronous invocation up to 3 times, seconds apart (not the bus's default 50 ms)
    bus = _bus_class()(template=None, env=env, per_function=spec["per_function"], backoff_s=FC_RETRY_BACKOFF_S)
    stack = SimpleNamespace(dataworks=SimpleNamespace(endpoint=env["DATAWORKS_ENDPOINT"]),
                            state_dir=Path(state_dir), inbox=list, callbacks=list)
    server = BusServer(bus, stack, port=0).start()  # type: ignore[arg-type]
    print(json.dumps({"url": server.url}), flush=True)
    try:
        for command in sys.stdin:
            if command.strip() == "flush":
                print(json.dumps(_flush_digests(bus, env["OPENEVENT_STATE_URL"])), flush=True)
            elif command.strip() == "failures":
                print(json.dumps(bus.failures, default=str), flush=True)
            elif command.strip() == "timings":
                print(json.dumps(bus.timings), flush=True)
    finally:
        server.stop()


def _send(url: str, order: list[Sent], rate: float, senders: int) -> float:
    """Post ``order`` at ``rate``/s from ``senders`` threads, each over its own kept-alive connection;
    record each answer and its round trip."""
    from openevent.local.bus_client import BusClient

    local = threading.local()
    clients: list[BusClient] = []
    started = time.perf_counter()

    def post(i: int) -> None:
        item = order[i]
        due = started + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = BusClient(url, timeout=600)
            clients.append(client)
        t0 = time.perf_counter()
        status, body = client.post(json.dumps(item.event).encode())
        item.e2e_ms.append((time.perf_counter() - t0) * 1000)
        item.answers.append(json.loads(body) if status == 200 else {"error": body[:300].decode("utf-8", "replace")})

    try:
        with ThreadPoolExecutor(max_workers=senders) as pool:
            list(pool.map(post, range(len(order))))
    finally:
        for client in clients:
            client.close()
    return time.perf_counter() - started


def _flush_digests(bus: Any, state_url: str, *, attempts: int = 30) -> int:
    """The notifier's FC timer trigger, until no digest is pending (each flush waits a digest window)."""
    from openevent.alerting.digest import LANES, pending_since
    from openevent.state import open_store

    flushes = 0
    with open_store(state_url) as store:
        for _ in range(attempts):
            if not any(pending_since(store, r, lane) is not None for r in CHAT_RECEIVERS for lane in LANES):
                break
            time.sleep(DIGEST_WINDOW_S + 0.2)
            bus.invoke_direct(NOTIFIER, TIMER_EVENT)
            flushes += 1
    return flushes


def _figures(mix: list[Sent], stack: Any, sls: Any, failures: list[dict[str, Any]],
             timings: Mapping[str, list[float]], trail: Path) -> dict[str, Any]:
    e2e_ms: dict[str, list[float]] = defaultdict(list)
    for item in mix:
        for answer, ms in zip(item.answers, item.e2e_ms, strict=False):
            for result in answer.get("results", []):
                for d in result.get("functions", []):
                    e2e_ms[d["function"]].append(ms)
    lost: Counter[str] = Counter()
    duplicated: Counter[str] = Counter()
    _count_guards(mix, stack, lost, duplicated)
    _count_audit(mix, sls, trail, lost, duplicated)
    _count_alerts(mix, stack, lost, duplicated)
    _count_dq(mix, stack, sls, lost, duplicated)
    lost["bus_failures"] = len(failures)
    lost["http_errors"] = sum(1 for item in mix for a in item.answers if "error" in a)
    per_function = {fn: {"invocations": len(ms), "p50_ms": _percentile(ms, 50), "p99_ms": _percentile(ms, 99),
                         "max_ms": _percentile(ms, 100), "http_p50_ms": _percentile(e2e_ms[fn], 50),
                         "http_p99_ms": _percentile(e2e_ms[fn], 99)}
                    for fn, ms in sorted(timings.items()) if fn in e2e_ms}
    return {"per_function": per_function,
            "failures": [{"function": f.get("function"), "type": f.get("type"), "attempts": f.get("attempts"),
                          "error": str((f.get("errors") or [""])[-1])[:300]} for f in failures[:10]],
            "lost": {**{k: v for k, v in sorted(lost.items())}, "total": sum(lost.values())},
            "duplicated": {**{k: v for k, v in sorted(duplicated.items())}, "total": sum(duplicated.values())},
            "expected": _expected(mix)}


def _first_result(item: Sent, function: str) -> dict[str, Any] | None:
    for answer in item.answers:
        for result in answer.get("results", []):
            for d in result.get("functions", []):
                if d["function"] == function and d.get("ok"):
                    out: dict[str, Any] = d["result"]
                    return out
    return None


def _count_guards(mix: list[Sent], stack: Any, lost: Counter[str], duplicated: Counter[str]) -> None:
    by_id = Counter(c.message_id for c in stack.dataworks.callbacks)
    for item in mix:
        if item.kind in ("download", "change", "delete_project"):
            n = by_id[item.event["id"]]
            lost["callbacks"] += n == 0
            duplicated["callbacks"] += max(0, n - 1)


def _count_audit(mix: list[Sent], sls: Any, trail: Path, lost: Counter[str], duplicated: Counter[str]) -> None:
    lines = [json.loads(ln) for ln in trail.read_text(encoding="utf-8").splitlines() if ln.strip()] \
        if trail.exists() else []
    in_trail = Counter(r["audit_id"] for r in lines)
    in_sls = Counter(log.get("audit_id") for log in sls.logs if log.get("__logstore__") == AUDIT_LOGSTORE)
    by_event: dict[str, set[str]] = defaultdict(set)
    for r in lines:
        by_event[r["event_id"]].add(r["audit_id"])
    for item in mix:
        if item.kind not in ("node", "instance_op", "project_deleted"):
            continue
        result = _first_result(item, AUDITOR)
        expected = {r["audit_id"] for r in (result or {}).get("records", [])}
        if result is None or not expected:
            lost["audit_records"] += 1
            continue
        for audit_id in expected:
            for where, counts in (("audit_records", in_trail), ("audit_sls_logs", in_sls)):
                lost[where] += counts[audit_id] == 0
                duplicated[where] += max(0, counts[audit_id] - 1)
        duplicated["audit_records"] += len(by_event[item.event["id"]] - expected)


def _count_alerts(mix: list[Sent], stack: Any, lost: Counter[str], duplicated: Counter[str]) -> None:
    received = {name: [m.raw for m in stack.chat.received(robot)] for name, robot in ROBOTS.items()}
    for item in mix:
        if item.marker is None or item.kind not in ("status", "dag", "monitor"):
            continue
        result = _first_result(item, NOTIFIER)
        rows = (result or {}).get("notifications", [])
        due = {r["receiver"] for r in rows if r["status"] in ("sent", "digested", "queued")}
        if result is None:
            lost["alerts"] += len(ROBOTS)
            continue
        marker = item.marker.encode()
        for receiver in ROBOTS:
            n = sum(marker in raw for raw in received[receiver])
            if receiver in due:
                lost["alerts"] += n == 0
            duplicated["alerts"] += max(0, n - 1)


def _count_dq(mix: list[Sent], stack: Any, sls: Any, lost: Counter[str], duplicated: Counter[str]) -> None:
    received = {part: [m.raw for m in stack.chat.received(robot)] for part, robot in DQ_ROBOTS.items()}
    in_sls = Counter(log.get("table_name") for log in sls.logs if log.get("__logstore__") == DQ_LOGSTORE)
    for item in mix:
        if item.kind != "dq" or item.marker is None:
            continue
        result = _first_result(item, FORWARDER)
        if result is None:
            lost["dq_results"] += 1
            continue
        due = {(f"{r['destination']}:{r['receiver']}" if r.get("receiver") else r["destination"])
               for r in result.get("forwarded", []) if r["status"] in ("sent", "already-sent")}
        marker = item.marker.encode()
        for part, raws in received.items():
            n = sum(marker in raw for raw in raws)
            lost["dq_results"] += part in due and n == 0
            duplicated["dq_results"] += max(0, n - 1)
        n = in_sls[item.marker]
        lost["dq_results"] += "sls" in due and n == 0
        duplicated["dq_results"] += max(0, n - 1)


def _expected(mix: list[Sent]) -> dict[str, int]:
    """How many deliveries the run was checked for, by kind of promise."""
    kinds = Counter(s.kind for s in mix)
    return {"events": len(mix), "extension_events": kinds["download"] + kinds["change"] + kinds["delete_project"],
            "audited_events": kinds["node"] + kinds["instance_op"] + kinds["project_deleted"],
            "alerting_events": sum(1 for s in mix if s.marker and s.kind in ("status", "dag", "monitor")),
            "dq_results": kinds["dq"], "status_events": kinds["status"]}



if __name__ == "__main__":
    import sys

    _serve_bus(sys.argv[1])
