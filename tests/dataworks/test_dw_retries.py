"""Transient failures are retried inside the deadline; permanent ones and `Success: false` are raised."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from openevent.dataworks.client import DataWorksClient
from openevent.dataworks.errors import DataWorksApiError
from openevent.delivery.budget import Budget, activate
from openevent.delivery.retry import RetryPolicy
from openevent.local.fake_dataworks import DEFAULT_EXTENSION_CODE, FakeDataWorks
from support import FakeClock

ClientFactory = Callable[..., DataWorksClient]
PARAMS = {"ExtensionCode": DEFAULT_EXTENSION_CODE, "MessageId": "m-1", "CheckResult": "FAIL"}


def in_budget(clock: FakeClock, seconds: float, *, margin_s: float = 0.0, reserve_s: float = 0.0) -> Any:
    """Run the block as an invocation with ``seconds`` left on the fake clock."""
    return activate(Budget(timeout_s=seconds, margin_s=margin_s, reserve_s=reserve_s, clock=clock))


@pytest.mark.parametrize("kind", ["unavailable", "internal", "throttle"])
def test_transient_failures_are_retried_until_success(fake: FakeDataWorks, client: DataWorksClient,
                                                      clock: FakeClock, kind: str) -> None:
    fake.fail_next(2, kind, action="CallbackExtension")

    response = client.invoke("CallbackExtension", PARAMS)

    assert response.attempts == 3 and len(fake.requests) == 3
    assert len(fake.callbacks) == 1
    assert clock.sleeps == [0.2, 0.4]


def test_backoff_delays_are_jittered_below_the_exponential_cap(fake: FakeDataWorks, make_client: ClientFactory,
                                                               clock: FakeClock) -> None:
    fake.fail_next(3, "unavailable")

    make_client(rng=lambda: 0.5).call("CallbackExtension", PARAMS)

    assert clock.sleeps == [0.1, 0.2, 0.4]


def test_retries_stop_after_the_attempt_budget(fake: FakeDataWorks, client: DataWorksClient) -> None:
    fake.fail_next(10, "unavailable")

    with pytest.raises(DataWorksApiError) as caught:
        client.call("CallbackExtension", PARAMS)

    assert caught.value.attempts == 4 and len(fake.requests) == 4
    assert (caught.value.code, caught.value.http_status, caught.value.transient) == ("ServiceUnavailable", 503,
                                                                                    True)


def test_permanent_error_is_not_retried(fake: FakeDataWorks, client: DataWorksClient, clock: FakeClock) -> None:
    fake.fail_next(1, "forbidden")

    with pytest.raises(DataWorksApiError) as caught:
        client.call("CallbackExtension", PARAMS)

    assert (caught.value.code, caught.value.transient, caught.value.attempts) == ("Forbidden.Access", False, 1)
    assert len(fake.requests) == 1 and clock.sleeps == []


def test_success_false_is_raised_with_code_message_and_request_id(fake: FakeDataWorks,
                                                                  client: DataWorksClient) -> None:
    fake.fail_next(1, "unsuccessful", code="Invalid.Project.Frozen", message="workspace is frozen")

    with pytest.raises(DataWorksApiError) as caught:
        client.call("GetProject", {"ProjectId": 3000002})

    error = caught.value
    assert (error.code, error.message, error.action) == ("Invalid.Project.Frozen", "workspace is frozen",
                                                         "GetProject")
    assert error.request_id == fake.requests[0].request_id and fake.requests[0].status == 200


def test_no_retry_starts_when_the_backoff_would_cross_the_deadline(fake: FakeDataWorks,
                                                                   make_client: ClientFactory,
                                                                   clock: FakeClock) -> None:
    fake.fail_next(5, "unavailable")
    client = make_client(policy=RetryPolicy(max_attempts=10, base_delay_s=0.5, min_attempt_s=0.3))

    with in_budget(clock, 1.0), pytest.raises(DataWorksApiError) as caught:
        client.call("CallbackExtension", PARAMS)

    # attempt 1 fails, sleep 0.5 (t=0.5), attempt 2 fails; the next backoff (1.0) would end past 1.0 s
    assert caught.value.attempts == 2 and len(fake.requests) == 2
    assert clock.sleeps == [0.5]


def test_a_call_with_no_time_left_is_not_attempted(fake: FakeDataWorks, make_client: ClientFactory,
                                                   clock: FakeClock) -> None:
    client = make_client()

    with in_budget(clock, 0.6, margin_s=0.5), pytest.raises(DataWorksApiError) as caught:
        client.call("CallbackExtension", PARAMS)

    assert (caught.value.code, caught.value.attempts) == ("DeadlineExceeded", 0)
    assert fake.requests == []


def _spy_timeouts(client: DataWorksClient, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    seen: list[float] = []
    real_attempt = client._attempt

    def spy(action: str, params: dict[str, str], timeout_s: float) -> dict[str, object]:
        seen.append(timeout_s)
        return real_attempt(action, params, timeout_s)

    monkeypatch.setattr(client, "_attempt", spy)
    return seen


def test_attempt_timeouts_are_bounded_by_the_remaining_time(make_client: ClientFactory, clock: FakeClock,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    client = make_client()
    seen = _spy_timeouts(client, monkeypatch)

    with in_budget(clock, 2.0, margin_s=0.5):
        client.call("CallbackExtension", PARAMS)

    assert seen == [1.5]


def test_an_ordinary_call_never_uses_the_reserve_kept_for_the_answer(fake: FakeDataWorks, make_client: ClientFactory,
                                                                     clock: FakeClock,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    fake.world.add_workspace(10001, "sales_dw")
    client = make_client()
    seen = _spy_timeouts(client, monkeypatch)

    with in_budget(clock, 12.0, reserve_s=5.0):
        client.call("GetProject", {"ProjectId": 10001})
        client.invoke("CallbackExtension", PARAMS, use_reserve=True)

    assert seen == [7.0, 10.0]  # GetProject: 12 - 5 reserved; the answer may use all 12 (capped at 10 a try)


def test_an_ordinary_call_is_not_attempted_when_only_the_reserve_is_left(
        fake: FakeDataWorks, make_client: ClientFactory, clock: FakeClock) -> None:
    client = make_client()

    with in_budget(clock, 10.0, reserve_s=5.0):
        clock.now += 4.9
        with pytest.raises(DataWorksApiError) as caught:
            client.call("GetProject", {"ProjectId": 10001})
        client.invoke("CallbackExtension", PARAMS, use_reserve=True)

    assert caught.value.code == "DeadlineExceeded"
    assert [r.action for r in fake.requests] == ["CallbackExtension"]


def test_an_answer_slower_than_the_read_timeout_is_a_transient_error(fake: FakeDataWorks,
                                                                     make_client: ClientFactory) -> None:
    fake.fail_next(1, "slow", delay_s=5.0)
    client = make_client(read_timeout_s=0.2, policy=RetryPolicy(max_attempts=1))

    with pytest.raises(DataWorksApiError) as caught:
        client.call("CallbackExtension", PARAMS)

    assert (caught.value.code, caught.value.transient) == ("SDK.HttpError", True)
    assert fake.callbacks == []


def test_a_slow_answer_within_the_timeout_succeeds(fake: FakeDataWorks, client: DataWorksClient) -> None:
    fake.fail_next(1, "slow", delay_s=0.05)

    assert client.invoke("CallbackExtension", PARAMS).attempts == 1


def test_an_unreachable_endpoint_is_retried_as_transient(make_client: ClientFactory, clock: FakeClock) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    client = make_client(endpoint=f"http://127.0.0.1:{closed_port}")

    with pytest.raises(DataWorksApiError) as caught:
        client.call("CallbackExtension", PARAMS)

    assert (caught.value.code, caught.value.transient, caught.value.attempts) == ("SDK.HttpError", True, 4)
    assert len(clock.sleeps) == 3


def test_faults_can_target_one_action(fake: FakeDataWorks, client: DataWorksClient) -> None:
    fake.fail_next(1, "forbidden", action="GetNode")

    client.call("CallbackExtension", PARAMS)

    with pytest.raises(DataWorksApiError):
        client.call("GetNode", {"NodeId": 100000219, "ProjectEnv": "PROD"})
