"""The local stand-ins the whole system runs against on one machine.

:class:`LocalStack` starts, in this process:

* a fake DataWorks OpenAPI (:class:`~openevent.local.fake_dataworks.FakeDataWorks`) seeded
  with a small realistic world (workspaces, nodes, instances with logs) that answers
  GetProject / GetInstance / GetNode / GetInstanceLog / GetIDEEventDetail and records every
  extension callback;
* a webhook inbox (:class:`~openevent.local.fake_chat.FakeChat`) with a DingTalk robot
  (signed), a Feishu bot (signed), a WeCom robot, a Slack hook and a signed generic webhook,
  each behaving like the vendor (signatures, rate limits, error bodies);
* a state folder (``sqlite:///<dir>/state.db``, the audit JSONL file).

:attr:`LocalStack.env` is the environment that points the functions' shipped configs at
them (``DATAWORKS_ENDPOINT``, ``DINGTALK_WEBHOOK_URL``, ``OPENEVENT_STATE_URL``, …).
"""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path
from typing import Any

from openevent.local.fake_chat import FakeChat
from openevent.local.fake_dataworks import FakeDataWorks
from openevent.local.fake_dataworks_world import DEFAULT_EXTENSION_CODE, World, seed_world

DINGTALK_TOKEN = "local-dingtalk"
FEISHU_TOKEN = "local-feishu"
WECOM_KEY = "local-wecom"
WEBHOOK_NAME = "alerts"
AUDIT_FILE = "audit.jsonl"


LOCAL_STATE_DIR = ".openevent"
"""Where ``openevent serve`` keeps its state and ``openevent demo`` its audit trail (``--state-dir``)."""


def default_audit_trail(env: dict[str, str] | None = None, cwd: str | Path | None = None) -> str:
    """The trail ``openevent audit show`` reads without a FILE: ``$OPENEVENT_AUDIT_JSONL``, else the
    newest of ``./audit.jsonl`` (``openevent invoke``) and ``./.openevent/audit.jsonl`` (``serve``,
    ``demo``), else ``audit.jsonl``.

    Example:
        >>> default_audit_trail({"OPENEVENT_AUDIT_JSONL": "/var/trail.jsonl"})
        '/var/trail.jsonl'
    """
    import os

    environ = os.environ if env is None else env
    if environ.get("OPENEVENT_AUDIT_JSONL"):
        return environ["OPENEVENT_AUDIT_JSONL"]
    base = Path.cwd() if cwd is None else Path(cwd)
    found = [p for p in (base / AUDIT_FILE, base / LOCAL_STATE_DIR / AUDIT_FILE) if p.is_file()]
    if not found:
        return AUDIT_FILE
    newest = max(found, key=lambda p: p.stat().st_mtime)
    return str(newest.relative_to(base)) if cwd is None else str(newest)


DEMO_MAX_PT_DEPLOY = "demo-deploy-reads-max-pt"
"""The message id of the demo's deploy whose committed code (in the demo world) calls MAX_PT on line 3."""


def demo_world() -> World:
    """The seeded world plus the sample universe of ``openevent events sample`` (workspace 10001 …)."""
    from openevent.events import sample_data as s

    world = seed_world()
    world.add_ide_event(DEMO_MAX_PT_DEPLOY, s.WORKSPACE_ID, "CommittedFile", Content=(
        "-- dws_gmv_daily: daily GMV\nINSERT OVERWRITE TABLE dws_gmv_daily PARTITION (ds = '${bizdate}')\n"
        "SELECT SUM(order_amount) FROM dwd_order_detail_di WHERE ds = MAX_PT('dwd_order_detail_di');\n"))
    world.add_workspace(s.WORKSPACE_ID, s.WORKSPACE_NAME, name="Sales data warehouse", mode="standard",
                        owner=s.OWNER_UID, tags={"env": "prod", "team": "sales"}, tenant_id=s.TENANT_ID)
    world.add_workspace(20002, "marketing_sandbox", name="Marketing sandbox", mode="basic", owner=s.OWNER_UID,
                        tags={"env": "dev"}, tenant_id=s.TENANT_ID)
    world.add_workspace(20003, "finance_archive", name="Finance archive", mode="basic", owner=s.OWNER_UID,
                        tags={"protect": "legal-hold"}, tenant_id=s.TENANT_ID)
    world.add_node(s.NODE_ID, s.NODE_NAME, s.WORKSPACE_ID, baseline_id=s.BASELINE_ID)
    world.add_instance(s.INSTANCE_ID, s.NODE_ID, status="FAILURE", log=(
        "2025-03-14 00:05:01 INFO  Start dwd_order_detail_di for bizdate 20250313\n"
        "2025-03-14 00:07:44 INFO  Job Queueing\n"
        "2025-03-14 00:09:12 ERROR FAILED: ODPS-0130071:[12,8] Semantic analysis exception - column "
        "order_amt cannot be resolved\n"
        "2025-03-14 00:09:12 INFO  Exit code: 1\n"))
    return world


class LocalStack:
    """Fake DataWorks + webhook inbox + state folder; use as a context manager."""

    def __init__(self, state_dir: str | Path | None = None, world: World | None = None, *,
                 dataworks_port: int = 0, audit_path: str | Path | None = None) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if state_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="openevent-")
            state_dir = self._tmp.name
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.audit_path = Path(audit_path) if audit_path is not None else self.state_dir / AUDIT_FILE
        """The JSONL audit trail the auditor writes (``openevent audit show`` reads it)."""
        self.dataworks = FakeDataWorks(world=world or demo_world(), port=dataworks_port)
        self.chat = FakeChat()
        self.env: dict[str, str] = {}
        self._secrets = {"dingtalk": "SEC" + secrets.token_hex(16), "feishu": secrets.token_hex(12),
                         "webhook": secrets.token_hex(16)}

    def start(self) -> LocalStack:
        self.dataworks.start()
        self.chat.start()
        chat = self.chat
        self.env = {
            "DATAWORKS_ENDPOINT": self.dataworks.endpoint,
            "DATAWORKS_EXTENSION_CODE": DEFAULT_EXTENSION_CODE,
            "OPENEVENT_STATE_URL": f"sqlite:///{(self.state_dir / 'state.db').resolve()}",
            "OPENEVENT_AUDIT_JSONL": str(self.audit_path),
            "DINGTALK_WEBHOOK_URL": chat.dingtalk_robot(DINGTALK_TOKEN, secret=self._secrets["dingtalk"]),
            "DINGTALK_SECRET": self._secrets["dingtalk"],
            "FEISHU_WEBHOOK_URL": chat.feishu_bot(FEISHU_TOKEN, secret=self._secrets["feishu"]),
            "FEISHU_SECRET": self._secrets["feishu"],
            "WECOM_WEBHOOK_URL": chat.wecom_robot(WECOM_KEY),
            "SLACK_WEBHOOK_URL": chat.slack_hook(),
            "ALERT_WEBHOOK_URL": chat.webhook_sink(WEBHOOK_NAME, secret=self._secrets["webhook"]),
            "ALERT_WEBHOOK_SECRET": self._secrets["webhook"],
        }
        return self

    @property
    def extension_code(self) -> str:
        """The extension code the fake DataWorks accepts in callbacks (``DATAWORKS_EXTENSION_CODE``)."""
        return DEFAULT_EXTENSION_CODE

    def exports(self) -> str:
        """The shell line that points a guard run elsewhere (``openevent invoke``) at this stack.

        Example:
            >>> LocalStack().exports()  # doctest: +SKIP
            'export DATAWORKS_ENDPOINT=http://127.0.0.1:8765 DATAWORKS_EXTENSION_CODE=0c1a…'
        """
        return (f"export DATAWORKS_ENDPOINT={self.dataworks.endpoint} "
                f"DATAWORKS_EXTENSION_CODE={self.extension_code}")

    def stop(self) -> None:
        self.chat.stop()
        self.dataworks.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def inbox(self) -> list[dict[str, Any]]:
        """Every message the webhook inbox accepted (vendor, target, body)."""
        return [{"vendor": m.vendor, "target": m.target, "body": m.body, "at": m.at}
                for m in self.chat.received()]

    def callbacks(self) -> list[dict[str, Any]]:
        """Every extension callback the fake DataWorks accepted."""
        return [{"action": c.action, "message_id": c.message_id, "check_result": c.check_result,
                 "message": c.message} for c in self.dataworks.callbacks]
