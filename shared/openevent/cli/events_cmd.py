"""``openevent events list|sample|parse``."""

from __future__ import annotations

import argparse
from typing import Any

from openevent.cli._io import print_json, read_input


def register(sub: Any) -> None:
    events = sub.add_parser("events", help="list, generate and parse DataWorks events")
    esub = events.add_subparsers(dest="events_command", metavar="ACTION", required=True)

    p_list = esub.add_parser("list", help="every known event type")
    p_list.add_argument("--json", action="store_true", help="print a JSON array")
    p_list.set_defaults(func=cmd_list)

    p_sample = esub.add_parser("sample", help="print a complete realistic CloudEvent for TYPE")
    p_sample.add_argument("type", metavar="TYPE", help="e.g. dataworks:ProjectChange:DeleteProject or DeleteProject")
    p_sample.add_argument("--set", dest="sets", action="append", metavar="PATH=VALUE", default=[],
                          help="override a field, e.g. data.status=5 (JSON values; repeatable)")
    p_sample.add_argument("--variant", help="a documented alternative payload shape")
    p_sample.set_defaults(func=cmd_sample)

    p_parse = esub.add_parser("parse", help="print the normalised event(s) of FILE or stdin as JSON")
    p_parse.add_argument("file", nargs="?", default="-", metavar="FILE|-")
    p_parse.set_defaults(func=cmd_parse)


def resolve_type(name: str) -> str:
    """Accept the full type or its last segment (``DeleteProject``), case-insensitively."""
    from openevent.errors import OpenEventError
    from openevent.events.registry import REGISTRY

    if name in REGISTRY:
        return name
    matches = [t for t in REGISTRY if t.rsplit(":", 1)[-1].lower() == name.lower() or t.lower() == name.lower()]
    if len(matches) == 1:
        return matches[0]
    raise OpenEventError(f"unknown event type {name!r}; see `openevent events list`")


def cmd_list(args: argparse.Namespace) -> int:
    from openevent.events.registry import REGISTRY
    from openevent.local.functions import list_functions, types_for_function

    handled: dict[str, list[str]] = {}
    for name in list_functions():
        for event_type in types_for_function(name):
            handled.setdefault(event_type, []).append(name)
    rows = []
    for spec in REGISTRY.values():
        names = handled.get(spec.type, [])
        rows.append({**spec.as_row(), "function": names[0] if names else None, "functions": names})
    if args.json:
        print_json(rows)
        return 0
    width = max(len(r["type"]) for r in rows)
    for r in rows:
        fn = ",".join(r["functions"]) or "-"
        flag = "" if r["verified"] else "  (unverified)"
        print(f"{r['type']:<{width}}  {r['kind']:<9} {r['level']:<9} {r['module']:<22} {fn}{flag}")
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from openevent.cli._io import parse_assignments
    from openevent.events.samples import parse_value, sample_event

    overrides = {k: parse_value(v) for k, v in parse_assignments(args.sets, "--set").items()}
    print_json(sample_event(resolve_type(args.type), overrides, variant=args.variant))
    return 0


def cmd_parse(args: argparse.Namespace) -> int:
    from openevent.events import parse

    result = parse(read_input(args.file))
    if isinstance(result, list):
        print_json([ev.normalised() for ev in result])
    else:
        print_json(result.normalised())
    return 0
