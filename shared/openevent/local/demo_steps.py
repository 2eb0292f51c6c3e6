"""The vocabulary of the demo's script: a :class:`Step`, its :data:`Check` and the helpers checks share.

:mod:`openevent.local.demo` (the guards' scenarios and the runner) and
:mod:`openevent.local.demo_consumers` (the consumers' scenarios) both build steps from this
module, so neither imports the other's scenarios to get at the types.

Example:
    >>> from openevent.local.bus import Delivery
    >>> done = Delivery("download_guard", True, {"decision": "OK"}, None, 1, 3.0)
    >>> result_of([done], "download_guard"), result_of([done], "change_guard")
    ({'decision': 'OK'}, None)
    >>> failure_text([Delivery("download_guard", False, None, "TimeoutError: slow", 4, 9.0)])
    'download_guard failed: TimeoutError: slow'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openevent.local.bus import Delivery
from openevent.local.stack import LocalStack

Check = Callable[[list[Delivery], "DemoContext"], tuple[bool, str]]
"""Judges a step from the deliveries of its event: ``(behaved as scripted, what happened)``."""

# The notifier's digest window in the demo (60 s in the shipped config). It must be longer than the
# storm takes to replay: a window that closes mid-storm flushes small digests that use up the robot's
# digest budget (5 of its 20 messages a minute), and the rest then waits for the next minute.
DEMO_DIGEST_WINDOW_S = 10


@dataclass
class Step:
    """One scripted event: what happens, which function must handle it, how to judge the outcome."""

    title: str
    function: str
    event: dict[str, Any]
    check: Check
    group: str = ""
    direct: bool = False  # invoke ``function`` directly (an FC timer trigger), not through the bus
    wait_s: float = 0.0  # real time to let pass before the step (a digest window)


@dataclass
class DemoContext:
    """What a check may look at: the local stack and the inbox position before the step."""

    stack: LocalStack
    inbox_before: int = 0
    notes: dict[str, Any] = field(default_factory=dict)

    def new_messages(self) -> list[dict[str, Any]]:
        return self.stack.inbox()[self.inbox_before:]


def result_of(deliveries: list[Delivery], function: str) -> dict[str, Any] | None:
    """The result ``function`` returned for the step's event (``None`` when it failed or did not run)."""
    for d in deliveries:
        if d.function == function and d.ok and isinstance(d.result, dict):
            return d.result
    return None


def failure_text(deliveries: list[Delivery]) -> str:
    """Why a step has no result: which functions failed and with what error."""
    if not deliveries:
        return "no function handled the event"
    return "; ".join(f"{d.function} failed: {d.error}" for d in deliveries if not d.ok) or "unexpected result"
