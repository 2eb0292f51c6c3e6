"""Claim → complete | release, per destination, on every state backend; a broken store degrades."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from openevent.delivery.idempotency import Idempotency
from openevent.state import StateStore, open_store
from openevent.state.bounded import unavailable_store

NOW = 1_700_000_000.0


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StateStore]:
    if request.param == "memory":
        url = "memory://"
    elif request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('idem') / 'state.db'}"
    else:
        url = request.getfixturevalue("redis_url")
    with open_store(url, prefix=f"openevent:test:{id(request)}:") as s:
        yield s


def idem(store: StateStore, now: float = NOW) -> Idempotency:
    return Idempotency(store, "t", ttl_s=3600, clock=lambda: now)


def test_the_first_claim_is_new_and_a_concurrent_one_is_in_progress(store: StateStore) -> None:
    assert idem(store).claim("e1", until=NOW + 30).state == "new"
    assert idem(store).claim("e1", until=NOW + 30).state == "in_progress"


def test_a_claim_expires_at_the_claiming_invocations_deadline(store: StateStore) -> None:
    idem(store).claim("e1", until=NOW + 30)
    later = idem(store, now=NOW + 31).claim("e1", until=NOW + 61)
    assert later.state == "new" and later.resumed


def test_a_completed_key_returns_its_result(store: StateStore) -> None:
    i = idem(store)
    i.claim("e1", until=NOW + 30)
    i.complete("e1", {"answer": "OK"})
    claim = i.claim("e1", until=NOW + 30)
    assert (claim.state, claim.result) == ("completed", {"answer": "OK"})


def test_a_released_key_can_be_claimed_again_and_keeps_its_finished_parts(store: StateStore) -> None:
    i = idem(store)
    i.claim("e1", until=NOW + 30)
    i.complete_part("e1", "jsonl", {"status": "written"})
    i.release("e1")
    claim = i.claim("e1", until=NOW + 30)
    assert claim.state == "new" and claim.part_done("jsonl") and not claim.part_done("sls")


def test_saved_data_is_first_writer_wins(store: StateStore) -> None:
    i = idem(store)
    i.claim("e1", until=NOW + 30)
    assert i.save("e1", decision={"result": "OK"})["decision"] == {"result": "OK"}
    assert i.save("e1", decision={"result": "FAIL"})["decision"] == {"result": "OK"}
    assert i.claim("e1", until=NOW + 30).data == {"decision": {"result": "OK"}}


def test_a_store_that_cannot_be_used_degrades_to_no_idempotency() -> None:
    i = idem(unavailable_store("connection refused"))
    claim = i.claim("e1", until=NOW + 30)
    assert claim.state == "unavailable" and claim.proceed
    assert i.save("e1", decision={"result": "OK"}) == {"decision": {"result": "OK"}}
    i.complete_part("e1", "x", {})
    i.complete("e1", {})
    i.release("e1")
