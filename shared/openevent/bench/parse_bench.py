"""``openevent bench parse``: typed parsing from bytes versus plain ``json.loads``, per type and overall.

The corpus is every registered type's sample plus every documented variant (or the JSON
files of a folder given with ``--corpus``), serialised to bytes once. Every figure is a ratio
to ``json.loads`` of the *same bytes measured in the same run* (best round of each, the two
alternating), so a busy machine moves both sides alike:

* ``per_type`` — :func:`openevent.events.parse` for each group of messages: an event type's
  messages, with its batch arrays and Function Compute extension shapes as groups of their own
  (``InstanceStatusChanges (batch)``, ``DownloadResources (fc-extension)``), in short rounds;
* ``ratio_vs_json_loads`` — the whole corpus: the sum over the groups of their best round (one
  pass over every message), so a round the shared machine preempts is not what counts;
  ``ratio_whole_corpus_loop`` is the same from long rounds over the mixed corpus (noisier);
* ``anchors`` — what other decoders do with the same bytes: ``orjson.loads``, a
  Powertools-style untyped envelope (``json.loads`` + a pydantic envelope with ``data: dict``),
  and the floor, msgspec's typed decode of an envelope Struct with one typed payload
  (InstanceStatusChanges), next to ``parse`` on those same messages. orjson and msgspec are
  optional (the ``dev`` extra); a figure whose library is missing is ``null``.

Example (a tiny run):
    >>> figures = run(rounds=1, loops=1, type_loops=1)
    >>> figures["corpus_messages"] > 50 and figures["ratio_vs_json_loads"] > 0
    True
    >>> sorted(figures["anchors"])
    ['json_loads', 'msgspec_typed', 'orjson_loads', 'powertools_untyped']
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

INSTANCE_STATUS = "dataworks:InstanceStatusChanges:InstanceStatusChanges"


def load_corpus(folder: str | None = None) -> list[bytes]:
    """Message bytes: the JSON files of ``folder`` (recursively), or the built-in samples."""
    return [raw for _, raw in labelled_corpus(folder)]


def labelled_corpus(folder: str | None = None) -> list[tuple[str, bytes]]:
    """``(group, bytes)`` per message; the group is :func:`group_of` the message."""
    if folder:
        files = sorted(p for p in Path(folder).rglob("*.json") if "invalid" not in p.parts)
        raws = [p.read_bytes() for p in files]
    else:
        from openevent.events.registry import REGISTRY
        from openevent.events.sample_data import SAMPLE_VARIANTS
        from openevent.events.samples import sample_event

        raws = [json.dumps(sample_event(t)).encode() for t in REGISTRY]
        for etype, variants in SAMPLE_VARIANTS.items():
            raws.extend(json.dumps(sample_event(etype, variant=name)).encode() for name in variants)
    return [(group_of(raw), raw) for raw in raws]


def group_of(raw: bytes) -> str:
    """The per-type row a message belongs to: its type's last segment, and its shape when not one CloudEvent.

    Example:
        >>> group_of(b'{"type": "dataworks:ProjectChange:DeleteProject", "data": {}}')
        'DeleteProject'
        >>> group_of(b'[{"type": "dataworks:ProjectChange:DeleteProject"}]')
        'DeleteProject (batch)'
        >>> group_of(b'{"messageId": "1", "eventType": "download-resources", "messageBody": {}}')
        'DownloadResources (fc-extension)'
    """
    from openevent.events.parse import scan_head

    doc = json.loads(raw)
    batch = isinstance(doc, list)
    first = doc[0] if batch and doc else doc
    head = scan_head(json.dumps(first).encode())
    name = (head.event_type or "unknown").rsplit(":", 1)[-1]
    if batch:
        return f"{name} (batch)"
    return f"{name} (fc-extension)" if head.fc_extension else name


def _time(fn: Callable[[bytes], Any], corpus: list[bytes], loops: int) -> float:
    """Seconds for ``loops`` passes of ``fn`` over ``corpus`` (the garbage collector on, as in a function)."""
    start = time.perf_counter()
    for _ in range(loops):
        for raw in corpus:
            fn(raw)
    return time.perf_counter() - start


def _best(fns: dict[str, Callable[[bytes], Any]], corpus: list[bytes], rounds: int, loops: int) -> dict[str, float]:
    """The best time of each function over ``corpus``, the functions alternating within every round."""
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(rounds):
        for name, fn in fns.items():
            best[name] = min(best[name], _time(fn, corpus, loops))
    return best


def _ratio(num: float | None, den: float) -> float | None:
    return None if num is None else round(num / den, 3)


def _optional(module: str) -> Any:
    try:
        return __import__(module)
    except ImportError:
        return None


def _powertools_untyped() -> Callable[[bytes], Any]:
    """``json.loads`` + a minimal pydantic envelope with untyped ``data`` (what Powertools' envelopes do)."""
    from pydantic import BaseModel, ConfigDict

    class UntypedEnvelope(BaseModel):
        model_config = ConfigDict(extra="allow")

        specversion: str | None = None
        id: str | int | None = None
        source: str | None = None
        type: str | None = None
        time: str | None = None
        data: dict[str, Any] | None = None

    validate = UntypedEnvelope.model_validate

    def untyped(raw: bytes) -> Any:
        doc = json.loads(raw)
        return [validate(item) for item in doc] if isinstance(doc, list) else validate(doc)

    return untyped


def _msgspec_typed(msgspec: Any) -> Callable[[bytes], Any]:
    """msgspec's typed decode of an envelope Struct with the InstanceStatusChanges payload as a Struct."""
    ident: Any = int | str
    optional = [(name, ident | None, None) for name in (
        "node_id", "app_id", "dag_id", "flow_id", "tenant_id", "project_id", "create_time", "modify_time",
        "begin_wait_time_time", "begin_wait_res_time", "begin_running_time", "finish_time")]
    optional += [(name, int | None, None) for name in ("dag_type", "task_type", "op_code")]
    optional += [(name, str | None, None) for name in ("event_code", "operator")]
    payload = msgspec.defstruct("InstanceStatus", [("task_id", ident), ("status", int), *optional],
                                rename="camel")
    text = [(name, str | None, None) for name in (
        "subject", "time", "datacontenttype", "aliyunaccountid", "aliyunpublishtime", "aliyuneventbusname",
        "aliyunregionid")]
    envelope = msgspec.defstruct("Envelope", [("id", str), ("source", str), ("type", str), ("data", payload),
                                              ("specversion", str, "1.0"), *text])
    return msgspec.json.Decoder(envelope).decode  # type: ignore[no-any-return]


def _instance_status_messages(labelled: Iterable[tuple[str, bytes]]) -> list[bytes]:
    found = [raw for group, raw in labelled if group == INSTANCE_STATUS.rsplit(":", 1)[-1]]
    if found:
        return found
    from openevent.events.samples import sample_event

    return [json.dumps(sample_event(INSTANCE_STATUS)).encode()]


def _decodes(decode: Callable[[bytes], Any], raw: bytes, error: type[Exception]) -> bool:
    """Whether msgspec's strict Struct takes the message (the "numbers as strings" variants it refuses)."""
    try:
        decode(raw)
    except error:
        return False
    return True


def run(corpus_dir: str | None = None, rounds: int = 7, loops: int = 100, type_loops: int | None = None
        ) -> dict[str, Any]:
    """Run the benchmark and return its figures (``type_loops``: iterations per round of each per-type row)."""
    from openevent.events import parse

    labelled = labelled_corpus(corpus_dir)
    corpus = [raw for _, raw in labelled]
    for raw in corpus:  # warm up: imports and per-type classes are not what we measure
        parse(raw)

    orjson = _optional("orjson")
    msgspec = _optional("msgspec")
    untyped = _powertools_untyped()
    whole: dict[str, Callable[[bytes], Any]] = {"json": json.loads, "parse": parse, "untyped": untyped}
    if orjson is not None:
        whole["orjson"] = orjson.loads
    best = _best(whole, corpus, rounds, loops)
    base = best["json"]

    floor: dict[str, float | None] = {"msgspec": None}
    status = _instance_status_messages(labelled)
    floor_fns: dict[str, Callable[[bytes], Any]] = {"json": json.loads, "parse": parse}
    if msgspec is not None:
        decode = _msgspec_typed(msgspec)
        taken = [raw for raw in status if _decodes(decode, raw, msgspec.ValidationError)]
        if taken:
            status, floor_fns["msgspec"] = taken, decode
    floor.update(_best(floor_fns, status, rounds, loops * 4))

    groups: dict[str, list[bytes]] = {}
    for group, raw in labelled:
        groups.setdefault(group, []).append(raw)
    per_type: dict[str, dict[str, Any]] = {}
    tl = type_loops if type_loops is not None else max(1, loops // 2)
    pass_time = {"json": 0.0, "parse": 0.0}  # one pass over the corpus, from the groups' best rounds
    for group in sorted(groups):
        msgs = groups[group]
        group_loops = tl * max(1, 4 // len(msgs))
        t = _best({"json": json.loads, "parse": parse}, msgs, rounds, group_loops)
        per_type[group] = {"messages": len(msgs), "ratio": round(t["parse"] / t["json"], 3)}
        for name in pass_time:
            pass_time[name] += t[name] / group_loops
    ratios = sorted(row["ratio"] for row in per_type.values())

    n = len(corpus) * loops
    return {
        "corpus": corpus_dir or "built-in samples",
        "corpus_messages": len(corpus),
        "corpus_bytes": sum(len(r) for r in corpus),
        "events_per_s": round(n / best["parse"]),
        "json_loads_per_s": round(n / base),
        "ratio_vs_json_loads": round(pass_time["parse"] / pass_time["json"], 3),
        "ratio_whole_corpus_loop": round(best["parse"] / base, 3),
        "per_type_max": ratios[-1],
        "per_type_median": ratios[len(ratios) // 2],
        "per_type_over_1_2": sorted(g for g, row in per_type.items() if row["ratio"] > 1.2),
        "anchors": {
            "json_loads": 1.0,
            "orjson_loads": _ratio(best.get("orjson"), base),
            "powertools_untyped": _ratio(best["untyped"], base),
            "msgspec_typed": {
                "messages": f"{len(status)} x InstanceStatusChanges",
                "msgspec_ratio": _ratio(floor["msgspec"], floor["json"] or 1.0),
                "parse_ratio": _ratio(floor["parse"], floor["json"] or 1.0),
            },
        },
        "per_type": per_type,
        "rounds": rounds,
        "loops": loops,
    }
