"""The vendor-neutral message model."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from openevent.notify.message import Mentions, Message, connectivity_message


def test_fields_given_as_a_mapping_keep_their_order_and_become_strings() -> None:
    m = Message(kind="dq_result", title="t", fields={"b": 2, "a": None})
    assert m.fields == [("b", "2"), ("a", "")]


def test_an_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValidationError):
        Message(kind="party", title="t")


def test_empty_mentions_are_falsy() -> None:
    assert not Mentions()
    assert Mentions(at_all=True)


def test_connectivity_message_is_a_test_kind_in_the_requested_language() -> None:
    m = connectivity_message("oncall", lang="en")
    assert (m.kind, m.lang) == ("test", "en") and "oncall" in m.text
