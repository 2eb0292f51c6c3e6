"""Log excerpts: error lines first, then the tail, within a size cap."""

from __future__ import annotations

from openevent.alerting.enrich import log_excerpt


def test_error_lines_come_first_then_the_last_lines() -> None:
    log = "\n".join(["start", "ERROR: table missing", *[f"step {i}" for i in range(10)]])
    out = log_excerpt(log, lines=3, error_lines=5, max_bytes=1000)
    assert out.splitlines() == ["ERROR: table missing", "…", "step 7", "step 8", "step 9"]


def test_an_error_line_inside_the_tail_is_not_repeated() -> None:
    out = log_excerpt("a\nb\nFAILED: x", lines=2, error_lines=5, max_bytes=1000)
    assert out == "b\nFAILED: x"


def test_the_excerpt_is_capped_in_bytes_without_breaking_characters() -> None:
    out = log_excerpt("错误：" + "很长" * 2000, lines=5, error_lines=5, max_bytes=200)
    assert len(out.encode("utf-8")) <= 200 and out.endswith("…")
