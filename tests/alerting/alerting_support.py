"""Helpers for the notifier tests (constants, fake clock, config builders, extra fault switches).

Importable as ``alerting_support``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from openevent.local.fake_chat import FakeChat, _plain
from openevent.state.base import Apply, StateError, StateStore

# 2025-03-14 12:00:00 +08:00, a Friday noon in China
NOON_CST = 1_741_924_800.0
WORKSPACE = 10001
NODE_ID = 700004120003
INSTANCE_ID = 523536569736
OWNER_UID = "1900000001"
OWNER_MOBILE = "13800001111"
LOG = ("2025-03-14 12:01:00 INFO  Start run dwd_orders_di\n"
       "2025-03-14 12:02:10 ERROR FAILED: ODPS-0130071: Semantic analysis exception - column amount\n"
       + "".join(f"2025-03-14 12:02:{i:02d} INFO  cleanup step {i}\n" for i in range(30))
       + "2025-03-14 12:03:00 INFO  Exit code: 1\n")


@dataclass
class FakeClock:
    now: float = NOON_CST

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def dingtalk_config(url: str, **extra: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "receivers": {"dt": {"kind": "dingtalk", "url": url, "secret": "SEC-test-secret"}},
        "owners": {OWNER_UID: {"name": "张三", "mobile": OWNER_MOBILE}},
    }
    config.update(extra)
    return config


def texts(chat: FakeChat, target: str = "tok") -> list[str]:
    """The markdown/text of every accepted message of a robot."""
    out = []
    for m in chat.received(target):
        body = m.body
        inner = body.get(body.get("msgtype"), {}) if isinstance(body, dict) else {}
        out.append(str(inner.get("text") or inner.get("content") or body))
    return out


# -- faults the stock fakes do not have -------------------------------------------------------------
class FaultyChat(FakeChat):
    """The vendor-faithful :class:`FakeChat` with two more fault switches.

    * :meth:`hang` — requests to a robot arrive but are never answered (a vendor that stalls
      mid-request); :attr:`hung_request` is set when one arrives. A hung request is never
      accepted, so a client killed while waiting for it has not delivered anything;
    * :meth:`throttle_slack` — a Slack hook answers ``429 rate_limited`` with a ``Retry-After``
      of the given seconds (Slack's own answer when a workspace is rate limited).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._hung: set[str] = set()
        self._slack_retry_after: dict[str, int] = {}
        self._release = threading.Event()
        self.hung_request = threading.Event()
        self.fault_requests: dict[str, int] = {}

    def hang(self, target: str) -> None:
        self._hung.add(target)

    def unhang(self, target: str) -> None:
        self._hung.discard(target)

    def throttle_slack(self, path: str, retry_after_s: int) -> None:
        self._slack_retry_after[path] = retry_after_s

    def stop(self) -> None:
        self._release.set()
        super().stop()

    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], raw: bytes) -> Any:
        target = query.get("access_token") or query.get("key") or path.rsplit("/", 1)[-1]
        slack = path[len("/services/"):] if path.startswith("/services/") else None
        if target in self._hung:
            self.fault_requests[target] = self.fault_requests.get(target, 0) + 1
            self.hung_request.set()
            self._release.wait(timeout=120)
            return _plain(502, "<html><body>502 Bad Gateway</body></html>")  # its client is long gone
        if slack is not None and slack in self._slack_retry_after:
            self.fault_requests[slack] = self.fault_requests.get(slack, 0) + 1
            return _plain(429, "rate_limited", (("Retry-After", str(self._slack_retry_after[slack])),))
        return super().handle(method, path, query, headers, raw)


class FlakyStore(StateStore):
    """A state store with a fault switch: the next ``count`` calls of ``op`` on matching keys raise StateError.

    ``op`` is a backend primitive (``append``, ``update``, ``get``, ``take_all``, …); what the
    bounded store raises when Redis or SQLite fails (:class:`~openevent.state.base.StateError`).
    """

    def __init__(self, inner: StateStore) -> None:
        super().__init__(prefix=inner.prefix)
        self.inner = inner
        self._faults: list[list[Any]] = []
        self.failed: list[str] = []

    def fail_next(self, op: str, count: int = 1, key_contains: str = "") -> None:
        self._faults.append([op, count, key_contains])

    def _check(self, op: str, key: str) -> None:
        for fault in self._faults:
            if fault[0] == op and fault[1] > 0 and fault[2] in key:
                fault[1] -= 1
                self.failed.append(f"{op} {key}")
                raise StateError(f"state store {op}: connection reset by peer (injected)")

    def _add_once(self, key: str, ttl_s: float) -> bool:
        self._check("add_once", key)
        return self.inner._add_once(key, ttl_s)

    def _incr_window(self, key: str, window_s: float, amount: int) -> int:
        self._check("incr_window", key)
        return self.inner._incr_window(key, window_s, amount)

    def _take_all(self, budgets: list[tuple[str, int, float]]) -> bool:
        self._check("take_all", budgets[0][0])
        return self.inner._take_all(budgets)

    def _get(self, key: str) -> str | None:
        self._check("get", key)
        return self.inner._get(key)

    def _put(self, key: str, text: str, ttl_s: float | None) -> None:
        self._check("put", key)
        self.inner._put(key, text, ttl_s)

    def _delete(self, key: str) -> bool:
        self._check("delete", key)
        return self.inner._delete(key)

    def _update(self, key: str, apply: Apply, ttl_s: float | None) -> str | None:
        self._check("update", key)
        return self.inner._update(key, apply, ttl_s)

    def _append(self, key: str, text: str, ttl_s: float | None) -> int:
        self._check("append", key)
        return self.inner._append(key, text, ttl_s)

    def _drain(self, key: str) -> list[str]:
        self._check("drain", key)
        return self.inner._drain(key)

    def _acquire(self, key: str, token: str, ttl_s: float) -> bool:
        return self.inner._acquire(key, token, ttl_s)

    def _release(self, key: str, token: str) -> bool:
        return self.inner._release(key, token)

    def close(self) -> None:
        self.inner.close()


TIMER_EVENT = {"triggerTime": "2025-03-14T04:00:30Z", "triggerName": "digest-flush", "payload": ""}


# -- driving the real FC function -----------------------------------------------------------------
FUNCTION = "instance_status_notifier"
SECRET = "SEC-test-secret"
WORKER = Path(__file__).with_name("notifier_worker.py")


def invoke(module: ModuleType, event: Any, timeout_s: int = 15) -> dict[str, Any]:
    """One FC invocation of the function's ``handler`` (bytes in, an FC-like context without remaining time)."""
    from openevent.runtime.context import LocalContext

    return module.handler(json.dumps(event).encode("utf-8"), LocalContext(function_name=FUNCTION,  # type: ignore[no-any-return]
                                                                           timeout_s=timeout_s))


def robots(chat: FakeChat, *names: str, **extra: Any) -> dict[str, Any]:
    """A config with one signed DingTalk robot per name (token = name), every alert to all, no enrichment."""
    receivers = {n: {"kind": "dingtalk", "url": chat.dingtalk_robot(n, secret=SECRET), "secret": SECRET}
                 for n in names}
    return {"receivers": receivers, "enrichment": {"enabled": False}, **extra}


def start_worker(tmp_path: Path, events: list[Any], env: dict[str, str], timeout_s: int) -> subprocess.Popen[bytes]:
    """The function in another process (another FC instance) handling ``events`` on the shared store."""
    path = tmp_path / f"worker-events-{time.monotonic_ns()}.json"
    path.write_text(json.dumps(events), encoding="utf-8")
    return subprocess.Popen([sys.executable, str(WORKER), str(path), str(path.with_suffix(".out")), str(timeout_s)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL, as FC ends an instance at its timeout or when it crashes: nothing runs after it."""
    proc.kill()
    proc.wait(timeout=30)


def sleep_until(epoch: float) -> None:
    time.sleep(max(0.0, epoch - time.time()) + 0.05)


def claim_until(state_url: str, event_id: str) -> float:
    """When the in-progress claim on ``event_id`` expires (the claiming invocation's deadline)."""
    from openevent.state import open_store

    with open_store(state_url) as store:
        doc = store.get(f"idem:notifier:{event_id}")
    assert doc is not None and doc.get("state") == "in_progress", doc
    return float(doc["until"])


def on_fake_clock(module: ModuleType, clock: FakeClock) -> Any:
    """Run the function's worker (its windows, days, digests and state expiry) on ``clock``."""
    from openevent.state import open_store

    worker = module.app.worker
    worker.clock = clock.time
    worker.store = open_store("memory://", clock=clock.time)
    return worker
