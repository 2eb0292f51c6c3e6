"""UTF-8-safe truncation with a visible "… N more" note, sized to fit a vendor's byte or char limit.

Limits are enforced on what the vendor measures: DingTalk and Feishu the whole request body
in bytes, WeCom the ``content`` field in bytes, Slack a block's text in characters.
:func:`fit_text` finds the longest prefix of a text for which a caller-supplied measure of the
final payload stays within the limit (JSON escaping and signatures included), cutting on a
character boundary, never inside a multibyte character.

Example:
    >>> truncate_bytes("告警正文很长", 7)
    '告警'
    >>> fit_text("x" * 50, lambda t: len(t.encode()), 30, lang="en")
    'xxxxxxx\\n… 43 more characters'
"""

from __future__ import annotations

from collections.abc import Callable

from openevent.notify.message import Lang

# what each vendor accepts (reference notify-channels.md §0 and §8.4)
DINGTALK_MAX_BODY_BYTES = 20_000
FEISHU_MAX_BODY_BYTES = 20 * 1024
WECOM_TEXT_MAX_BYTES = 2_048
WECOM_MARKDOWN_MAX_BYTES = 4_096
SLACK_SECTION_MAX_CHARS = 3_000
SLACK_HEADER_MAX_CHARS = 150
SLACK_TEXT_MAX_CHARS = 40_000
SLACK_MAX_BLOCKS = 50


def more_note(omitted_chars: int, lang: Lang) -> str:
    """The marker appended to a cut text."""
    if lang == "zh":
        return f"\n…（还有 {omitted_chars} 个字符未显示）"
    return f"\n… {omitted_chars} more characters"


def truncate_bytes(text: str, max_bytes: int) -> str:
    """Longest prefix of ``text`` whose UTF-8 encoding fits ``max_bytes`` (whole characters only)."""
    if max_bytes <= 0:
        return ""
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text
    return raw[:max_bytes].decode("utf-8", errors="ignore")


def fit_text(text: str, measure: Callable[[str], int], limit: int, *, lang: Lang = "zh") -> str:
    """``text`` itself if ``measure(text) <= limit``, else the longest prefix + note that fits.

    ``measure`` maps a candidate text to the size the vendor will see (bytes of the whole
    body, characters of a block…). Returns ``""`` when not even the note fits.
    """
    if measure(text) <= limit:
        return text
    lo, hi, best = 0, len(text), ""
    while lo <= hi:  # binary search on the number of characters kept
        mid = (lo + hi) // 2
        candidate = text[:mid].rstrip() + more_note(len(text) - mid, lang)
        if measure(candidate) <= limit:
            best, lo = candidate, mid + 1
        else:
            hi = mid - 1
    return best


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))
