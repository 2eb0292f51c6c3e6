"""Facts of the workspace-delete guard (``DeleteProject``) and the ``ProjectDeleted`` confirmation.

Facts (besides :func:`~openevent.guard.facts.base_facts`):

``workspace.id`` / ``.identifier`` / ``.name`` / ``.mode`` (``basic`` | ``standard``: standard
mode has a production environment) / ``.status`` / ``.owner`` / ``.tags`` (``key=value``
strings) / ``.tag_keys`` / ``.enriched`` (false when GetProject is switched off);
``extension.options.*`` (the workspace's extension option values). :data:`FACTS` has their
types, :data:`ENRICHED` the ones only GetProject provides.

GetProject answers are cached per FC instance (``enrichment.cache_ttl_s``). When GetProject
fails the collector raises, and the runner answers per the failure policy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openevent.events import Event
from openevent.guard.facts import BASE_FACTS, base_facts
from openevent.guard.runner import GuardContext, GuardRunner

if TYPE_CHECKING:
    from openevent.delivery.app import FunctionApp

__all__ = ["ENRICHED", "FACTS", "build", "collect_facts", "confirm_deleted"]

FACTS: dict[str, str] = {
    **BASE_FACTS,
    "workspace.identifier": "str", "workspace.name": "str", "workspace.mode": "str", "workspace.status": "str",
    "workspace.owner": "str", "workspace.tags": "list[str]", "workspace.tag_keys": "list[str]",
    "workspace.enriched": "bool",
    "extension.options": "dict",
}
"""Every fact a workspace-delete rule may use and its type (``extension.options.<name>``: the
workspace's option values for the extension, see :mod:`openevent.guard.extension`)."""

ENRICHED: dict[str, str] = {f"workspace.{k}": "GetProject"
                            for k in ("identifier", "name", "mode", "status", "owner", "tags", "tag_keys")}
"""The facts only ``GetProject`` provides (absent with ``enrichment.enabled: false``)."""


def collect_facts(event: Event, gctx: GuardContext) -> dict[str, Any]:
    """Facts for a workspace deletion pre-event."""
    facts = base_facts(event, gctx.now)
    workspace: dict[str, Any] = {"id": event.workspace_id, "enriched": False, "tags": [], "tag_keys": []}
    if gctx.policy.enrichment.enabled and event.workspace_id is not None:
        from openevent.dataworks.enrichment import PROJECT_CACHE, get_project

        PROJECT_CACHE.ttl_s = gctx.policy.enrichment.cache_ttl_s
        ws = get_project(gctx.dataworks, event.workspace_id)
        workspace.update({
            "identifier": ws.identifier, "name": ws.name, "mode": ws.mode, "status": ws.status,
            "owner": ws.owner, "enriched": True,
            "tags": [f"{k}={v}" if v else k for k, v in sorted(ws.tags.items())],
            "tag_keys": sorted(ws.tags),
        })
    facts["workspace"] = workspace
    return facts


def confirm_deleted(event: Event, gctx: GuardContext) -> dict[str, Any]:
    """What the post-event says: which workspace is gone and who deleted it."""
    data = event.data
    return {"workspace_id": event.workspace_id, "workspace_name": getattr(data, "project_name", None),
            "operator": event.operator, "deleted_at": getattr(data, "timestamp", None)}


def build(app: FunctionApp) -> GuardRunner:
    """The worker of ``functions/workspace_delete_guard`` (the function template's factory)."""
    return GuardRunner.for_app(app, collect_facts, confirm={"dataworks:ProjectChange:ProjectDeleted": confirm_deleted},
                               fact_types=FACTS, enriched=ENRICHED)
