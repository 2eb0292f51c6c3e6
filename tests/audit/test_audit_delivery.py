"""Exactly once in every sink: duplicates skipped, failures retried, persistent failures make FC retry."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pytest
from audit_helpers import LOGSTORE, PROJECT, jsonl_records, lifecycle, make_auditor, replay

from openevent.audit.config import SlsSinkConfig
from openevent.audit.delivery import AuditDeliveryError, write_with_retry
from openevent.audit.record import AuditRecord, Resource
from openevent.audit.sinks.base import SinkError
from openevent.audit.sinks.jsonl import JsonlSink
from openevent.audit.sinks.sls import SlsSink
from openevent.audit.sinks.stdout import StdoutSink
from openevent.local.fake_sls import SLS_DEMO_KEY_ID, SLS_DEMO_KEY_SECRET, FakeSls
from openevent.runtime.credentials import Credentials
from support import load_event


def _record(i: int) -> AuditRecord:
    return AuditRecord(audit_id=f"id-{i}", event_id=f"e-{i}", event_type="t", action="kill",
                       resource=Resource(kind="instance", id=str(i)), recorded_at="2025-03-14T02:00:00Z")


def test_the_same_event_delivered_twice_writes_one_record_in_every_sink(jsonl: Path, fake_sls: FakeSls,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    auditor = make_auditor(jsonl=jsonl, sls_endpoint=fake_sls.endpoint)
    auditor._sinks.fixed.insert(0, StdoutSink())  # type: ignore[union-attr]
    event = json.dumps(load_event("KillInstance")).encode()

    auditor.handle(event)
    second = auditor.handle(event)

    printed = [json.loads(line) for line in out.getvalue().splitlines() if '"audit.record"' in line]
    assert len(printed) == 1 and len(jsonl_records(jsonl)) == 1 and len(fake_sls.logs) == 1
    assert second["sinks"] == {"stdout": "already-written", "jsonl": "already-written", "sls": "already-written"}


def test_a_transient_sls_failure_is_retried_within_the_invocation(jsonl: Path, fake_sls: FakeSls) -> None:
    fake_sls.fail_next(2, "WriteQuotaExceed")

    result = make_auditor(jsonl=jsonl, sls_endpoint=fake_sls.endpoint).handle(load_event("KillInstance"))

    assert result["sinks"]["sls"] == "written" and len(fake_sls.logs) == 1
    assert fake_sls.rejected == [(403, "WriteQuotaExceed"), (403, "WriteQuotaExceed")]


def test_a_persistent_sls_failure_raises_so_fc_retries(jsonl: Path, fake_sls: FakeSls) -> None:
    fake_sls.fail_next(3, "ShardWriteQuotaExceed")

    with pytest.raises(AuditDeliveryError) as info:
        make_auditor(jsonl=jsonl, sls_endpoint=fake_sls.endpoint).handle(load_event("KillInstance"))

    assert "sls" in info.value.failures and "ShardWriteQuotaExceed" in info.value.failures["sls"]
    assert info.value.statuses["jsonl"] == "written"


def test_the_retry_after_a_partial_failure_writes_only_the_missing_sink(jsonl: Path, fake_sls: FakeSls) -> None:
    auditor = make_auditor(jsonl=jsonl, sls_endpoint=fake_sls.endpoint)
    fake_sls.fail_next(3, "WriteQuotaExceed")
    with pytest.raises(AuditDeliveryError):
        replay(auditor, lifecycle()[:2])

    results = replay(auditor, lifecycle()[:2])

    assert [r["sinks"] for r in results] == [{"jsonl": "already-written", "sls": "written"},
                                             {"jsonl": "written", "sls": "written"}]
    assert len(jsonl_records(jsonl)) == 2 and len(fake_sls.logs) == 2
    assert [log["diff_fields"] for log in fake_sls.logs if "diff_fields" in log] == ["cron"]


def test_a_permanent_sls_error_is_not_retried(jsonl: Path, fake_sls: FakeSls) -> None:
    auditor = make_auditor(jsonl=jsonl, sls_endpoint=fake_sls.endpoint,
                           env={"ALIBABA_CLOUD_ACCESS_KEY_SECRET": "wrong-secret"})

    with pytest.raises(AuditDeliveryError) as info:
        auditor.handle(load_event("KillInstance"))

    assert "SignatureNotMatch" in info.value.failures["sls"]
    assert fake_sls.rejected == [(401, "SignatureNotMatch")]


def test_an_unknown_logstore_is_reported_with_the_service_code(fake_sls: FakeSls) -> None:
    sink = SlsSink(SlsSinkConfig(endpoint=fake_sls.endpoint, project=PROJECT, logstore="nope"),
                   Credentials(SLS_DEMO_KEY_ID, SLS_DEMO_KEY_SECRET))

    with pytest.raises(SinkError) as info:
        sink.write([_record(1)])

    assert info.value.code == "LogStoreNotExist" and info.value.transient is False


def _sink(fake: FakeSls, batch_size: int = 2) -> SlsSink:
    return SlsSink(SlsSinkConfig(endpoint=fake.endpoint, project=PROJECT, logstore=LOGSTORE, batch_size=batch_size),
                   Credentials(SLS_DEMO_KEY_ID, SLS_DEMO_KEY_SECRET))


def test_records_go_to_sls_in_batches(fake_sls: FakeSls) -> None:
    _sink(fake_sls).write([_record(i) for i in range(5)])

    assert [len(g.logs) for g in fake_sls.groups] == [2, 2, 1]


def test_a_failed_batch_names_the_records_of_the_batches_already_stored(fake_sls: FakeSls) -> None:
    fake_sls.fail_next(1, "WriteQuotaExceed", after=1)

    with pytest.raises(SinkError) as info:
        _sink(fake_sls).write([_record(i) for i in range(4)])

    assert info.value.stored == ["id-0", "id-1"] and info.value.transient


def test_a_retry_after_a_failed_batch_sends_only_the_rest(fake_sls: FakeSls) -> None:
    fake_sls.fail_next(1, "WriteQuotaExceed", after=1)

    write_with_retry(_sink(fake_sls), [_record(i) for i in range(4)], sleep=lambda _s: None)

    assert sorted(log["audit_id"] for log in fake_sls.logs) == ["id-0", "id-1", "id-2", "id-3"]


def test_sls_without_credentials_fails_without_calling_the_service(fake_sls: FakeSls) -> None:
    sink = SlsSink(SlsSinkConfig(endpoint=fake_sls.endpoint, project=PROJECT, logstore=LOGSTORE), None)

    with pytest.raises(SinkError) as info:
        sink.write([_record(1)])

    assert info.value.code == "MissingCredentials" and fake_sls.groups == []


def test_concurrent_appends_to_the_jsonl_file_leave_whole_lines(jsonl: Path) -> None:
    def writer(start: int) -> None:
        sink = JsonlSink(jsonl)  # one sink per thread, as separate processes would have
        for i in range(start, start + 50):
            sink.write([_record(i)])

    threads = [threading.Thread(target=writer, args=(n * 50,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    ids = [r["audit_id"] for r in jsonl_records(jsonl)]
    assert sorted(ids) == sorted(f"id-{i}" for i in range(200))


def test_the_jsonl_sink_skips_a_record_already_in_the_file_even_from_another_writer(jsonl: Path) -> None:
    JsonlSink(jsonl).write([_record(1)])

    JsonlSink(jsonl).write([_record(1), _record(2)])

    assert [r["audit_id"] for r in jsonl_records(jsonl)] == ["id-1", "id-2"]


def test_an_event_the_auditor_does_not_audit_yields_no_record(jsonl: Path) -> None:
    result = make_auditor(jsonl=jsonl).handle(load_event("InstanceStatusChanges"))

    assert result["records"] == [] and result["sinks"] == {"jsonl": "no-records"}
