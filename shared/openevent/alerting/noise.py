"""Noise control on the shared state store: event dedup, repeats, daily caps, rate budgets, quiet hours.

* **Event dedup** (Powertools' idempotency model): :func:`claim_event` takes the event id in
  state ``in_progress`` (expiring after ``in_progress_s``, so a crashed attempt can be retried),
  :func:`complete_event` marks it ``done`` for ``event_ttl_s``; :func:`release_event` gives it
  back when processing failed. EventBridge and FC deliver at least once.
* **Repeat window**: the same subject in the same state alerts once per ``repeat_window_s``.
* **Daily cap**: at most ``max_per_instance_per_day`` alerts per subject per local calendar day.
* **Rate budgets** per receiver, counted in the store across all FC instances (sliding
  windows): DingTalk and WeCom 20/min, Feishu/Lark 100/min and 5/s, Slack 1/s. A share
  (``digest_reserve``) of each budget is kept for digests, so the surplus of a storm can
  always be summarised inside the vendor's limit.
* **Quiet hours**: :func:`in_quiet_hours`.
* **Recovery memory**: :func:`remember_failure` / :func:`take_failure`.

Example:
    >>> from openevent.state import open_store
    >>> store = open_store("memory://")
    >>> limits = receiver_limits("dingtalk", "ops", {})
    >>> sum(take_alert_budget(store, "ops", limits, reserve=0.25) for _ in range(30))
    15
    >>> take_digest_budget(store, "ops", limits)
    True
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from openevent.alerting.config import QuietHours, RateLimit
from openevent.state import Budget, StateStore

DEFAULT_LIMITS: dict[str, list[tuple[int, float]]] = {
    "dingtalk": [(20, 60.0)],
    "feishu": [(100, 60.0), (5, 1.0)],
    "lark": [(100, 60.0), (5, 1.0)],
    "wecom": [(20, 60.0)],
    "slack": [(1, 1.0)],
}


# -- event dedup ------------------------------------------------------------------------------
def claim_event(store: StateStore, event_id: str, *, now: float, in_progress_s: float, ttl_s: float) -> bool:
    """True when this caller may process ``event_id`` (first delivery, or a stale in-progress claim)."""
    token = uuid.uuid4().hex

    def claim(doc: dict[str, Any] | None) -> dict[str, Any]:
        if doc is None or (doc.get("state") == "in_progress" and now - float(doc.get("at", 0)) >= in_progress_s):
            return {"state": "in_progress", "token": token, "at": now}
        return doc

    result = store.update(f"event:{event_id}", claim, ttl_s=ttl_s)
    return result is not None and result.get("token") == token


def complete_event(store: StateStore, event_id: str, *, now: float, ttl_s: float) -> None:
    store.put(f"event:{event_id}", {"state": "done", "at": now}, ttl_s=ttl_s)


def release_event(store: StateStore, event_id: str) -> None:
    store.delete(f"event:{event_id}")


# -- repeats ---------------------------------------------------------------------------------
def first_in_window(store: StateStore, state_key: str, window_s: float) -> bool:
    """True the first time ``state_key`` alerts within ``window_s``."""
    return store.add_once(f"repeat:{state_key}", ttl_s=window_s)


def count_today(store: StateStore, subject: str, *, now: float, quiet: QuietHours | None) -> int:
    """Count one more alert of ``subject`` today (local day at the quiet-hours offset, else UTC+8)."""
    tz = (quiet or QuietHours(start="00:00", end="00:00")).tz
    day = datetime.fromtimestamp(now, tz).strftime("%Y%m%d")
    return store.incr_window(f"daily:{subject}:{day}", window_s=86400.0 + 3600.0)


# -- rate budgets ----------------------------------------------------------------------------
def receiver_limits(kind: str, name: str, overrides: Mapping[str, Sequence[RateLimit]]) -> list[tuple[int, float]]:
    """The (limit, window_s) budgets of a receiver: configured by name, else the vendor's defaults."""
    if name in overrides:
        return [(r.limit, r.window_s) for r in overrides[name]]
    return list(DEFAULT_LIMITS.get(kind, []))


def _budgets(receiver: str, limits: Sequence[tuple[int, float]], lane: str, reserve: float) -> list[Budget]:
    out = []
    for limit, window in limits:
        out.append(Budget(f"{receiver}:all:{window:g}", limit, window))
        if lane == "alert" and window >= 10 and reserve > 0:  # keep a share of slow windows for digests
            own = max(1, limit - max(1, round(limit * reserve)))
            out.append(Budget(f"{receiver}:alert:{window:g}", own, window))
    return out


def take_alert_budget(store: StateStore, receiver: str, limits: Sequence[tuple[int, float]], *,
                      reserve: float) -> bool:
    """One unit for an individual alert (leaves ``reserve`` of each minute-scale budget to digests)."""
    return not limits or store.take_all(_budgets(receiver, limits, "alert", reserve))


def take_digest_budget(store: StateStore, receiver: str, limits: Sequence[tuple[int, float]]) -> bool:
    """One unit for a digest message (the whole budget)."""
    return not limits or store.take_all(_budgets(receiver, limits, "digest", 0.0))


# -- quiet hours -----------------------------------------------------------------------------
def in_quiet_hours(now: float, quiet: QuietHours | None) -> bool:
    """True when ``now`` (epoch seconds) falls in the quiet period (which may span midnight).

    Example:
        >>> q = QuietHours(start="22:00", end="08:00", utc_offset="+00:00")
        >>> in_quiet_hours(23 * 3600, q), in_quiet_hours(12 * 3600, q)
        (True, False)
    """
    if quiet is None:
        return False
    local = datetime.fromtimestamp(now, quiet.tz)
    minute = local.hour * 60 + local.minute
    start, end = quiet.minutes("start"), quiet.minutes("end")
    if start == end:
        return False
    return start <= minute < end if start < end else (minute >= start or minute < end)


# -- recovery memory -------------------------------------------------------------------------
def remember_failure(store: StateStore, subject: str, receivers: Sequence[str], *, now: float, ttl_s: float) -> None:
    """Note that a failure of ``subject`` was alerted to ``receivers`` (for the recovery message)."""
    def merge(doc: dict[str, Any] | None) -> dict[str, Any]:
        known = list((doc or {}).get("receivers", []))
        return {"receivers": known + [r for r in receivers if r not in known], "at": now}

    store.update(f"failed:{subject}", merge, ttl_s=ttl_s)


def take_failure(store: StateStore, subject: str) -> list[str] | None:
    """The receivers an alerted failure of ``subject`` went to (forgotten atomically), or ``None``."""
    seen: list[dict[str, Any] | None] = []

    def pop(doc: dict[str, Any] | None) -> None:
        seen.clear()
        seen.append(doc)
        return None

    store.update(f"failed:{subject}", pop)
    doc = seen[-1] if seen else None
    return None if doc is None else [str(r) for r in doc.get("receivers", [])]
