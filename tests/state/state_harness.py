"""The harness the state tests share: one backend, its store, and how to let time pass.

Durations in tests are written in *ticks*: with a fake clock (memory, sqlite) a tick is one
second and ``advance`` moves the clock; Redis keeps time itself, so there a tick is a short
real interval and ``advance`` sleeps (plus a small margin past the expiry).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from openevent.state import StateStore, open_store

REDIS_TICK_S = 0.2
REDIS_MARGIN_S = 0.05


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Harness:
    """One backend under test: its store, its URL and key prefix, and how to let time pass."""

    name: str
    store: StateStore
    url: str
    prefix: str
    tick: float
    _advance: Callable[[float], None]
    clock: FakeClock | None = None

    def ticks(self, n: float) -> float:
        """``n`` ticks in seconds."""
        return n * self.tick

    def advance(self, n: float) -> None:
        """Let ``n`` ticks pass."""
        self._advance(n * self.tick)

    def open_again(self, prefix: str | None = None) -> StateStore:
        """Another store on the same backend and clock (another FC instance, in effect)."""
        if self.clock is None:
            return open_store(self.url, prefix=prefix or self.prefix)
        return open_store(self.url, prefix=prefix or self.prefix, clock=self.clock)


def _sleep_past(seconds: float) -> None:
    time.sleep(seconds + REDIS_MARGIN_S)


def make_harness(name: str, request: pytest.FixtureRequest, tmp_path: Path) -> Harness:
    """A fresh store on backend ``name`` under a unique key prefix (parallel-safe on one Redis)."""
    prefix = f"openevent:test:{uuid.uuid4().hex[:12]}:"
    if name == "redis":
        url = request.getfixturevalue("redis_url")
        return Harness(name, open_store(url, prefix=prefix), url, prefix, REDIS_TICK_S, _sleep_past)
    clock = FakeClock()
    url = "memory://" if name == "memory" else f"sqlite:///{tmp_path / 'state' / 'state.db'}"
    return Harness(name, open_store(url, prefix=prefix, clock=clock), url, prefix, 1.0, clock.advance, clock)
