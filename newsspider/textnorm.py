"""Text normalization shared by the parser and the pipelines, so a content hash means the same everywhere."""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = ["clean_whitespace", "content_hash", "normalize_for_hash"]

# \u3000 (ideographic space), \xa0 (&nbsp;), zero-width characters and other Unicode spaces.
_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060]")


def clean_whitespace(text: str) -> str:
    """Collapse every run of whitespace (full-width and non-breaking included) to one ASCII space; strip."""
    return _SPACES.sub(" ", _ZERO_WIDTH.sub("", text)).strip()


def normalize_for_hash(text: str) -> str:
    """The form of a text that its content hash is taken of: NFKC, no whitespace at all.

    Whitespace and full-/half-width differences are noise between two fetches of the same article;
    anything else is a change.
    """
    return _SPACES.sub("", _ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", text)))


def content_hash(text: str) -> str:
    """sha256 (hex) of :func:`normalize_for_hash` of ``text``."""
    return hashlib.sha256(normalize_for_hash(text).encode("utf-8")).hexdigest()
