"""The exception hierarchy: every error this library raises on purpose is an ``OpenEventError``.

Example:
    >>> try:
    ...     raise ConfigError("receivers.x.url: missing")
    ... except OpenEventError as exc:
    ...     print(exc)
    receivers.x.url: missing
"""

from __future__ import annotations


class OpenEventError(Exception):
    """Base class of the library's own errors."""


class EventParseError(OpenEventError, ValueError):
    """An incoming message could not be understood.

    ``field`` names the offending field (dotted path, ``""`` for the whole message) and
    ``message_id`` carries the message id when it could still be read, so that a guard can
    answer DataWorks even for a payload that fails its model.
    """

    def __init__(self, problem: str, *, field: str = "", message_id: str | None = None,
                 event_type: str | None = None) -> None:
        self.field = field
        self.problem = problem
        self.message_id = message_id
        self.event_type = event_type
        super().__init__(f"{field}: {problem}" if field else problem)


class ConfigError(OpenEventError, ValueError):
    """A configuration file or environment variable is missing or invalid."""
