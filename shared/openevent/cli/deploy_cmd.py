"""``openevent rules plan|apply`` and ``openevent route``: EventBridge rules from ``s.yaml``.

Example:
    openevent route tests/events/node_change.json --template s.yaml
    openevent rules plan --bus openevent --template s.yaml
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from openevent.cli._io import print_json, read_input
from openevent.errors import ConfigError, OpenEventError


def register(subparsers: Any) -> None:
    rules = subparsers.add_parser("rules", help="plan or apply one EventBridge rule per function")
    actions = rules.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    for name, helptext in (("plan", "show what would change (changes nothing)"),
                           ("apply", "create or update the rules and their FC targets")):
        sub = actions.add_parser(name, help=helptext)
        sub.add_argument("--bus", required=True, help="custom event bus name")
        sub.add_argument("--template", default="s.yaml", help="Serverless Devs template (default s.yaml)")
        sub.add_argument("--region",
                         help="region (default FC_REGION / ALIBABA_CLOUD_REGION_ID / cn-hangzhou)")
        sub.add_argument("--account-id", help="account id for target ARNs (default FC_ACCOUNT_ID / "
                                              "ALIBABA_CLOUD_ACCOUNT_ID)")
        sub.add_argument("--invocation-type", choices=("Async", "Sync"), default="Async",
                         help="how EventBridge invokes the function (default Async)")
        sub.set_defaults(func=_run_rules, apply=name == "apply")

    route = subparsers.add_parser("route", help="list the functions whose patterns match an event")
    route.add_argument("file", nargs="?", default="-", help="CloudEvent JSON (object or array); - for stdin")
    route.add_argument("--template", default="s.yaml", help="Serverless Devs template (default s.yaml)")
    route.set_defaults(func=_run_route)


def _run_route(args: argparse.Namespace) -> int:
    from openevent.deploy.pattern import matches
    from openevent.deploy.template import load_function_patterns

    patterns = load_function_patterns(args.template)
    try:
        document = json.loads(read_input(args.file))
    except ValueError as exc:
        raise OpenEventError(f"input is not valid JSON: {exc}") from None

    def route_one(event: Any) -> list[str]:
        if not isinstance(event, dict):
            raise OpenEventError("each event must be a JSON object")
        return [name for name, pats in patterns.items() if any(matches(p, event) for p in pats)]

    if isinstance(document, list):
        print_json([route_one(event) for event in document])
    else:
        print_json(route_one(document))
    return 0


def _run_rules(args: argparse.Namespace) -> int:
    from openevent.deploy import rules
    from openevent.deploy.eventbridge_api import EventBridgeApi
    from openevent.deploy.template import load_functions
    from openevent.runtime.credentials import resolve_credentials, resolve_region

    functions = load_functions(args.template)
    region = args.region or resolve_region()
    environ = os.environ
    account_id = args.account_id or environ.get("FC_ACCOUNT_ID") or environ.get("ALIBABA_CLOUD_ACCOUNT_ID")
    if not account_id:
        raise ConfigError("the account id for FC target ARNs is missing: "
                          "pass --account-id or set FC_ACCOUNT_ID")
    credentials = resolve_credentials()
    if credentials is None:
        raise ConfigError("no Alibaba Cloud credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and "
                          "ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    api = EventBridgeApi(credentials, region=region)
    desired = rules.desired_rules(functions, region=region, account_id=account_id,
                                  invocation_type=args.invocation_type)
    plans = rules.plan(desired, api, args.bus)
    if args.apply:
        plans = rules.apply(plans, api, args.bus)
    print_json({"bus": args.bus, "region": region, "applied": bool(args.apply),
                "summary": rules.summarize(plans), "rules": [p.to_json() for p in plans]})
    return 0
