"""The ``openevent`` command line: argument parsing and dispatch only, no logic of its own.

Each sub-command lives in a module of this package exposing ``register(subparsers)``; the
module list below is the only place that names them. A command returns an exit status;
:class:`~openevent.errors.OpenEventError` (bad input, bad config) becomes exit status 2 and
one ``error: …`` line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from openevent.errors import OpenEventError

# sub-command modules, in help order
COMMAND_MODULES = (
    "events_cmd",
    "invoke_cmd",
    "notify_cmd",
    "check_cmd",
    "deploy_cmd",
    "local_cmd",
    "audit_cmd",
    "bench_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="openevent",
        description="Handle Alibaba Cloud DataWorks OpenEvent messages: parse, invoke, route, deploy, test.",
    )
    parser.add_argument("--version", action="version", version=f"openevent {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"openevent.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"openevent.cli.{name}":
                continue  # a command not built yet
            raise
        module.register(sub)
    return parser


def _version() -> str:
    """The installed distribution's version, else the package's own ``__version__`` (a source checkout)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("openevent")
    except PackageNotFoundError:
        from openevent import __version__

        return __version__


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(func(args) or 0)
    except OpenEventError as exc:
        from openevent.runtime.redact import redact_text

        print(f"error: {redact_text(str(exc))}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130


def exit_main() -> None:  # pragma: no cover - console script wrapper
    sys.exit(main())
