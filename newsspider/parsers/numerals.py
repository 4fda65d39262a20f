"""Chinese numerals as numbers: the digit-by-digit years of 二〇二〇年 and the counted 十八 of 二月十八日."""

from __future__ import annotations

from types import MappingProxyType

__all__ = ["cn_number"]

# 〇 and its look-alikes (○, 零, a Latin O or a digit 0 typed into a year) all read as zero.
_DIGITS = MappingProxyType(
    {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0, "O": 0, "0": 0}
)


def cn_number(s: str) -> int:
    """一 -> 1, 十 -> 10, 十八 -> 18, 二十 -> 20, 三十一 -> 31; digit strings such as 二〇 -> 20."""
    if "十" in s:
        tens, _, units = s.partition("十")
        if len(tens) > 1 or len(units) > 1 or "十" in units:
            return -1
        return (_DIGITS.get(tens, -1) if tens else 1) * 10 + (_DIGITS.get(units, -1) if units else 0)
    value = 0
    for c in s:
        value = value * 10 + _DIGITS[c]
    return value
