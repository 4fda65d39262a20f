"""NormalizePipeline: whitespace, noise width, canonical URL, fetch time and content hash of every record.

Runs first, so validation, versioning and the content hash all see the same form of a record whatever
the parser or the page's HTML did with spaces.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from datetime import UTC, datetime
from typing import Any

from itemadapter import ItemAdapter

from newsspider.textnorm import clean_whitespace, content_hash
from newsspider.urls import canonical_url

__all__ = ["NormalizePipeline", "normalize_string", "normalize_text", "normalize_value"]

# Full-width ASCII letters and digits (Ａ-Ｚ, ａ-ｚ, ０-９) are typesetting noise in 文号, dates and names:
# 晋政发〔２０２０〕５号 and 晋政发〔2020〕5号 are the same number. Chinese punctuation (，。：（）) is
# the norm in Chinese text and is kept, which is why this is not a blanket NFKC.
_WIDE_RANGES = ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
_WIDTH = {c: c - 0xFEE0 for a, b in _WIDE_RANGES for c in range(a, b + 1)}
_WIDE = "".join(f"{chr(a)}-{chr(b)}" for a, b in _WIDE_RANGES)  # the same, as a regex character class
# Fields whose newlines carry structure (paragraph breaks); everything else is one line.
_MULTILINE = frozenset({"text"})
# Values that are identifiers or raw provenance: kept exactly as received.
_VERBATIM = frozenset({"url", "canonical_url", "content_hash", "published_raw", "source_raw"})


_HAS_WIDE = re.compile(f"[{_WIDE}]")
# What normalizing would change: whitespace other than one inner ASCII space (every character str.isspace()
# accepts: \u3000, \xa0, \x85...), zero-width characters, full-width letters and digits. Most strings the
# parser hands over have none, which one scan for a character class and a few substring tests prove: such a
# string is kept as it is. (One regex with the space runs and line ends as alternatives took 3x as long.)
_SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace())  # U+3000 is the last one
_ODD = "\u200b-\u200d\u2060\ufeff" + _WIDE
_ODD_IN_LINE = re.compile("[" + re.escape(_SPACES.replace(" ", "")) + _ODD + "]")
_ODD_IN_TEXT = re.compile("[" + re.escape(_SPACES.replace(" ", "").replace("\n", "")) + _ODD + "]")


def _is_normal_line(value: str) -> bool:
    return not (_ODD_IN_LINE.search(value) or "  " in value or value[:1] == " " or value[-1:] == " ")


def _is_normal_text(value: str) -> bool:
    # A newline is fine, an empty line (dropped) or a space at a line's end is not.
    return not (
        _ODD_IN_TEXT.search(value)
        or "  " in value
        or "\n " in value
        or " \n" in value
        or "\n\n" in value
        or value[:1] in ("", " ", "\n")
        or value[-1:] in (" ", "\n")
    )


def normalize_string(value: str) -> str:
    """One-line form: every whitespace run (\\u3000, &nbsp;, full-width) one space; full-width ASCII narrowed."""
    if _is_normal_line(value):
        return value
    # str.translate with a dict looks every character up; a regex scan in C first makes the common case
    # (no full-width letters or digits) cheap.
    if _HAS_WIDE.search(value):
        value = value.translate(_WIDTH)
    return clean_whitespace(value)


def normalize_text(value: str) -> str:
    """Like :func:`normalize_string` per line; blank lines dropped, paragraph breaks kept."""
    if _is_normal_text(value):
        return value
    lines = (normalize_string(line) for line in value.split("\n"))
    return "\n".join(line for line in lines if line)


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    # dataclasses.fields() filters the class's fields anew on every call: 4 calls a record cost 5% of it.
    return tuple(f.name for f in dataclasses.fields(cls))


def normalize_value(value: Any, key: str = "") -> Any:
    """Normalize every string inside ``value`` (lists, dicts and nested dataclasses included)."""
    if isinstance(value, str):
        if key in _VERBATIM:
            return value.strip()
        return normalize_text(value) if key in _MULTILINE else normalize_string(value)
    if value is None or isinstance(value, int | float):  # most fields of a record: nothing to look into
        return value
    if isinstance(value, list):
        return [normalize_value(v, key) for v in value]
    if isinstance(value, dict):
        return {k: normalize_value(v, k) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _field_names(type(value))
        changes = {name: normalize_value(getattr(value, name), name) for name in names}
        if all(changes[name] is getattr(value, name) for name in names):
            return value  # nothing to change: no copy
        return dataclasses.replace(value, **changes)
    return value


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _as_utc(value: Any) -> Any:
    """``fetched_at`` in UTC; now when missing; a naive time is taken as UTC (Scrapy's clocks are)."""
    if not value:
        return _utc_now()
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(str(value))
        except ValueError:
            return value  # left for validation to quarantine with its reason
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="seconds")


class NormalizePipeline:
    """Whitespace and width in every string field; ``canonical_url`` from ``url``; ``fetched_at`` (UTC)
    when the spider did not set it; ``content_hash`` recomputed over the normalized text."""

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            # Our records: field by field, changed values only. ItemAdapter's get and set of every one of
            # the 37 fields took two thirds of this pipeline's time.
            for name in _field_names(type(item)):
                value = getattr(item, name)
                if (normal := normalize_value(value, name)) is not value:
                    setattr(item, name, normal)
        else:
            for key in list(adapter.keys()):
                adapter[key] = normalize_value(adapter[key], key)
        if "paragraphs" in adapter and "text" in adapter:
            paragraphs = [p for p in adapter["paragraphs"] if p]
            adapter["paragraphs"] = paragraphs
            if not adapter.get("text") and paragraphs:
                adapter["text"] = "\n".join(paragraphs)
        url = adapter.get("url")
        if isinstance(url, str) and url:
            adapter["canonical_url"] = canonical_url(url)
        adapter["fetched_at"] = _as_utc(adapter.get("fetched_at"))
        if isinstance(adapter.get("text"), str):
            adapter["content_hash"] = content_hash(adapter["text"])
        return item
