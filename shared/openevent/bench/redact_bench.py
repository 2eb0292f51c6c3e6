"""``openevent bench redact``: log redaction, the previous algorithm against the current one, in one run.

The previous algorithm (kept here, verbatim, as :func:`previous_redact`) ran the registered-secret
regex and a key-name regex over every value of every log line, and copied every nested mapping
and list. The current one (:func:`openevent.runtime.redact.redact_fields`) decides per key name
once, skips numbers, booleans, ``None`` and strings that cannot hold a registered secret, and copies
only what it masks.

* ``event_dicts`` — the event dicts the redaction processor really receives: captured from the
  notifier and the auditor (``functions/<name>/index.py`` with their shipped configs, the fakes of
  :class:`~openevent.local.stack.LocalStack`, ``memory://`` state, logging at ``info``) at the point
  the processor runs. Both algorithms must give the same output for every one of them (checked);
  then each masks all of them ``loops`` times per round, best round kept, µs per dict and the ratio;
* ``warm`` — the notifier's and the auditor's warm invocation time with the previous redaction and
  with the current one, drawn at random for each event (about ``rounds × loops`` distinct events each; for the
  notifier every instance status change is a failure, so each event is routed, rendered and sent or
  digested), the median of each; the difference is what redaction cost in the warm time.

Example:
    >>> figures = run(rounds=3, loops=50)   # doctest: +SKIP
    >>> figures["event_dicts"]["speedup"] > 1  # doctest: +SKIP
    True
"""

from __future__ import annotations

import contextlib
import random
import re
import statistics
import time
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any

NOTIFIER, AUDITOR = "instance_status_notifier", "node_change_auditor"

# -- the previous algorithm, verbatim ------------------------------------------------------------------------
_SECRET_KEY = re.compile(
    r"(secret|token|password|passwd|access_?key|accesskey|signature|^sign$|authorization|credential|"
    r"api_?key|private_?key|webhook_?secret|cookie)",
    re.IGNORECASE,
)
_SECRET_QUERY = re.compile(
    r"(?i)\b(access_token|accesskeyid|signature|sign|securitytoken|token|key)=([^&\s\"']+)"
)
_previous_pattern: list[re.Pattern[str] | None] = [None]


def _compile_previous() -> None:
    from openevent.runtime.redact import registered_secrets

    ordered = sorted(registered_secrets(), key=len, reverse=True)
    _previous_pattern[0] = re.compile("|".join(re.escape(s) for s in ordered)) if ordered else None


def _previous_text(text: str) -> str:
    pattern = _previous_pattern[0]
    if pattern is not None:
        text = pattern.sub("***", text)
    if "=" in text:
        text = _SECRET_QUERY.sub(lambda m: f"{m.group(1)}=***", text)
    return text


def previous_redact(value: Any, _depth: int = 0) -> Any:
    """The redaction every log line went through before (registry regex per string, key regex per key)."""
    if _depth > 20:
        return value
    if isinstance(value, str):
        return _previous_text(value)
    if isinstance(value, Mapping):
        out: dict[Any, Any] = {}
        for k, v in value.items():
            if isinstance(k, str) and bool(_SECRET_KEY.search(k)) and v not in (None, "", False):
                out[k] = "***" if not isinstance(v, Mapping | list) else previous_redact(v, _depth + 1)
            else:
                out[k] = previous_redact(v, _depth + 1)
        return out
    if isinstance(value, list | tuple):
        return type(value)(previous_redact(v, _depth + 1) for v in value)
    return value


def _previous_processor(_logger: Any, _name: str, event_dict: MutableMapping[str, Any]) -> Any:
    return previous_redact(dict(event_dict))


# -- the harness -----------------------------------------------------------------------------------------------
class _Redaction:
    """Where redaction runs on a warm path, swappable between the algorithms, optionally capturing its input:
    structlog's redaction processor, and the auditor's stdout sink (which masks each record itself)."""

    def __init__(self) -> None:
        import structlog

        import openevent.audit.sinks.stdout as stdout_sink
        from openevent.runtime.logging import redact_processor
        from openevent.runtime.redact import redact

        self.chain: list[Any] = structlog.get_config()["processors"]
        self.index = self.chain.index(redact_processor)
        self.sink = stdout_sink
        self.current: tuple[Callable[..., Any], Callable[[Any], Any]] = (redact_processor, redact)
        self.previous: tuple[Callable[..., Any], Callable[[Any], Any]] = (_previous_processor, previous_redact)
        self.captured: list[dict[str, Any]] = []
        self.records: list[dict[str, Any]] = []

    def use(self, algo: tuple[Callable[..., Any], Callable[[Any], Any]], capture: bool = False) -> None:
        processor, redact = algo

        def capturing(logger: Any, name: str, event_dict: MutableMapping[str, Any]) -> Any:
            self.captured.append(dict(event_dict))
            return processor(logger, name, event_dict)

        def capturing_redact(value: Any) -> Any:
            self.records.append(value)
            return redact(value)

        self.chain[self.index] = capturing if capture else processor
        setattr(self.sink, "redact", capturing_redact if capture else redact)  # noqa: B010 - swap the sink's


_RATE_LIMITED = ("DINGTALK_WEBHOOK_URL", "FEISHU_WEBHOOK_URL", "WECOM_WEBHOOK_URL", "SLACK_WEBHOOK_URL")


def _notifier_config(folder: Path) -> str:
    """The notifier's shipped config without enrichment."""
    import json

    from openevent.local.functions import default_config
    from openevent.runtime.config import read_document

    shipped = default_config(NOTIFIER)
    doc = read_document(shipped) if shipped else {}
    doc["enrichment"] = {"enabled": False}
    path = folder / "instance_status_notifier.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def bench_env(stack_env: Mapping[str, str]) -> dict[str, str]:
    """The functions' environment: the fakes, ``memory://`` state, logs at ``info`` rendered to nothing.

    The chat robots' per-minute limits would make later rounds differ from earlier ones (throttled,
    digested): only the generic webhook receiver stays, and enrichment is off (no OpenAPI call per alert).
    """
    env = {k: v for k, v in stack_env.items() if k not in _RATE_LIMITED and k != "OPENEVENT_AUDIT_JSONL"}
    env.update(OPENEVENT_STATE_URL="memory://", OPENEVENT_LOG_STREAM="null", OPENEVENT_LOG_LEVEL="info")
    return env


@contextlib.contextmanager
def _process_env(env: Mapping[str, str]) -> Iterator[None]:
    """``env`` in this process's environment for the block (as FC sets a function's), restored after."""
    import os

    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _handlers(tmp: str) -> dict[str, Any]:
    from openevent.bench.memory_bench import _auditor_config
    from openevent.local.functions import load_module
    from openevent.local.invoke import function_env

    out = {}
    for name in (NOTIFIER, AUDITOR):
        config = _auditor_config(Path(tmp)) if name == AUDITOR else _notifier_config(Path(tmp))
        with function_env(name, config, None):
            module = load_module(name, fresh=True, keep=False)  # never replaces the functions this process runs
            module.app.worker  # noqa: B018 - build it now: it reads its config (and registers its secrets)
        out[name] = module.handler
    return out


def run(corpus_dir: str | None = None, rounds: int = 7, loops: int = 200) -> dict[str, Any]:
    """Run the benchmark and return its figures (``corpus_dir`` is not used)."""
    import tempfile

    import openevent.local  # noqa: F401 - loopback endpoints use the local tooling's demo key
    from openevent.bench.memory_bench import events_for
    from openevent.local.stack import LocalStack
    from openevent.runtime.context import LocalContext
    from openevent.runtime.logging import configure_logging
    from openevent.runtime.redact import redact, redact_fields, registered_secrets

    configure_logging("null", level="info", force=True)
    procs = _Redaction()
    with tempfile.TemporaryDirectory(prefix="openevent-redact-") as tmp, LocalStack() as stack, \
            _process_env(bench_env(stack.env)):
        handlers = _handlers(tmp)
        # every status change a failure: the notifier selects, routes, renders and sends (or digests) each
        streams = {name: events_for(name, (2 * rounds + 1) * loops, failed_share=1.0) for name in handlers}
        contexts = {name: LocalContext(function_name=name, timeout_s=60) for name in handlers}

        def invoke(name: str, count: int) -> float:
            handler, ctx, stream = handlers[name], contexts[name], streams[name]
            started = time.perf_counter()
            for _ in range(count):
                with contextlib.suppress(Exception):  # a delivery left undone: FC would retry; the time counts
                    handler(next(stream), ctx)
            return time.perf_counter() - started

        procs.use(procs.current, capture=True)
        for name in handlers:
            invoke(name, loops)  # warm-up, and the inputs of the micro-benchmark
        procs.use(procs.current)
        _compile_previous()
        micro = {
            "event_dicts": _micro(procs.captured, lambda d: previous_redact(dict(d)), redact_fields, rounds, loops),
            "audit_records": _micro(procs.records, previous_redact, redact, rounds, loops),
        }
        warm: dict[str, Any] = {}
        for name in handlers:
            # the algorithm drawn at random for each event, so a drift of the handler's own cost (its state
            # filling, a noisy neighbour) or a periodic one (every other alert digested) weighs on both alike
            times: dict[str, list[float]] = {"previous": [], "current": []}
            algos = (("previous", procs.previous), ("current", procs.current))
            draw = random.Random(17)
            for _ in range(2 * rounds * loops):
                algo, which = algos[draw.random() < 0.5]
                procs.use(which)
                times[algo].append(invoke(name, 1))
            procs.use(procs.current)
            previous_s, current_s = statistics.median(times["previous"]), statistics.median(times["current"])
            warm[name] = {"events": {a: len(t) for a, t in times.items()},
                          "previous_median_ms": round(previous_s * 1000, 4),
                          "current_median_ms": round(current_s * 1000, 4),
                          "saved_share": round(1 - current_s / previous_s, 4)}
    return {"registry_size": len(registered_secrets()), **micro, "warm": warm, "rounds": rounds, "loops": loops}


def _micro(inputs: list[dict[str, Any]], previous: Callable[[Any], Any], current: Callable[[Any], Any],
           rounds: int, loops: int) -> dict[str, Any]:
    """Both algorithms on every input (each on its own copy): equal outputs, best µs per input, ratio."""
    if not inputs:
        return {"count": 0}
    mismatches = sum(1 for d in inputs if previous(dict(d)) != current(dict(d)))
    best = {"previous": float("inf"), "current": float("inf")}
    for _ in range(rounds):
        for algo, fn in (("previous", previous), ("current", current)):
            copies = [dict(d) for d in inputs] * max(1, loops // 50)
            start = time.perf_counter()
            for d in copies:
                fn(d)
            best[algo] = min(best[algo], (time.perf_counter() - start) / len(copies))
    return {"count": len(inputs), "mismatches": mismatches,
            "keys_mean": round(sum(len(d) for d in inputs) / len(inputs), 1),
            "previous_us": round(best["previous"] * 1e6, 3), "current_us": round(best["current"] * 1e6, 3),
            "speedup": round(best["previous"] / best["current"], 2)}
