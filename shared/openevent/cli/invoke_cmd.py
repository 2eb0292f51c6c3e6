"""``openevent invoke FUNCTION [--event FILE|-] [--config FILE] [--env K=V ...]``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from openevent.cli._io import parse_assignments, print_json, read_input


def register(sub: Any) -> None:
    p = sub.add_parser("invoke", help="run a function's handler in-process, as FC would")
    p.add_argument("function", metavar="FUNCTION")
    p.add_argument("--event", default="-", metavar="FILE|-", help="the event JSON (default: stdin)")
    p.add_argument("--config", metavar="FILE", help="the function config (default: the one s.yaml deploys)")
    p.add_argument("--env", action="append", metavar="K=V", default=[], help="extra environment (repeatable)")
    p.add_argument("--timeout", type=int, default=30, help="the function timeout in seconds")
    p.set_defaults(func=cmd_invoke)


def cmd_invoke(args: argparse.Namespace) -> int:
    from openevent.local.invoke import invoke
    from openevent.runtime.logging import configure_logging

    configure_logging("stderr", force=True)
    env = parse_assignments(args.env)
    outcome = invoke(args.function, read_input(args.event), config=args.config, env=env, timeout_s=args.timeout)
    if not outcome.ok:
        print(f"error: {outcome.error_type}: {outcome.error}", file=sys.stderr)
        print_json({"function": args.function, "error": outcome.error, "error_type": outcome.error_type,
                    "request_id": outcome.request_id})
        return 1
    print_json(outcome.result)
    return 0
