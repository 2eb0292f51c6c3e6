"""``openevent bench guard``: warm decision latency and cold start of a guard.

* warm: the download guard decides ``loops`` distinct events (parse → facts → policy →
  callback over HTTP to a fake DataWorks running in a separate process), p50/p99; the same
  events again in dry mode (no callback) give the decision-only latency, and the
  difference is what the callback costs; the anchor is a bare ``requests`` POST of the same
  signed ``CallbackExtension`` (keep-alive session) to the same fake, p50/p99;
* cold: a fresh interpreter imports the function's ``index`` and answers one event; reported
  as the in-process time from before the import to the answer, and as the ratio of the
  import cost of ``index`` to the import cost of the third-party stack every function
  needs anyway (``pydantic``, ``structlog``), best of ``rounds``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

_FAKE = (
    "import sys, time\n"
    "from openevent.local.fake_dataworks import FakeDataWorks\n"
    "fake = FakeDataWorks().start()\n"
    "print(fake.endpoint, flush=True)\n"
    "sys.stdin.read()\n"
)
_COLD = (
    "import time; t0 = time.perf_counter()\n"
    "import json, sys; sys.path.insert(0, {fn_dir!r})\n"
    "import index\n"
    "from openevent.runtime.context import LocalContext\n"
    "t1 = time.perf_counter()\n"
    "out = index.handler({event!r}.encode(), LocalContext(function_name='download_guard'))\n"
    "t2 = time.perf_counter()\n"
    "print(json.dumps({{'import_ms': (t1 - t0) * 1000, 'first_decision_ms': (t2 - t1) * 1000,"
    " 'total_ms': (t2 - t0) * 1000, 'decision': out['decision']}}))\n"
)


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return round(ordered[index], 3)


def _events(n: int) -> list[bytes]:
    from openevent.events.samples import sample_event

    kinds = [
        ("dataworks:ResourcesDownload:DownloadResources", {"data.dataRowSize": "2000000"}),
        ("dataworks:ResourcesDownload:DownloadResources", {}),
        ("dataworks:ResourcesDownload:DownloadResourcesExecute", {}),
        ("dataworks:ResourcesUpload:UploadDataToTable", {}),
    ]
    out = []
    for i in range(n):
        etype, overrides = kinds[i % len(kinds)]
        out.append(json.dumps(sample_event(etype, {**overrides, "id": f"bench-{i:06d}"})).encode())
    return out


def _warm(events: list[bytes]) -> list[float]:
    from openevent.local.functions import load_handler
    from openevent.local.invoke import function_env
    from openevent.runtime.context import LocalContext

    latencies = []
    with function_env("download_guard", None, {"OPENEVENT_STATE_URL": "memory://"}):
        handler = load_handler("download_guard", fresh=True)
        ctx = LocalContext(function_name="download_guard", timeout_s=60)
        for raw in events[:20]:  # warm up imports, sqlglot, the SDK client
            handler(raw.replace(b"bench-", b"warmup-"), ctx)
        for raw in events:
            start = time.perf_counter()
            handler(raw, ctx)
            latencies.append((time.perf_counter() - start) * 1000)
    return latencies


def _bare_requests(endpoint: str, n: int) -> list[float]:
    """Latencies of ``n`` bare ``requests`` POSTs of a signed CallbackExtension to the fake (the anchor)."""
    import requests

    from openevent.dataworks.signing import sign_request
    from openevent.local.demo_keys import LOCAL_DEMO_ACCESS_KEY_ID, LOCAL_DEMO_ACCESS_KEY_SECRET
    from openevent.local.fake_dataworks_world import DEFAULT_EXTENSION_CODE
    from openevent.runtime.credentials import Credentials

    creds = Credentials(LOCAL_DEMO_ACCESS_KEY_ID, LOCAL_DEMO_ACCESS_KEY_SECRET)
    latencies = []
    with requests.Session() as session:
        for i in range(n + 20):
            signed = sign_request("CallbackExtension", {"ExtensionCode": DEFAULT_EXTENSION_CODE,
                                                        "MessageId": f"bare-{i:06d}", "CheckResult": "OK"},
                                  creds, "cn-hangzhou")
            start = time.perf_counter()
            answer = session.post(endpoint + signed.path, data=signed.body, headers=signed.headers, timeout=10)
            took = (time.perf_counter() - start) * 1000
            if answer.status_code != 200:
                raise RuntimeError(f"the bare request was refused: {answer.status_code} {answer.text[:200]}")
            if i >= 20:  # the first ones warm the connection up
                latencies.append(took)
    return latencies


def _import_ratio(fn_dir: str, rounds: int) -> dict[str, float]:
    def best(code: str) -> float:
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        return min(times)

    empty = best("pass")
    stack = best("import pydantic, structlog")
    index = best(f"import sys; sys.path.insert(0, {fn_dir!r}); import index")
    return {"stack_import_ms": round((stack - empty) * 1000, 1), "index_import_ms": round((index - empty) * 1000, 1),
            "import_ratio_vs_stack": round((index - empty) / (stack - empty), 3)}


def run(corpus_dir: str | None = None, rounds: int = 5, loops: int = 1000) -> dict[str, Any]:
    """Run the guard benchmark and return its figures (decision logs are rendered, then discarded)."""
    from openevent.local.functions import function_path
    from openevent.runtime.logging import configure_logging

    configure_logging("null", force=True)

    events = _events(max(loops, 1000))
    fake = subprocess.Popen([sys.executable, "-c", _FAKE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert fake.stdout is not None
        endpoint = fake.stdout.readline().strip()
        os.environ["DATAWORKS_ENDPOINT"] = endpoint
        from openevent.local.fake_dataworks_world import DEFAULT_EXTENSION_CODE

        os.environ["DATAWORKS_EXTENSION_CODE"] = DEFAULT_EXTENSION_CODE
        full = _warm(events)
        bare = _bare_requests(endpoint, min(len(events), 1000))
    finally:
        if fake.stdin:
            fake.stdin.close()
        fake.wait(timeout=10)
        os.environ.pop("DATAWORKS_ENDPOINT", None)
    dry = _warm([e.replace(b"bench-", b"dry-") for e in events])
    fn_dir = str(Path(function_path("download_guard")))
    event = _events(1)[0].decode()
    cold = json.loads(subprocess.run([sys.executable, "-c", _COLD.format(fn_dir=fn_dir, event=event)],
                                     check=True, capture_output=True, text=True,
                                     env={**os.environ, "OPENEVENT_LOG_LEVEL": "warning"}).stdout)
    p50, p99 = _percentile(full, 50), _percentile(full, 99)
    d50, d99 = _percentile(dry, 50), _percentile(dry, 99)
    return {
        "events": len(full),
        "warm_p50_ms": p50, "warm_p99_ms": p99, "warm_mean_ms": round(statistics.fmean(full), 3),
        "decision_only_p50_ms": d50, "decision_only_p99_ms": d99,
        "callback_share_p50_ms": round(p50 - d50, 3),
        "anchor_bare_requests_p50_ms": _percentile(bare, 50), "anchor_bare_requests_p99_ms": _percentile(bare, 99),
        "warm_p50_vs_bare_requests": round(p50 / _percentile(bare, 50), 2),
        "cold_import_ms": round(cold["import_ms"], 1), "cold_first_decision_ms": round(cold["first_decision_ms"], 1),
        "cold_total_ms": round(cold["total_ms"], 1),
        **_import_ratio(fn_dir, rounds),
    }
