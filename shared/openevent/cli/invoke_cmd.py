"""``openevent invoke FUNCTION [--event FILE|-] [--config FILE] [--env K=V ...] [--any-type]``.

The config is ``--config``, else ``$OPENEVENT_CONFIG`` of the shell, else the one s.yaml deploys
with the function. A config file that does not exist, or an event type the function does not
declare (its ``handles``), is exit 2 with one ``error:`` line; ``--any-type`` invokes anyway.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from openevent.cli._io import parse_assignments, print_json, read_input


def register(sub: Any) -> None:
    p = sub.add_parser("invoke", help="run a function's handler in-process, as FC would")
    p.add_argument("function", metavar="FUNCTION")
    p.add_argument("--event", default="-", metavar="FILE|-", help="the event JSON (default: stdin)")
    p.add_argument("--config", metavar="FILE",
                   help="the function config (default: $OPENEVENT_CONFIG, else the one s.yaml deploys)")
    p.add_argument("--env", action="append", metavar="K=V", default=[], help="extra environment (repeatable)")
    p.add_argument("--timeout", type=int, default=30, help="the function timeout in seconds")
    p.add_argument("--any-type", action="store_true",
                   help="invoke even with an event type the function does not declare")
    p.set_defaults(func=cmd_invoke)


def unhandled_types(declared: tuple[str, ...], body: bytes) -> list[str]:
    """The CloudEvent types in ``body`` (an object or an array) that are not in ``declared``.

    Anything that is not a CloudEvent (an FC timer event, the FC-extension shape, bad JSON) has no
    type to compare and is left to the function.

    Example:
        >>> unhandled_types(("a:B:C",), b'[{"type": "a:B:C"}, {"type": "x:Y:Z"}, {"triggerTime": "t"}]')
        ['x:Y:Z']
    """
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return []
    items = document if isinstance(document, list) else [document]
    types = [item.get("type") for item in items if isinstance(item, dict)]
    return list(dict.fromkeys(t for t in types if isinstance(t, str) and t not in declared))


def cmd_invoke(args: argparse.Namespace) -> int:
    from openevent.errors import ConfigError
    from openevent.local.functions import declaration
    from openevent.local.invoke import invoke
    from openevent.runtime.logging import configure_logging

    configure_logging("stderr", force=True)
    env = parse_assignments(args.env)
    config = args.config or env.get("OPENEVENT_CONFIG") or os.environ.get("OPENEVENT_CONFIG") or None
    if config and not os.path.isfile(config):
        origin = "--config" if args.config else "OPENEVENT_CONFIG"
        raise ConfigError(f"{config}: config file does not exist (from {origin})")
    body = read_input(args.event)
    app = declaration(args.function)
    strays = unhandled_types(tuple(app.handles), body)
    if strays and not args.any_type:
        from openevent.cli._io import short_list

        raise ConfigError(f"{args.function} does not handle {', '.join(strays)}; it handles "
                          f"{short_list(app.handles)} (`openevent route` names the function that does; "
                          "--any-type invokes anyway)")
    outcome = invoke(args.function, body, config=config, env=env, timeout_s=args.timeout)
    if not outcome.ok:
        print(f"error: {outcome.error_type}: {outcome.error}", file=sys.stderr)
        print_json({"function": args.function, "error": outcome.error, "error_type": outcome.error_type,
                    "request_id": outcome.request_id})
        return 1
    print_json(outcome.result)
    return 0
