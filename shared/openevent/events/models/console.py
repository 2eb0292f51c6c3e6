"""Console (tenant level): workspace deletion pre-event and post-event (§5.1)."""

from __future__ import annotations

from openevent.events.fields import Id, Stamp
from openevent.events.models.base import Payload


class DeleteProjectPayload(Payload):
    """``dataworks:ProjectChange:DeleteProject`` — someone is about to delete workspace ``project_id``."""

    project_id: Id


class ProjectDeletedPayload(Payload):
    """``dataworks:ProjectChange:ProjectDeleted`` — the workspace is gone."""

    project_id: Id
    project_name: str | None = None
    timestamp: Stamp | None = None
