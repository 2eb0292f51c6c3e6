"""The stdout sink: one JSON line per record (FC ships stdout to the function's SLS logstore).

The lines go where the structured logs go (:func:`openevent.runtime.logging.configure_logging`):
stdout on FC, stderr under ``openevent invoke`` so that the command's own stdout stays the result.

Each line is ``{"event": "audit.record", "level": "info", "logger": "openevent.audit", "audit": {…}}``,
so it sits with the structured log lines of the invocation and is found with
``event: audit.record`` in SLS.

Example:
    >>> import io
    >>> from openevent.audit.record import AuditRecord, Resource
    >>> out = io.StringIO()
    >>> StdoutSink(stream=out).write([AuditRecord(audit_id="a", event_id="e", event_type="t", action="kill",
    ...                                           resource=Resource(kind="instance", id="1"), recorded_at="x")])
    >>> out.getvalue().startswith('{"event":"audit.record"')
    True
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TextIO, cast

from openevent.audit.record import AuditRecord
from openevent.audit.sinks.base import SinkError
from openevent.runtime.redact import redact


class _Discard:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        return None


def _log_stream() -> TextIO:
    from openevent.runtime.logging import configured_stream

    # the stream structured logging was configured with (stdout unless a CLI chose stderr or null)
    name = configured_stream() or "stdout"
    if name == "null":
        return cast(TextIO, _Discard())
    return sys.stderr if name == "stderr" else sys.stdout


class StdoutSink:
    """Writes records as JSON lines to ``stream`` (default: the log stream at the time of writing)."""

    name = "stdout"

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def write(self, records: Sequence[AuditRecord]) -> None:
        stream = self._stream or _log_stream()
        try:
            for record in records:
                line = {"event": "audit.record", "level": "info", "logger": "openevent.audit",
                        "audit": redact(record.to_json_dict())}
                stream.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
            stream.flush()
        except (OSError, ValueError) as exc:
            raise SinkError(self.name, f"cannot write to stdout: {exc}") from exc
