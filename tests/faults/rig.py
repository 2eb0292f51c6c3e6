"""One real FC function deployed against the local fakes, with every fault switch in reach.

A :class:`Rig` deploys ``functions/<name>/index.py`` the way s.yaml does (environment variables and
a config file) against a fake DataWorks, the fake chat vendors and a fake SLS — each behind a
:class:`~netfaults.TcpSwitch`, so "down" is a refused connection — and a state store shared by
the function's instances (SQLite unless a test says otherwise). It invokes the handler as FC does
(the event's bytes; a context with ``function.timeout``, the function role's STS credentials and
no remaining-time method) and counts what reached each destination, which is how every fault test
states its promise: **every destination got the event exactly once**.

* guards: ``callback`` — callbacks DataWorks recorded for the message id;
* ``instance_status_notifier``: ``dt`` (a signed DingTalk robot) and ``hook`` (a signed webhook) —
  accepted messages naming the event's instance (sent alone or in a digest);
* ``node_change_auditor``: ``jsonl`` and ``sls`` — audit records of the event; ``summary:oncall`` (a
  DingTalk robot) and ``summary:hook`` (a webhook) — the chat summary of a deletion (a courtesy: at
  most once, see :data:`BEST_EFFORT`);
* ``dq_result_forwarder``: ``chat``, ``webhook``, ``sls`` — deliveries naming the result's table.

Handler results and exceptions are fed to the suite-wide secret scan (:mod:`secret_scan`).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fakes import FaultChat, FaultDataWorks, FaultSls
from fc_retry import FcRun, fc_retry
from netfaults import TcpSwitch

from openevent.local.functions import load_module
from openevent.runtime.context import ContextCredentials, LocalContext
from secret_scan import SCANNER

GUARDS = ("workspace_delete_guard", "download_guard", "change_guard")
CONSUMERS = ("instance_status_notifier", "node_change_auditor", "dq_result_forwarder")
FUNCTIONS = GUARDS + CONSUMERS

# the function role's STS key, as FC passes it in context.credentials (rotated by FC before expiry)
STS_ID = "STS.NTfaultRig0123456789"
STS_SECRET = "fault-rig-key-secret-0123456789"
STS_TOKEN = "fault-rig-sts-token-0123456789"
STS_TOKEN_ROTATED = "fault-rig-sts-token-rotated-0123456789"
CHAT_SECRET = "SECfaultrig0123456789"
HOOK_SECRET = "whsec-fault-rig-0123456789"
DT, HOOK, ONCALL = "fault-dt", "fault-hook", "fault-oncall"
SLS_PROJECT, SLS_LOGSTORE = "fault-project", "fault-logstore"
FC_TIMEOUT_S = 6
"""The FC timeout of the rig's invocations: short, so a fault that eats the budget ends quickly."""
BEST_EFFORT = {("node_change_auditor", "summary:oncall"), ("node_change_auditor", "summary:hook")}
"""Destinations promised at most once, not at least once (the auditor's chat summary)."""
WORKER = Path(__file__).with_name("fc_worker.py")

# the events each function is driven with (the guards' decide OK on a healthy day, see the decisions below)
EVENT_TYPES = {
    "workspace_delete_guard": "dataworks:ProjectChange:DeleteProject",
    "download_guard": "dataworks:ResourcesDownload:DownloadResources",
    "change_guard": "dataworks:FileChange:CommitFile",
    "instance_status_notifier": "dataworks:InstanceStatusChanges:InstanceStatusChanges",
    "node_change_auditor": "dataworks:NodeChange:NodeChangeDeleted",
    "dq_result_forwarder": "dataworks:DqcCheck:DqcCheckFinishedEvent",
}
CALLBACK_API = {"workspace_delete_guard": "CallbackExtension", "download_guard": "CallbackExtension",
                "change_guard": "UpdateIDEEventResult"}
ENRICHMENT_API = {"workspace_delete_guard": "GetProject", "change_guard": "GetIDEEventDetail",
                  "instance_status_notifier": "GetInstance", "node_change_auditor": "GetNode"}
SANDBOX_WORKSPACE = 20002  # demo world: basic mode, tags env=dev — the shipped policy lets its deletion through


@dataclass
class Rig:
    """A deployed function with its fakes; see the module docstring."""

    function: str
    tmp: Path
    monkeypatch: pytest.MonkeyPatch
    dataworks: FaultDataWorks
    chat: FaultChat
    sls: FaultSls
    dw_switch: TcpSwitch
    chat_switch: TcpSwitch
    sls_switch: TcpSwitch
    state_url: str
    credentials: ContextCredentials | None = None
    module: ModuleType | None = None
    env: dict[str, str] = field(default_factory=dict)
    _seq: int = 0

    # -- deploying --------------------------------------------------------------------------------
    @property
    def is_guard(self) -> bool:
        return self.function in GUARDS

    @property
    def destinations(self) -> tuple[str, ...]:
        return {"instance_status_notifier": ("dt", "hook"),
                "node_change_auditor": ("jsonl", "sls", "summary:oncall", "summary:hook"),
                "dq_result_forwarder": ("chat", "webhook", "sls")}.get(self.function, ("callback",))

    def deploy(self, **env: str | None) -> ModuleType:
        """(Re)deploy: set the environment (``None`` unsets) and load a fresh instance of the function."""
        for key, value in env.items():
            if value is None:
                self.env.pop(key, None)
                self.monkeypatch.delenv(key, raising=False)
            else:
                self.env[key] = value
                self.monkeypatch.setenv(key, value)
        if self.module is not None:
            self.module.reset()
        self.module = load_module(self.function, fresh=True)
        return self.module

    def new_instance(self) -> ModuleType:
        """Another FC instance of the same deployment (only the state store is shared)."""
        return self.deploy()

    def context(self, timeout_s: int = FC_TIMEOUT_S) -> LocalContext:
        return LocalContext(function_name=self.function, timeout_s=timeout_s, credentials=self.credentials)

    # -- invoking -----------------------------------------------------------------------------------
    def invoke(self, event: Any, *, timeout_s: int = FC_TIMEOUT_S) -> dict[str, Any]:
        """One FC invocation of the handler; what it returns or raises goes through the secret scan."""
        assert self.module is not None, "deploy() first"
        raw = event if isinstance(event, bytes) else json.dumps(event).encode()
        try:
            result: dict[str, Any] = self.module.handler(raw, self.context(timeout_s))
        except Exception as exc:
            SCANNER.feed(f"{type(exc).__name__}: {exc!s} {exc!r}", where=f"{self.function} raised")
            raise
        SCANNER.feed(json.dumps(result, default=str), where=f"{self.function}'s result")
        return result

    def fc(self, event: Any, *, heal_before_retry: bool = True, timeout_s: int = FC_TIMEOUT_S,
           backoff_s: float | list[float] = 0.0, before_retry: Callable[[int], Any] | None = None) -> FcRun:
        """FC's invocations of ``event``: the first one under the fault, the retries after it ended."""
        def before(n: int) -> None:
            if heal_before_retry and n == 1:
                self.heal()
            if before_retry is not None:
                before_retry(n)

        return fc_retry(lambda: self.invoke(event, timeout_s=timeout_s), backoff_s=backoff_s, before_retry=before)

    def heal(self) -> None:
        """Every outage ends: switches up, injected errors cleared, hung requests released."""
        for switch in (self.dw_switch, self.chat_switch, self.sls_switch):
            switch.up()
        self.dataworks.heal()
        self.chat.heal()
        self.sls.heal()

    def settle(self) -> None:
        """Let what was queued go out: the notifier's digests are flushed by its FC timer trigger."""
        if self.function == "instance_status_notifier":
            time.sleep(1.2)  # digest.window_s is 1
            self.invoke({"triggerTime": "2025-03-14T04:00:30Z", "triggerName": "digest-flush", "payload": ""})

    # -- events ---------------------------------------------------------------------------------------
    def event(self, *, update: bool = False) -> dict[str, Any]:
        """A fresh event for this function (unique id and instance, node or table), known to the fake world.

        The auditor's is a node deletion (summarised in chat), or with ``update`` a node update (the one
        it completes with GetNode)."""
        from openevent.events.samples import sample_event

        self._seq += 1
        n = self._seq
        etype = EVENT_TYPES[self.function]
        world = self.dataworks.world
        if self.function == "workspace_delete_guard":
            return sample_event(etype, {"data.projectId": SANDBOX_WORKSPACE})
        if self.function == "change_guard":
            event = sample_event(etype)
            world.add_ide_event(event["id"], event["data"]["projectId"], "CommittedFile")
            return event
        if self.function == "download_guard":
            return sample_event(etype)
        if self.function == "instance_status_notifier":
            from support import load_event

            event = copy.deepcopy(load_event("variants/status_failure"))
            instance, node = 8_880_000_000_000 + n * 7919, 7_770_000_000_000 + n
            event["id"] = f"fault-evt-{uuid.uuid4().hex[:12]}"
            event["data"].update(status=5, taskId=instance, dagType=0, nodeId=node, appId=10001)
            world.add_node(node, f"dwd_fault_{n}", 10001)
            world.add_instance(instance, node, status="FAILURE", log="ERROR FAILED: boom\n")
            return event
        if self.function == "node_change_auditor":
            event = sample_event("dataworks:NodeChange:NodeChangeUpdated" if update else etype)
            node = 6_660_000_000_000 + n
            event["data"].update(nodeId=node, nodeName=f"ods_fault_{n}", projectId=10001)
            world.add_node(node, f"ods_fault_{n}", 10001)
            return event
        from support import load_event

        event = copy.deepcopy(load_event("DqcCheckFinishedEvent"))
        event["id"] = str(uuid.uuid4())
        event["data"].update(checkResult=2, checkResultStatus=2, tableName=f"fault_tbl_{uuid.uuid4().hex[:10]}")
        return event

    # -- what reached each destination ----------------------------------------------------------------
    def effects(self, event: dict[str, Any]) -> dict[str, int]:
        """How many times each destination received ``event``."""
        if self.is_guard:
            return {"callback": len(self.dataworks.callbacks_for(event["id"]))}
        if self.function == "instance_status_notifier":
            marker = str(event["data"]["taskId"]).encode()
            return {name: sum(marker in m.raw for m in self.chat.received(target))
                    for name, target in (("dt", DT), ("hook", HOOK))}
        if self.function == "node_change_auditor":
            trail = self.tmp / "audit.jsonl"
            lines = trail.read_text(encoding="utf-8").splitlines() if trail.exists() else []
            marker = str(event["data"]["nodeId"]).encode()
            return {"jsonl": sum(json.loads(line)["event_id"] == event["id"] for line in lines if line.strip()),
                    "sls": sum(log.get("event_id") == event["id"] for log in self.sls.logs),
                    "summary:oncall": sum(marker in m.raw for m in self.chat.received(ONCALL)),
                    "summary:hook": sum(marker in m.raw for m in self.chat.received(HOOK))}
        table = event["data"]["tableName"].encode()
        return {"chat": sum(table in m.raw for m in self.chat.received(DT)),
                "webhook": sum(table in m.raw for m in self.chat.received(HOOK)),
                "sls": sum(log.get("table_name") == event["data"]["tableName"] for log in self.sls.logs)}

    def assert_delivered_once(self, event: dict[str, Any]) -> None:
        """Every destination got ``event`` exactly once (a best-effort one at most once)."""
        got = self.effects(event)
        want = {d: 1 for d in self.destinations}
        for dest in self.destinations:
            if (self.function, dest) in BEST_EFFORT and got[dest] <= 1:
                want[dest] = got[dest]
        assert got == want, f"{self.function}: deliveries per destination {got}, expected exactly once each"

    def is_duplicate(self, result: dict[str, Any]) -> bool:
        """Whether a handler's result says the event had been handled already (nothing was sent again)."""
        if self.function == "instance_status_notifier":
            return "duplicate" in str(result.get("skipped", ""))
        if self.function == "node_change_auditor":
            return bool(result["sinks"]) and all(str(s).startswith("already") for s in result["sinks"].values())
        return result.get("duplicate") is True

    def callbacks(self, event: dict[str, Any]) -> list[str]:
        return [c.check_result for c in self.dataworks.callbacks_for(event["id"])]

    # -- another instance, in a process of its own ----------------------------------------------------
    def start_worker(self, event: dict[str, Any], *, timeout_s: int = 4) -> subprocess.Popen[bytes]:
        """The function in another process (another FC instance) handling ``event`` on the shared store."""
        path = self.tmp / f"worker-{uuid.uuid4().hex[:8]}.json"
        path.write_text(json.dumps(event), encoding="utf-8")
        env = {**os.environ, "OPENEVENT_LOG_LEVEL": "warning", "OPENEVENT_LOG_STREAM": "stderr"}
        if self.credentials is not None:
            env.update(ALIBABA_CLOUD_ACCESS_KEY_ID=self.credentials.access_key_id,
                       ALIBABA_CLOUD_ACCESS_KEY_SECRET=self.credentials.access_key_secret,
                       ALIBABA_CLOUD_SECURITY_TOKEN=self.credentials.security_token or "")
        return subprocess.Popen([sys.executable, str(WORKER), self.function, str(path), str(timeout_s)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL, as FC ends an instance at its timeout or when it crashes: nothing runs after it."""
    proc.kill()
    proc.wait(timeout=30)


# -- the deployments ------------------------------------------------------------------------------------
def function_env(rig: Rig) -> dict[str, str]:
    """The environment s.yaml would give the function, pointed at the rig's fakes (through the switches)."""
    dw, chat, sls = rig.dw_switch, rig.chat_switch, rig.sls_switch
    env = {"DATAWORKS_ENDPOINT": dw.url, "OPENEVENT_STATE_URL": rig.state_url, "OPENEVENT_STATE_TIMEOUT_S": "0.5",
           "OPENEVENT_LOG_LEVEL": "info"}
    if rig.is_guard:
        from openevent.local.fake_dataworks_world import DEFAULT_EXTENSION_CODE

        env["DATAWORKS_EXTENSION_CODE"] = DEFAULT_EXTENSION_CODE
        return env  # the shipped policy (functions/<guard>/config.yaml)
    dt = chat.rewrite(rig.chat.dingtalk_robot(DT, secret=CHAT_SECRET))
    hook = chat.rewrite(rig.chat.webhook_sink(HOOK, secret=HOOK_SECRET))
    if rig.function == "instance_status_notifier":
        config = {"receivers": {"dt": {"kind": "dingtalk", "url": dt, "secret": CHAT_SECRET},
                                "hook": {"kind": "webhook", "url": hook, "secret": HOOK_SECRET}},
                  "digest": {"window_s": 1}, "enrichment": {"enabled": True},
                  "send": {"max_attempts": 2, "budget_s": 2}}
    elif rig.function == "node_change_auditor":
        oncall = chat.rewrite(rig.chat.dingtalk_robot(ONCALL, secret=CHAT_SECRET))
        config = {"sinks": {"stdout": False, "jsonl": {"enabled": True, "path": str(rig.tmp / "audit.jsonl")},
                            "sls": {"endpoint": sls.url, "project": SLS_PROJECT, "logstore": SLS_LOGSTORE}},
                  "get_node": {"enabled": True}, "retry": {"attempts": 2, "backoff_s": 0.05},
                  "chat_summary": {"receivers": ["oncall", "hook"], "labels": ["node-deleted"], "lang": "en"},
                  "receivers": {"oncall": {"kind": "dingtalk", "url": oncall, "secret": CHAT_SECRET},
                                "hook": {"kind": "webhook", "url": hook, "secret": HOOK_SECRET}}}
    else:
        config = {"receivers": {"dingtalk": {"kind": "dingtalk", "url": dt, "secret": CHAT_SECRET}},
                  "destinations": {"chat": {"kind": "chat", "receivers": ["dingtalk"]},
                                   "webhook": {"kind": "webhook", "url": hook, "secret": HOOK_SECRET},
                                   "sls": {"kind": "sls", "endpoint": sls.url, "project": SLS_PROJECT,
                                           "logstore": SLS_LOGSTORE}}}
    path = rig.tmp / f"{rig.function}.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    env["OPENEVENT_CONFIG"] = str(path)
    return env


MakeRig = Callable[..., Rig]
"""The ``make_rig`` fixture: ``make_rig(function, state_url=None)``."""
