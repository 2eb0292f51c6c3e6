"""Answers that look like success but are not, and transport failures."""

from __future__ import annotations

import socket

from openevent.notify.channels.dingtalk import DingTalkChannel
from openevent.notify.channels.feishu import FeishuChannel
from openevent.notify.channels.slack import SlackChannel
from openevent.notify.message import Message
from openevent.notify.transport import HttpResponse, HttpTransport

DT = DingTalkChannel("d", "http://127.0.0.1:9/robot/send?access_token=t")
FS = FeishuChannel("f", "http://127.0.0.1:9/open-apis/bot/v2/hook/t")
SL = SlackChannel("s", "http://127.0.0.1:9/services/T/B/X")


def test_an_empty_200_is_not_a_delivery() -> None:
    out = DT.classify(HttpResponse(200, b""))
    assert (out.status, out.code) == ("permanent", "unparsable_response")


def test_a_200_without_errcode_is_not_a_delivery() -> None:
    assert DT.classify(HttpResponse(200, b'{"status":1111,"wait":5}')).status == "permanent"


def test_a_200_with_a_non_zero_errcode_is_not_a_delivery() -> None:
    out = DT.classify(HttpResponse(200, '{"errcode":400102,"errmsg":"机器人已停用"}'.encode()))
    assert (out.status, out.code, out.text) == ("permanent", 400102, "机器人已停用")


def test_dingtalk_busy_is_transient() -> None:
    assert DT.classify(HttpResponse(200, '{"errcode":-1,"errmsg":"系统繁忙"}'.encode())).status == "retry_after"


def test_feishu_legacy_status_code_is_understood() -> None:
    assert FS.classify(HttpResponse(200, b'{"StatusCode":0,"StatusMessage":"success"}')).ok


def test_feishu_bad_request_at_http_400_is_permanent_with_its_code() -> None:
    out = FS.classify(HttpResponse(400, b'{"code":9499,"msg":"Bad Request","data":{}}'))
    assert (out.status, out.code, out.http_status) == ("permanent", 9499, 400)


def test_an_html_gateway_error_is_transient() -> None:
    assert FS.classify(HttpResponse(502, b"<html>Bad Gateway</html>")).status == "retry_after"


def test_slack_200_with_another_body_is_not_a_delivery() -> None:
    assert SL.classify(HttpResponse(200, b"invalid_token")).status == "permanent"


def test_an_http_date_retry_after_is_understood() -> None:
    out = SL.classify(HttpResponse(429, b"rate_limited", {"retry-after": "Wed, 21 Oct 2099 07:28:00 GMT"}))
    assert out.status == "retry_after" and out.retry_after is not None and out.retry_after > 0


def test_a_refused_connection_is_retry_after() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    channel = SlackChannel("s", f"http://127.0.0.1:{port}/services/T/B/X", transport=HttpTransport())
    out = channel.send(Message(kind="test", title="t"), timeout=2)
    assert (out.status, out.code) == ("retry_after", "connection_error")
