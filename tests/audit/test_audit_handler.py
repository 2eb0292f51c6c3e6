"""The FC handler of functions/node_change_auditor: config once, records out, failures raised."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from audit_helpers import LOGSTORE, PROJECT, jsonl_records, lifecycle

from openevent.audit.delivery import AuditDeliveryError
from openevent.delivery.retry import Undelivered
from openevent.local.fake_sls import SLS_DEMO_KEY_ID, SLS_DEMO_KEY_SECRET, FakeSls
from openevent.local.functions import load_module
from openevent.runtime.context import LocalContext
from support import ROOT

CONFIG = ROOT / "functions" / "node_change_auditor" / "config.yaml"


@pytest.fixture
def index(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[ModuleType]:
    monkeypatch.chdir(tmp_path)
    for name in ("AUDIT_SLS_ENDPOINT", "DINGTALK_WEBHOOK_URL", "OPENEVENT_AUDIT_JSONL", "FC_FUNCTION_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENEVENT_STATE_URL", f"sqlite:///{tmp_path / 'state.db'}")
    monkeypatch.setenv("OPENEVENT_LOG_STREAM", "stderr")
    module = load_module("node_change_auditor", fresh=True)
    yield module
    module.reset()


def test_the_handler_returns_the_event_id_records_and_sink_statuses(index: ModuleType, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    result = index.handler(json.dumps(lifecycle()[0]).encode(), LocalContext(function_name="node_change_auditor"))

    assert result["event_id"] == "evt-create" and result["records"][0]["action"] == "create"
    assert result["sinks"] == {"stdout": "written", "jsonl": "written"}
    assert result["records"][0]["origin"]["function"] == "node_change_auditor"
    assert len(jsonl_records(tmp_path / "audit.jsonl")) == 1
    assert '"event":"audit.record"' in capsys.readouterr().out


def test_the_example_config_drives_the_handler_with_sls(index: ModuleType, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeSls(projects={PROJECT: [LOGSTORE]}) as fake:
        for key, value in {"OPENEVENT_CONFIG": str(CONFIG), "AUDIT_SLS_ENDPOINT": fake.endpoint,
                           "AUDIT_SLS_PROJECT": PROJECT, "AUDIT_SLS_LOGSTORE": LOGSTORE,
                           "ALIBABA_CLOUD_ACCESS_KEY_ID": SLS_DEMO_KEY_ID,
                           "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SLS_DEMO_KEY_SECRET}.items():
            monkeypatch.setenv(key, value)

        results = [index.handler(json.dumps(e).encode(), LocalContext()) for e in lifecycle()]

        assert [r["sinks"]["sls"] for r in results] == ["written"] * 4
        assert [log.get("diff_fields", "") for log in fake.logs] == ["", "cron", "scheduler_type", ""]
        assert fake.logs[0]["__tag__:team"] == "data-platform"


def test_the_handler_raises_when_a_sink_keeps_failing_and_the_retry_completes(
        index: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeSls(projects={PROJECT: [LOGSTORE]}) as fake:
        for key, value in {"OPENEVENT_CONFIG": str(CONFIG), "AUDIT_SLS_ENDPOINT": fake.endpoint,
                           "AUDIT_SLS_PROJECT": PROJECT, "AUDIT_SLS_LOGSTORE": LOGSTORE,
                           "ALIBABA_CLOUD_ACCESS_KEY_ID": SLS_DEMO_KEY_ID,
                           "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SLS_DEMO_KEY_SECRET}.items():
            monkeypatch.setenv(key, value)
        index.app.worker.sleep = lambda _s: None
        fake.fail_next(3, "WriteQuotaExceed")  # the shipped config's retry.attempts
        event = json.dumps(lifecycle()[0]).encode()

        with pytest.raises(AuditDeliveryError) as info:
            index.handler(event, LocalContext())
        retried = index.handler(event, LocalContext())

        assert isinstance(info.value, Undelivered) and list(info.value.undone) == ["sls"]

        assert retried["sinks"] == {"stdout": "already-written", "jsonl": "already-written", "sls": "written"}
        assert len(fake.logs) == 1 and len(jsonl_records(tmp_path / "audit.jsonl")) == 1
