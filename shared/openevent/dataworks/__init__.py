"""DataWorks OpenAPI (2020-05-18) for the handlers: callbacks, enrichment, errors and retries.

Public API (imported lazily: importing this package costs nothing until a name is used, and
``aliyunsdkcore``'s RPC signer is imported only on the first call; the SDK's ``AcsClient`` and
request classes never are — see :mod:`openevent.dataworks.signing`):

Client (:mod:`openevent.dataworks.client`)
    ``DataWorksClient.from_environment(context=None, env=None)`` — credentials from
    ``ALIBABA_CLOUD_ACCESS_KEY_ID``/``_SECRET``/``_SECURITY_TOKEN`` or the FC context (STS),
    region from ``FC_REGION``/``ALIBABA_CLOUD_REGION_ID``, endpoint ``DATAWORKS_ENDPOINT`` or
    ``https://dataworks.<region>.aliyuncs.com``. ``client.can_send`` / ``client.dry_reason``
    (dry mode: no credentials and no local endpoint), ``client.call(action, params) -> dict``,
    ``client.invoke(action, params) -> ApiResponse`` (body, attempts, elapsed_s).
Callbacks (:mod:`openevent.dataworks.callbacks`)
    ``send_callback(api, message_id, extension_code, result, message, *, client=None, context=None,
    env=None) -> CallbackReceipt`` with ``api`` one of ``CallbackExtension``,
    ``UpdateIDEEventResult``, ``UpdateWorkbenchEventResult`` and ``result`` OK | WARN | FAIL
    (WARN goes to ``UpdateWorkbenchEventResult`` as OK with ``[WARN] …`` in the tip);
    ``extension_code=None`` reads ``DATAWORKS_EXTENSION_CODE``. ``callback_params(...)`` gives the
    request parameters without sending.
Enrichment (:mod:`openevent.dataworks.enrichment`, models in :mod:`openevent.dataworks.models`)
    ``get_project(client, project_id | identifier=…) -> Workspace`` (60 s per-process cache),
    ``get_instance(client, instance_id, env="PROD") -> Instance``, ``get_node(...) -> Node``,
    ``get_instance_log(...) -> InstanceLog``, ``get_ide_event_detail(client, message_id,
    project_id) -> IDEEventDetail``, ``get_extension(client, extension_code) -> Extension``,
    ``get_option_values(client, extension_code, project_id) -> dict``; each model keeps the raw
    ``Data`` in ``.raw``.
Errors (:mod:`openevent.dataworks.errors`)
    ``DataWorksError(OpenEventError)`` > ``DataWorksApiError`` (``code``, ``message``,
    ``http_status``, ``request_id``, ``action``, ``transient``, ``attempts``) and
    ``DataWorksNotConfiguredError``. Transient failures (network, timeouts, 5xx, ``Throttling*``,
    ``ServiceUnavailable``, ``InternalError``) are retried with jittered exponential backoff
    inside the invocation's remaining time (:mod:`openevent.delivery.retry`); a 200 answer with
    ``Success: false`` raises like an HTTP error. Secrets (AccessKey secret, STS token, signature)
    never reach a log line or an error message.

Example:
    >>> from openevent.dataworks import DataWorksClient, send_callback
    >>> client = DataWorksClient.from_environment(env={})
    >>> send_callback("CallbackExtension", "msg-1", "ext", "FAIL", "[owner-only] ask the owner",
    ...               client=client).dry_run
    True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from openevent._lazy import lazy_exports

if TYPE_CHECKING:
    from openevent.dataworks.callbacks import (
        CALLBACK_APIS,
        CallbackApi,
        CallbackReceipt,
        CheckResult,
        callback_params,
        send_callback,
    )
    from openevent.dataworks.client import ApiResponse, DataWorksClient
    from openevent.dataworks.enrichment import (
        PROJECT_CACHE,
        ProjectCache,
        get_extension,
        get_ide_event_detail,
        get_instance,
        get_instance_log,
        get_node,
        get_option_values,
        get_project,
    )
    from openevent.dataworks.errors import DataWorksApiError, DataWorksError, DataWorksNotConfiguredError
    from openevent.dataworks.models import Extension, IDEEventDetail, Instance, InstanceLog, Node, Workspace

__all__ = [
    "CALLBACK_APIS", "PROJECT_CACHE", "ApiResponse", "CallbackApi", "CallbackReceipt", "CheckResult",
    "DataWorksApiError", "DataWorksClient", "DataWorksError", "DataWorksNotConfiguredError", "Extension",
    "IDEEventDetail", "Instance", "InstanceLog", "Node", "ProjectCache", "Workspace", "callback_params",
    "get_extension", "get_ide_event_detail", "get_instance", "get_instance_log", "get_node", "get_option_values",
    "get_project", "send_callback",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "callbacks": ["CALLBACK_APIS", "CallbackApi", "CallbackReceipt", "CheckResult", "callback_params",
                  "send_callback"],
    "client": ["ApiResponse", "DataWorksClient"],
    "enrichment": ["PROJECT_CACHE", "ProjectCache", "get_extension", "get_ide_event_detail", "get_instance",
                   "get_instance_log", "get_node", "get_option_values", "get_project"],
    "errors": ["DataWorksApiError", "DataWorksError", "DataWorksNotConfiguredError"],
    "models": ["Extension", "IDEEventDetail", "Instance", "InstanceLog", "Node", "Workspace"],
})
