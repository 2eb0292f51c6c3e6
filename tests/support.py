"""Helpers shared by the test modules (importable as ``support``: pytest puts tests/ on sys.path)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVENTS_DIR = ROOT / "tests" / "events"


def load_event(name: str) -> dict[str, Any]:
    """A corpus file by name (``DeleteProject`` or ``variants/batch_InstanceStatusChanges``)."""
    data: dict[str, Any] = json.loads((EVENTS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return data


@dataclass
class CliResult:
    """What ``openevent …`` did: exit code, stdout, stderr (see the ``run_cli`` fixture)."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@dataclass
class FakeClock:
    """A monotonic clock whose ``sleep`` only advances it (tests never wait)."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
