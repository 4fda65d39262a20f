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

from newsspider.items import declared_types, fields_of
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


def _all_normal_lines(lines: list[str]) -> bool:
    """Whether :func:`normalize_string` keeps every one of ``lines``: one scan of them joined by NUL.

    NUL is no whitespace, so a space next to it is a line's leading or trailing space; a NUL inside a line
    can only make a normal line look changed (then each is looked at alone), never the other way round.
    """
    blob = "\x00".join(lines)
    return not (
        _ODD_IN_LINE.search(blob)
        or "  " in blob
        or "\x00 " in blob
        or " \x00" in blob
        or blob[:1] == " "
        or blob[-1:] == " "
    )


@functools.cache
def _field_plan(cls: type) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """A record class's fields as (declared one-line strings, declared lists of strings, the others)."""
    hints = declared_types(cls) or {}  # an annotation that does not resolve: every field looked at alone
    lines, lists, others = [], [], []
    for name in _field_names(cls):
        hint = hints.get(name)
        if name in _VERBATIM or name in _MULTILINE:
            others.append(name)
        elif hint in (str, str | None):
            lines.append(name)
        elif hint == list[str]:
            lists.append(name)
        else:
            others.append(name)
    return tuple(lines), tuple(lists), tuple(others)


def _normalize_fields(item: Any) -> None:
    """Every field of a dataclass record normalized in place, changed values only."""
    record_class: type = type(item)
    line_fields, list_fields, others = _field_plan(record_class)
    # The one-line strings (the fields declared as strings or lists of strings) are checked together, which
    # is what makes the common record, with nothing to change, cheap: a call per value was two thirds of
    # this pipeline's time. The declarations are not trusted: a value of another type fails the join.
    lines = [value for name in line_fields if (value := getattr(item, name)) is not None]
    for name in list_fields:
        value = getattr(item, name)
        lines.extend(value if type(value) is list else (None,))
    try:
        quick = _all_normal_lines(lines)
    except TypeError:
        quick = False
    for name in others if quick else _field_names(record_class):
        value = getattr(item, name)
        if value is None or type(value) is int or (type(value) is list and not value):
            continue
        if (normal := normalize_value(value, name)) is not value:
            setattr(item, name, normal)


class NormalizePipeline:
    """Whitespace and width in every string field; ``canonical_url`` from ``url``; ``fetched_at`` (UTC)
    when the spider did not set it; ``content_hash`` recomputed over the normalized text."""

    def process_item(self, item: Any) -> Any:
        fields = fields_of(item)
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            _normalize_fields(item)
        else:
            for key in list(fields.keys()):
                fields[key] = normalize_value(fields[key], key)
        if "paragraphs" in fields and "text" in fields:
            paragraphs = [p for p in fields["paragraphs"] if p]
            fields["paragraphs"] = paragraphs
            if not fields.get("text") and paragraphs:
                fields["text"] = "\n".join(paragraphs)
        url = fields.get("url")
        if isinstance(url, str) and url:
            fields["canonical_url"] = canonical_url(url)
        fields["fetched_at"] = _as_utc(fields.get("fetched_at"))
        if isinstance(fields.get("text"), str):
            fields["content_hash"] = content_hash(fields["text"])
        return item
