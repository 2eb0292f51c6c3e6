"""DataWorks OpenEvent messages: envelope, typed payloads, registry and parsing.

Public API:

* :func:`parse` / :func:`parse_one` / :func:`parse_batch` — bytes, str or dict → :class:`Event`.
* :class:`Event` — the envelope with typed ``data`` and normalised accessors.
* :data:`REGISTRY` / :class:`EventSpec` — every known event type (see :mod:`openevent.events.registry`).
* :func:`sample_event` — a complete realistic CloudEvent for a type (for tests and demos).

Payload models live in :mod:`openevent.events.models` and are imported only when an event of
their type is parsed.

Example:
    >>> from openevent.events import parse, sample_event
    >>> ev = parse(sample_event("dataworks:ProjectChange:DeleteProject"))
    >>> ev.spec.callback_api
    'CallbackExtension'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from openevent._lazy import lazy_exports
from openevent.events.envelope import Event
from openevent.events.parse import parse, parse_batch, parse_object, parse_one
from openevent.events.registry import REGISTRY, EventSpec

if TYPE_CHECKING:
    from openevent.events.samples import sample_event as sample_event

__all__ = ["REGISTRY", "Event", "EventSpec", "parse", "parse_batch", "parse_object", "parse_one", "sample_event"]

__getattr__, __dir__ = lazy_exports(__name__, {"samples": ["sample_event"]})
