"""``os.environ`` with per-invocation scopes: a scope's values belong to its thread, the process's stay as they are."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest

from openevent.local.scoped_env import ScopedEnviron, install, scoped

KEY = "OPENEVENT_TEST_SCOPED"


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    install()
    yield
    for key in (KEY, f"{KEY}_OTHER"):
        os.environ.pop(key, None)


def test_outside_a_scope_it_reads_and_writes_the_process_environment() -> None:
    os.environ[KEY] = "process"

    assert os.environ.base[KEY] == "process"  # type: ignore[attr-defined]
    assert os.getenv(KEY) == "process" and dict(os.environ)[KEY] == "process"


def test_installing_twice_keeps_one_wrapper() -> None:
    assert install() is install() is os.environ
    assert not isinstance(os.environ.base, ScopedEnviron)  # type: ignore[attr-defined]


def test_a_scope_overrides_the_process_value_until_it_ends() -> None:
    os.environ[KEY] = "process"

    with scoped({KEY: "scope"}):
        inside = (os.environ[KEY], os.getenv(KEY), os.environ.copy()[KEY])

    assert inside == ("scope", "scope", "scope")
    assert os.environ[KEY] == "process"


def test_another_thread_does_not_see_the_scope() -> None:
    seen: list[str | None] = []
    with scoped({KEY: "mine"}):
        thread = threading.Thread(target=lambda: seen.append(os.environ.get(KEY)))
        thread.start()
        thread.join()

    assert seen == [None]


def test_a_write_to_a_scoped_variable_stays_in_the_scope() -> None:
    with scoped({KEY: "scope"}):
        os.environ[KEY] = "changed"
        inside = os.environ[KEY]

    assert inside == "changed" and KEY not in os.environ


def test_a_write_to_another_variable_reaches_the_process_as_before() -> None:
    with scoped({KEY: "scope"}):
        os.environ.setdefault(f"{KEY}_OTHER", "set inside")

    assert os.environ[f"{KEY}_OTHER"] == "set inside"


def test_deleting_a_scoped_variable_hides_it_only_in_the_scope() -> None:
    os.environ[KEY] = "process"

    with scoped({KEY: "scope"}):
        del os.environ[KEY]
        inside = (KEY in os.environ, KEY in list(os.environ))
        with pytest.raises(KeyError):
            del os.environ[KEY]

    assert inside == (False, False) and os.environ[KEY] == "process"


def test_nested_scopes_stack_and_unwind() -> None:
    with scoped({KEY: "outer", f"{KEY}_OTHER": "outer"}):
        with scoped({KEY: "inner"}):
            inner = (os.environ[KEY], os.environ[f"{KEY}_OTHER"])
        outer = os.environ[KEY]

    assert inner == ("inner", "outer") and outer == "outer"
