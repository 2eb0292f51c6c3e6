"""What a guard decides (once per message) and what its handler returns.

:class:`Decision` is stored *before* the answer is sent: a redelivery resends it instead of
deciding again from fresh facts, so one message never gets OK and then FAIL under one
decision id. :class:`GuardResult` is the handler's return value (the contract of
``../design.md``: ``{message_id, event_type, decision, rule, message, mode, decision_id,
callback: {api, sent}}``); for a direct FC extension call it also carries the answer
DataWorks reads, as ``CheckResult``/``CheckMessage`` and — since the exact shape of the Java
``ExtensionResponse`` is undocumented — the camelCase ``checkResult``/``checkMessage`` too.

Example:
    >>> d = Decision(result="FAIL", rule="protected", message="[protected] no.", decision_id="dec-1",
    ...              policy_revision="r1", failure_policy="fail-closed")
    >>> Decision.from_doc(d.to_doc()) == d
    True
    >>> r = GuardResult("m-1", "dataworks:ProjectChange:DeleteProject", d, delivery="fc-extension")
    >>> {k: r.to_dict()[k] for k in ("decision", "CheckResult", "checkMessage")}
    {'decision': 'FAIL', 'CheckResult': 'FAIL', 'checkMessage': '[protected] no.'}
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any


def decision_id(message_id: str, revision: str) -> str:
    """The id of the decision on ``message_id`` under a policy revision (deciding again gives it again).

    Example:
        >>> decision_id("m-1", "r1") == decision_id("m-1", "r1"), decision_id("m-1", "r1").startswith("dec-")
        (True, True)
    """
    return "dec-" + hashlib.sha256(f"{message_id}|{revision}".encode()).hexdigest()[:16]


def facts_digest(facts: Mapping[str, Any]) -> str:
    """A short hash of the facts a decision was made on (logged and stored with it)."""
    text = json.dumps(facts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(frozen=True)
class Decision:
    """The answer to one extension message, the rule that gave it and the policy it came from."""

    result: str
    rule: str | None
    message: str
    decision_id: str
    policy_revision: str
    failure_policy: str
    mode: str = "enforce"
    facts_digest: str = ""
    dry_run: tuple[dict[str, Any], ...] = ()
    would: dict[str, Any] | None = None
    trouble: str | None = None

    def to_doc(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["dry_run"] = list(self.dry_run)
        return doc

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Decision:
        known = {k: doc[k] for k in cls.__dataclass_fields__ if k in doc}
        known["dry_run"] = tuple(dict(x) for x in known.get("dry_run") or ())
        return cls(**known)


@dataclass
class GuardResult:
    """The handler's result for one message."""

    message_id: str | None
    event_type: str | None
    decision: Decision | None
    callback: dict[str, Any] = field(default_factory=lambda: {"api": None, "sent": False})
    delivery: str = "eventbridge"
    duplicate: bool = False
    resent: bool = False
    latency_ms: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = self.decision
        out: dict[str, Any] = {
            "message_id": self.message_id, "event_type": self.event_type,
            "decision": d.result if d else None, "rule": d.rule if d else None, "message": d.message if d else "",
            "mode": d.mode if d else "enforce", "decision_id": d.decision_id if d else None,
            "callback": dict(self.callback),
        }
        if d is not None:
            out.update({"policy_revision": d.policy_revision, "failure_policy": d.failure_policy,
                        "facts_digest": d.facts_digest})
            if d.dry_run:
                out["dry_run"] = [dict(x) for x in d.dry_run]
            if d.would is not None:
                out["would"] = dict(d.would)
            if d.trouble:
                out["trouble"] = d.trouble
        if self.duplicate:
            out["duplicate"] = True
        if self.resent:
            out["resent"] = True
        if self.latency_ms is not None:
            out["latency_ms"] = self.latency_ms
        out.update(self.extra)
        if self.delivery == "fc-extension" and d is not None:
            # what DataWorks reads from a direct FC extension call (both spellings: shape undocumented)
            out.update({"CheckResult": d.result, "CheckMessage": d.message,
                        "checkResult": d.result, "checkMessage": d.message})
        return out
