"""``openevent audit show [--node ID] [--workspace ID] [--operator UID] [--since T] [--json] [FILE]``.

Reads the local JSONL audit trail (default ``$OPENEVENT_AUDIT_JSONL``, else the newest of
``audit.jsonl`` and ``.openevent/audit.jsonl``, where ``openevent serve`` and ``openevent demo`` write
it) and prints the matching records as a table, or as a JSON array with ``--json``.

Example:
    $ openevent audit show --node 700004120003 --since 7d
    TIME                  ACTION  KIND  ID            NAME                 OPERATOR          WORKSPACE  CHANGES
    2025-03-14T02:06:18Z  update  node  700004120003  dwd_order_detail_di  1987654321012345  10001      cron: …
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("audit", help="audit trail: show recorded changes")
    sub = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    show = sub.add_parser("show", help="print the local JSONL audit trail as a table or JSON")
    show.add_argument("file", metavar="FILE", nargs="?", default=None,
                      help="JSONL trail (default: $OPENEVENT_AUDIT_JSONL, else the newest of audit.jsonl "
                           "and .openevent/audit.jsonl)")
    show.add_argument("--node", metavar="ID", help="only records about this node")
    show.add_argument("--workspace", metavar="ID", help="only records in this workspace")
    show.add_argument("--operator", metavar="UID", help="only records of this operator")
    show.add_argument("--since", metavar="T", help="ISO 8601 time or an age such as 30m, 12h, 7d")
    show.add_argument("--json", action="store_true", help="print a JSON array of records")
    show.set_defaults(func=run_show)


def run_show(args: argparse.Namespace) -> int:
    from openevent.audit.trail import TrailFilter, format_table, parse_since, read_trail
    from openevent.cli._io import print_json
    from openevent.local.stack import default_audit_trail

    path = args.file or default_audit_trail()
    if not args.file:
        print(f"reading {path}", file=sys.stderr)
    flt = TrailFilter(node=args.node, workspace=args.workspace, operator=args.operator,
                      since=parse_since(args.since) if args.since else None)
    trail = read_trail(path, flt)
    if trail.skipped:
        print(f"warning: skipped {trail.skipped} line(s) of {path} that are not audit records", file=sys.stderr)
    if args.json:
        print_json([r.to_json_dict() for r in trail.records])
    else:
        sys.stdout.write(format_table(trail.records) + "\n")
    return 0
