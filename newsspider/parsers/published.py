"""Deciding published_at from every place that may state it, and where it came from.

Order and provenance (DESIGN.md): the visible info line beats a meta value that differs (labellers and readers
go by what the page shows), then government/Open Graph metas, JSON-LD, the listing row, the URL, and finally
lines inside or below the body. Never Maketime (not a date key in :mod:`meta`), never an ``@alt`` (only text
nodes are read), never a related-news or comment date (link lists are skipped when locating the info line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from newsspider.parsers.dates import ParsedDate, date_from_url, find_date, parse_date
from newsspider.parsers.meta import DATE_KEYS, SCRIPT_DATE_KEY

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from newsspider.parsers.locate import InfoBlocks
    from newsspider.parsers.meta import PageMeta

__all__ = ["Published", "jsonld_text", "resolve_published"]

_MAX_DATEPARSER_LINE = 60
_FULL_DATE = len("2020-02-18")
_DATE_LINE = 16
_SHOWN_YEAR = re.compile(r"(?:19|20)\d{2}")
_DATE_LABEL_VALUE = re.compile(
    r"(?:发布|发表|更新)?(?:日期|时间)\s*[:：]\s*([0-9A-Za-z][0-9A-Za-z ,./:-]{5,40})"
)
_CLOCK_BEFORE = re.compile(r"(?:建立于|注册于|注册时间|最后更新|更新于|修改于|今天是|今日)\s*[:：]?\s*$")
_CLOCK_AFTER = re.compile(r"\s*[（(]\s*(?:京港台时间|北京时间)\s*[)）]\s*$")
# Where a space goes after a label's colon: a literal replacement at an empty match is a fast sub, where the
# colon as a group and "\1 " went through the template expander for every match (~2 us a line).
_AFTER_LABEL_COLON = re.compile(r"(?<=[\u4e00-\u9fff][：:])(?=\d)")


@dataclass
class Published:
    value: str | None = None
    raw: str | None = None
    origin: str | None = None


def jsonld_text(value: Any) -> str | None:
    """A JSON-LD value as text: a string, the first of a list, an object's ``name`` (author objects)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value:
        return jsonld_text(value[0])
    if isinstance(value, dict):
        return jsonld_text(value.get("name"))
    return None


def resolve_published(
    meta: PageMeta,
    blocks: InfoBlocks,
    tail_lines: Sequence[str],
    url: str,
    listing_date: str | None,
    now: datetime | None,
    page_texts: Callable[[], Sequence[str]] | None = None,
) -> Published:
    """``page_texts``: short text nodes after the headline, the last resort (provenance ``body``)."""
    if now is None:
        now = _reference_time(meta)
    info: ParsedDate | None = None
    for line in blocks.head:
        # "发布时间：10-08 12:00": a space after the label's colon, or the year-less form is not seen.
        text = _AFTER_LABEL_COLON.sub(" ", line.text)
        info = find_date(text, now=now)
        if info is None:
            # English or other long-hand forms (Saturday, September 10th, 2005 10:56 am, 9/17/2004 5:54 AM):
            # dateparser, on the text after a date label or on a short line.
            labelled = _DATE_LABEL_VALUE.search(text)
            if labelled:
                info = parse_date(labelled.group(1), now=now)
            elif len(text) <= _MAX_DATEPARSER_LINE:
                info = parse_date(text, now=now)
        if info is not None and _not_a_publish_date(text, info.raw):
            info = None
        if info is not None:
            break
    if info is not None:
        return Published(info.value, info.raw, "info")
    meta_date: ParsedDate | None = None
    found = meta.first(DATE_KEYS)
    if found:
        meta_date = parse_date(found[1], now=now)
    jsonld = jsonld_text(meta.jsonld.get("datePublished"))
    jsonld_date = parse_date(jsonld, now=now) if jsonld else None
    script = meta.values.get(SCRIPT_DATE_KEY)
    script_date = parse_date(script, now=now) if script else None
    for origin, parsed in (("meta", meta_date), ("jsonld", jsonld_date), ("meta", script_date)):
        if parsed is not None:
            return Published(parsed.value, parsed.raw, origin)
    if listing_date:
        listed = parse_date(listing_date, now=now)
        if listed is not None:
            return Published(listed.value, listed.raw, "listing")
    from_url = date_from_url(url)
    body_texts = [*blocks.tail, *tail_lines, *(page_texts() if page_texts else ())]
    if from_url is not None:
        # The URL gives the day; a line of the page with that day and a time gives the time.
        for text in body_texts:
            in_body = find_date(text, now=now)
            if in_body is not None and in_body.has_time and in_body.value.startswith(from_url.value):
                return Published(in_body.value, in_body.raw, "body")
        return Published(from_url.value, from_url.raw, "url")
    for text in body_texts:
        in_body = find_date(text, now=now)
        # Loose page text: only a date that shows its own year (6月6日 in a sidebar is anyone's date).
        # A month alone only on a line of its own (1996年6月号), not inside other text (…2007年5月…).
        if (
            in_body is not None
            and _SHOWN_YEAR.search(in_body.raw)
            and (len(in_body.value) >= _FULL_DATE or len(text) <= _DATE_LINE)
        ):
            return Published(in_body.value, in_body.raw, "body")
    return Published()


def _not_a_publish_date(text: str, raw: str) -> bool:
    """A site clock (今天是…, …（京港台时间）) or a blog's creation/update date next to the headline."""
    at = text.find(raw)
    if at < 0:
        return False
    return bool(_CLOCK_BEFORE.search(text[max(0, at - 8) : at]) or _CLOCK_AFTER.match(text[at + len(raw) :]))


def _reference_time(meta: PageMeta) -> datetime | None:
    """The latest date any meta states (dateUpdate, Maketime…): the "now" of a page that prints 10-08 12:00
    without a year. Never the publish date itself, only the year it is read in."""
    latest: datetime | None = None
    for key, value in meta.values.items():
        if "date" not in key and "time" not in key:
            continue
        parsed = parse_date(value)
        if parsed is None or not parsed.has_time:
            continue
        try:
            moment = datetime.fromisoformat(parsed.value)
        except ValueError:
            continue
        if latest is None or moment > latest:
            latest = moment
    return latest
