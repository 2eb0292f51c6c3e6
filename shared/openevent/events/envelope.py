"""The event object: a CloudEvents 1.0 envelope as EventBridge delivers it, with typed ``data``.

:class:`Event` holds every envelope field (Alibaba's ``aliyun*`` extensions included;
``aliyunpublishtime`` stays a string because it is not always ISO 8601, e.g.
``2020-11-19T21:04:42.179PRC``) and a payload model chosen by ``type``. Its accessors
normalise what the docs scatter over different keys: :attr:`Event.workspace_id`
(``projectId``, ``appId``, ``queryDwProjectId``, ``workspaceId``, …), :attr:`Event.tenant_id`,
:attr:`Event.operator` and :attr:`Event.message_id` (the callback key: the envelope ``id``,
which is ``messageId`` in the Function Compute extension shape).

Example:
    >>> from openevent.events import parse
    >>> ev = parse(b'{"id":"m-1","source":"acs.dataworks","specversion":"1.0",'
    ...            b'"type":"dataworks:ProjectChange:DeleteProject",'
    ...            b'"data":{"projectId":"10001","tenantId":1,"operator":"42"}}')
    >>> ev.message_id, ev.workspace_id, ev.operator, ev.is_extension
    ('m-1', 10001, '42', True)
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, create_model

from openevent.events.fields import ascii_int
from openevent.events.registry import EventSpec, generic_spec, spec_for

Delivery = Literal["eventbridge", "fc-extension"]

_WORKSPACE_KEYS = (
    ("project_id", "projectId"),
    ("app_id", "appId"),
    ("query_dw_project_id", "queryDwProjectId"),
    ("workspace_id", "workspaceId"),
    ("root_node_project_id", "rootNodeProjectId"),
)
_OPERATOR_KEYS = (("operator", "operator"), ("operator_uid", "operatorUid"), ("create_user", "createUser"))


def _field(obj: Any, snake: str, camel: str) -> Any:
    val = getattr(obj, snake, None)
    if val is None and isinstance(obj, BaseModel):
        val = (obj.model_extra or {}).get(camel)
    if val is None and isinstance(obj, dict):
        val = obj.get(camel)
    return val


def norm_id(value: Any) -> int | str | None:
    """An id as an int when it is numeric, else the text (``None`` for empty values)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    number = ascii_int(text)
    return text if number is None else number


class Event(BaseModel):
    """A DataWorks OpenEvent message. ``data`` is the typed payload of the event's type."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)

    specversion: str = "1.0"
    id: str = Field(min_length=1)
    source: Literal["acs.dataworks"]
    type: str = Field(min_length=1)
    subject: str | None = None
    time: str | None = None
    datacontenttype: str | None = None
    dataschema: str | None = None
    data: Any = None
    aliyunaccountid: str | None = None
    aliyunoriginalaccountid: str | None = None
    aliyunpublishtime: str | None = None
    aliyuneventbusname: str | None = None
    aliyunregionid: str | None = None
    aliyunpublishaddr: str | None = None

    # set only when the message came in the FC-extension shape (no private attributes: they
    # cost a Python call per instance on the hot path)
    fc_extension: dict[str, Any] | None = Field(default=None, exclude=True)

    # -- what the registry says -------------------------------------------------------------
    @property
    def spec(self) -> EventSpec:
        return spec_for(self.type) or generic_spec(self.type)

    @property
    def known(self) -> bool:
        """False for a ``dataworks:`` type the registry does not know (parsed generically)."""
        return spec_for(self.type) is not None

    @property
    def is_extension(self) -> bool:
        return self.spec.is_extension

    @property
    def event_code(self) -> str | None:
        code = getattr(self.data, "event_code", None)
        return code or self.spec.event_code

    # -- normalised accessors -----------------------------------------------------------------
    @property
    def message_id(self) -> str:
        """The id extension callbacks quote (``MessageId``): the envelope ``id``."""
        return self.id

    @property
    def workspace_id(self) -> int | str | None:
        data = self.data
        for snake, camel in _WORKSPACE_KEYS:
            val = norm_id(_field(data, snake, camel))
            if val is not None:
                return val
        process = _field(data, "process", "process")
        content = _field(process, "approval_content", "approvalContent") if process is not None else None
        if content is not None:
            val = norm_id(_field(content, "workspace_id", "workspaceId"))
            if val is not None:
                return val
        order = _field(data, "order", "order")
        meta = _field(order, "project_meta", "projectMeta") if order is not None else None
        return norm_id(_field(meta, "project_id", "projectId")) if meta is not None else None

    @property
    def tenant_id(self) -> int | str | None:
        return norm_id(_field(self.data, "tenant_id", "tenantId"))

    @property
    def operator(self) -> str | None:
        data = self.data
        for snake, camel in _OPERATOR_KEYS:
            val = _field(data, snake, camel)
            if val:
                return str(val)
        process = _field(data, "process", "process")
        applicant = _field(process, "applicant", "applicant") if process is not None else None
        return str(applicant) if applicant else None

    @property
    def region(self) -> str | None:
        return self.aliyunregionid

    @property
    def delivery(self) -> Delivery:
        """``eventbridge``, or ``fc-extension`` for a direct Function Compute extension call whose
        envelope fields (``extensionBizId``, ``blockBusiness``, …) are kept in :attr:`fc_extension`."""
        return "fc-extension" if self.fc_extension is not None else "eventbridge"

    def payload_dict(self) -> dict[str, Any]:
        """The payload with DataWorks' field names (JSON-compatible values)."""
        data = self.data
        if isinstance(data, BaseModel):
            return data.model_dump(mode="json", by_alias=True, exclude_none=True)
        return dict(data) if isinstance(data, dict) else {}

    def normalised(self) -> dict[str, Any]:
        """The event as ``openevent events parse`` prints it."""
        spec = self.spec
        return {
            "id": self.id, "type": self.type, "source": self.source, "event_code": self.event_code,
            "kind": spec.kind, "level": spec.level, "module": spec.module, "family": spec.family,
            "known": self.known, "workspace_id": self.workspace_id, "tenant_id": self.tenant_id,
            "operator": self.operator, "time": self.time, "region": self.region,
            "bus": self.aliyuneventbusname, "message_id": self.message_id, "delivery": self.delivery,
            "callback_api": spec.callback_api,
            "data": self.payload_dict(),
        }


def typed_event_class(event_type: str) -> type[Event]:
    """The :class:`Event` subclass whose ``data`` is the payload model of ``event_type`` (cached).

    Every type the registry does not know shares one generic class.
    """
    spec = spec_for(event_type)
    if spec is None:
        return _event_class("GenericEvent", generic_spec(event_type).model_ref)
    return _event_class(spec.name + "Event", spec.model_ref)


@lru_cache(maxsize=128)
def _event_class(name: str, model_ref: str) -> type[Event]:
    from openevent.events.registry import resolve_model

    model: type[Event] = create_model(name, __base__=Event, data=(resolve_model(model_ref), ...))
    return model


class FcExtensionMessage(BaseModel):
    """The Function Compute extension shape as DataWorks sends it, read from bytes in one pass.

    :func:`openevent.events.parse.parse` validates such a message with the subclass of its
    event type (:func:`fc_message_class`, ``message_body`` typed) and makes the same
    :class:`Event` of it that the dict path builds; anything this model refuses (a body sent as
    JSON text, no ``eventType``, a ``type`` key, which makes it a CloudEvent) takes that path.

    Example:
        >>> msg = fc_message_class("dataworks:ProjectChange:DeleteProject").model_validate_json(
        ...     b'{"messageId": 7, "eventType": "delete-project", "messageBody": {"projectId": "1"}}')
        >>> msg.message_id, msg.message_body.project_id, sorted(msg.model_fields_set)
        (7, 1, ['event_type', 'message_body', 'message_id'])
    """

    model_config = ConfigDict(extra="ignore")

    message_id: Annotated[str, Strict()] | Annotated[int, Strict()] = Field(alias="messageId")
    event_type: Annotated[str, Strict()] = Field(alias="eventType")
    message_body: Any = Field(alias="messageBody")
    event_category_type: Any = Field(default=None, alias="eventCategoryType")
    extension_biz_id: Any = Field(default=None, alias="extensionBizId")
    block_business: Any = Field(default=None, alias="blockBusiness")
    # a top-level ``type`` makes the message a CloudEvent: any value present fails here (no int is
    # both > 0 and < 0), so such a message takes the general path
    cloud_event_type: Annotated[int, Field(gt=0, lt=0)] = Field(default=0, alias="type")


FC_EXTENSION_KEYS = (("eventType", "event_type"), ("eventCategoryType", "event_category_type"),
                     ("extensionBizId", "extension_biz_id"), ("blockBusiness", "block_business"))
"""The FC-extension envelope keys an :class:`Event` keeps in ``fc_extension`` (wire name, field name)."""


@lru_cache(maxsize=128)
def fc_message_class(event_type: str) -> type[FcExtensionMessage]:
    """The :class:`FcExtensionMessage` subclass whose ``message_body`` is the payload of ``event_type`` (cached)."""
    spec = spec_for(event_type) or generic_spec(event_type)
    from openevent.events.registry import resolve_model

    model: type[FcExtensionMessage] = create_model(
        spec.name + "FcMessage", __base__=FcExtensionMessage,
        message_body=(resolve_model(spec.model_ref), Field(alias="messageBody")))
    return model
