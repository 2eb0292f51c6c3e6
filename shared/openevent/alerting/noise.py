"""Noise control on the shared state store: repeats, daily caps, rate budgets, quiet hours, recovery memory.

Under at-least-once delivery nothing here that would *suppress* a later delivery is written
before the effect it guards has happened: the repeat window and the daily cap are **read**
before a send (:func:`repeat_blocked`, :func:`daily_count`) and **committed** after the first
receiver of the alert was reached — sent, or durably queued into a digest or a quiet-hours
hold (:func:`commit_repeat`, :func:`commit_daily`). Both records name the event that made
them, so the event's own redelivery is never suppressed by them.

* **Repeat window**: the same subject in the same state alerts once per ``repeat_window_s``.
* **Daily cap**: at most ``max_per_instance_per_day`` alerts per subject per local calendar day.
* **Rate budgets** per receiver, counted in the store across all FC instances (sliding
  windows): DingTalk and WeCom 20/min, Feishu/Lark 100/min and 5/s, Slack 1/s. A share
  (``digest_reserve``) of each budget is kept for digests, so the surplus of a storm can
  always be summarised inside the vendor's limit. A unit is taken *before* a send (the
  vendor counts the request whatever happens to it); the pipeline notes the take on the
  event's claim so the event's redelivery is not charged twice.
* **Quiet hours**: :func:`in_quiet_hours`.
* **Recovery memory**: :func:`remember_failure` / :func:`take_failure` / :func:`forget_failure`
  — a recovery event *takes* the memory (marks it as its own), sends, and only then forgets it,
  so a recovery cut off by a crash is still sent by its redelivery and by no other event.

Every function raises :class:`~openevent.state.base.StateError` when the store fails; the
pipeline decides how to degrade.

Example:
    >>> from openevent.state import open_store
    >>> store = open_store("memory://")
    >>> limits = receiver_limits("dingtalk", "ops", {})
    >>> sum(take_alert_budget(store, "ops", limits, reserve=0.25) for _ in range(30))
    15
    >>> take_digest_budget(store, "ops", limits)
    True
    >>> repeat_blocked(store, "instance:1:FAILURE", "e1", now=0.0)
    False
    >>> commit_repeat(store, "instance:1:FAILURE", "e1", now=0.0, window_s=1800)
    >>> [repeat_blocked(store, "instance:1:FAILURE", e, now=60.0) for e in ("e2", "e1")]
    [True, False]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from openevent.state import Budget, StateStore

if TYPE_CHECKING:  # the notifier's config models: the forwarder shares the budgets, not the config
    from openevent.alerting.config import QuietHours, RateLimit

DEFAULT_LIMITS: dict[str, list[tuple[int, float]]] = {
    "dingtalk": [(20, 60.0)],
    "feishu": [(100, 60.0), (5, 1.0)],
    "lark": [(100, 60.0), (5, 1.0)],
    "wecom": [(20, 60.0)],
    "slack": [(1, 1.0)],
}
DAY_WINDOW_S = 86400.0 + 3600.0


# -- repeats ---------------------------------------------------------------------------------
def _repeat_key(state_key: str) -> str:
    return f"repeat:{state_key}"


def repeat_blocked(store: StateStore, state_key: str, event_id: str, *, now: float) -> bool:
    """True when another event alerted ``state_key`` within its repeat window (read-only)."""
    doc = store.get(_repeat_key(state_key))
    return doc is not None and float(doc.get("until", 0.0)) > now and doc.get("event_id") != event_id


def commit_repeat(store: StateStore, state_key: str, event_id: str, *, now: float, window_s: float) -> None:
    """Open the repeat window of ``state_key`` for ``event_id`` (after the alert reached a receiver).

    A window still open (another event's, or this event's own from an earlier attempt) is kept.
    """
    def open_window(doc: dict[str, Any] | None) -> dict[str, Any]:
        if doc is not None and float(doc.get("until", 0.0)) > now:
            return doc
        return {"event_id": event_id, "at": now, "until": now + window_s}

    store.update(_repeat_key(state_key), open_window, ttl_s=window_s)


# -- daily cap -------------------------------------------------------------------------------
def _daily_key(subject: str, now: float, quiet: QuietHours | None) -> str:
    if quiet is None:
        from openevent.alerting.config import QuietHours

        quiet = QuietHours(start="00:00", end="00:00")
    tz = quiet.tz
    return f"daily:{subject}:{datetime.fromtimestamp(now, tz).strftime('%Y%m%d')}"


def daily_count(store: StateStore, subject: str, event_id: str, *, now: float,
                quiet: QuietHours | None) -> tuple[int, bool]:
    """``(alerts of subject today, whether event_id is one of them)`` — read-only.

    The day is the local day at the quiet-hours offset, else UTC+8.
    """
    doc = store.get(_daily_key(subject, now, quiet)) or {}
    events = [str(e) for e in doc.get("events", [])]
    return len(events), event_id in events


def commit_daily(store: StateStore, subject: str, event_id: str, *, now: float, quiet: QuietHours | None) -> int:
    """Count ``event_id`` as one alert of ``subject`` today (once, however often it is committed)."""
    def add(doc: dict[str, Any] | None) -> dict[str, Any]:
        events = [str(e) for e in (doc or {}).get("events", [])]
        return {"events": events if event_id in events else [*events, event_id]}

    stored = store.update(_daily_key(subject, now, quiet), add, ttl_s=DAY_WINDOW_S)
    return len((stored or {}).get("events", []))


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
        >>> from openevent.alerting.config import QuietHours
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
def _failed_key(subject: str) -> str:
    return f"failed:{subject}"


def remember_failure(store: StateStore, subject: str, receivers: Sequence[str], *, now: float, ttl_s: float) -> None:
    """Note that a failure of ``subject`` was alerted to ``receivers`` (for the recovery message).

    A new failure re-arms a memory a recovery had already taken.
    """
    def merge(doc: dict[str, Any] | None) -> dict[str, Any]:
        known = list((doc or {}).get("receivers", []))
        return {"receivers": known + [r for r in receivers if r not in known], "at": now}

    store.update(_failed_key(subject), merge, ttl_s=ttl_s)


def take_failure(store: StateStore, subject: str, event_id: str) -> list[str] | None:
    """The receivers an alerted failure of ``subject`` went to, for the recovery ``event_id``; else ``None``.

    The memory is marked as taken by ``event_id`` (atomically): the same event gets it again on
    a redelivery, any other event gets ``None``. :func:`forget_failure` removes it once the
    recovery was delivered.

    Example:
        >>> from openevent.state import open_store
        >>> store = open_store("memory://")
        >>> remember_failure(store, "instance:1", ["ops"], now=0.0, ttl_s=60)
        >>> take_failure(store, "instance:1", "ok-1"), take_failure(store, "instance:1", "ok-2")
        (['ops'], None)
        >>> take_failure(store, "instance:1", "ok-1")
        ['ops']
    """
    def take(doc: dict[str, Any] | None) -> dict[str, Any] | None:
        if doc is None or doc.get("taken_by") not in (None, event_id):
            return doc
        return {**doc, "taken_by": event_id}

    stored = store.update(_failed_key(subject), take)
    if stored is None or stored.get("taken_by") != event_id:
        return None
    return [str(r) for r in stored.get("receivers", [])]


def forget_failure(store: StateStore, subject: str, event_id: str) -> None:
    """Forget the failure memory ``event_id`` took (a failure remembered since then stays)."""
    store.update(_failed_key(subject), lambda doc: None if doc is not None and doc.get("taken_by") == event_id
                 else doc)
