"""Idempotency on the state store (Powertools' model): claim → complete | release, per destination.

EventBridge and FC deliver at least once. For every event key:

* :meth:`Idempotency.claim` returns ``new`` (go ahead: first delivery, or a retry after an
  earlier attempt died — its ``data`` and finished ``parts`` come along), ``in_progress``
  (another invocation holds a live claim: raise so FC retries later, or :meth:`Idempotency.await_holder`
  for its outcome while there is time) or ``completed`` (the stored ``result`` is the answer).
  An in-progress claim expires at the claiming invocation's deadline, which is shorter than the
  FC timeout of any retry that follows;
* :meth:`Idempotency.save` attaches data to the claim (a guard's decision) — the first writer
  wins, so two deliveries of one message agree on one decision;
* :meth:`Idempotency.complete_part` records that one destination of a fan-out (a sink, a
  receiver) is done, *after* its effect happened; a redelivery repeats only the others;
* :meth:`Idempotency.complete` stores the result once every effect happened;
  :meth:`Idempotency.release` drops a claim whose work failed, keeping finished parts.

The store being unavailable (down, hung, locked) never blocks: every operation degrades to
"no idempotency" (``unavailable`` claims, no-op writes) and logs a warning.

Example:
    >>> from openevent.state import open_store
    >>> idem = Idempotency(open_store("memory://"), "demo", ttl_s=3600)
    >>> idem.claim("evt-1", until=2e9).state, idem.claim("evt-1", until=2e9).state
    ('new', 'in_progress')
    >>> idem.complete_part("evt-1", "slack", {"status": "sent"})
    >>> idem.complete("evt-1", {"ok": True})
    >>> c = idem.claim("evt-1", until=2e9)
    >>> c.state, c.result, c.parts
    ('completed', {'ok': True}, {'slack': {'status': 'sent'}})
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from openevent.errors import OpenEventError
from openevent.runtime.logging import get_logger
from openevent.state.base import StateError, StateStore

ClaimState = Literal["new", "in_progress", "completed", "unavailable"]


class InProgressError(OpenEventError):
    """Another invocation holds a live claim on this event: raise it so FC retries later.

    The claim expires at that invocation's deadline, so a retry after it proceeds (and
    repeats only what the other one did not finish) if the other invocation died.
    """

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"{key} is being processed by another invocation; FC will retry the event")


def payload_hash(raw: bytes | str | Mapping[str, Any] | Any) -> str:
    """A short hash of a payload (to notice one id arriving with two different payloads).

    Example:
        >>> payload_hash(b'{"a":1}') == payload_hash('{"a":1}')
        True
    """
    if isinstance(raw, str):
        data = raw.encode("utf-8", "surrogatepass")
    elif isinstance(raw, bytes | bytearray):
        data = bytes(raw)
    else:
        data = json.dumps(raw, sort_keys=True, default=str, separators=(",", ":")).encode()
    return hashlib.sha256(data).hexdigest()[:24]


@dataclass
class Claim:
    """The state of one key after :meth:`Idempotency.claim`."""

    key: str
    state: ClaimState
    token: str = ""
    result: dict[str, Any] | None = None
    data: dict[str, Any] = field(default_factory=dict)
    parts: dict[str, Any] = field(default_factory=dict)
    resumed: bool = False
    """True when an earlier attempt's claim expired and this one took it over."""

    @property
    def proceed(self) -> bool:
        """Whether the caller should do the work (``new``, or no state to tell)."""
        return self.state in ("new", "unavailable")

    def part_done(self, name: str) -> bool:
        return name in self.parts


class Idempotency:
    """Claims on ``<namespace>:<key>`` documents in ``store``, kept ``ttl_s`` after completion."""

    def __init__(self, store: StateStore, namespace: str, *, ttl_s: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.namespace = namespace
        self.ttl_s = ttl_s
        self.clock = clock
        self.log = get_logger("openevent.delivery")

    def _doc_key(self, key: str) -> str:
        return f"idem:{self.namespace}:{key}"

    def await_holder(self, key: str, claim: Claim, *, until: float, time_left: Callable[[], float],
                     poll_s: float = 0.1, sleep: Callable[[float], None] = time.sleep) -> Claim:
        """Claim ``key`` again every ``poll_s`` while another invocation holds it and ``time_left()`` allows.

        Returns the claim it ends with: ``completed`` (the holder answered), ``new`` (its claim
        expired or was released: this invocation holds it now), or still ``in_progress`` when
        the time ran out first.

        Example:
            >>> from openevent.state import open_store
            >>> idem = Idempotency(open_store("memory://"), "demo", ttl_s=3600)
            >>> _ = idem.claim("evt-2", until=2e9)
            >>> held = idem.claim("evt-2", until=2e9)
            >>> idem.complete("evt-2", {"ok": True})
            >>> idem.await_holder("evt-2", held, until=2e9, time_left=lambda: 1.0).state
            'completed'
        """
        while claim.state == "in_progress" and time_left() > poll_s:
            sleep(poll_s)
            claim = self.claim(key, until=until)
        return claim

    def _degraded(self, op: str, key: str, exc: Exception) -> None:
        self.log.warning("idempotency.degraded", op=op, key=key, error=str(exc),
                         effect="processing without deduplication")

    def claim(self, key: str, *, until: float, payload: str | None = None) -> Claim:
        """Claim ``key`` until epoch ``until`` (the claiming invocation's deadline)."""
        token = uuid.uuid4().hex
        now = self.clock()
        seen: dict[str, Any] = {}

        def take(doc: dict[str, Any] | None) -> dict[str, Any]:
            seen.clear()
            if doc is not None:
                seen.update(doc)
            if doc is None:
                return {"state": "in_progress", "token": token, "until": until, "hash": payload, "data": {},
                        "parts": {}}
            if doc.get("state") == "in_progress" and float(doc.get("until", 0)) <= now:
                return {**doc, "token": token, "until": until}
            return doc

        try:
            stored = self.store.update(self._doc_key(key), take, ttl_s=self.ttl_s)
        except (StateError, OSError, TimeoutError) as exc:
            self._degraded("claim", key, exc)
            return Claim(key, "unavailable")
        stored = stored or {}
        if payload and stored.get("hash") and stored.get("hash") != payload:
            self.log.warning("idempotency.payload_mismatch", key=key,
                             effect="one id arrived with two different payloads; the first one is kept")
        data, parts = dict(stored.get("data") or {}), dict(stored.get("parts") or {})
        if stored.get("state") == "completed":
            return Claim(key, "completed", result=stored.get("result"), data=data, parts=parts)
        if stored.get("token") == token:
            return Claim(key, "new", token=token, data=data, parts=parts, resumed=bool(seen))
        return Claim(key, "in_progress", data=data, parts=parts)

    def save(self, key: str, **data: Any) -> dict[str, Any]:
        """Attach ``data`` to the claim, first writer wins per field; the data now stored.

        When the store is unavailable ``data`` itself is returned (the caller proceeds with it).
        """
        def merge(doc: dict[str, Any] | None) -> dict[str, Any]:
            doc = dict(doc or {"state": "in_progress", "until": 0, "parts": {}})
            current = dict(doc.get("data") or {})
            for name, value in data.items():
                current.setdefault(name, value)
            doc["data"] = current
            return doc

        try:
            stored = self.store.update(self._doc_key(key), merge, ttl_s=self.ttl_s)
        except (StateError, OSError, TimeoutError) as exc:
            self._degraded("save", key, exc)
            return dict(data)
        return dict((stored or {}).get("data") or data)

    def complete_part(self, key: str, part: str, result: Any) -> None:
        """Record that ``part`` (a destination) of ``key`` is done — call it after the effect."""
        def mark(doc: dict[str, Any] | None) -> dict[str, Any]:
            doc = dict(doc or {"state": "in_progress", "until": 0, "data": {}})
            doc["parts"] = {**(doc.get("parts") or {}), part: result}
            return doc

        try:
            self.store.update(self._doc_key(key), mark, ttl_s=self.ttl_s)
        except (StateError, OSError, TimeoutError) as exc:
            self._degraded("complete_part", key, exc)

    def complete(self, key: str, result: dict[str, Any]) -> None:
        """Mark ``key`` completed with ``result`` (after every effect happened)."""
        def done(doc: dict[str, Any] | None) -> dict[str, Any]:
            doc = dict(doc or {})
            return {**doc, "state": "completed", "result": result, "token": None, "at": self.clock()}

        try:
            self.store.update(self._doc_key(key), done, ttl_s=self.ttl_s)
        except (StateError, OSError, TimeoutError) as exc:
            self._degraded("complete", key, exc)

    def release(self, key: str) -> None:
        """Give up the claim (the work failed): the next delivery proceeds; finished parts stay."""
        def free(doc: dict[str, Any] | None) -> dict[str, Any] | None:
            if doc is None or doc.get("state") == "completed":
                return doc
            return {**doc, "state": "in_progress", "until": 0.0, "token": None}

        try:
            self.store.update(self._doc_key(key), free, ttl_s=self.ttl_s)
        except (StateError, OSError, TimeoutError) as exc:
            self._degraded("release", key, exc)
