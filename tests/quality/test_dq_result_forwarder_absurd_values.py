"""``dq_result_forwarder`` with absurd but parseable values: every result is still forwarded.

Times no ``datetime`` can hold (an epoch of ``10**20`` ms, the year 10000, ``"²"``, a negative
year), a threshold of ``1e999`` (infinity once parsed) and ids longer than a state key reach the
real FC handler (``functions/dq_result_forwarder/index.py``). In the normalised document the
derived field is ``None``, the value as sent is kept under ``unparsed`` (by wire field), and a
warning names the field.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dq_helpers import fake_env, feedback_event, finished_event, webhook_documents

from openevent.local.fake_chat import FakeChat
from openevent.local.fake_sls import SLS_DEMO_KEY_ID, SLS_DEMO_KEY_SECRET, FakeSls
from openevent.local.functions import load_module
from openevent.runtime.context import LocalContext

FUNCTION = "dq_result_forwarder"
ABSURD_TIMES = [10**20, "99999999999999999999", 253_402_300_800_000, "²", "٣", "-0001-01-01 00:00:00"]


@pytest.fixture(autouse=True)
def handler_env(chat: FakeChat, sls: FakeSls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Deployed with environment variables alone: chat, a signed webhook and SLS on the fakes, sqlite state."""
    monkeypatch.delenv("OPENEVENT_CONFIG", raising=False)
    env = fake_env(chat, sls, OPENEVENT_STATE_URL=f"sqlite:///{tmp_path}/state.db",
                   ALIBABA_CLOUD_ACCESS_KEY_ID=SLS_DEMO_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET=SLS_DEMO_KEY_SECRET)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    load_module(FUNCTION, fresh=True)
    yield
    load_module(FUNCTION).reset()


def invoke(event: Any, raw: bytes | None = None) -> dict[str, Any]:
    handler = load_module(FUNCTION).handler
    result: dict[str, Any] = handler(raw or json.dumps(event).encode(), LocalContext(function_name=FUNCTION))
    return result


def statuses(result: dict[str, Any]) -> dict[str, str]:
    return {row["destination"]: row["status"] for row in result["forwarded"]}


@pytest.mark.parametrize("value", ABSURD_TIMES, ids=repr)
@pytest.mark.parametrize(("field", "path"), [("bizdate", ("partition", "bizdate")),
                                             ("beginTime", ("times", "begin")),
                                             ("endTime", ("times", "end"))])
def test_an_absurd_check_time_is_forwarded_as_none_with_the_value_as_sent(
        chat: FakeChat, field: str, path: tuple[str, str], value: Any) -> None:
    result = invoke(finished_event(2, **{field: value}))

    [document] = webhook_documents(chat)
    assert statuses(result) == {"chat": "sent", "webhook": "sent", "sls": "sent"}
    assert document[path[0]][path[1]] is None
    assert str(document["unparsed"][field]) == str(value)


def test_an_absurd_sample_bizdate_is_kept_as_sent(chat: FakeChat) -> None:
    event = finished_event(0)
    event["data"]["sampleValue"][0]["bizDate"] = 10**20

    invoke(event)

    [document] = webhook_documents(chat)
    assert document["sample"][0]["biz_date"] is None
    assert document["unparsed"] == {"sampleValue[0].bizDate": 10**20}


def test_an_infinite_expected_value_is_forwarded_as_none_in_valid_json(chat: FakeChat) -> None:
    raw = json.dumps(finished_event(1, expectValue=0.5)).replace('"expectValue": 0.5', '"expectValue": 1e999')

    result = invoke(None, raw.encode())

    [message] = chat.received("dq-results")
    assert statuses(result)["webhook"] == "sent"
    assert json.loads(message.raw)["check"]["expected"] is None  # no Infinity in the JSON sent
    assert json.loads(message.raw)["unparsed"] == {"expectValue": "inf"}


def test_an_absurd_feedback_time_is_kept_as_sent(chat: FakeChat) -> None:
    result = invoke(feedback_event(beginTime="²"))

    [document] = webhook_documents(chat)
    assert statuses(result)["webhook"] == "sent"
    assert document["feedback"]["at"] is None and document["unparsed"] == {"beginTime": "²"}


def test_the_sls_log_carries_the_value_as_sent(sls: FakeSls) -> None:
    invoke(finished_event(0, bizdate="99999999999999999999"))

    [log] = sls.logs
    assert log["unparsed_bizdate"] == "99999999999999999999"
    assert "partition_bizdate" not in log


def test_an_unreadable_time_is_logged_as_a_warning_naming_the_field(capsys: pytest.CaptureFixture[str]) -> None:
    invoke(finished_event(0, endTime=10**20))

    out = capsys.readouterr()
    warnings = [json.loads(line) for line in (out.out + out.err).splitlines()
                if line.startswith("{") and '"event.field_unreadable"' in line]
    assert [(w["level"], w["field"], w["value"]) for w in warnings][:1] == [
        ("warning", "data.endTime", "100000000000000000000")]


def test_a_readable_result_has_no_unparsed_values(chat: FakeChat) -> None:
    invoke(finished_event(0))

    assert webhook_documents(chat)[0]["unparsed"] is None


def test_an_event_id_of_5000_characters_is_forwarded_once(chat: FakeChat) -> None:
    event = finished_event(0, event_id="e" * 5000)

    first, again = invoke(event), invoke(event)

    assert first["event_id"] == "e" * 5000 and statuses(first)["webhook"] == "sent"
    assert again["duplicate"] is True
    assert len(webhook_documents(chat)) == 1


def test_feedback_on_a_check_id_of_5000_digits_names_the_checked_table(chat: FakeChat) -> None:
    check_id = "8" * 5000
    invoke(finished_event(2, id=check_id))

    invoke(feedback_event(ruleCheckId=check_id))

    feedback = webhook_documents(chat)[1]
    assert feedback["check_id"] == check_id
    assert feedback["table"]["name"] == "dwd_order_detail_di"
