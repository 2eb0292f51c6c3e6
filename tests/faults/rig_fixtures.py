"""The fixtures that deploy a function against the fakes: ``make_rig`` and an isolated environment.

Used by the fault suite's and the hostile-input suite's conftests (``from rig_fixtures import …``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes import FaultChat, FaultDataWorks, FaultSls
from netfaults import TcpSwitch
from rig import SLS_LOGSTORE, SLS_PROJECT, STS_ID, STS_SECRET, STS_TOKEN, MakeRig, Rig, function_env

from openevent.dataworks.enrichment import PROJECT_CACHE
from openevent.local.fake_sls import SlsKey
from openevent.local.stack import demo_world
from openevent.runtime.context import ContextCredentials

_ISOLATED = ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN",
             "ALIYUN_ACCESS_KEY_ID", "ALIYUN_ACCESS_KEY_SECRET", "DATAWORKS_ENDPOINT", "OPENEVENT_CONFIG",
             "DATAWORKS_EXTENSION_CODE", "OPENEVENT_FAILURE_POLICY", "OPENEVENT_STATE_URL", "FC_FUNCTION_NAME",
             "OPENEVENT_AUDIT_JSONL", "DINGTALK_WEBHOOK_URL", "DINGTALK_SECRET", "FEISHU_WEBHOOK_URL",
             "WECOM_WEBHOOK_URL", "SLACK_WEBHOOK_URL", "ALERT_WEBHOOK_URL", "ALERT_WEBHOOK_SECRET",
             "OPENEVENT_MAX_EVENT_BYTES")



@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in _ISOLATED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENEVENT_LOG_STREAM", "stdout")
    PROJECT_CACHE.clear()
    yield
    PROJECT_CACHE.clear()


@pytest.fixture
def make_rig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakeRig]:
    """``make_rig(function, state_url=None)``: the function deployed against fresh fakes."""
    started: list[Rig] = []

    def make(function: str, *, state_url: str | None = None, deploy: bool = True) -> Rig:
        dataworks = FaultDataWorks(world=demo_world()).start()
        dataworks.add_key(STS_ID, STS_SECRET, STS_TOKEN)
        chat = FaultChat().start()
        sls = FaultSls(projects={SLS_PROJECT: [SLS_LOGSTORE]}, keys=[SlsKey(STS_ID, STS_SECRET, STS_TOKEN)]).start()
        rig = Rig(function=function, tmp=tmp_path, monkeypatch=monkeypatch, dataworks=dataworks, chat=chat, sls=sls,
                  dw_switch=TcpSwitch(dataworks.url), chat_switch=TcpSwitch(chat.url), sls_switch=TcpSwitch(sls.url),
                  state_url=state_url or f"sqlite:///{tmp_path / 'state.db'}",
                  credentials=ContextCredentials(STS_ID, STS_SECRET, STS_TOKEN))
        for switch in (rig.dw_switch, rig.chat_switch, rig.sls_switch):
            switch.up()
        started.append(rig)
        if deploy:
            rig.deploy(**function_env(rig))
        return rig

    yield make
    for rig in started:
        if rig.module is not None:
            rig.module.reset()
        rig.heal()
        for switch in (rig.dw_switch, rig.chat_switch, rig.sls_switch):
            switch.down()
        for fake in (rig.dataworks, rig.chat, rig.sls):
            fake.stop()
