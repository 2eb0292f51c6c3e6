"""``openevent bench parse``: typed parsing from bytes versus plain ``json.loads``.

The corpus is every registered type's sample plus every documented variant (or the JSON
files of a folder given with ``--corpus``), serialised to bytes once. Each round times
``json.loads`` and :func:`openevent.events.parse` over the same bytes, alternating, and the
best round of each is kept; ``ratio_vs_json_loads`` = parse time / json.loads time.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def load_corpus(folder: str | None = None) -> list[bytes]:
    """Message bytes: the JSON files of ``folder`` (recursively), or the built-in samples."""
    if folder:
        files = sorted(p for p in Path(folder).rglob("*.json") if "invalid" not in p.parts)
        return [p.read_bytes() for p in files]
    from openevent.events.registry import REGISTRY
    from openevent.events.sample_data import SAMPLE_VARIANTS
    from openevent.events.samples import sample_event

    corpus = [json.dumps(sample_event(t)).encode() for t in REGISTRY]
    for etype, variants in SAMPLE_VARIANTS.items():
        corpus.extend(json.dumps(sample_event(etype, variant=name)).encode() for name in variants)
    return corpus


def _time(fn: Callable[[bytes], Any], corpus: list[bytes], loops: int) -> float:
    start = time.perf_counter()
    for _ in range(loops):
        for raw in corpus:
            fn(raw)
    return time.perf_counter() - start


def run(corpus_dir: str | None = None, rounds: int = 7, loops: int = 200) -> dict[str, Any]:
    """Run the benchmark and return its figures."""
    from openevent.events import parse

    corpus = load_corpus(corpus_dir)
    for raw in corpus:  # warm up: imports and per-type classes are not what we measure
        parse(raw)

    def loads_then_validate(raw: bytes) -> Any:
        return parse(json.loads(raw))

    best: dict[str, float] = {"json": float("inf"), "parse": float("inf"), "loads_validate": float("inf")}
    for _ in range(rounds):
        best["json"] = min(best["json"], _time(json.loads, corpus, loops))
        best["parse"] = min(best["parse"], _time(parse, corpus, loops))
        best["loads_validate"] = min(best["loads_validate"], _time(loads_then_validate, corpus, loops))
    n = len(corpus) * loops
    return {
        "corpus_messages": len(corpus),
        "corpus_bytes": sum(len(r) for r in corpus),
        "events_per_s": round(n / best["parse"]),
        "json_loads_per_s": round(n / best["json"]),
        "ratio_vs_json_loads": round(best["parse"] / best["json"], 3),
        "ratio_loads_then_validate": round(best["loads_validate"] / best["json"], 3),
        "rounds": rounds,
        "loops": loops,
    }
