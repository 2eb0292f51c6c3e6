"""``openevent bench parse|guard|notifier|load``: performance figures as JSON (last line)."""

from __future__ import annotations

import argparse
import importlib
from typing import Any

from openevent.cli._io import print_json

# bench name -> (module in openevent.bench, help)
BENCHES = {
    "parse": ("parse_bench", "typed parsing from bytes vs json.loads"),
    "guard": ("guard_bench", "guard decision latency, warm p50/p99 and cold start"),
    "notifier": ("notifier_bench", "notifier throughput: filter/route/render and end to end"),
}


def register(sub: Any) -> None:
    bench = sub.add_parser("bench", help="run a benchmark and print its figures as JSON")
    bsub = bench.add_subparsers(dest="bench_command", metavar="BENCH", required=True)
    for name, (module, help_text) in BENCHES.items():
        p = bsub.add_parser(name, help=help_text)
        p.add_argument("--corpus", help="a folder of event JSON files (default: the built-in samples)")
        p.add_argument("--rounds", type=int, default=7)
        p.add_argument("--loops", type=int, default=None, help="iterations per round")
        p.set_defaults(func=_runner(module))
    load = bsub.add_parser("load", help="the local bus with the fakes under a tenant's mixed load: lost, "
                                        "duplicated, p50/p99 per function")
    load.add_argument("--events", type=int, default=5000, help="distinct events (default 5000)")
    load.add_argument("--rate", type=float, default=200.0, help="events posted per second (default 200)")
    load.add_argument("--duplicates", action="store_true", help="post every event twice, out of order")
    load.add_argument("--state", default=None, help="a redis:// URL instead of the shared SQLite file")
    load.set_defaults(func=_load)


def _load(args: argparse.Namespace) -> int:
    from openevent.bench.load_bench import run

    figures = run(events=args.events, rate=args.rate, duplicates=args.duplicates, state_url=args.state)
    print_json(figures, compact=True)
    return 0 if figures["lost"]["total"] == 0 and figures["duplicated"]["total"] == 0 else 1


def _runner(module: str) -> Any:
    def run(args: argparse.Namespace) -> int:
        mod = importlib.import_module(f"openevent.bench.{module}")
        kwargs: dict[str, Any] = {"corpus_dir": args.corpus, "rounds": args.rounds}
        if args.loops:
            kwargs["loops"] = args.loops
        print_json(mod.run(**kwargs), compact=True)
        return 0

    return run
