"""The vendors' signing recipes, checked against the reference's test vectors."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from openevent.notify.signing import (
    dingtalk_sign,
    dingtalk_signed_url,
    feishu_sign,
    hub_signature,
    openevent_signature,
    verify_openevent_signature,
    webhook_signature_headers,
)

DT_SECRET, DT_TS = "SEC0123456789abcdef", 1700000000000
FS_SECRET, FS_TS = "feishu-test-secret", 1700000000


def test_dingtalk_signature_matches_the_reference_vector() -> None:
    assert dingtalk_sign(DT_SECRET, DT_TS) == "TSZbRFUuvaSQaRKUpF970OPCb2/LcQAP3wOvwZIzBZk="


def test_dingtalk_signed_url_encodes_the_sign_exactly_once() -> None:
    url = dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=T", DT_SECRET, DT_TS)
    assert "sign=TSZbRFUuvaSQaRKUpF970OPCb2%2FLcQAP3wOvwZIzBZk%3D" in url
    assert "%252F" not in url and "%253D" not in url


def test_dingtalk_signed_url_keeps_access_token_and_puts_timestamp_in_the_query() -> None:
    url = dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=T", DT_SECRET, DT_TS)
    query = parse_qs(urlsplit(url).query)
    assert query == {"access_token": ["T"], "timestamp": [str(DT_TS)],
                     "sign": ["TSZbRFUuvaSQaRKUpF970OPCb2/LcQAP3wOvwZIzBZk="]}


def test_dingtalk_signed_url_replaces_a_stale_signature_already_in_the_url() -> None:
    url = dingtalk_signed_url("https://x/robot/send?access_token=T&timestamp=1&sign=old", DT_SECRET, DT_TS)
    query = parse_qs(urlsplit(url).query)
    assert query["timestamp"] == [str(DT_TS)] and len(query["sign"]) == 1


def test_feishu_signature_matches_the_reference_vector() -> None:
    assert feishu_sign(FS_SECRET, FS_TS) == "e3MJ8Q5llVxGJ8pVkGPBhexDAgjvYqpjPP1GkY9XceI="


def test_feishu_signature_is_not_the_dingtalk_style_computation() -> None:
    assert feishu_sign(FS_SECRET, FS_TS) != "h/YXgyoiyw0K/L0ImDtWRHoDgH10ksHhmznCTaRFMR4="


def test_hub_signature_matches_the_github_vector() -> None:
    assert hub_signature("whsecret", b'{"status":"firing"}') == (
        "sha256=42c28fa7ae54da7fa89abe249d8862475982f0022b75cdbea82e01bab224d45d")


def test_webhook_signature_headers_carry_timestamp_and_both_schemes() -> None:
    headers = webhook_signature_headers("whsecret", b'{"status":"firing"}', 1700000000)
    assert headers["X-Openevent-Signature"].startswith("t=1700000000,v1=")
    assert headers["X-Hub-Signature-256"] == hub_signature("whsecret", b'{"status":"firing"}')


def test_openevent_signature_verifies_within_tolerance() -> None:
    header = openevent_signature("k3y-k3y", b"{}", 1700000000)
    assert verify_openevent_signature("k3y-k3y", header, b"{}", now_s=1700000299)


def test_openevent_signature_is_rejected_when_stale() -> None:
    header = openevent_signature("k3y-k3y", b"{}", 1700000000)
    assert not verify_openevent_signature("k3y-k3y", header, b"{}", now_s=1700000301)


def test_openevent_signature_is_rejected_for_other_bytes() -> None:
    header = openevent_signature("k3y-k3y", b"{}", 1700000000)
    assert not verify_openevent_signature("k3y-k3y", header, b"{ }", now_s=1700000000)
