"""Fixtures of the DQ forwarder tests: the fake chat vendors and a fake SLS endpoint."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dq_helpers import SLS_LOGSTORE, SLS_PROJECT

from openevent.local.fake_chat import FakeChat
from openevent.local.fake_sls import FakeSls


@pytest.fixture
def chat() -> Iterator[FakeChat]:
    with FakeChat() as fake:
        yield fake


@pytest.fixture
def sls() -> Iterator[FakeSls]:
    with FakeSls(projects={SLS_PROJECT: [SLS_LOGSTORE]}) as fake:
        yield fake
