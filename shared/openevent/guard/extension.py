"""The guard's own DataWorks extension registration: where it is switched off, whether it is testing.

An extension owner can turn an extension off without touching the guard: its registration's
*Extension Parameter Configuration* (``GetExtension`` → ``Extension.ParameterSetting``, one
``key=value`` per line, the last of a repeated key wins) takes

==============================================  ==============================================
``extension.project.disabled=1,2``               not in these workspaces (any event)
``extension.project.disabled.append=3``          adds to that list
``extension.project.{eventCode}.disabled=4``     not for this extension point in these workspaces
``extension.project.{eventCode}.disabled.append``  adds to that list
``extension.fileType.{fileType}.{eventCode}.enabled=false``
                                                 not for this extension point on files of this
                                                 type (the value syntax is undocumented: only
                                                 ``false``/``0``/``no``/``off`` switch it off here)
==============================================  ==============================================

and ``Extension.Status`` 0 (*testing*) means it serves only its ``ProjectTesting`` workspace
(for workspace-level events; a testing extension on tenant-level events — workspace deletion,
downloads — acts only on its owner's operations, which DataWorks selects, so those are served
unless the policy's ``extension.testing_scope`` is ``all-events``); status 3 means disabled.

:class:`ExtensionSettings` reads a registration and answers :meth:`~ExtensionSettings.gate`: the
reason an event must be let through unchecked (answered OK under the rule ``extension-disabled``
or ``extension-testing``), or ``None``. :class:`ExtensionSource` keeps one instance's settings and
option values (``GetOptionValueForProject``), refreshed every ``extension.refresh_s``.

When ``GetExtension`` fails, the last good settings are used; without any, the guard evaluates its
rules as if nothing were switched off (a warning is logged). That is **not** the guard's trouble
(no failure policy): the settings only ever *relax* the guard, so without them it is at its
strictest, and DataWorks still gets a decision made by the rules.

Example:
    >>> s = ExtensionSettings.from_parameters("extension.project.disabled=10001\\n"
    ...                                       "extension.project.commit-file.disabled=20002")
    >>> s.gate(event_code="commit-file", workspace_id=20002).rule
    'extension-disabled'
    >>> s.gate(event_code="deploy-file", workspace_id=20002) is None
    True
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from openevent.runtime.logging import get_logger

if TYPE_CHECKING:
    from openevent.dataworks.client import DataWorksClient
    from openevent.dataworks.models import Extension

DISABLED_RULE = "extension-disabled"
TESTING_RULE = "extension-testing"
STATUS_TESTING = 0
STATUS_DISABLED = 3
FAILED_RETRY_S = 30.0
"""After a failed ``GetExtension``, the next attempt waits this long (at most ``refresh_s``)."""
_OFF = frozenset({"false", "0", "no", "off", "disabled"})
_ON = frozenset({"true", "1", "yes", "on", "enabled"})


def parse_parameters(text: str | None) -> dict[str, str]:
    """``key=value`` lines as a mapping: keys lower-cased, blank and ``#`` lines skipped, the last repeat wins.

    Example:
        >>> parse_parameters("a=1\\n\\n# note\\nextension.fileType.10.commit-file.enabled = false\\na=2")
        {'a': '2', 'extension.filetype.10.commit-file.enabled': 'false'}
    """
    out: dict[str, str] = {}
    for line in (text or "").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        out[key.strip().lower()] = value.strip()
    return out


def _ids(value: str | None) -> frozenset[str]:
    return frozenset(part.strip() for part in (value or "").split(",") if part.strip())


@dataclass(frozen=True)
class Gate:
    """Why an event is let through without evaluating rules: the rule name, the key, the text."""

    rule: str
    key: str
    message: str


@dataclass(frozen=True)
class ExtensionSettings:
    """A registration's status, test workspace and parameters (see the module docstring)."""

    code: str = ""
    status: int | None = None
    project_testing: int | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_extension(cls, extension: Extension) -> ExtensionSettings:
        """From a ``GetExtension`` answer (:class:`~openevent.dataworks.models.Extension`)."""
        return cls(code=extension.code, status=extension.status, project_testing=extension.project_testing,
                   parameters=parse_parameters(extension.parameter_setting))

    @classmethod
    def from_parameters(cls, text: str, *, status: int | None = 1, project_testing: int | None = None,
                        code: str = "") -> ExtensionSettings:
        """From a ``ParameterSetting`` text (tests, ``openevent check``)."""
        return cls(code=code, status=status, project_testing=project_testing, parameters=parse_parameters(text))

    @property
    def disabled_workspaces(self) -> frozenset[str]:
        """``extension.project.disabled`` and its ``.append``: workspaces the extension skips entirely."""
        p = self.parameters
        return _ids(p.get("extension.project.disabled")) | _ids(p.get("extension.project.disabled.append"))

    def disabled_for(self, event_code: str) -> frozenset[str]:
        """``extension.project.{eventCode}.disabled`` and its ``.append``: workspaces skipped for one event."""
        p, code = self.parameters, event_code.lower()
        return (_ids(p.get(f"extension.project.{code}.disabled"))
                | _ids(p.get(f"extension.project.{code}.disabled.append")))

    def file_type_enabled(self, file_type: Any, event_code: str) -> bool | None:
        """``extension.fileType.{fileType}.{eventCode}.enabled`` read as a switch (``None``: not set or unreadable)."""
        value = self.parameters.get(f"extension.filetype.{str(file_type).strip().lower()}.{event_code.lower()}.enabled")
        if value is None:
            return None
        text = value.strip().lower()
        return False if text in _OFF else True if text in _ON else None

    def gate(self, *, event_code: str | None, workspace_id: Any, file_type: Any = None,
             tenant_level: bool = False, testing_scope: str = "workspace-events") -> Gate | None:
        """The reason this event is let through unchecked, or ``None`` (evaluate the rules).

        Example:
            >>> testing = ExtensionSettings(status=0, project_testing=3000002)
            >>> testing.gate(event_code="commit-file", workspace_id=10001).rule
            'extension-testing'
            >>> testing.gate(event_code="commit-file", workspace_id=3000002) is None
            True
        """
        ws = None if workspace_id is None else str(workspace_id).strip()
        if self.status == STATUS_DISABLED:
            return Gate(DISABLED_RULE, "Status",
                        f"[{DISABLED_RULE}] the extension is disabled in DataWorks (status {self.status}); "
                        "the operation was not checked.")
        if ws is not None and ws in self.disabled_workspaces:
            key = ("extension.project.disabled" if ws in _ids(self.parameters.get("extension.project.disabled"))
                   else "extension.project.disabled.append")
            return Gate(DISABLED_RULE, key, f"[{DISABLED_RULE}] the extension is switched off for workspace {ws} "
                                            f"({key}); the operation was not checked.")
        if event_code and ws is not None and ws in self.disabled_for(event_code):
            key = f"extension.project.{event_code}.disabled"
            if ws not in _ids(self.parameters.get(key.lower())):
                key += ".append"
            return Gate(DISABLED_RULE, key, f"[{DISABLED_RULE}] the extension is switched off for {event_code} in "
                                            f"workspace {ws} ({key}); the operation was not checked.")
        if event_code and file_type is not None and self.file_type_enabled(file_type, event_code) is False:
            key = f"extension.fileType.{file_type}.{event_code}.enabled"
            return Gate(DISABLED_RULE, key, f"[{DISABLED_RULE}] the extension is switched off for {event_code} of "
                                            f"file type {file_type} ({key}=false); the operation was not checked.")
        testing_applies = not tenant_level or testing_scope == "all-events"
        if self.status == STATUS_TESTING and testing_applies:
            testing = None if self.project_testing is None else str(self.project_testing)
            if ws is None or ws != testing:
                serves = f"only its test workspace {testing}" if testing else "no workspace (none is set for testing)"
                return Gate(TESTING_RULE, "ProjectTesting",
                            f"[{TESTING_RULE}] the extension is in testing and serves {serves}; workspace "
                            f"{ws if ws is not None else '?'} was not checked.")
        return None


@dataclass
class _Cached:
    at: float
    value: Any


class ExtensionSource:
    """One instance's view of its extension: settings and option values, each cached ``refresh_s``.

    ``client`` is a factory (called only when a refresh is due) returning a
    :class:`~openevent.dataworks.client.DataWorksClient`; every call draws on the invocation's
    budget through it. Thread-safe: concurrent invocations of one instance share the cache.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, log: Any = None) -> None:
        self.clock = clock
        self.log = log or get_logger("guard.extension")
        self._lock = threading.Lock()
        self._settings: dict[str, _Cached] = {}
        self._failed: dict[str, float] = {}
        self._options: dict[tuple[str, str], _Cached] = {}

    def settings(self, code: str, client: Callable[[], DataWorksClient | None], refresh_s: float) -> tuple[
            ExtensionSettings | None, str]:
        """The settings of extension ``code`` and where they came from.

        The state is ``cached`` (fresh enough), ``fetched``, ``stale`` (``GetExtension`` failed: the
        last good settings), ``unavailable`` (it failed and there are none: nothing is disabled) or
        ``dry`` (``client()`` gave no client: no credentials, nothing to ask).
        """
        now = self.clock()
        with self._lock:
            good = self._settings.get(code)
            failed = self._failed.get(code)
        if good is not None and now - good.at < refresh_s:
            return good.value, "cached"
        if failed is not None and now - failed < min(FAILED_RETRY_S, refresh_s):
            return (good.value, "stale") if good is not None else (None, "unavailable")
        from openevent.dataworks.enrichment import get_extension

        try:
            made = client()
            if made is None:
                return (good.value, "stale") if good is not None else (None, "dry")
            settings = ExtensionSettings.from_extension(get_extension(made, code))
        except Exception as exc:  # never blocks the answer: see the module docstring
            with self._lock:
                self._failed[code] = now
            state = "stale" if good is not None else "unavailable"
            self.log.warning("guard.extension_settings_unavailable", extension_code=code, state=state,
                             error=f"{type(exc).__name__}: {exc}",
                             effect="using the last good settings" if good is not None
                             else "evaluating the rules as if nothing were switched off")
            return (good.value if good is not None else None), state
        with self._lock:
            self._settings[code] = _Cached(now, settings)
            self._failed.pop(code, None)
        return settings, "fetched"

    def options(self, code: str, workspace_id: Any, client: Callable[[], DataWorksClient],
                refresh_s: float) -> dict[str, Any]:
        """The workspace's option values for extension ``code`` (``GetOptionValueForProject``).

        Raises what the API raised (a rule needs them: the runner answers per failure policy).
        """
        key = (code, str(workspace_id))
        now = self.clock()
        with self._lock:
            hit = self._options.get(key)
        if hit is not None and now - hit.at < refresh_s:
            return dict(hit.value)
        from openevent.dataworks.enrichment import get_option_values

        values = get_option_values(client(), code, workspace_id)
        with self._lock:
            if len(self._options) >= 512:
                self._options.clear()
            self._options[key] = _Cached(now, values)
        return dict(values)

    def clear(self) -> None:
        with self._lock:
            self._settings.clear()
            self._failed.clear()
            self._options.clear()
