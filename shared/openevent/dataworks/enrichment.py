"""Enrichment calls: workspace, instance, node, instance log, Data Studio event details, extension settings.

Each function takes a :class:`~openevent.dataworks.client.DataWorksClient` and returns a typed
view (:mod:`openevent.dataworks.models`) with the raw ``Data`` kept in ``.raw``. Workspaces
change rarely and are asked for by every handler, so :func:`get_project` keeps answers in a
short per-process TTL cache (:data:`PROJECT_CACHE`, 60 s).

Example:
    >>> client = DataWorksClient.from_environment(context)           # doctest: +SKIP
    >>> get_project(client, 10001).identifier                         # doctest: +SKIP
    'sales_dw'
    >>> get_instance(client, 453000169).status                        # doctest: +SKIP
    'FAILURE'
    >>> get_extension(client, "0c1a…").status_name                    # doctest: +SKIP
    'published'
    >>> get_option_values(client, "0c1a…", 10001)                     # doctest: +SKIP
    {'checkStatus': 'FAIL'}
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any, Literal

from openevent.dataworks.client import DataWorksClient
from openevent.dataworks.errors import DataWorksApiError
from openevent.dataworks.models import Extension, IDEEventDetail, Instance, InstanceLog, Node, Workspace

ProjectEnv = Literal["PROD", "DEV"]


class ProjectCache:
    """A small thread-safe TTL cache of workspaces keyed by endpoint and id or identifier.

    Example:
        >>> cache = ProjectCache(ttl_s=60, clock=lambda: 0.0)
        >>> cache.put("ep", Workspace(project_id=1, identifier="a"))
        >>> cache.get("ep", "id", "1").identifier, cache.get("ep", "identifier", "a").project_id
        ('a', 1)
    """

    def __init__(self, ttl_s: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 max_entries: int = 256) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self.max_entries = max_entries
        self._items: dict[tuple[str, str, str], tuple[float, Workspace]] = {}
        self._lock = threading.Lock()

    def get(self, scope: str, by: str, value: str) -> Workspace | None:
        with self._lock:
            hit = self._items.get((scope, by, value))
            if hit is None:
                return None
            if self.clock() - hit[0] >= self.ttl_s:
                del self._items[(scope, by, value)]
                return None
            return hit[1]

    def put(self, scope: str, workspace: Workspace) -> None:
        now = self.clock()
        with self._lock:
            if len(self._items) >= self.max_entries:
                self._items.clear()
            self._items[(scope, "id", str(workspace.project_id))] = (now, workspace)
            if workspace.identifier:
                self._items[(scope, "identifier", workspace.identifier)] = (now, workspace)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


PROJECT_CACHE = ProjectCache()


def _data(action: str, body: dict[str, Any], key: str = "Data") -> Any:
    if key not in body or body[key] is None:
        raise DataWorksApiError("InvalidResponse", f"the answer has no {key}", action=action, transient=False,
                                request_id=body.get("RequestId"))
    return body[key]


def get_project(client: DataWorksClient, project_id: int | str | None = None, *,
                identifier: str | None = None, cache: ProjectCache | None = PROJECT_CACHE) -> Workspace:
    """The workspace by numeric id (or by ``identifier``), from the cache when fresh.

    Example:
        >>> get_project(client, 10001).mode                               # doctest: +SKIP
        'standard'
    """
    if project_id in (None, "") and not identifier:
        raise ValueError("get_project needs a project id or an identifier")
    by, value = ("id", str(project_id)) if project_id not in (None, "") else ("identifier", str(identifier))
    if cache is not None:
        hit = cache.get(client.endpoint, by, value)
        if hit is not None:
            return hit
    params = {"ProjectId": int(value)} if by == "id" else {"ProjectIdentifier": value}
    workspace = Workspace.from_data(_data("GetProject", client.call("GetProject", params)))
    if cache is not None:
        cache.put(client.endpoint, workspace)
    return workspace


def get_instance(client: DataWorksClient, instance_id: int | str, env: ProjectEnv = "PROD") -> Instance:
    """An instance (the ``taskId`` of an instance status event).

    Example:
        >>> get_instance(client, 453000169).node_name                     # doctest: +SKIP
        'ods_orders'
    """
    body = client.call("GetInstance", {"InstanceId": int(instance_id), "ProjectEnv": env})
    return Instance.from_data(_data("GetInstance", body))


def get_node(client: DataWorksClient, node_id: int | str, env: ProjectEnv = "PROD") -> Node:
    """A scheduled node.

    Example:
        >>> get_node(client, 100000219).owner_id                          # doctest: +SKIP
        '1900000001'
    """
    body = client.call("GetNode", {"NodeId": int(node_id), "ProjectEnv": env})
    return Node.from_data(_data("GetNode", body))


def get_instance_log(client: DataWorksClient, instance_id: int | str, env: ProjectEnv = "PROD",
                     history_id: int | None = None) -> InstanceLog:
    """The run log of an instance.

    Example:
        >>> get_instance_log(client, 453000169).tail(1)                   # doctest: +SKIP
        'FAILED: ODPS-0130071: Semantic analysis exception'
    """
    params: dict[str, Any] = {"InstanceId": int(instance_id), "ProjectEnv": env,
                              "InstanceHistoryId": history_id}
    text = _data("GetInstanceLog", client.call("GetInstanceLog", params))
    return InstanceLog(instance_id=int(instance_id), text=str(text))


def get_ide_event_detail(client: DataWorksClient, message_id: str, project_id: int | str) -> IDEEventDetail:
    """The snapshot DataWorks took when a Data Studio extension point fired (the event ``id``).

    Example:
        >>> get_ide_event_detail(client, event.id, event.workspace_id).content  # doctest: +SKIP
        'SELECT * FROM ods_orders WHERE ds = MAX_PT("ods_orders");'
    """
    body = client.call("GetIDEEventDetail", {"MessageId": message_id, "ProjectId": int(project_id)})
    detail = _data("GetIDEEventDetail", body, key="EventDetail")
    return IDEEventDetail.from_detail(message_id, int(project_id), detail if isinstance(detail, dict) else {})


def get_extension(client: DataWorksClient, extension_code: str) -> Extension:
    """The registered extension (``GetExtension``): status, test workspace, ``ParameterSetting``.

    Example:
        >>> get_extension(client, code).parameter_setting                 # doctest: +SKIP
        'extension.project.disabled=10001'
    """
    body = client.call("GetExtension", {"ExtensionCode": extension_code})
    data = _data("GetExtension", body, key="Extension")
    if not isinstance(data, dict):
        raise DataWorksApiError("InvalidResponse", "Extension is not an object", action="GetExtension",
                                transient=False, request_id=body.get("RequestId"))
    return Extension.from_data(data)


def get_option_values(client: DataWorksClient, extension_code: str, project_id: int | str) -> dict[str, Any]:
    """The workspace's option values for the extension (``GetOptionValueForProject``), decoded.

    ``OptionValue`` is a JSON string (``{"checkStatus": "FAIL"}``); a workspace that has not
    filled the options in answers an empty value, read as ``{}``.

    Example:
        >>> get_option_values(client, code, 10001).get("checkStatus")      # doctest: +SKIP
        'FAIL'
    """
    body = client.call("GetOptionValueForProject", {"ExtensionCode": extension_code, "ProjectId": str(project_id)})
    raw = body.get("OptionValue")
    if raw in (None, ""):
        return {}
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise DataWorksApiError("InvalidResponse", "OptionValue is not JSON", action="GetOptionValueForProject",
                                transient=False, request_id=body.get("RequestId")) from None
    if not isinstance(value, dict):
        raise DataWorksApiError("InvalidResponse", "OptionValue is not a JSON object",
                                action="GetOptionValueForProject", transient=False,
                                request_id=body.get("RequestId"))
    return value
