"""Transient failures are retried inside the deadline; permanent ones and `Success: false` are raised."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from openevent.dataworks.client import DataWorksClient
from openevent.dataworks.errors import DataWorksApiError
from openevent.dataworks.retry import FakeClock, RetryPolicy
from openevent.local.fake_dataworks import DEFAULT_EXTENSION_CODE, FakeDataWorks
from openevent.runtime.context import LocalContext

ClientFactory = Callable[..., DataWorksClient]
PARAMS = {"ExtensionCode": DEFAULT_EXTENSION_CODE, "MessageId": "m-1", "CheckResult": "FAIL"}


class FixedRemaining(LocalContext):
    """An FC context that always has ``millis`` left (time is driven by the FakeClock instead)."""

    millis: int = 0

    def get_remaining_time_in_millis(self) -> int:
        return self.millis


def _context(seconds: float) -> FixedRemaining:
    ctx = FixedRemaining(function_name="guard", timeout_s=60)
    ctx.millis = int(seconds * 1000)
    return ctx


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
    client = make_client(context=_context(1.0), deadline_margin_s=0.0,
                         policy=RetryPolicy(max_attempts=10, base_delay_s=0.5, min_attempt_s=0.3))

    with pytest.raises(DataWorksApiError) as caught:
        client.call("CallbackExtension", PARAMS)

    # attempt 1 fails, sleep 0.5 (t=0.5), attempt 2 fails; the next backoff (1.0) would end past 1.0 s
    assert caught.value.attempts == 2 and len(fake.requests) == 2
    assert clock.sleeps == [0.5]


def test_a_call_with_no_time_left_is_not_attempted(fake: FakeDataWorks, make_client: ClientFactory) -> None:
    client = make_client(context=_context(0.6), deadline_margin_s=0.5)

    with pytest.raises(DataWorksApiError) as caught:
        client.call("CallbackExtension", PARAMS)

    assert (caught.value.code, caught.value.attempts) == ("DeadlineExceeded", 0)
    assert fake.requests == []


def test_attempt_timeouts_are_bounded_by_the_remaining_time(make_client: ClientFactory,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    client = make_client(context=_context(2.0), deadline_margin_s=0.5)
    seen: list[float] = []
    real_attempt = client._attempt

    def spy(action: str, params: dict[str, str], timeout_s: float) -> dict[str, object]:
        seen.append(timeout_s)
        return real_attempt(action, params, timeout_s)

    monkeypatch.setattr(client, "_attempt", spy)
    client.call("CallbackExtension", PARAMS)

    assert seen == [1.5]


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
