"""``openevent rules plan|apply|remove``, ``route``, ``build`` and ``remote invoke``: deploying the functions.

Example:
    openevent route tests/events/node_change.json --template s.yaml --explain
    openevent rules plan --bus openevent --template s.yaml
    openevent rules remove --bus openevent --template s.yaml
    openevent build download_guard --python-version 3.11
    openevent remote invoke download_guard --service openevent --event tests/events/DownloadResources.json
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from openevent.cli._io import print_json, read_input
from openevent.errors import ConfigError, OpenEventError


def register(subparsers: Any) -> None:
    rules = subparsers.add_parser("rules", help="plan, apply or remove the custom-bus rules (vars.busRules)")
    actions = rules.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    for name, helptext in (("plan", "show what would change (changes nothing)"),
                           ("apply", "create or update the rules and their FC targets"),
                           ("remove", "delete the rules this template owns on the bus (and their targets)")):
        sub = actions.add_parser(name, help=helptext)
        sub.add_argument("--bus", required=True, help="custom event bus name")
        sub.add_argument("--template", default="s.yaml", help="Serverless Devs template (default s.yaml)")
        sub.add_argument("--region",
                         help="region (default FC_REGION / ALIBABA_CLOUD_REGION_ID / cn-hangzhou)")
        sub.add_argument("--account-id", help="account id for target ARNs (default FC_ACCOUNT_ID / "
                                              "ALIBABA_CLOUD_ACCOUNT_ID)")
        if name != "remove":
            sub.add_argument("--invocation-type", choices=("Async", "Sync"), default="Async",
                             help="how EventBridge invokes the function (default Async)")
            sub.add_argument("--prune", action="store_true",
                             help="delete openevent- rules the template no longer declares whose every "
                                  "target is one of its functions (rules of other deployments are kept)")
        else:
            sub.add_argument("--dry-run", action="store_true", help="list what would be deleted")
        sub.set_defaults(func=_run_rules, action=name)

    route = subparsers.add_parser("route", help="list the functions whose rules match an event")
    route.add_argument("file", nargs="?", default="-", help="CloudEvent JSON (object or array); - for stdin")
    route.add_argument("--template", default="s.yaml", help="Serverless Devs template (default s.yaml)")
    route.add_argument("--bus", help="the bus the event arrives on (default: its aliyuneventbusname; "
                                     "without one, every bus)")
    route.add_argument("--explain", action="store_true",
                       help="show the bus, the rules that matched, and why the others of its type did not")
    route.set_defaults(func=_run_route)

    build = subparsers.add_parser("build", help="assemble build/<function>/ code packages for FC")
    build.add_argument("functions", nargs="*", metavar="FUNCTION", help="function folders (default: all)")
    build.add_argument("--python-version", default="3.10",
                       help="target Python: 3.10 = FC python3.10 (manylinux wheels, default); "
                            "this interpreter's version = runnable on this machine")
    build.add_argument("--no-bytecode", dest="bytecode", action="store_false",
                       help="ship sources only (default: every module's pyc, compiled by the target's Python)")
    build.add_argument("--interpreter", metavar="PATH",
                       help="the target-version Python that compiles the bytecode (default: found on PATH or pyenv)")
    build.add_argument("--out", default="build", help="output folder (default build, relative to --root)")
    build.add_argument("--root", default=".", help="repository root holding functions/ (default .)")
    build.set_defaults(func=_run_build)

    remote = subparsers.add_parser("remote", help="call deployed functions")
    remote_actions = remote.add_subparsers(dest="remote_command", metavar="ACTION", required=True)
    invoke = remote_actions.add_parser("invoke", help="invoke a deployed function (FC 2.0 API, fc2 SDK)")
    invoke.add_argument("function", help="FC function name")
    invoke.add_argument("--event", default="-", help="event JSON file; - for stdin (default)")
    invoke.add_argument("--service", default=os.environ.get("FC_SERVICE"),
                        help="FC 2.0 service holding the function (default FC_SERVICE)")
    invoke.add_argument("--qualifier", help="version or alias (default LATEST)")
    invoke.add_argument("--async", dest="asynchronous", action="store_true",
                        help="asynchronous invocation (FC answers 202 once queued)")
    invoke.add_argument("--region", help="region (default FC_REGION / ALIBABA_CLOUD_REGION_ID / cn-hangzhou)")
    invoke.set_defaults(func=_run_remote_invoke)


def _run_route(args: argparse.Namespace) -> int:
    from openevent.deploy.routing import explain, functions_for, routes_of
    from openevent.deploy.template import load_template

    # names are the s.yaml resource keys = the function folders (what invoke/build take), not FC names
    routes = routes_of(load_template(args.template))
    try:
        document = json.loads(read_input(args.file))
    except ValueError as exc:
        raise OpenEventError(f"input is not valid JSON: {exc}") from None

    def route_one(event: Any) -> Any:
        if not isinstance(event, dict):
            raise OpenEventError("each event must be a JSON object")
        if args.explain:
            return explain(event, routes, args.bus)
        return functions_for(event, routes, args.bus)

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
                                  invocation_type=getattr(args, "invocation_type", "Async"))
    names = [spec.name for spec in functions]
    if args.action == "remove":
        plans = rules.removal(desired, api, args.bus, functions=names)
        if not args.dry_run:
            plans = rules.apply(plans, api, args.bus)
        print_json({"bus": args.bus, "region": region, "removed": not args.dry_run,
                    "summary": rules.summarize(plans), "rules": [p.to_json() for p in plans]})
        return 0
    plans = rules.plan(desired, api, args.bus, prune_for=names if args.prune else ())
    if args.action == "apply":
        plans = rules.apply(plans, api, args.bus)
    print_json({"bus": args.bus, "region": region, "applied": args.action == "apply",
                "summary": rules.summarize(plans), "rules": [p.to_json() for p in plans]})
    return 0


def _run_build(args: argparse.Namespace) -> int:
    from openevent.deploy.build import build

    print_json(build(args.root, args.out, args.functions, python_version=args.python_version,
                     bytecode=args.bytecode, interpreter=args.interpreter))
    return 0


def _run_remote_invoke(args: argparse.Namespace) -> int:
    from openevent.deploy.remote import fc_endpoint, invoke
    from openevent.runtime.credentials import resolve_credentials, resolve_region

    if not args.service:
        raise ConfigError("no FC service: pass --service or set FC_SERVICE. The FC 2.0 API that fc2 speaks "
                          "addresses functions as service/function; for a function deployed by fc3 "
                          "(FC 3.0, no service) use `s invoke` (see docs/deploy.md)")
    credentials = resolve_credentials()
    if credentials is None:
        raise ConfigError("no Alibaba Cloud credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and "
                          "ALIBABA_CLOUD_ACCESS_KEY_SECRET")
    region = args.region or resolve_region()
    account_id = os.environ.get("FC_ACCOUNT_ID") or os.environ.get("ALIBABA_CLOUD_ACCOUNT_ID")
    payload = read_input(args.event)
    result = invoke(args.function, payload, service=args.service, credentials=credentials,
                    endpoint=fc_endpoint(account_id, region), qualifier=args.qualifier,
                    asynchronous=args.asynchronous)
    print_json({"function": args.function, "service": args.service, "qualifier": args.qualifier or "LATEST",
                "invocation": "async" if args.asynchronous else "sync", "status": result.status,
                "request_id": result.request_id, "response": result.response()})
    return 0
