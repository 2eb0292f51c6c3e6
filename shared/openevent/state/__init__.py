"""Shared state for noise control: dedup keys, windowed counters, rate budgets, documents, lists, locks.

Choose the backend with ``OPENEVENT_STATE_URL`` (``memory://``, ``sqlite:///path``,
``redis://host:port/db``) and open it with :func:`open_store`; see
:mod:`openevent.state.base` for the semantics every backend shares.

Example:
    >>> store = open_store("memory://")
    >>> store.incr_window("alerts:inst-1", window_s=86400), store.incr_window("alerts:inst-1", window_s=86400)
    (1, 2)
"""

from openevent.state.base import Budget, Clock, Doc, StateError, StateStore
from openevent.state.factory import open_store, state_url_from_env
from openevent.state.url import STATE_URL_ENV, StateURL, parse_state_url

__all__ = [
    "STATE_URL_ENV",
    "Budget",
    "Clock",
    "Doc",
    "StateError",
    "StateStore",
    "StateURL",
    "open_store",
    "parse_state_url",
    "state_url_from_env",
]
