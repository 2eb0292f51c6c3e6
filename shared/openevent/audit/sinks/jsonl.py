"""The local JSONL sink: one record per line, safe under concurrent appends, never a record twice.

Every line is written with a single ``os.write`` on a descriptor opened with ``O_APPEND``, so
lines of concurrent writers never interleave. While it appends, the sink holds an exclusive
``flock`` on the file (where ``fcntl`` exists) and skips records whose ``audit_id`` is already in
the file: two deliveries of one event, even in two processes at once, leave one line. The ids
already in the file are indexed incrementally (only bytes appended since the last look are read).

Example:
    >>> import tempfile, os
    >>> from openevent.audit.record import AuditRecord, Resource
    >>> path = os.path.join(tempfile.mkdtemp(), "audit.jsonl")
    >>> rec = AuditRecord(audit_id="a", event_id="e", event_type="t", action="kill",
    ...                   resource=Resource(kind="instance", id="1"), recorded_at="x")
    >>> sink = JsonlSink(path); sink.write([rec]); sink.write([rec])
    >>> len(open(path).readlines())
    1
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from openevent.audit.record import AuditRecord
from openevent.audit.sinks.base import SinkError

try:  # POSIX (FC and every CI runner); elsewhere the O_APPEND single-write guarantee still holds
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class JsonlSink:
    """Appends records to ``path`` (created with its directory when missing)."""

    name = "jsonl"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._ids: set[str] = set()
        self._indexed: tuple[int, int] = (-1, 0)  # (inode, bytes indexed)
        self._mutex = threading.Lock()

    def write(self, records: Sequence[AuditRecord]) -> None:
        if not records:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise SinkError(self.name, f"cannot open {self.path}: {exc.strerror}") from exc
        try:
            with self._mutex, _locked(fd):
                self._index(fd)
                for record in records:
                    if record.audit_id in self._ids:
                        continue
                    line = json.dumps(record.to_json_dict(), ensure_ascii=False, separators=(",", ":")) + "\n"
                    data = line.encode("utf-8")
                    if os.write(fd, data) != len(data):
                        raise SinkError(self.name, f"short write to {self.path}")
                    self._ids.add(record.audit_id)
        except OSError as exc:
            raise SinkError(self.name, f"cannot append to {self.path}: {exc.strerror}") from exc
        finally:
            os.close(fd)

    def _index(self, fd: int) -> None:
        """Add the ids of lines appended since the last look (all of them after a rotation)."""
        stat = os.fstat(fd)
        inode, seen = self._indexed
        if stat.st_ino != inode or stat.st_size < seen:
            self._ids.clear()
            seen = 0
        if stat.st_size > seen:
            with open(self.path, "rb") as fh:
                fh.seek(seen)
                chunk = fh.read(stat.st_size - seen)
            end = chunk.rfind(b"\n") + 1  # a partial last line (a crashed writer) is re-read next time
            for raw in chunk[:end].splitlines():
                audit_id = _audit_id(raw)
                if audit_id:
                    self._ids.add(audit_id)
            seen += end
        self._indexed = (stat.st_ino, seen)


def _audit_id(raw: bytes) -> str | None:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    audit_id = value.get("audit_id") if isinstance(value, dict) else None
    return audit_id if isinstance(audit_id, str) else None


@contextmanager
def _locked(fd: int) -> Iterator[None]:
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
