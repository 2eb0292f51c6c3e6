"""Small helpers shared by the sub-commands: reading input, printing JSON, key=value options."""

from __future__ import annotations

import json
import sys
from typing import Any

from openevent.errors import ConfigError, OpenEventError


def read_input(path: str | None) -> bytes:
    """Bytes of ``path``, or of stdin for ``-`` / ``None``."""
    if path in (None, "-"):
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise OpenEventError(f"cannot read {path}: {exc.strerror}") from None


def print_json(value: Any, *, compact: bool = False) -> None:
    """Print ``value`` as JSON on stdout (secrets redacted)."""
    from openevent.runtime.redact import redact

    text = json.dumps(redact(value), ensure_ascii=False, default=str,
                      indent=None if compact else 2, separators=(",", ":") if compact else None)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def parse_assignments(items: list[str] | None, what: str = "--env") -> dict[str, str]:
    """``["K=V", …]`` → ``{"K": "V"}`` with a clear error for a malformed item."""
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"{what} expects KEY=VALUE, got {item!r}")
        out[key] = value
    return out


def short_list(items: Any, limit: int = 4) -> str:
    """``a, b, c, d and 3 more``: a list that stays on one line."""
    values = [str(i) for i in items]
    shown = ", ".join(values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "") if values else "nothing"
