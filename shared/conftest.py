"""pytest configuration for the doctests of ``shared/openevent`` (collected with ``--doctest-modules``).

Each doctest starts from the FC default, JSON log lines on stdout, whatever an earlier example
configured, so a doctest that shows a log line shows it in every order (the same rule as the
``tests/`` tree's own conftest).
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _logs_on_stdout() -> None:
    from openevent.runtime.logging import configure_logging

    configure_logging("stdout", force=True)
