"""Text normalization shared by the parser and the pipelines, so a content hash means the same everywhere."""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = [
    "KNOWN_NFKC_RANGES",
    "clean_whitespace",
    "compare_form",
    "content_hash",
    "nfkc",
    "normalize_for_hash",
]

# Whitespace is every character str.isspace() accepts (\u3000 ideographic space, \xa0 &nbsp;, \u2000-\u200a,
# \u202f, \u205f, line/paragraph separators…) plus U+FEFF; zero-width characters are removed outright.
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060]")


def clean_whitespace(text: str) -> str:
    """Collapse every run of whitespace (full-width and non-breaking included) to one ASCII space; strip."""
    # split()/join instead of a regex sub: the same result 3-4x faster, and this runs ~100 times a page.
    return " ".join(_drop_zero_width(text).split())


def _drop_zero_width(text: str) -> str:
    """Zero-width characters removed and U+FEFF made a space; an `in` test first, they are rare."""
    if "\ufeff" in text:
        text = text.replace("\ufeff", " ")
    if "\u200b" in text or "\u200c" in text or "\u200d" in text or "\u2060" in text:
        text = _ZERO_WIDTH.sub("", text)
    return text


# unicodedata's NFKC leaves its quick path on any full-width punctuation (，。“”), which nearly every
# Chinese paragraph has: 27 µs for a 240-character paragraph, the biggest part of the normalize pipeline.
# On text made only of the characters below, NFKC works character by character: none of them is, or
# decomposes to, a combining mark or a character that composes with the one before it (Hangul jamo, some
# Indic vowel signs), which tests/test_textnorm.py checks against the whole Unicode database. There the
# few characters NFKC changes are replaced in one regex scan (5 µs); any other text takes unicodedata's path.
_UNCHANGED_RANGES = ((0x09, 0x0D), (0x20, 0x7E), (0xB7, 0xB7), (0x4E00, 0x9FFF))  # ASCII, 汉字
# Spaces, dashes and quotes, CJK and full-width punctuation; U+2017 and the tone marks U+302A-302F combine.
_CHANGING_RANGES = (
    (0xA0, 0xA0), (0x2010, 0x2016), (0x2018, 0x2027), (0x3000, 0x3029), (0x3030, 0x303F), (0xFF01, 0xFF5E),
)  # fmt: skip
KNOWN_NFKC_RANGES = _UNCHANGED_RANGES + _CHANGING_RANGES
_OUTSIDE_KNOWN = re.compile("[^" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in KNOWN_NFKC_RANGES) + "]")
_NFKC_OF = {
    char: form
    for a, b in _CHANGING_RANGES
    for char in map(chr, range(a, b + 1))
    if (form := unicodedata.normalize("NFKC", char)) != char
}
_NFKC_CHANGES = re.compile("[" + "".join(map(re.escape, _NFKC_OF)) + "]")


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, faster on the characters of Chinese news text."""
    if unicodedata.is_normalized("NFKC", text):  # its quick check: ASCII, plain 汉字 (a title) in no time
        return text
    if _OUTSIDE_KNOWN.search(text):
        return unicodedata.normalize("NFKC", text)
    # One str.replace per distinct character (a paragraph has a few: ，。“”) instead of a Python call per
    # occurrence: half the time. No replacement holds a character that is replaced (tests/test_textnorm.py).
    for char in set(_NFKC_CHANGES.findall(text)):
        text = text.replace(char, _NFKC_OF[char])
    return text


def compare_form(text: str) -> str:
    """NFKC, no whitespace, lower case: the form in which the parser compares two renderings of a title."""
    # split()/join drops exactly what re.sub(r"\s+", "") would (str.isspace is \s), a regex call cheaper.
    return "".join(nfkc(text).split()).lower()


def normalize_for_hash(text: str) -> str:
    """The form of a text that its content hash is taken of: NFKC, no whitespace at all.

    Whitespace and full-/half-width differences are noise between two fetches of the same article;
    anything else is a change.
    """
    return "".join(_drop_zero_width(nfkc(text)).split())


def content_hash(text: str) -> str:
    """sha256 (hex) of :func:`normalize_for_hash` of ``text``."""
    return hashlib.sha256(normalize_for_hash(text).encode("utf-8")).hexdigest()
