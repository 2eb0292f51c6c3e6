"""The environment variables with a fixed set of meanings, checked in one place.

A typo in one of these must not be read as "the default": ``OPENEVENT_FAILURE_POLICY=fail-opn``
would silently fail closed, ``OPENEVENT_LOG_LEVEL=verbose`` would log at info,
``OPENEVENT_STATE_URL=redis:/host`` would not open. Two callers:

* a function, once per FC instance (:func:`check_environment`, which the function template calls
  before it builds the worker): every bad value raises one :class:`~openevent.errors.ConfigError`
  naming each variable; a function that needs shared state and runs on FC with ``memory://`` logs
  ``state.memory_on_fc`` at error level (it keeps working, degraded: see :func:`state_degradation`);
* ``openevent check``, on the environment s.yaml would deploy (:func:`environment_problems`).

An empty value counts as unset (s.yaml passes ``${env('X', '')}`` for a variable you did not set).

Example:
    >>> [p.line() for p in environment_problems({"OPENEVENT_FAILURE_POLICY": "fail-opn"})]
    ["OPENEVENT_FAILURE_POLICY: 'fail-opn' is not one of fail-closed, fail-open"]
    >>> environment_problems({"OPENEVENT_FAILURE_POLICY": "", "NOTIFY_LANG": "en"})
    []
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from openevent.errors import ConfigError

FC_CODE_DIR = "/code"
"""The function's code directory on FC: read-only."""
FC_TMP_DIR = "/tmp"
REGION = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+$")
EXTENSION_CODE_PREFIX = "DATAWORKS_EXTENSION_CODE_"


@dataclass(frozen=True)
class EnvProblem:
    """One bad value: the variable, what it holds, what is wrong."""

    name: str
    value: str
    problem: str

    def line(self) -> str:
        return f"{self.name}: {self.problem}"


Check = Callable[[str, bool], "str | None"]


def _one_of(*allowed: str, fold: bool = False) -> Check:
    def check(value: str, _on_fc: bool) -> str | None:
        probe = value.lower() if fold else value
        return None if probe in allowed else f"{value!r} is not one of {', '.join(allowed)}"
    return check


def _seconds(value: str, _on_fc: bool) -> str | None:
    try:
        number = float(value)
    except ValueError:
        return f"{value!r} is not a number of seconds"
    return None if math.isfinite(number) and number > 0 else f"{value!r} must be a positive number of seconds"


def _state_url(value: str, on_fc: bool) -> str | None:
    from openevent.state.url import parse_state_url  # the one parser of state URLs

    try:
        parsed = parse_state_url(value)
    except ConfigError as exc:
        return str(exc).removeprefix("OPENEVENT_STATE_URL: ")
    if on_fc and parsed.scheme == "sqlite":
        path = parsed.path if parsed.path.startswith("/") else f"{FC_CODE_DIR}/{parsed.path}"
        if not path.startswith(FC_TMP_DIR + "/"):
            return (f"{value!r}: on FC only {FC_TMP_DIR} is writable ({path} is under the read-only code "
                    f"directory); and a {FC_TMP_DIR} database is per instance, like memory:// — use redis://")
    return None


def _region(value: str, _on_fc: bool) -> str | None:
    return None if REGION.match(value) else f"{value!r} is not a region id such as cn-hangzhou"


def _webhook(value: str, _on_fc: bool) -> str | None:
    # a webhook URL carries its token: never echo it
    return None if re.match(r"^https?://[^\s/]+", value) else "is not an http(s):// URL (value not shown)"


def _writable_path(value: str, on_fc: bool) -> str | None:
    if on_fc and (value == FC_CODE_DIR or value.startswith(FC_CODE_DIR + "/")):
        return f"{value!r} is under {FC_CODE_DIR}, which is read-only on FC (use a relative path: it goes to /tmp)"
    return None


def _extension_code(value: str, _on_fc: bool) -> str | None:
    return None if re.fullmatch(r"[A-Za-z0-9_-]+", value) else f"{value!r} is not an extension code"


@dataclass(frozen=True)
class EnvVar:
    """A variable with enumerated (or otherwise checkable) meanings."""

    name: str
    meaning: str
    check: Check
    default: str = ""
    """What s.yaml passes when the deploying shell does not set it."""


VARIABLES: tuple[EnvVar, ...] = (
    EnvVar("OPENEVENT_STATE_URL", "memory://, sqlite:///path, redis://… or rediss://…", _state_url, "memory://"),
    EnvVar("OPENEVENT_STATE_TIMEOUT_S", "seconds one state call may take", _seconds),
    EnvVar("OPENEVENT_LOG_LEVEL", "debug, info, warning, error, critical",
           _one_of("debug", "info", "warning", "warn", "error", "critical", fold=True), "info"),
    EnvVar("OPENEVENT_LOG_STREAM", "stdout, stderr or null", _one_of("stdout", "stderr", "null")),
    EnvVar("OPENEVENT_FAILURE_POLICY", "what a guard whose policy does not load answers",
           _one_of("fail-closed", "fail-open"), "fail-closed"),
    EnvVar("OPENEVENT_AUDIT_JSONL", "the local JSONL audit trail", _writable_path),
    EnvVar("DATAWORKS_EXTENSION_CODE", "the extension code callbacks carry", _extension_code),
    EnvVar("NOTIFY_LANG", "zh or en", _one_of("zh", "en")),
    EnvVar("DQ_CHAT_LANG", "zh or en", _one_of("zh", "en")),
    EnvVar("NOTIFY_DIGEST_WINDOW_S", "seconds a digest collects alerts", _seconds),
    EnvVar("DATAWORKS_REGION_FOR_LINKS", "region id used in console links", _region),
    EnvVar("DINGTALK_WEBHOOK_URL", "DingTalk robot URL", _webhook),
    EnvVar("FEISHU_WEBHOOK_URL", "Feishu / Lark bot URL", _webhook),
    EnvVar("WECOM_WEBHOOK_URL", "WeCom robot URL", _webhook),
    EnvVar("SLACK_WEBHOOK_URL", "Slack incoming-webhook URL", _webhook),
    EnvVar("ALERT_WEBHOOK_URL", "generic webhook URL", _webhook),
)
BY_NAME = {v.name: v for v in VARIABLES}


def variable(name: str) -> EnvVar | None:
    """The entry for ``name``; ``DATAWORKS_EXTENSION_CODE_<FUNCTION>`` shares ``DATAWORKS_EXTENSION_CODE``'s."""
    if name.startswith(EXTENSION_CODE_PREFIX):
        return BY_NAME["DATAWORKS_EXTENSION_CODE"]
    return BY_NAME.get(name)


def environment_problems(env: Mapping[str, str] | None = None, *, on_fc: bool | None = None) -> list[EnvProblem]:
    """Every set variable of :data:`VARIABLES` whose value is not one it can take, in name order.

    ``on_fc`` (default: ``FC_FUNCTION_NAME`` is set) adds FC's rules: ``/code`` is read-only.

    Example:
        >>> [p.name for p in environment_problems({"OPENEVENT_AUDIT_JSONL": "/code/audit.jsonl"}, on_fc=True)]
        ['OPENEVENT_AUDIT_JSONL']
    """
    environ = os.environ if env is None else env
    fc = bool(environ.get("FC_FUNCTION_NAME")) if on_fc is None else on_fc
    from openevent.runtime.redact import redact_text

    problems = []
    for name in sorted(environ):
        entry = variable(name)
        value = environ.get(name) or ""
        if entry is None or not value.strip():
            continue
        problem = entry.check(value.strip(), fc)
        if problem is not None:
            problems.append(EnvProblem(name, value, redact_text(problem)))
    return problems


def state_degradation(kind: str, timer: bool = False) -> str:
    """What a function loses with ``memory://`` (per-instance state) when FC runs several instances.

    Example:
        >>> state_degradation("guard").split(";")[0]
        'a redelivered extension event that reaches another instance is decided again'
    """
    if timer:
        return ("digested and quiet-hour alerts wait in one instance's memory: the timer's flush may run on "
                "another instance, and they vanish when FC reclaims theirs; dedup, repeat limits and rate "
                "budgets count per instance")
    if kind == "guard":
        return ("a redelivered extension event that reaches another instance is decided again; "
                "the one-callback-per-message guarantee holds per instance only")
    return ("a redelivered event that reaches another instance is delivered again (dedup is per instance); "
            "state kept between events (node states, finished checks) is lost with the instance")


def needs_shared_state_warning(function: str, *, kind: str = "consumer", timer: bool = False,
                               env: Mapping[str, str] | None = None) -> str | None:
    """The warning for ``function`` running on ``memory://`` state, or ``None`` when the state is shared.

    Example:
        >>> needs_shared_state_warning("x", env={"OPENEVENT_STATE_URL": "redis://10.0.0.5:6379/0"}) is None
        True
    """
    environ = os.environ if env is None else env
    url = (environ.get("OPENEVENT_STATE_URL") or "").strip() or "memory://"
    if not url.lower().startswith("memory:"):
        return None
    return (f"{function} keeps its state in memory:// on FC: {state_degradation(kind, timer)} "
            "(set OPENEVENT_STATE_URL=redis://… or rediss://…, see docs/deploy.md)")


def check_environment(function: str, *, kind: str = "consumer", timer: bool = False,
                      env: Mapping[str, str] | None = None) -> list[EnvProblem]:
    """What a function calls once per instance, before building its worker.

    Raises :class:`ConfigError` listing every bad value (``NAME: problem; …``); on FC, logs
    ``state.memory_on_fc`` at error level when the state is ``memory://``. Returns ``[]``.

    Example:
        >>> check_environment("instance_status_notifier", env={"OPENEVENT_LOG_LEVEL": "verbose"})
        Traceback (most recent call last):
        ...
        openevent.errors.ConfigError: instance_status_notifier: bad environment: OPENEVENT_LOG_LEVEL: \
'verbose' is not one of debug, info, warning, warn, error, critical
    """
    environ = os.environ if env is None else env
    problems = environment_problems(environ)
    if problems:
        raise ConfigError(f"{function}: bad environment: " + "; ".join(p.line() for p in problems))
    on_fc = bool(environ.get("FC_FUNCTION_NAME"))
    warning = needs_shared_state_warning(function, kind=kind, timer=timer, env=environ) if on_fc else None
    if warning is not None:
        from openevent.runtime.logging import get_logger

        get_logger("openevent.envcheck").error("state.memory_on_fc", function=function, problem=warning)
    return []
