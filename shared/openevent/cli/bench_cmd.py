"""``openevent bench parse|guard|notifier|load|cold``: performance figures as JSON (last line)."""

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
    "redact": ("redact_bench", "log redaction, previous vs current algorithm: per event dict and warm handler time"),
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
    cold = bsub.add_parser("cold", help="import + first call of each function's read-only package vs importing "
                                        "pydantic + structlog there (ratio per function)")
    cold.add_argument("--function", action="append", default=[], help="only this function (repeatable)")
    cold.add_argument("--python", default=None, help="the target interpreter (default: FC's python3.10)")
    cold.add_argument("--rounds", type=int, default=7)
    cold.add_argument("--packages", default=None, help="a folder of already built packages (default: build them)")
    cold.set_defaults(func=_cold)
    bus = bsub.add_parser("bus", help="`openevent serve` with 1 client vs N concurrent keep-alive clients: "
                                      "events/s, ratio, p50/p99")
    bus.add_argument("--events", type=int, default=600, help="mixed events per run (default 600)")
    bus.add_argument("--clients", type=int, default=8, help="concurrent clients of the second run (default 8)")
    bus.add_argument("--workers", type=int, default=None,
                     help="`openevent serve --workers` (default: serve's own, one per core, at most 4)")
    bus.add_argument("--rounds", type=int, default=3, help="1-client and N-client runs, alternating (default 3)")
    bus.add_argument("--warmup", type=int, default=100, help="events posted first, not measured (default 100)")
    bus.set_defaults(func=_bus)
    cost = bsub.add_parser("cost", help="the notifier's invocations, GB-s and log lines for a tenant's day, "
                                        "with and without s.yaml's status filter")
    cost.add_argument("--daily", type=int, default=5_000_000, help="instance status events a day (default 5 M)")
    cost.add_argument("--failure-rate", type=float, default=0.02, help="share of instances that fail (0.02)")
    cost.add_argument("--granularity-ms", type=float, default=1.0, help="billed duration rounded up to (1 ms)")
    cost.add_argument("--rounds", type=int, default=3)
    cost.add_argument("--loops", type=int, default=300, help="invocations measured per round")
    cost.set_defaults(func=_cost)
    memory = bsub.add_parser("memory", help="RSS per handler over N distinct events with bounded memory:// state: "
                                            "warm-up, end, bytes/event slope")
    memory.add_argument("--events", type=int, default=100_000, help="distinct events per function (default 100000)")
    memory.add_argument("--function", default=None, help="only this function (default: all six)")
    memory.add_argument("--max-entries", type=int, default=10_000,
                        help="the memory:// store bound (default 10000; 0: unbounded, no default TTL)")
    memory.add_argument("--samples", type=int, default=20, help="RSS samples after the warm-up (default 20)")
    memory.set_defaults(func=_memory)


def _load(args: argparse.Namespace) -> int:
    from openevent.bench.load_bench import run

    figures = run(events=args.events, rate=args.rate, duplicates=args.duplicates, state_url=args.state)
    print_json(figures, compact=True)
    return 0 if figures["lost"]["total"] == 0 and figures["duplicated"]["total"] == 0 else 1


def _cold(args: argparse.Namespace) -> int:
    from openevent.bench.cold_bench import DEFAULT_PYTHON, run

    figures = run(functions=args.function, rounds=args.rounds, python=args.python or DEFAULT_PYTHON,
                  packages=args.packages)
    print_json(figures, compact=True)
    return 0


def _bus(args: argparse.Namespace) -> int:
    from openevent.bench.bus_bench import run
    from openevent.local.serve_workers import default_workers

    figures = run(events=args.events, clients=args.clients,
                  workers=default_workers() if args.workers is None else args.workers, rounds=args.rounds,
                  warmup=args.warmup)
    print_json(figures, compact=True)
    return 0


def _cost(args: argparse.Namespace) -> int:
    from openevent.bench.cost_bench import run

    print_json(run(rounds=args.rounds, loops=args.loops, daily=args.daily, failure_rate=args.failure_rate,
                   granularity_ms=args.granularity_ms), compact=True)
    return 0


def _runner(module: str) -> Any:
    def run(args: argparse.Namespace) -> int:
        mod = importlib.import_module(f"openevent.bench.{module}")
        kwargs: dict[str, Any] = {"corpus_dir": args.corpus, "rounds": args.rounds}
        if args.loops:
            kwargs["loops"] = args.loops
        print_json(mod.run(**kwargs), compact=True)
        return 0

    return run


def _memory(args: argparse.Namespace) -> int:
    from openevent.bench.memory_bench import run

    print_json(run(events=args.events, function=args.function, max_entries=args.max_entries,
                   samples=args.samples), compact=True)
    return 0
