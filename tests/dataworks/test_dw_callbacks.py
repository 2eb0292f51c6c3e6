"""The three callback APIs, sent through the real SDK to the fake DataWorks."""

from __future__ import annotations

import pytest

from openevent.dataworks.callbacks import MAX_MESSAGE_CHARS, callback_params, send_callback
from openevent.dataworks.client import DataWorksClient
from openevent.dataworks.errors import DataWorksApiError
from openevent.errors import ConfigError
from openevent.local.fake_dataworks import DEFAULT_EXTENSION_CODE, FakeDataWorks

MSG = "539fd8f4-4ea1-4625-aa8b-6c9066740000"


def test_callback_extension_delivers_result_and_check_message(fake: FakeDataWorks,
                                                             client: DataWorksClient) -> None:
    receipt = send_callback("CallbackExtension", MSG, DEFAULT_EXTENSION_CODE, "FAIL",
                            "[owner-only] only the owner may delete", client=client)

    [received] = fake.callbacks
    assert (received.action, received.message_id, received.check_result, received.message) == (
        "CallbackExtension", MSG, "FAIL", "[owner-only] only the owner may delete")
    assert receipt.sent and receipt.request_id == received.request_id and receipt.attempts == 1


def test_update_ide_event_result_delivers_result_and_tip(fake: FakeDataWorks, client: DataWorksClient) -> None:
    send_callback("UpdateIDEEventResult", MSG, DEFAULT_EXTENSION_CODE, "WARN", "uses MAX_PT", client=client)

    [received] = fake.callbacks
    assert (received.action, received.check_result, received.message) == ("UpdateIDEEventResult", "WARN",
                                                                          "uses MAX_PT")


@pytest.mark.parametrize("result", ["OK", "FAIL"])
def test_update_workbench_event_result_delivers_ok_and_fail(fake: FakeDataWorks, client: DataWorksClient,
                                                            result: str) -> None:
    send_callback("UpdateWorkbenchEventResult", MSG, DEFAULT_EXTENSION_CODE, result, "freeze window",
                  client=client)

    [received] = fake.callbacks
    assert (received.action, received.check_result) == ("UpdateWorkbenchEventResult", result)


def test_warn_on_workbench_is_sent_as_ok_with_the_warning_in_the_tip(fake: FakeDataWorks,
                                                                    client: DataWorksClient) -> None:
    receipt = send_callback("UpdateWorkbenchEventResult", MSG, DEFAULT_EXTENSION_CODE, "WARN",
                            "backfill of 400 days", client=client)

    [received] = fake.callbacks
    assert (received.check_result, received.message) == ("OK", "[WARN] backfill of 400 days")
    assert (receipt.result, receipt.sent_result) == ("WARN", "OK")


def test_the_fake_refuses_warn_on_workbench_like_the_documented_api(fake: FakeDataWorks,
                                                                   client: DataWorksClient) -> None:
    with pytest.raises(DataWorksApiError) as caught:
        client.call("UpdateWorkbenchEventResult", {"MessageId": MSG, "ExtensionCode": DEFAULT_EXTENSION_CODE,
                                                   "CheckResult": "WARN"})

    assert caught.value.code == "InvalidParameter" and caught.value.http_status == 400
    assert fake.callbacks == []


def test_extension_code_comes_from_the_environment_when_not_given(fake: FakeDataWorks,
                                                                  client: DataWorksClient) -> None:
    send_callback("CallbackExtension", MSG, None, "OK", client=client,
                  env={"DATAWORKS_EXTENSION_CODE": DEFAULT_EXTENSION_CODE})

    assert fake.callbacks[0].extension_code == DEFAULT_EXTENSION_CODE


def test_missing_extension_code_is_a_config_error(client: DataWorksClient) -> None:
    with pytest.raises(ConfigError, match="DATAWORKS_EXTENSION_CODE"):
        send_callback("CallbackExtension", MSG, None, "OK", client=client, env={})


def test_unknown_extension_code_is_refused_and_not_retried(fake: FakeDataWorks, client: DataWorksClient) -> None:
    with pytest.raises(DataWorksApiError) as caught:
        send_callback("CallbackExtension", MSG, "not-registered", "OK", client=client)

    assert not caught.value.transient and len(fake.requests) == 1


def test_dry_mode_returns_the_callback_it_would_send_without_sending(fake: FakeDataWorks) -> None:
    dry = DataWorksClient.from_environment(env={"FC_REGION": "cn-shanghai"})

    receipt = send_callback("UpdateIDEEventResult", MSG, DEFAULT_EXTENSION_CODE, "FAIL", "blocked", client=dry)

    assert (receipt.sent, receipt.dry_run) == (False, True)
    assert receipt.params == {"ExtensionCode": DEFAULT_EXTENSION_CODE, "MessageId": MSG, "CheckResult": "FAIL",
                              "CheckResultTip": "blocked"}
    assert fake.requests == []


def test_send_callback_builds_its_client_from_the_environment(fake: FakeDataWorks) -> None:
    env = {"DATAWORKS_ENDPOINT": fake.endpoint, "DATAWORKS_EXTENSION_CODE": DEFAULT_EXTENSION_CODE}

    receipt = send_callback("CallbackExtension", MSG, None, "OK", env=env)

    assert receipt.sent and receipt.endpoint == fake.endpoint and fake.callbacks[0].message_id == MSG


def test_result_other_than_ok_warn_fail_is_rejected_before_sending(fake: FakeDataWorks,
                                                                   client: DataWorksClient) -> None:
    with pytest.raises(ValueError, match="OK, WARN or FAIL"):
        send_callback("CallbackExtension", MSG, DEFAULT_EXTENSION_CODE, "MAYBE", client=client)

    assert fake.requests == []


def test_unknown_callback_api_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown callback api"):
        callback_params("UpdateSomethingResult", MSG, "ext", "OK")


def test_long_messages_are_cut_to_the_limit(fake: FakeDataWorks, client: DataWorksClient) -> None:
    send_callback("CallbackExtension", MSG, DEFAULT_EXTENSION_CODE, "FAIL", "x" * 5000, client=client)

    assert len(fake.callbacks[0].message) == MAX_MESSAGE_CHARS


def test_non_ascii_messages_arrive_intact(fake: FakeDataWorks, client: DataWorksClient) -> None:
    text = "禁止删除生产工作空间 * ~ & = + %"

    send_callback("CallbackExtension", MSG, DEFAULT_EXTENSION_CODE, "FAIL", text, client=client)

    assert fake.callbacks[0].message == text
