"""``openevent serve``, ``openevent send`` and ``openevent demo``: the whole system on one machine."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from openevent.cli._io import print_json, read_input
from openevent.errors import OpenEventError


def register(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the local event bus with local stand-ins (DataWorks, webhooks)")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--template", default="s.yaml", help="the s.yaml whose rules route events")
    serve.add_argument("--state-dir", default=".openevent", help="state (sqlite), audit trail")
    serve.add_argument("--dataworks-port", type=int, default=8765,
                       help="port of the fake DataWorks OpenAPI (default 8765; 0 = any free port)")
    serve.add_argument("--workers", type=int, default=None,
                       help="bus processes sharing the port, each with its own function instances "
                            "(default: one per core, at most 4; 1 = this process only)")
    serve.set_defaults(func=cmd_serve)

    send = sub.add_parser("send", help="post events (a CloudEvent or an array) to a running `openevent serve`")
    send.add_argument("file", nargs="*", default=["-"], metavar="FILE|-",
                      help="one body per file, all over one kept-alive connection (several: a JSON array of answers)")
    send.add_argument("--url", default="http://127.0.0.1:8080")
    send.set_defaults(func=cmd_send)

    demo = sub.add_parser("demo", help="replay a scripted day of DataWorks events through every function")
    demo.add_argument("--template", default="s.yaml")
    demo.add_argument("--json", action="store_true", help="print the step results as JSON")
    demo.add_argument("--storm", type=int, default=200, help="failures in the storm scenario")
    demo.add_argument("--audit-trail", default=".openevent/audit.jsonl",
                      help="where the auditor's JSONL trail goes (default .openevent/audit.jsonl, "
                           "what `openevent audit show` reads)")
    demo.set_defaults(func=cmd_demo)


def cmd_serve(args: argparse.Namespace) -> int:
    from openevent.local.bus import LocalBus
    from openevent.local.server import BusServer
    from openevent.local.stack import LocalStack
    from openevent.runtime.logging import configure_logging

    configure_logging("stderr", force=True)
    if args.workers is None:
        from openevent.local.serve_workers import default_workers

        args.workers = default_workers()
    if args.workers < 1:
        raise OpenEventError(f"--workers must be at least 1, got {args.workers}")
    with LocalStack(args.state_dir, dataworks_port=args.dataworks_port) as stack:
        if args.workers > 1:
            return _serve_workers(args, stack)
        bus = LocalBus(template=args.template, env=stack.env)
        server = BusServer(bus, stack, host=args.host, port=args.port)
        info = server.info()
        print(f"openevent serve: listening on {server.url} (rules from {info['rules_from']}); "
              f"inbox {server.url}/inbox; Ctrl-C stops", file=sys.stderr)
        print(f"  fake DataWorks OpenAPI: {stack.dataworks.endpoint} (extension code {stack.extension_code}); "
              "to run a guard against it from another shell:", file=sys.stderr)
        print(f"    {stack.exports()}", file=sys.stderr)
        print(f"  audit trail: {stack.audit_path} (openevent audit show); state: {stack.env['OPENEVENT_STATE_URL']}",
              file=sys.stderr)
        for fn, pats in bus.patterns.items():
            types = sorted({t for p in pats for t in p.get("type", []) if isinstance(t, str)})
            print(f"  {fn}: {len(types)} event types", file=sys.stderr)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
    return 0


def _serve_workers(args: argparse.Namespace, stack: Any) -> int:
    from openevent.local.serve_workers import serve_with_workers

    def listening(url: str) -> None:
        print(f"openevent serve: listening on {url} (rules from {args.template}, {args.workers} worker processes); "
              f"inbox {url}/inbox; Ctrl-C stops", file=sys.stderr)
        print(f"  fake DataWorks OpenAPI: {stack.dataworks.endpoint} (extension code {stack.extension_code}); "
              "to run a guard against it from another shell:", file=sys.stderr)
        print(f"    {stack.exports()}", file=sys.stderr)
        print(f"  audit trail: {stack.audit_path} (openevent audit show); state: {stack.env['OPENEVENT_STATE_URL']}",
              file=sys.stderr)

    return serve_with_workers(stack, template=args.template, workers=args.workers, host=args.host, port=args.port,
                              on_listening=listening)


def cmd_send(args: argparse.Namespace) -> int:
    import http.client

    from openevent.local.bus_client import BusClient, decode_answer

    bodies = [read_input(path) for path in args.file]
    try:
        client = BusClient(args.url)
    except ValueError as exc:
        raise OpenEventError(str(exc)) from None
    answers: list[Any] = []
    ok = True
    with client:
        for body in bodies:
            try:
                status, data = client.post(body)
            except (OSError, http.client.HTTPException) as exc:
                raise OpenEventError(
                    f"cannot reach {args.url}: {exc.__class__.__name__}; is `openevent serve` running?") from None
            answer = decode_answer(data)
            if status == 400:
                raise OpenEventError(f"the bus refused the event: {answer.get('error')}")
            answers.append(answer)
            ok = ok and 200 <= status < 300
    print_json(answers[0] if len(answers) == 1 else answers)
    return 0 if ok else 1


def cmd_demo(args: argparse.Namespace) -> int:
    from openevent.local.demo import run_demo

    report = run_demo(template=args.template, storm=args.storm, progress=sys.stderr, audit_path=args.audit_trail)
    if args.json:
        print_json(report.as_dict())
    else:
        sys.stdout.write(report.render() + "\n")
    print(f"audit trail: {args.audit_trail} (openevent audit show)", file=sys.stderr)
    return 0 if report.ok else 1


