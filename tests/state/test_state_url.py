"""OPENEVENT_STATE_URL: choosing the backend, rejecting bad URLs, and keeping passwords secret."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.redis_server import RedisServer, require_redis_server
from openevent.errors import ConfigError
from openevent.runtime.redact import redact_text
from openevent.state import StateError, open_store, parse_state_url
from openevent.state.memory import MemoryStore
from openevent.state.redis import RedisStore
from openevent.state.sqlite import SqliteStore


@pytest.fixture(scope="module")
def password_redis() -> Iterator[RedisServer]:
    """A real redis-server that requires a password."""
    with RedisServer(require_redis_server(), password="state-test-pw-8c1e") as server:
        yield server


# -- choosing the backend ----------------------------------------------------------------------
def test_memory_is_the_default_when_the_variable_is_unset() -> None:
    assert isinstance(open_store(env={}), MemoryStore)


def test_an_empty_variable_also_means_memory() -> None:
    assert isinstance(open_store(env={"OPENEVENT_STATE_URL": "  "}), MemoryStore)


def test_the_environment_variable_chooses_the_backend(tmp_path: Path) -> None:
    store = open_store(env={"OPENEVENT_STATE_URL": f"sqlite:///{tmp_path}/state.db"})
    assert isinstance(store, SqliteStore)
    store.close()


def test_an_explicit_url_wins_over_the_environment() -> None:
    assert isinstance(open_store("memory://", env={"OPENEVENT_STATE_URL": "redis://x:1/0"}), MemoryStore)


def test_a_sqlite_path_after_three_slashes_is_relative_to_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    open_store("sqlite:///run/state.db").close()
    assert (tmp_path / "run" / "state.db").is_file()


def test_a_sqlite_path_with_four_slashes_is_absolute_and_its_directories_are_created(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "state.db"
    open_store(f"sqlite:///{target}").close()
    assert target.is_file()


def test_a_redis_url_gives_host_port_database_and_credentials() -> None:
    parsed = parse_state_url("redis://ops:p%40ss-word@10.0.0.5:6380/3")
    assert (parsed.scheme, parsed.host, parsed.port, parsed.db, parsed.username, parsed.password) == \
        ("redis", "10.0.0.5", 6380, 3, "ops", "p@ss-word")


def test_a_redis_url_defaults_to_port_6379_and_database_0() -> None:
    parsed = parse_state_url("redis://r-bp1.redis.rds.aliyuncs.com")
    assert (parsed.port, parsed.db, parsed.password) == (6379, 0, None)


def test_rediss_selects_tls() -> None:
    assert parse_state_url("rediss://:pw-123456@tair.example:6379/0").scheme == "rediss"


def test_the_redis_package_is_imported_only_for_a_redis_url(tmp_path: Path) -> None:
    code = ("import sys, openevent.state as s; s.open_store('memory://');"
            f" s.open_store('sqlite:///{tmp_path}/x.db').close(); print('redis' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- bad URLs -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("url", "problem"), [
    ("mysql://db:3306/x", "unknown scheme 'mysql'"),
    ("state.db", "missing '://'"),
    ("memory://somewhere", "takes nothing"),
    ("sqlite://host/state.db", "no host"),
    ("sqlite:///", "missing database file path"),
    ("sqlite:///:memory:", "use memory://"),
    ("redis://:6379/0", "missing host"),
    ("redis://host:port/0", "port must be a number"),
    ("redis://host:6379/zero", "database must be a non-negative integer"),
    ("redis://host:6379/0?timeout=3", "no query string"),
])
def test_a_bad_url_is_a_config_error_naming_the_variable_and_the_problem(url: str, problem: str) -> None:
    with pytest.raises(ConfigError, match="OPENEVENT_STATE_URL") as err:
        parse_state_url(url)
    assert problem in str(err.value)


def test_an_empty_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="empty state URL"):
        parse_state_url("")


# -- secrets ------------------------------------------------------------------------------------
def test_a_redis_password_is_registered_as_a_secret() -> None:
    parse_state_url("redis://:registered-pw-5d2a@host:6379/0")
    assert redact_text("auth registered-pw-5d2a") == "auth ***"


def test_a_bad_redis_url_error_does_not_show_the_password() -> None:
    with pytest.raises(ConfigError) as err:
        parse_state_url("redis://:error-pw-77f3@host:6379/nope")
    assert "error-pw-77f3" not in str(err.value)


def test_the_parsed_url_and_the_store_repr_do_not_show_the_password() -> None:
    url = "redis://:repr-pw-91b0@127.0.0.1:6379/1"
    store = open_store(url)
    assert "repr-pw-91b0" not in repr(parse_state_url(url))
    assert repr(store) == "RedisStore('redis://127.0.0.1:6379/1', prefix='openevent:')"
    store.close()


# -- redis connections --------------------------------------------------------------------------
def test_a_password_protected_redis_works_with_the_password_in_the_url(password_redis: RedisServer) -> None:
    store = open_store(password_redis.url)
    try:
        assert store.add_once("event:1", ttl_s=60) is True
    finally:
        store.close()


def test_a_wrong_redis_password_is_a_state_error_that_does_not_show_it(password_redis: RedisServer) -> None:
    store = open_store(f"redis://:wrong-pw-3c4d@127.0.0.1:{password_redis.port}/0")
    try:
        with pytest.raises(StateError) as err:
            store.add_once("event:1", ttl_s=60)
        assert "wrong-pw-3c4d" not in str(err.value)
    finally:
        store.close()


def test_an_unreachable_redis_is_a_state_error_naming_the_server() -> None:
    with RedisServer(require_redis_server()) as server:
        port = server.port
    store = RedisStore(host="127.0.0.1", port=port, timeout_s=1)
    with pytest.raises(StateError, match=f"redis://127.0.0.1:{port}/0"):
        store.ping()
