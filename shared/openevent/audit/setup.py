"""Wiring an :class:`~openevent.audit.auditor.Auditor` from its config and the environment.

* state store: ``OPENEVENT_STATE_URL``, every call bounded in time by the invocation's budget
  (:func:`openevent.delivery.app.open_bounded_store`; one that cannot be opened degrades to none);
* sinks: stdout (unless switched off), JSONL (``sinks.jsonl``; on by default outside FC, path from
  ``OPENEVENT_AUDIT_JSONL``; on FC a relative path lands under ``/tmp``), SLS (``sinks.sls``;
  credentials from the environment or the FC context's role, resolved per invocation because FC
  rotates them);
* ``GetNode`` through :mod:`openevent.dataworks` when ``get_node.enabled``;
* chat summaries through :mod:`openevent.notify` when ``chat_summary`` names receivers.

Example:
    >>> from openevent.audit.config import AuditConfig
    >>> auditor = build_auditor(AuditConfig(), env={"OPENEVENT_STATE_URL": "memory://", "FC_FUNCTION_NAME": "f"})
    >>> [s.name for s in auditor._sinks(None)]
    ['stdout']
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from openevent.audit.auditor import Auditor
from openevent.audit.config import AuditConfig, SlsSinkConfig
from openevent.audit.sinks.base import Sink
from openevent.audit.sinks.jsonl import JsonlSink
from openevent.audit.sinks.stdout import StdoutSink
from openevent.state import StateStore

if TYPE_CHECKING:
    from openevent.delivery.app import FunctionApp


class _SinkSet:
    """Builds the sinks for an invocation; the SLS sink is rebuilt only when the credentials change."""

    def __init__(self, config: AuditConfig, env: Mapping[str, str] | None) -> None:
        self.config = config
        self.env = env
        self.fixed: list[Sink] = []
        if config.sinks.stdout:
            self.fixed.append(StdoutSink())
        if config.sinks.jsonl.is_enabled(env):
            self.fixed.append(JsonlSink(config.sinks.jsonl.resolved_path(env)))
        self._sls: Any = None
        self._sls_key: tuple[str, str, str | None] | None = None

    def __call__(self, context: Any) -> list[Sink]:
        sinks = list(self.fixed)
        sls = self.config.sinks.sls
        if sls is not None and sls.active:
            sinks.append(self._sls_sink(sls, context))
        return sinks

    def _sls_sink(self, sls: SlsSinkConfig, context: Any) -> Sink:
        from openevent.audit.sinks.sls import SlsSink
        from openevent.runtime.credentials import resolve_credentials

        creds = resolve_credentials(context, self.env)
        key = None if creds is None else (creds.access_key_id, creds.access_key_secret, creds.security_token)
        if self._sls is None or key != self._sls_key:
            self._sls, self._sls_key = SlsSink(sls, creds), key
        sink: Sink = self._sls
        return sink


def getnode_fetcher(env_name: str, env: Mapping[str, str] | None = None) -> Any:
    """A node fetcher calling ``GetNode``: ``(node_id, context) -> (state | None, error | None)``."""

    def fetch(node_id: str, context: Any) -> tuple[dict[str, Any] | None, str | None]:
        from openevent.audit.diff import state_from_getnode
        from openevent.dataworks import DataWorksClient, get_node
        from openevent.dataworks.errors import DataWorksApiError, DataWorksError

        client = DataWorksClient.from_environment(context, env)
        if not client.can_send:
            return None, f"GetNode skipped: {client.dry_reason}"
        try:
            node = get_node(client, node_id, env=env_name)  # type: ignore[arg-type]
        except DataWorksApiError as exc:
            return None, f"GetNode failed: {exc.code}"
        except DataWorksError as exc:
            return None, f"GetNode failed: {type(exc).__name__}"
        return state_from_getnode(node.raw), None

    return fetch


def build_auditor(config: AuditConfig, *, store: StateStore | None = None, env: Mapping[str, str] | None = None,
                  version: str | None = None) -> Auditor:
    """The auditor for ``config`` (state store from ``OPENEVENT_STATE_URL`` unless ``store`` is given)."""
    environ = os.environ if env is None else env
    summariser = None
    if config.chat_summary is not None and config.chat_summary.receivers:
        from openevent.audit.summary import ChatSummary

        summariser = ChatSummary(config.chat_summary, config.receivers)
    fetcher = getnode_fetcher(config.get_node.env, env) if config.get_node.enabled else None
    return Auditor(config, store=store or open_state_store(env), sinks=_SinkSet(config, env),
                   node_fetcher=fetcher, summariser=summariser,
                   version=version or environ.get("FC_FUNCTION_VERSION") or environ.get("FC_VER_ID"))


def open_state_store(env: Mapping[str, str] | None = None) -> StateStore:
    """The bounded state store of ``OPENEVENT_STATE_URL``; one that cannot be opened degrades to none.

    Example:
        >>> type(open_state_store({"OPENEVENT_STATE_URL": "memory://"})).__name__
        'MemoryStore'
    """
    from openevent.delivery.app import open_bounded_store

    try:
        store: StateStore = open_bounded_store(env)
    except Exception as exc:  # auditing without dedup beats not auditing
        from openevent.runtime.logging import get_logger
        from openevent.state.bounded import unavailable_store

        get_logger("openevent.audit").error("audit.state_unavailable", error=str(exc),
                                            effect="auditing without deduplication or node states")
        store = unavailable_store(str(exc))
    return store


def build(app: FunctionApp) -> Auditor:
    """The worker of ``functions/node_change_auditor`` (the function template's factory).

    The config is ``OPENEVENT_CONFIG``, else the function's shipped ``config.yaml``.
    """
    from openevent.runtime.config import load_config

    return build_auditor(load_config(AuditConfig, app.config_path()))
