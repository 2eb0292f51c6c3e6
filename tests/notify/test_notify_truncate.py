"""Truncation: byte-accurate, UTF-8 safe, with a visible note."""

from __future__ import annotations

from openevent.notify.limits.truncate import fit_text, more_note, truncate_bytes, utf8_len


def test_truncate_bytes_never_cuts_inside_a_multibyte_character() -> None:
    assert truncate_bytes("告警正文", 8) == "告警"
    assert truncate_bytes("告警正文", 9) == "告警正"


def test_text_within_the_limit_is_unchanged() -> None:
    assert fit_text("短消息", utf8_len, 100) == "短消息"


def test_cut_text_fits_the_limit_exactly_in_bytes() -> None:
    text = "任务失败" * 2000
    cut = fit_text(text, utf8_len, 2048)
    assert utf8_len(cut) <= 2048
    assert utf8_len(cut) > 2048 - 3 - utf8_len(more_note(len(text), "zh"))


def test_cut_text_ends_with_a_note_counting_the_omitted_characters() -> None:
    cut = fit_text("x" * 100, len, 40, lang="en")
    kept = cut.split("\n")[0]
    assert cut.endswith(f"… {100 - len(kept)} more characters")


def test_chinese_note_is_used_for_chinese_messages() -> None:
    assert "还有" in fit_text("x" * 100, len, 40, lang="zh")


def test_cut_text_is_valid_utf8_for_any_limit() -> None:
    text = "数据质量🚨" * 500
    for limit in range(60, 200, 7):
        cut = fit_text(text, utf8_len, limit)
        assert utf8_len(cut) <= limit
        cut.encode("utf-8").decode("utf-8")
