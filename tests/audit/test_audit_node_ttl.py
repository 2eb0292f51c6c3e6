"""The auditor's node states expire: 30 days after a node's last change by default, never only when
``state.node_ttl_days: null`` is set explicitly."""

from __future__ import annotations

from pathlib import Path

from audit_helpers import NODE_ID, lifecycle, make_auditor, replay

from openevent.audit.auditor import node_key
from openevent.audit.config import DEFAULT_NODE_TTL_DAYS, AuditConfig
from openevent.state.memory import MemoryStore

DAY_S = 86400.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_741_918_000.0

    def __call__(self) -> float:
        return self.now


def _store(clock: Clock) -> MemoryStore:
    """A memory store without a default TTL, so only the auditor's own TTL can expire a node state."""
    return MemoryStore(clock=clock, default_ttl_s=None)


def test_node_states_expire_after_thirty_days_by_default() -> None:
    assert AuditConfig().state.node_ttl_days == DEFAULT_NODE_TTL_DAYS == 30.0


def test_an_explicit_null_keeps_node_states_forever() -> None:
    assert AuditConfig.model_validate({"state": {"node_ttl_days": None}}).state.node_ttl_days is None


def test_a_node_state_is_kept_for_the_default_ttl_after_the_last_change(jsonl: Path) -> None:
    clock = Clock()
    store = _store(clock)
    replay(make_auditor(jsonl=jsonl, store=store), lifecycle()[:1])
    clock.now += DEFAULT_NODE_TTL_DAYS * DAY_S - 1
    assert store.get(node_key(str(NODE_ID))) is not None


def test_a_node_state_is_gone_once_the_default_ttl_has_passed(jsonl: Path) -> None:
    clock = Clock()
    store = _store(clock)
    replay(make_auditor(jsonl=jsonl, store=store), lifecycle()[:1])
    clock.now += DEFAULT_NODE_TTL_DAYS * DAY_S
    assert store.get(node_key(str(NODE_ID))) is None


def test_with_node_ttl_days_null_a_node_state_outlives_the_default_ttl(jsonl: Path) -> None:
    clock = Clock()
    store = _store(clock)
    replay(make_auditor(jsonl=jsonl, store=store, state={"node_ttl_days": None}), lifecycle()[:1])
    clock.now += 365 * DAY_S
    assert store.get(node_key(str(NODE_ID))) is not None


def test_the_shipped_config_sets_the_default_node_ttl() -> None:
    import yaml

    shipped = Path(__file__).resolve().parents[2] / "functions" / "node_change_auditor" / "config.yaml"
    doc = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    assert doc["state"]["node_ttl_days"] == DEFAULT_NODE_TTL_DAYS
