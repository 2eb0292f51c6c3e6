"""The local fakes with the fault switches the fault matrix needs on top of their own.

* :class:`FaultDataWorks` — :class:`~openevent.local.fake_dataworks.FakeDataWorks` where an action
  can *hang* (the request arrives and is held, never carried out, until released; then answered
  ``503`` — its client is long gone), with :meth:`~FaultDataWorks.heal` ending every fault and a
  ``tap`` called with each request's action (to restart Redis while a callback is in flight);
* :class:`FaultChat` — :class:`~openevent.local.fake_chat.FakeChat` where a robot can hang the same
  way, with ``heal`` and a ``tap`` called with each request's target;
* :class:`FaultSls` — :class:`~openevent.local.fake_sls.FakeSls` where ``PutLogs`` can hang, with
  ``heal`` and a ``tap``.

A request that hung is never recorded as delivered: the fakes' records (callbacks, accepted
messages, stored logs) are what reached the service.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

from openevent.local.fake_chat import FakeChat, _plain
from openevent.local.fake_dataworks import FakeDataWorks
from openevent.local.fake_sls import FakeSls

HANG_LIMIT_S = 60.0
Tap = Callable[[str], None]


class _Hangs:
    """Targets whose requests hang until :meth:`unhang`; :attr:`arrived` is set when one arrives."""

    def __init__(self) -> None:
        self._hung: set[str] = set()
        self._release = threading.Event()
        self.arrived = threading.Event()
        self.held = 0

    def hang(self, target: str) -> None:
        self._release.clear()
        self._hung.add(target)

    def unhang(self) -> None:
        self._hung.clear()
        self._release.set()

    def hold(self, target: str) -> bool:
        """Hold a request to ``target`` if it hangs; True when it was held (and must not be carried out)."""
        if target not in self._hung:
            return False
        self.held += 1
        self.arrived.set()
        self._release.wait(HANG_LIMIT_S)
        return True


class FaultDataWorks(FakeDataWorks):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hangs = _Hangs()
        self.tap: Tap | None = None

    def hang(self, action: str) -> None:
        """Requests for ``action`` are held and never carried out (a DataWorks that stalls)."""
        self.hangs.hang(action)

    def heal(self) -> None:
        """End every fault: injected errors, hung actions."""
        with self._lock:
            self._faults.clear()
        self.hangs.unhang()

    def handle(self, method: str, query: dict[str, str], form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        action = {**query, **form}.get("Action", "")
        if self.tap is not None:
            self.tap(action)
        if self.hangs.hold(action):
            return 503, {"RequestId": "held", "Code": "ServiceUnavailable", "Message": "the request was held"}
        return super().handle(method, query, form)


class FaultChat(FakeChat):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hangs = _Hangs()
        self.tap: Tap | None = None

    def hang(self, target: str) -> None:
        """Requests to ``target`` (a robot token, a hook name) are held and never accepted."""
        self.hangs.hang(target)

    def heal(self) -> None:
        """End every fault: queued throttling / 502 answers, hung robots."""
        with self._lock:
            for robot in self._robots.values():
                robot.faults.clear()
                robot.throttled_until = 0.0
        self.hangs.unhang()

    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], raw: bytes) -> Any:
        target = query.get("access_token") or query.get("key") or path.rsplit("/", 1)[-1]
        if path != "/_inbox":
            if self.tap is not None:
                self.tap(target)
            if self.hangs.hold(target):
                return _plain(502, "<html><body>502 Bad Gateway</body></html>")
        return super().handle(method, path, query, headers, raw)


class FaultSls(FakeSls):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hangs = _Hangs()
        self.tap: Tap | None = None

    def hang(self) -> None:
        """``PutLogs`` requests are held and store nothing."""
        self.hangs.hang("PutLogs")

    def heal(self) -> None:
        with self._lock:
            self._faults.clear()
        self.hangs.unhang()

    def handle(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> tuple[int, bytes, str]:
        if method == "POST":
            if self.tap is not None:
                self.tap("PutLogs")
            if self.hangs.hold("PutLogs"):
                return 503, json.dumps({"errorCode": "ServerBusy", "errorMessage": "held"}).encode(), "held"
        return super().handle(method, path, headers, body)
