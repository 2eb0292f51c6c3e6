"""``openevent check [--template s.yaml] [--strict]`` and ``openevent check FUNCTION --config FILE``.

Prints one ``error: <file>: <key>: <problem>`` (or ``warning: …``) line per problem on stderr and a
JSON summary on stdout; exits 2 when there is an error (or, with ``--strict``, a warning), else 0.
The logic is :mod:`openevent.deploy.check`.

Example:
    $ openevent check
    warning: s.yaml: resources.instance_status_notifier.props.environmentVariables.OPENEVENT_STATE_URL: …
    {"template": "s.yaml", "functions": 6, "errors": 0, "warnings": 7}
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from openevent.cli._io import print_json


def register(sub: Any) -> None:
    p = sub.add_parser("check", help="validate s.yaml, the function declarations, configs and environment")
    p.add_argument("function", nargs="?", metavar="FUNCTION", help="check one function's --config file only")
    p.add_argument("--template", default="s.yaml", help="the Serverless Devs template (default s.yaml)")
    p.add_argument("--config", metavar="FILE", help="with FUNCTION: the config file to validate")
    p.add_argument("--strict", action="store_true", help="warnings fail the check too")
    p.set_defaults(func=cmd_check)


@contextmanager
def _functions_beside(template: Path) -> Iterator[None]:
    """Read the function folders next to the template (``<template dir>/functions``)."""
    folder = template.resolve().parent / "functions"
    saved = os.environ.get("OPENEVENT_FUNCTIONS_DIR")
    if folder.is_dir() and not saved:
        os.environ["OPENEVENT_FUNCTIONS_DIR"] = str(folder)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("OPENEVENT_FUNCTIONS_DIR", None)


def _declared(names: list[str] | None = None) -> list[Any]:
    from openevent.deploy.check import Declared
    from openevent.local.functions import list_functions, load_module

    return [Declared.of(load_module(name, keep=False)) for name in (names or list_functions())]


def cmd_check(args: argparse.Namespace) -> int:
    from openevent.deploy.check import check_function, check_template
    from openevent.errors import ConfigError

    template = Path(args.template)
    if args.function:
        if not args.config:
            raise ConfigError("openevent check FUNCTION needs --config FILE (without FUNCTION, the whole template)")
        with _functions_beside(template):
            (declared,) = _declared([args.function])
        findings = check_function(declared, args.config)
        summary: dict[str, Any] = {"function": args.function, "config": args.config}
    else:
        if not template.is_file():
            raise ConfigError(f"{args.template}: the template does not exist (pass --template)")
        with _functions_beside(template):
            declared_all = _declared()
            findings = check_template(template, declared_all)
        summary = {"template": args.template, "functions": len(declared_all)}
    from openevent.runtime.redact import redact_text

    for finding in findings:
        print(redact_text(finding.line()), file=sys.stderr)
    errors = sum(f.level == "error" for f in findings)
    warnings = len(findings) - errors
    print_json({**summary, "errors": errors, "warnings": warnings}, compact=True)
    return 2 if errors or (args.strict and warnings) else 0
