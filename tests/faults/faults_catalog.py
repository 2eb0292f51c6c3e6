"""The fault catalogue: every fault the suite switches on, how, and which functions it applies to.

:data:`MATRIX` maps ``(function, fault)`` to the behaviour the project promises (the row of
RELIABILITY.md), and :func:`switch_on` turns a fault on in a :class:`~rig.Rig`; ``rig.heal()``
ends it (before FC's first retry, unless a test says otherwise).

Faults, by what they hit:

* DataWorks (``dataworks-*``): down (refused), slow past the budget (requests held, never carried
  out), 5xx (``500 InternalError``), throttled (``Throttling.User``), ``Success: false``, 403
  (``Forbidden.Access``); for a guard either its callback API or its enrichment call
  (GetProject, GetIDEEventDetail); ``lost-response`` — the callback is carried out but its answer
  never arrives; for the notifier and the auditor their enrichment (GetInstance…, GetNode);
* chat / webhook (``chat-*``): down, HTTP 502, 429 with ``Retry-After``, HTTP 200 with a transient
  error code (DingTalk 130101), HTTP 200 with a permanent error code (310000 sign not match), slow;
* SLS (``sls-*``): down, write quota exceeded (403 ``WriteQuotaExceed``);
* the state store: Redis refused, Redis hung (accepts, never replies), Redis restarted while a
  delivery is in flight, the SQLite file locked by another process;
* the deployment: config missing, config invalid; credentials missing (no role on FC), STS token
  expired (FC hands a rotated one to the next invocation);
* the instance killed mid-delivery (SIGKILL of another process), then a redelivery.
"""

from __future__ import annotations

from rig import CALLBACK_API, DT, ENRICHMENT_API, GUARDS, HOOK, ONCALL, Rig

DW_KINDS = {"5xx": "internal", "throttled": "throttle", "unsuccessful": "unsuccessful", "403": "forbidden"}
STATE_FAULTS = ("redis-refused", "redis-hung", "redis-restarted", "sqlite-locked")
DEPLOY_FAULTS = ("config-missing", "config-invalid", "credentials-missing", "credentials-expired")
CHAT_FAULTS = ("chat-down", "chat-5xx", "chat-429-retry-after", "chat-200-errcode", "chat-200-errcode-permanent",
               "chat-slow")
SLS_FAULTS = ("sls-down", "sls-quota")
DW_ON_TARGET = ("dataworks-slow", "dataworks-5xx", "dataworks-throttled", "dataworks-unsuccessful", "dataworks-403")

# -- the promised behaviours ------------------------------------------------------------------------------
ANSWER_PER_FAILURE_POLICY = ("answers per failure_policy (FAIL, rule failure-policy) in the first invocation; "
                             "one callback")
RAISE_THEN_RESEND = "raises GuardCallbackError; FC's retry resends the stored decision; one callback"
RESEND_SAME_DECISION = ("raises (the answer was lost); FC's retry resends the stored decision: DataWorks got it "
                        "more than once, always the same decision")
SENT_WITH_NOTE = "delivers in the first invocation, the failed enrichment noted in the message; once each"
DIGEST_THEN_FLUSH = "returns with the receiver queued in the digest; the next flush delivers it; once each"
REPORT_PERMANENT = ("reports the destination failed (permanent: not retried, logged as an error), delivers the "
                    "others once")
RAISE_THEN_COMPLETE = "raises Undelivered after the other destinations; FC's retry delivers only what failed; once each"
SUMMARY_BEST_EFFORT = "writes the records once; the chat summary is reported failed (best effort, never twice)"
DEGRADE = "delivers in the first invocation without deduplication, with a warning, inside the FC timeout; once each"
RESTART_RECOVERS = "delivers once; the store reconnects; a redelivery after the restart is a duplicate"
CONFIG_RAISES_UNTIL_FIXED = ("raises ConfigError (nothing delivered) until a fixed config is deployed; "
                             "then once each")
CREDENTIALS_RAISE_UNTIL_ROTATED = ("raises until the next invocation brings credentials; then only what failed; "
                                   "once each")
KILLED_REDELIVERED = "the redelivery (after the killed invocation's claim expires) delivers only what was missing"


def _guard_rows(function: str) -> dict[str, str]:
    rows = {"dataworks-down": RAISE_THEN_RESEND, "dataworks-lost-response": RESEND_SAME_DECISION}
    for fault in DW_ON_TARGET:
        rows[f"{fault}:callback"] = RAISE_THEN_RESEND
        if function in ENRICHMENT_API:
            rows[f"{fault}:enrichment"] = ANSWER_PER_FAILURE_POLICY
    rows.update(dict.fromkeys(STATE_FAULTS, DEGRADE))
    rows["redis-restarted"] = RESTART_RECOVERS
    rows.update({"config-missing": ANSWER_PER_FAILURE_POLICY, "config-invalid": ANSWER_PER_FAILURE_POLICY,
                 "credentials-missing": RAISE_THEN_RESEND, "credentials-expired": RAISE_THEN_RESEND,
                 "killed-mid-delivery": KILLED_REDELIVERED})
    return rows


def _consumer_rows(function: str) -> dict[str, str]:
    rows: dict[str, str] = {}
    if function in ENRICHMENT_API:  # the notifier's and the auditor's DataWorks calls
        rows["dataworks-down"] = SENT_WITH_NOTE
        rows.update({f"{fault}:enrichment": SENT_WITH_NOTE for fault in DW_ON_TARGET})
    chat = {"instance_status_notifier": DIGEST_THEN_FLUSH, "dq_result_forwarder": RAISE_THEN_COMPLETE,
            "node_change_auditor": SUMMARY_BEST_EFFORT}[function]
    rows.update(dict.fromkeys(CHAT_FAULTS, chat))
    if function != "node_change_auditor":
        rows["chat-200-errcode-permanent"] = REPORT_PERMANENT
    if function != "instance_status_notifier":
        rows.update(dict.fromkeys(SLS_FAULTS, RAISE_THEN_COMPLETE))
    rows.update(dict.fromkeys(STATE_FAULTS, DEGRADE))
    rows["redis-restarted"] = RESTART_RECOVERS
    rows.update({"config-missing": CONFIG_RAISES_UNTIL_FIXED, "config-invalid": CONFIG_RAISES_UNTIL_FIXED,
                 "killed-mid-delivery": KILLED_REDELIVERED})
    creds = SENT_WITH_NOTE if function == "instance_status_notifier" else CREDENTIALS_RAISE_UNTIL_ROTATED
    rows.update({"credentials-missing": creds, "credentials-expired": creds})
    return rows


MATRIX: dict[tuple[str, str], str] = {
    (function, fault): behaviour
    for function in (*GUARDS, "instance_status_notifier", "node_change_auditor", "dq_result_forwarder")
    for fault, behaviour in (_guard_rows(function) if function in GUARDS else _consumer_rows(function)).items()
}


def cases(*behaviours: str) -> list[tuple[str, str]]:
    """The ``(function, fault)`` pairs whose promised behaviour is one of ``behaviours``."""
    return [pair for pair, behaviour in MATRIX.items() if behaviour in behaviours]


def case_id(pair: tuple[str, str]) -> str:
    return f"{pair[0]}-{pair[1]}"


# -- switching faults on -------------------------------------------------------------------------------------
def chat_target(rig: Rig, fault: str) -> str:
    """The robot a chat fault hits: the webhook for 429 + Retry-After, else the DingTalk robot."""
    if fault == "chat-429-retry-after":
        return HOOK
    return ONCALL if rig.function == "node_change_auditor" else DT


def switch_on(rig: Rig, fault: str) -> None:
    """Turn ``fault`` on (``name`` or ``name:target`` as in :data:`MATRIX`)."""
    name, _, target = fault.partition(":")
    if name == "dataworks-down":
        rig.dw_switch.down()
    elif name.startswith("dataworks-"):
        api = CALLBACK_API[rig.function] if target == "callback" or name == "dataworks-lost-response" \
            else ENRICHMENT_API[rig.function]
        if name == "dataworks-slow":
            rig.dataworks.hang(api)
        elif name == "dataworks-lost-response":
            rig.dataworks.fail_next(1000, "lost_response", action=api, delay_s=30)
        else:
            rig.dataworks.fail_next(1000, DW_KINDS[name.removeprefix("dataworks-")], action=api)
    elif name == "chat-down":
        rig.chat_switch.down()
    elif name == "chat-5xx":
        rig.chat.fail_next(chat_target(rig, name), 1000, "server_error")
    elif name == "chat-429-retry-after":
        rig.chat.fail_next(chat_target(rig, name), 1000, "throttle")  # webhook: 429, Retry-After: 2
    elif name == "chat-200-errcode":
        rig.chat.fail_next(chat_target(rig, name), 1000, "throttle")  # DingTalk: 200, errcode 130101
    elif name == "chat-200-errcode-permanent":
        rig.chat.dingtalk_robot(chat_target(rig, name), secret="another-secret-0123")  # 200, errcode 310000
    elif name == "chat-slow":
        rig.chat.hang(chat_target(rig, name))
    elif name == "sls-down":
        rig.sls_switch.down()
    elif name == "sls-quota":
        rig.sls.fail_next(1000, "WriteQuotaExceed")
    else:
        raise ValueError(f"{fault} is switched on by its own test")


def delivery_target(rig: Rig) -> tuple[str, str]:
    """Where a delivery can be held mid-flight (to kill an instance, or restart Redis, while it waits):
    the guard's callback, the notifier's webhook, the forwarder's webhook, the auditor's SLS."""
    if rig.function in GUARDS:
        return "dataworks", CALLBACK_API[rig.function]
    if rig.function == "node_change_auditor":
        return "sls", "PutLogs"
    return "chat", HOOK
