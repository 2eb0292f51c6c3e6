"""One deadline per invocation that every outbound call draws from, with a reserve for the answer.

FC's Python context has no remaining-time method (that is Lambda's): the deadline is the
invocation's start plus ``context.function.timeout``, taken **once**, when the handler starts.
:class:`Budget` holds it and hands out per-call timeouts:

* :meth:`Budget.available` is the time ordinary work may use (enrichment, state, chat): the
  remaining time less the ``reserve``;
* :meth:`Budget.remaining` is everything left before the deadline less a small ``margin``
  (to log and return); only the work the reserve is kept for (a guard's callback, a consumer
  raising for FC to retry) uses it (``use_reserve=True``).

A guard therefore always keeps time to answer DataWorks, however long enrichment hangs.
:func:`activate` makes a budget the current one (a context variable), so clients deep down
(the DataWorks SDK wrapper, HTTP channels, the state store) bound their calls without every
signature passing it along.

Example:
    >>> t = [100.0]
    >>> b = Budget(timeout_s=15, reserve_s=5, margin_s=0.5, clock=lambda: t[0])
    >>> b.remaining(), b.available(), b.call_timeout(10.0)
    (14.5, 9.5, 9.5)
    >>> t[0] += 12
    >>> b.available(), b.call_timeout(10.0, use_reserve=True)
    (0.0, 2.5)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

DEFAULT_TIMEOUT_S = 30.0
"""The budget of an invocation whose context names no timeout (a local call without context)."""
DEFAULT_MARGIN_S = 0.3

_current: ContextVar[Budget | None] = ContextVar("openevent_budget", default=None)


def context_timeout_s(context: Any, default: float = DEFAULT_TIMEOUT_S) -> float:
    """The invocation's total time: ``context.function.timeout`` (FC), else ``default``.

    Example:
        >>> from openevent.runtime.context import LocalContext
        >>> context_timeout_s(LocalContext(timeout_s=15)), context_timeout_s(None)
        (15.0, 30.0)
    """
    fn = getattr(context, "function", None)
    timeout = getattr(fn, "timeout", None)
    if isinstance(timeout, int | float) and not isinstance(timeout, bool) and timeout > 0:
        return float(timeout)
    return default


@dataclass
class Budget:
    """The time of one invocation: a deadline (``clock()`` value), a reserve, a closing margin."""

    timeout_s: float
    reserve_s: float = 0.0
    margin_s: float = DEFAULT_MARGIN_S
    clock: Callable[[], float] = time.monotonic
    started: float = field(default=-1.0)
    wall_started: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        if self.started < 0:
            self.started = self.clock()
        # the reserve never takes more than half of a short invocation
        self.reserve_s = max(0.0, min(self.reserve_s, self.timeout_s / 2))

    @classmethod
    def start(cls, context: Any, *, reserve_s: float = 0.0, margin_s: float = DEFAULT_MARGIN_S,
              clock: Callable[[], float] = time.monotonic, default_timeout_s: float = DEFAULT_TIMEOUT_S) -> Budget:
        """The budget of an invocation starting now, from its FC ``context``.

        Example:
            >>> from openevent.runtime.context import LocalContext
            >>> Budget.start(LocalContext(timeout_s=10), reserve_s=3).timeout_s
            10.0
        """
        return cls(timeout_s=context_timeout_s(context, default_timeout_s), reserve_s=reserve_s,
                   margin_s=margin_s, clock=clock)

    @property
    def deadline(self) -> float:
        """The ``clock()`` value at which FC ends the invocation."""
        return self.started + self.timeout_s

    @property
    def wall_deadline(self) -> float:
        """The deadline as epoch seconds (for records other instances read, e.g. an in-progress claim)."""
        return self.wall_started + self.timeout_s

    def elapsed(self) -> float:
        return self.clock() - self.started

    def remaining(self) -> float:
        """Seconds left before the deadline, less the closing margin (the reserve included)."""
        return max(0.0, self.deadline - self.margin_s - self.clock())

    def available(self) -> float:
        """Seconds ordinary work may still use: :meth:`remaining` less the reserve."""
        return max(0.0, self.remaining() - self.reserve_s)

    def left(self, *, use_reserve: bool = False) -> float:
        """:meth:`remaining` when ``use_reserve``, else :meth:`available`."""
        return self.remaining() if use_reserve else self.available()

    def call_timeout(self, cap: float, *, use_reserve: bool = False, floor: float = 0.05) -> float:
        """A per-call timeout: at most ``cap``, never past what is left (at least ``floor``)."""
        return max(floor, min(cap, self.left(use_reserve=use_reserve)))

    def expired(self, *, use_reserve: bool = False) -> bool:
        return self.left(use_reserve=use_reserve) <= 0.0


def current_budget() -> Budget | None:
    """The budget of the invocation running in this context, ``None`` outside one."""
    return _current.get()


@contextmanager
def activate(budget: Budget) -> Iterator[Budget]:
    """Make ``budget`` the current one for the duration of the block.

    Example:
        >>> with activate(Budget(timeout_s=5)) as b:
        ...     current_budget() is b
        True
        >>> current_budget() is None
        True
    """
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


def call_timeout(cap: float, *, use_reserve: bool = False) -> float:
    """``cap`` bounded by the current budget (``cap`` itself outside an invocation).

    Example:
        >>> call_timeout(7.0)
        7.0
    """
    budget = _current.get()
    return cap if budget is None else budget.call_timeout(cap, use_reserve=use_reserve)
