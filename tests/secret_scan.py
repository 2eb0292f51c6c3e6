"""The suite-wide secret scanner: no secret reaches a log line, a result, an exception or a file.

Every test's captured output (stdout, stderr and log records of setup, call and teardown, what
``capsys``/``capfd`` handed the test, what ``run_cli`` captured, what a fault rig's handler
returned or raised) is searched for every secret known at that point: the values registered with
:mod:`openevent.runtime.redact` so far in the session (access keys, STS tokens, webhook secrets and
tokens, Redis passwords — the library registers each as it reads it) and the well-known secrets
of the tests' own fixtures. A test whose output holds one fails, naming the secret only by its
first characters. Files a test leaves under ``tmp_path`` that are outputs (audit trails, state
databases, worker results, logs) are searched at its teardown.

A test that prints a secret on purpose (to check the redaction itself) says so with
``@pytest.mark.secret_output``; only the scan's own canary (tests/security/test_security.py) does.

Example (what ``tests/conftest.py`` wires up)::

    SCANNER.feed("a log line", where="stdout")
    leak = SCANNER.leak_in(text)   # None, or a short description without the secret
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from openevent.local.demo_keys import LOCAL_DEMO_ACCESS_KEY_SECRET
from openevent.local.fake_sls import SLS_DEMO_KEY_SECRET
from openevent.runtime.redact import registered_secrets

# secrets the test fixtures configure (grep the tests for secret=…); each must never be printed
WELL_KNOWN: frozenset[str] = frozenset({
    LOCAL_DEMO_ACCESS_KEY_SECRET, SLS_DEMO_KEY_SECRET,
    "SEC-test-secret",                                    # tests/alerting: every signed DingTalk robot
    "SECdq0123456789abcdef", "whsec-dq-0123456789",       # tests/quality: DingTalk and webhook secrets
    "fault-rig-sts-token-0123456789", "fault-rig-key-secret-0123456789",  # tests/faults: the STS key
    "SECfaultrig0123456789", "whsec-fault-rig-0123456789",                # tests/faults: chat and webhook
    "redis-fault-password-0123",                                          # tests/faults: the Redis password
})
OUTPUT_SUFFIXES = (".jsonl", ".out", ".log", ".db", ".db-wal", ".txt")
MAX_FILE_BYTES = 20 * 1024 * 1024


def searchable(value: str) -> bool:
    """Whether a registered value is searched for: a placeholder word a test uses as a password
    (``secret``, ``password``) also names log keys (``access_key_secret``), so short all-letter
    values are left out; the redaction itself still masks them.

    Example:
        >>> searchable("secret"), searchable("hunter2-secret"), searchable("SEC-test-secret")
        (False, True, True)
    """
    return len(value) >= 6 and not (value.isalpha() and len(value) < 12)


class SecretScanner:
    """Knows every secret seen in the session and tells whether a text holds one."""

    def __init__(self, well_known: Iterable[str] = WELL_KNOWN) -> None:
        self._lock = threading.Lock()
        self._known: set[str] = set(well_known)
        self._pattern: re.Pattern[str] | None = None
        self._pattern_of: frozenset[str] = frozenset()
        self.pending: list[tuple[str, str]] = []
        """Texts fed during the running test (``where``, ``text``), checked in its report."""
        self.checked_bytes = 0

    def learn(self, secrets: Iterable[str] = ()) -> None:
        """Remember ``secrets`` and everything registered for redaction right now."""
        with self._lock:
            self._known.update(s for s in (*secrets, *registered_secrets()) if searchable(s))

    @property
    def known(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._known)

    def _compiled(self) -> re.Pattern[str] | None:
        self.learn()
        with self._lock:
            if self._pattern_of != frozenset(self._known):
                forms = {form for s in self._known for form in (s, quote(s, safe=""))}
                ordered = sorted(forms, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(s) for s in ordered)) if ordered else None
                self._pattern_of = frozenset(self._known)
            return self._pattern

    def leak_in(self, text: str) -> str | None:
        """A short description of the first secret in ``text`` (never the secret itself), or ``None``."""
        if not text:
            return None
        pattern = self._compiled()
        self.checked_bytes += len(text)
        found = pattern.search(text) if pattern is not None else None
        if found is None:
            return None
        secret = found.group(0)
        return f"a secret ({secret[:3]}…, {len(secret)} chars) at offset {found.start()}"

    def mask(self, text: str) -> str:
        """``text`` with every known secret replaced by ``***`` (the report of a failed test shows it)."""
        pattern = self._compiled()
        return pattern.sub("***", text) if pattern is not None and text else text

    def feed(self, text: str, *, where: str) -> None:
        """Queue ``text`` (output the test consumed itself) for the check of the running test."""
        if text:
            self.pending.append((where, text))

    def take_pending(self) -> list[tuple[str, str]]:
        pending, self.pending = self.pending, []
        return pending

    def leaks_in_files(self, root: Path) -> list[str]:
        """Leaks in the output files under ``root`` (config files a test wrote are inputs, not searched)."""
        out: list[str] = []
        if not root.is_dir():
            return out
        for path in sorted(root.rglob("*")):
            if not path.is_file() or not path.name.endswith(OUTPUT_SUFFIXES):
                continue
            try:
                if path.stat().st_size > MAX_FILE_BYTES:
                    continue
                text = path.read_bytes().decode("utf-8", "replace")
            except OSError:
                continue
            leak = self.leak_in(text)
            if leak:
                out.append(f"{path.relative_to(root)}: {leak}")
        return out


SCANNER = SecretScanner()

