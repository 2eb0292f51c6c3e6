"""Redis-only behaviour: what FC instances meet in production that the other backends cannot show."""

from __future__ import annotations

import redis
from state_harness import Harness


def test_the_store_reconnects_after_the_server_dropped_its_connection(redis_h: Harness) -> None:
    redis_h.store.add_once("event:1", ttl_s=60)  # opens a pooled connection
    admin = redis.Redis.from_url(redis_h.url)
    try:
        assert admin.client_kill_filter(_type="normal", skipme=True) >= 1
    finally:
        admin.close()
    assert redis_h.store.add_once("event:1", ttl_s=60) is False


def test_keys_carry_the_prefix_and_the_kind(redis_h: Harness) -> None:
    redis_h.store.add_once("event:1", ttl_s=60)
    redis_h.store.put("last-status:i1", {"s": "FAILURE"})
    admin = redis.Redis.from_url(redis_h.url, decode_responses=True)
    try:
        assert sorted(admin.scan_iter(match=f"{redis_h.prefix}*")) == [
            f"{redis_h.prefix}doc:last-status:i1", f"{redis_h.prefix}once:event:1"]
    finally:
        admin.close()
