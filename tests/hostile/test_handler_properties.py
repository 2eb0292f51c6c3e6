"""No handler crash-loops on hostile input; a guard answers whenever a message id can be read.

Every function's real handler (deployed against the healthy fakes by the fault suite's rig) gets
hostile messages derived from the event types it handles (:mod:`hostile`). What it may do:

* return a result FC can serialise;
* raise :class:`~openevent.errors.EventParseError` — only a consumer, and only for a message the
  parser refuses (FC's retries then end in the async destination; nothing half-done);
* raise a delivery failure (``Undelivered``, ``AuditDeliveryError``, ``InProgressError``,
  ``GuardCallbackError``) — never a ``TypeError``, ``ValueError``, ``KeyError`` or
  ``RecursionError`` coming from the input, which FC would retry to the same crash.

A guard answers DataWorks for every message id the parser can read (from the parsed event, or
from the ``EventParseError`` of a message it refuses — the head scan of a truncated or oversized
one), and raises only when no id can be read, or its answer names a type no callback API knows.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import event, given, settings
from rig import FUNCTIONS, GUARDS, MakeRig, Rig

from hostile import examples, hostile_messages
from openevent.audit.delivery import AuditDeliveryError
from openevent.delivery.idempotency import InProgressError
from openevent.delivery.retry import Undelivered
from openevent.errors import EventParseError
from openevent.events import parse
from openevent.events.registry import spec_for
from openevent.guard.runner import GuardCallbackError
from openevent.local.functions import types_for_function
from support import load_event

# payloads the consumers act on (an alert, a critical result), so hostile values reach their delivery code
INTERESTING = {"dataworks:InstanceStatusChanges:InstanceStatusChanges": load_event("variants/status_failure")["data"],
               "dataworks:DqcCheck:DqcCheckFinishedEvent": {**load_event("DqcCheckFinishedEvent")["data"],
                                                             "checkResult": 2, "checkResultStatus": 2}}
DELIVERY_FAILURES = (Undelivered, AuditDeliveryError, InProgressError, GuardCallbackError)


def readable_ids(raw: bytes) -> tuple[list[str], EventParseError | None]:
    """The message ids the parser reads from ``raw`` (and its refusal, if it refused it)."""
    try:
        parsed = parse(raw)
    except EventParseError as exc:
        spec = spec_for(exc.event_type) if exc.event_type else None
        regular = spec is not None and not spec.is_extension  # a post-event: nothing to answer
        return ([exc.message_id] if exc.message_id and not regular else []), exc
    events = parsed if isinstance(parsed, list) else [parsed]
    return [e.id for e in events if e.is_extension], None


def answerable(rig: Rig, refusal: EventParseError | None) -> bool:
    """Whether a guard can know which callback API answers a refused message."""
    if refusal is None or refusal.event_type is not None:
        return True
    return rig.function != "change_guard"  # its extension points are answered through three APIs


def check_one(rig: Rig, raw: bytes) -> None:
    ids, refusal = readable_ids(raw)
    event("refused by the parser" if refusal is not None else "accepted by the parser")
    try:
        result = rig.invoke(raw)
    except EventParseError:
        assert not rig.is_guard, "a guard answers a message it cannot parse, it does not raise"
        assert refusal is not None, "the handler refused a message the parser accepts"
        return
    except DELIVERY_FAILURES as exc:
        if rig.is_guard:
            unanswered = [i for i in ids if not rig.dataworks.callbacks_for(i)]
            assert not ids or unanswered or not answerable(rig, refusal), exc
            if ids and answerable(rig, refusal):  # an id was read: only DataWorks refusing the answer is allowed
                assert "failed:" in str(exc) or "Invalid" in str(exc) or "MessageId" in str(exc), exc
        return
    json.dumps(result, default=str)  # FC serialises the result
    if rig.is_guard and answerable(rig, refusal):
        for message_id in ids:  # answered now, or by an earlier example with the same id (never twice)
            assert len(rig.dataworks.callbacks_for(message_id)) >= 1, f"{message_id} unanswered"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_no_handler_crashes_on_hostile_input_and_a_guard_answers_every_readable_id(
        make_rig: MakeRig, function: str) -> None:
    rig = make_rig(function, state_url="memory://")
    types = tuple(types_for_function(function))

    @settings(max_examples=examples(100 if function in GUARDS else 80))
    @given(hostile_messages(types, bases=INTERESTING))
    def property_(raw: bytes) -> None:
        check_one(rig, raw)

    property_()


# -- what the properties found ---------------------------------------------------------------------------
def test_an_unknown_type_that_ends_like_an_audited_one_is_not_audited_and_does_not_crash(make_rig: MakeRig) -> None:
    """Found by the auditor's property: a corrupted type (``" ataworks:ProjectChange:ProjectDeleted"``) parsed
    generically was audited by its last segment, and building the record raised AttributeError on every retry."""
    from openevent.events.samples import sample_event

    rig = make_rig("node_change_auditor", state_url="memory://")
    event = sample_event("dataworks:ProjectChange:ProjectDeleted")
    event["type"] = " ataworks:ProjectChange:ProjectDeleted"

    result = rig.invoke(event)

    assert result["records"] == [] and not (rig.tmp / "audit.jsonl").exists()


# -- messages over the size limit ------------------------------------------------------------------------
def oversized(event_type: str, size: int) -> tuple[bytes, str]:
    from hostile import wire_event

    event = wire_event(event_type)
    event["data"]["padding"] = "x" * size
    return json.dumps(event).encode(), event["id"]


@pytest.mark.parametrize("function", GUARDS)
def test_a_guard_answers_a_message_over_ten_megabytes_from_the_id_at_its_head(make_rig: MakeRig, function: str) -> None:
    from openevent.events.parse import DEFAULT_MAX_EVENT_BYTES

    rig = make_rig(function, state_url="memory://")
    raw, message_id = oversized(types_for_function(function)[0], DEFAULT_MAX_EVENT_BYTES)

    result = rig.invoke(raw)

    assert (result["message_id"], result["decision"], result["rule"]) == (message_id, "FAIL", "failure-policy")
    assert "more than the 10485760 accepted" in result["message"] or "not parsed" in str(result)
    assert rig.callbacks({"id": message_id}) == ["FAIL"]


@pytest.mark.parametrize("function", sorted(set(FUNCTIONS) - set(GUARDS)))
def test_a_consumer_refuses_a_message_over_the_limit_without_parsing_it(make_rig: MakeRig, function: str,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENEVENT_MAX_EVENT_BYTES", "4096")
    rig = make_rig(function, state_url="memory://")
    raw, message_id = oversized(types_for_function(function)[0], 5000)

    with pytest.raises(EventParseError, match="more than the 4096 accepted") as refused:
        rig.invoke(raw)

    assert refused.value.message_id == message_id
