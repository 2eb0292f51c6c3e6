"""Evaluating a policy against an event's facts, deterministically.

Order (documented in the README):

1. Rules whose ``applies_to`` excludes the event type are skipped.
2. Every remaining rule is evaluated, in file order; dry-run rules too (their matches are
   reported as ``dry_run`` and logged, but never change the answer).
3. An enforced ``allow`` that matches → **OK** (exceptions win: break-glass lists).
4. Else the first enforced ``deny`` that matches → **FAIL**.
5. Else the first enforced ``warn`` that matches → **WARN**.
6. Else **OK** (no rule objected).

Messages are written ``[rule-name] text``; ``text`` is the rule's template filled from the
facts (``{workspace.identifier}``), and the policy's ``contact`` is appended for FAIL and
WARN so the user knows who to ask.

Example:
    >>> from openevent.guard.policy import Policy
    >>> p = Policy(rules=[{"name": "big", "action": "deny", "when": {"rows": {"gt": 10}},
    ...                    "message": "{rows} rows is too many"}], contact="dw-team")
    >>> d = evaluate(p, {"rows": 50}, "dataworks:ResourcesDownload:DownloadResources")
    >>> d.result, d.rule, d.message
    ('FAIL', 'big', '[big] 50 rows is too many. Ask dw-team.')
"""

from __future__ import annotations

import _string  # type: ignore[import-not-found]  # the parser string.Formatter itself uses
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from openevent.errors import OpenEventError
from openevent.guard.conditions import matches
from openevent.guard.policy import Policy, Rule

Result = Literal["OK", "WARN", "FAIL"]
MAX_TEMPLATE_CHARS = 2000
MAX_FIELD_CHARS = 500
MAX_LIST_ITEMS = 20
MAX_RENDERED_CHARS = 1000
"""A rendered rule message is at most this long (the callback APIs take about 1000 characters)."""
_DEFAULT_TEXT = {"deny": "this operation is blocked by policy", "warn": "this operation needs care",
                 "allow": "allowed as an exception"}


class RuleError(OpenEventError):
    """A rule could not be evaluated (a bad operand for this event's facts)."""

    def __init__(self, rule: str, problem: str) -> None:
        self.rule = rule
        super().__init__(f"rule {rule!r} could not be evaluated: {problem}")


@dataclass(frozen=True)
class RuleMatch:
    rule: str
    action: str
    mode: str
    message: str


@dataclass
class Evaluation:
    """The outcome of evaluating a policy: the answer, the deciding rule, every match."""

    result: Result
    rule: str | None
    message: str
    mode: str = "enforce"
    matched: list[RuleMatch] = field(default_factory=list)
    dry_run: list[RuleMatch] = field(default_factory=list)

    @property
    def would(self) -> Evaluation | None:
        """What the answer would be if the dry-run rules were enforced (``None`` when the same)."""
        return self._would

    _would: Evaluation | None = None


def evaluate(policy: Policy, facts: Mapping[str, Any], event_type: str) -> Evaluation:
    """Evaluate every applicable rule and decide; raises :class:`RuleError` when a rule breaks."""
    matched: list[RuleMatch] = []
    for rule in policy.rules:
        if not rule.applies(event_type):
            continue
        try:
            hit = matches(rule.when, facts)
        except Exception as exc:  # a rule must never take the guard down: the runner applies the failure policy
            raise RuleError(rule.name, f"{type(exc).__name__}: {exc}") from exc
        if hit:
            matched.append(RuleMatch(rule.name, rule.action, rule.mode, render(rule, facts, policy)))
    enforced = [m for m in matched if m.mode == "enforce"]
    evaluation = _decide(enforced, mode="enforce")
    evaluation.matched = matched
    evaluation.dry_run = [m for m in matched if m.mode == "dry-run"]
    if evaluation.dry_run:
        would = _decide(matched, mode="dry-run")
        if would.result != evaluation.result:
            evaluation._would = would
            if evaluation.rule is None:
                evaluation.mode = "dry-run"
    return evaluation


def _decide(candidates: list[RuleMatch], mode: str) -> Evaluation:
    for action, result in (("allow", "OK"), ("deny", "FAIL"), ("warn", "WARN")):
        for m in candidates:
            if m.action == action:
                return Evaluation(result=result, rule=m.rule, message=m.message, mode=mode)  # type: ignore[arg-type]
    return Evaluation(result="OK", rule=None, message="", mode=mode)


class _Facts:
    """Dotted access for message templates: ``{workspace.identifier}``; unknown names print ``?``."""

    def __init__(self, value: Any) -> None:
        self._value = value

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.fact(name)

    def fact(self, name: str) -> _Facts:
        """The fact ``name`` under this one (``?`` when there is none)."""
        if isinstance(self._value, Mapping) and name in self._value:
            return _Facts(self._value[name])
        return _Facts(None)

    def __getitem__(self, key: Any) -> Any:
        try:
            return _Facts(self._value[int(key) if isinstance(self._value, list | tuple) else key])
        except (KeyError, IndexError, TypeError, ValueError):
            return _Facts(None)

    def __format__(self, spec: str) -> str:
        v = self._value
        if v is None:
            return "?"
        if isinstance(v, list | tuple | set | frozenset):
            items = list(v)
            more = f" (+{len(items) - MAX_LIST_ITEMS} more)" if len(items) > MAX_LIST_ITEMS else ""
            v = (", ".join(str(x)[:MAX_FIELD_CHARS] for x in items[:MAX_LIST_ITEMS]) or "-") + more
        if spec:  # ``{download.rows:,}`` asks for thousands separators; ids never get them unasked
            try:
                return format(v, spec)
            except (TypeError, ValueError):
                return str(v)
        return str(v)


class _Formatter(string.Formatter):
    """Fills ``{a.b[0]}`` from the facts only: no attribute of a Python object is ever reached.

    ``string.Formatter`` resolves ``.name`` with ``getattr`` on whatever the first part gave,
    so ``{workspace.__init__.__globals__}`` would render a module's globals; here every part
    is a fact lookup (``_Facts``), names starting with ``_`` resolve to nothing, and the
    rendered text is bounded (:data:`MAX_RENDERED_CHARS`).
    """

    def get_field(self, field_name: str, args: Any, kwargs: Mapping[str, Any]) -> tuple[Any, str]:
        first, rest = _string.formatter_field_name_split(field_name)
        value = _Facts(kwargs.get(str(first)) if not str(first).startswith("_") else None)
        for is_attr, part in rest:
            name = str(part)
            value = _Facts(None) if name.startswith("_") else (value.fact(name) if is_attr else value[part])
        return value, str(first)

    def format_field(self, value: Any, format_spec: str) -> str:
        text = format(value, format_spec[:20])
        return text if len(text) <= MAX_FIELD_CHARS else text[: MAX_FIELD_CHARS - 1] + "…"


def render(rule: Rule, facts: Mapping[str, Any], policy: Policy) -> str:
    """``[rule] text`` with the template filled from the facts (a broken template falls back)."""
    template = rule.message or _DEFAULT_TEXT[rule.action]
    try:
        text = _Formatter().vformat(template[:MAX_TEMPLATE_CHARS], (), dict(facts))
    except (ValueError, IndexError, KeyError, AttributeError, TypeError):
        text = template[:MAX_TEMPLATE_CHARS]
    if len(text) > MAX_RENDERED_CHARS:
        text = text[: MAX_RENDERED_CHARS - 1] + "…"
    text = text.strip().rstrip(".")
    if rule.action != "allow" and policy.contact:
        text += f". Ask {policy.contact}."
    else:
        text += "."
    return f"[{rule.name}] {text}"
