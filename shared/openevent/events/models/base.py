"""The base of every payload model: lenient, alias-aware, keeps unknown fields.

Field names are snake_case in Python and camelCase on the wire (as DataWorks sends them);
``model_dump(by_alias=True)`` gives the wire names back. Unknown keys are kept
(``extra="allow"``): the docs' examples regularly carry keys their tables leave out.
Numbers sent where strings are documented are accepted as strings and vice versa.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from openevent.events.fields import Id

_CONFIG = ConfigDict(
    extra="allow",
    alias_generator=to_camel,
    populate_by_name=True,
    coerce_numbers_to_str=True,
    frozen=False,
)


class Wire(BaseModel):
    """A nested object of a payload (same leniency as :class:`Payload`)."""

    model_config = _CONFIG


class Payload(Wire):
    """Fields the appendix calls standard, plus those most events carry. All optional."""

    event_code: str | None = None
    tenant_id: Id | None = None
    project_id: Id | None = None
    operator: str | None = None
    block_business: bool | None = None
    extension_biz_id: str | None = None


class GenericPayload(Payload):
    """The payload of a ``dataworks:`` event type the registry does not know yet."""
