"""The redis-server test helper: skip locally without the binary, fail loudly in CI."""

from __future__ import annotations

import pytest

from fixtures.redis_server import require_redis_server


def _without_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_SERVER_BIN", raising=False)
    monkeypatch.setenv("PATH", "")


def test_a_missing_redis_server_skips_the_test_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    _without_redis(monkeypatch)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="redis-server is not installed"):
        require_redis_server()


def test_a_missing_redis_server_fails_the_test_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    _without_redis(monkeypatch)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must install it"):
        require_redis_server()
