"""Memoised attribute tests: short strings answered from memory, long ones (pasted base64 styles) never kept."""

from __future__ import annotations

from newsspider.parsers.memo import memo_short


def test_short_strings_are_remembered_and_long_ones_tested_each_time() -> None:
    seen: list[str] = []

    @memo_short
    def hidden(style: str) -> bool:
        seen.append(style)
        return "display:none" in style

    short = "display:none;color:red"
    pasted = "background:url(data:image/png;base64," + "QUJD" * 12_000 + ")"
    assert [hidden(short), hidden(short)] == [True, True]
    assert [hidden(pasted), hidden(pasted)] == [False, False]
    assert seen.count(short) == 1
    assert seen.count(pasted) == 2
