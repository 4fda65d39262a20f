"""Text normalization shared by the parser and the pipelines, so a content hash means the same everywhere."""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = ["clean_whitespace", "content_hash", "normalize_for_hash"]

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


def normalize_for_hash(text: str) -> str:
    """The form of a text that its content hash is taken of: NFKC, no whitespace at all.

    Whitespace and full-/half-width differences are noise between two fetches of the same article;
    anything else is a change.
    """
    return "".join(_drop_zero_width(unicodedata.normalize("NFKC", text)).split())


def content_hash(text: str) -> str:
    """sha256 (hex) of :func:`normalize_for_hash` of ``text``."""
    return hashlib.sha256(normalize_for_hash(text).encode("utf-8")).hexdigest()
