"""The event library's conversions are total: absurd but parseable values never raise.

Epochs outside ``datetime``'s years 1–9999, digits ``str.isdigit()`` accepts and ``int()``
refuses (``"²"``), Arabic-Indic digits, more digits than ``int()`` converts: the derived value
is ``None`` (ids stay text) and the event still parses. The consumers built on these are driven
end to end in ``tests/*/test_*_absurd_values.py``.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import TypeAdapter

from openevent.events import parse
from openevent.events.envelope import norm_id
from openevent.events.fields import CsvIds, ascii_int, stamp_to_datetime
from support import load_event

UNREADABLE_TIMES = [10**20, -(10**20), "99999999999999999999", 253_402_300_800_000, -62_135_596_800_001, "²",
                    "٣", "-0001-01-01 00:00:00", "0000-00-00 00:00:00", "9" * 5000, True, "1e999"]


@pytest.mark.parametrize("value", UNREADABLE_TIMES, ids=lambda v: repr(v)[:30])
def test_a_time_no_datetime_can_hold_reads_as_none(value: Any) -> None:
    assert stamp_to_datetime(value) is None


def test_the_edges_of_the_datetime_range_still_read() -> None:
    last, first = stamp_to_datetime("9999-12-31 23:59:59"), stamp_to_datetime(-62_135_596_800_000)

    assert last is not None and last.year == 9999
    assert first is not None and first.year == 1


@pytest.mark.parametrize("text", ["²", "٣", "١٢٣", "9" * 5000, "-5", "1_000", " 7", ""])
def test_only_plain_ascii_digits_read_as_an_int(text: str) -> None:
    assert ascii_int(text) is None


def test_an_id_of_unicode_digits_stays_text() -> None:
    assert norm_id("²") == "²" and norm_id("٣") == "٣"


def test_an_id_of_5000_digits_stays_text() -> None:
    assert norm_id("9" * 5000) == "9" * 5000


def test_comma_separated_ids_keep_the_ones_int_refuses_as_text() -> None:
    assert TypeAdapter(CsvIds).validate_python("1,²," + "9" * 5000) == [1, "²", "9" * 5000]


def test_an_event_with_unicode_digit_workspace_and_tenant_ids_parses() -> None:
    raw = copy.deepcopy(load_event("NodeChangeUpdated"))
    raw["data"].update(projectId="²", tenantId="٣")

    event = parse(raw)

    assert (event.workspace_id, event.tenant_id) == ("²", "٣")


def test_an_instance_change_naming_unicode_digit_instances_parses() -> None:
    raw = copy.deepcopy(load_event("KillInstance"))
    raw["data"]["taskIds"] = "523536569736,²"

    assert parse(raw).data.task_ids == [523536569736, "²"]
