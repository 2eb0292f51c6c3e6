"""``openevent notify test RECEIVER [--config FILE]``: send a connectivity test to one receiver.

The config file (default ``$OPENEVENT_CONFIG``) has a top-level ``receivers:`` mapping; other
keys are ignored. Without a file, receivers come from the environment
(:func:`openevent.notify.receivers_from_env`: ``dingtalk``, ``feishu``, ``wecom``, ``slack``,
``webhook``, ``email``). Prints the classified outcome as JSON; exit 0 if sent, 1 if not,
2 for an unknown or disabled receiver or a bad config.

Example:
    $ openevent notify test oncall-dingtalk --config functions/instance_status_notifier/config.yaml
    {"receiver": "oncall-dingtalk", "channel": "dingtalk", "status": "permanent", "code": 310000,
     "text": "keywords not in content", ...}
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from openevent.errors import ConfigError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("notify", help="notification receivers: send a test message")
    sub = parser.add_subparsers(dest="notify_command", metavar="ACTION", required=True)
    test = sub.add_parser("test", help="send a connectivity-test message to one configured receiver")
    test.add_argument("receiver", metavar="RECEIVER", help="receiver name (a key under receivers:)")
    test.add_argument("--config", metavar="FILE", default=None,
                      help="config file with a receivers: mapping (default: $OPENEVENT_CONFIG; "
                           "without one, receivers come from environment variables)")
    test.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the test message")
    test.add_argument("--budget", type=float, default=20.0, metavar="SECONDS",
                      help="time allowed for delivery including retries (default 20)")
    test.set_defaults(func=run_test)


def run_test(args: argparse.Namespace) -> int:
    from openevent.cli._io import print_json
    from openevent.notify.message import connectivity_message
    from openevent.notify.receivers import NotifyConfig, build_channel
    from openevent.notify.sender import send_with_retry
    from openevent.runtime.config import CONFIG_ENV, load_config
    from openevent.runtime.logging import configure_logging

    configure_logging(stream="stderr")
    path = args.config or os.environ.get(CONFIG_ENV) or None
    if path:
        receivers = dict(load_config(NotifyConfig, path).receivers)
        source = str(path)
    else:
        from openevent.notify.env import receivers_from_env

        receivers = dict(receivers_from_env())
        source = "environment"
    receiver = receivers.get(args.receiver)
    if receiver is None:
        known = ", ".join(sorted(receivers)) or "none"
        raise ConfigError(f"receiver {args.receiver!r} is not configured in {source} (known: {known})")
    if not receiver.enabled:
        raise ConfigError(f"receiver {args.receiver!r} is disabled: its url or required settings are unset "
                          "(check the environment variables it references)")
    channel = build_channel(args.receiver, receiver)
    outcome = send_with_retry(channel, connectivity_message(args.receiver, lang=args.lang),
                              budget_s=args.budget)
    print_json(outcome.to_dict())
    return 0 if outcome.ok else 1
