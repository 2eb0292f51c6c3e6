"""Destination filters: result levels, table globs, workspaces, strong rules only."""

from __future__ import annotations

import pytest
from dq_helpers import HOOK_NAME, feedback_event, finished_event, webhook_documents

from openevent.errors import ConfigError
from openevent.events import parse
from openevent.local.fake_chat import FakeChat
from openevent.local.fake_sls import FakeSls
from openevent.quality.config import QualityConfig, ResultFilter
from openevent.quality.forward import Forwarder
from openevent.quality.result import DqResult, normalise
from openevent.runtime.config import validate
from openevent.state import open_store


def result(code: int = 2, **data: object) -> DqResult:
    return normalise(parse(finished_event(code, **data)))


def test_an_empty_filter_accepts_every_result() -> None:
    assert ResultFilter().reason_to_skip(result(0)) is None


def test_results_are_selected_by_name_or_documented_code() -> None:
    by_code = ResultFilter(results=[2, "-1"])

    assert by_code.results == ["critical", "exception"]
    assert by_code.reason_to_skip(result(-1)) is None
    assert by_code.reason_to_skip(result(1)) == "result warning not in [critical, exception]"


def test_results_may_be_given_as_one_comma_separated_string() -> None:
    assert ResultFilter(results="critical, warning").results == ["critical", "warning"]  # type: ignore[arg-type]


def test_an_unknown_result_level_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown result level 'failed'"):
        validate(ResultFilter, {"results": ["failed"]})


def test_feedback_events_are_selected_with_the_feedback_level() -> None:
    feedback = normalise(parse(feedback_event()))

    assert ResultFilter(results=["feedback"]).reason_to_skip(feedback) is None
    assert ResultFilter(results=["critical"]).reason_to_skip(feedback) == "result feedback not in [critical]"


@pytest.mark.parametrize("glob", ["dwd_*", "sales_dw.dwd_order_*", "SALES_DW.*", "*order_detail*"])
def test_table_globs_match_the_table_name_or_project_dot_table(glob: str) -> None:
    assert ResultFilter(tables=[glob]).reason_to_skip(result()) is None


def test_a_table_outside_the_globs_is_skipped_with_the_reason() -> None:
    reason = ResultFilter(tables=["ods_*", "other.*"]).reason_to_skip(result())

    assert reason == "table sales_dw.dwd_order_detail_di matches none of [ods_*, other.*]"


@pytest.mark.parametrize("workspace", [10001, "10001", "sales_dw"])
def test_workspaces_are_matched_by_id_or_name(workspace: object) -> None:
    assert ResultFilter(workspaces=[workspace]).reason_to_skip(result()) is None  # type: ignore[list-item]


def test_a_result_of_another_workspace_is_skipped() -> None:
    assert ResultFilter(workspaces=[20002]).reason_to_skip(result()) == "workspace 10001 not in [20002]"  # type: ignore[list-item]


def test_strong_only_skips_weak_rules() -> None:
    strong_only = ResultFilter(strong_only=True)

    assert strong_only.reason_to_skip(result(2, blockType=1)) is None
    assert strong_only.reason_to_skip(result(2, blockType=0)) == "weak rule (strong_only)"


def test_each_destination_applies_its_own_filter(chat: FakeChat, sls: FakeSls) -> None:
    url = chat.webhook_sink(HOOK_NAME)
    other = chat.webhook_sink("other-team")
    config = validate(QualityConfig, {"destinations": {
        "sales": {"kind": "webhook", "url": url, "filter": {"tables": ["sales_dw.*"]}},
        "other": {"kind": "webhook", "url": other, "filter": {"tables": ["ods_*"]}},
    }})
    out = Forwarder(config, open_store("memory://"), sleep=lambda _s: None).forward(parse(finished_event(0)))

    assert [(r["destination"], r["status"]) for r in out["forwarded"]] == [("sales", "sent"), ("other", "filtered")]
    assert len(webhook_documents(chat)) == 1
    assert chat.received("other-team") == []
