"""UCAP / 开普云 intensive platform: the ``/common/search/<channel>`` JSON API, with an HTML list fallback.

With a channel id in the profile (``platform_options.channel``, 32 hex digits) the column is read through
``/common/search/<channel>?_isAgg=false&_isJson=true&_pageSize=20&…&page=N``, which answers
``{"data": {"total": …, "results": [{"title", "url", "publishedTimeStr", …}]}}``. Item URLs are
protocol-relative (``//www.csrc.gov.cn/…/content.shtml``). ``publishedTime`` (epoch ms) and
``publishedTimeStr`` disagree by 8 hours; the string is Beijing wall-clock time, so it is the row date.
Without a channel id in the profile the column page is parsed as HTML. When the page names its own channel
(``var channelId = "<32 hex>"`` or a ``/common/search/<32 hex>`` URL in a script, which the template uses to
load further pages), the rest of the column is read through that API as above. Otherwise the static pages
``list3.shtml``, ``list3_N.shtml`` are followed: sites number them from 1 (``list3_1`` is page 2) or from 2
(``list3_2`` is page 2), so the next page is the lowest-numbered link above the current one, not a computed
name; a "下一页" link is the last resort.
"""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.html import remove_tags, replace_entities

from newsspider.platforms.base import (
    ListingPage,
    ListingRow,
    current_page,
    listing_request,
    next_link,
    option,
    rows_from_links,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy import Request
    from scrapy.http import TextResponse

    from newsspider.sites.profile import Column, SiteProfile

__all__ = ["UCAP_ARTICLE", "UcapPlatform", "search_url"]

# /xiamen/c101757/c7661505/content.shtml, /hainan/fzfztz/202301/<32 hex>.shtml
UCAP_ARTICLE = re.compile(r"/c\d+/(?:[\w-]+/)*content\.s?html?$|/\d{6}/[0-9a-f]{32}\.s?html?$", re.IGNORECASE)
CHANNEL = re.compile(r"^[0-9a-f]{32}$")
_PAGE_SIZE = 20
# The channel a column page's own script loads its list from: the variable first, since a script may also
# hold a site-wide search URL of another channel.
_CHANNEL_IN_SCRIPT = (
    re.compile(r"""\bchannelId\s*[=:]\s*["']([0-9a-f]{32})["']""", re.IGNORECASE),
    re.compile(r"/common/search/([0-9a-f]{32})\b", re.IGNORECASE),
)
_SIZE_IN_SCRIPT = re.compile(r"\b_pageSize=(\d+)")
# list3.shtml, list3_2.shtml; index_11287_1.shtml keeps its id in the stem.
_NUMBERED = re.compile(r"^(?P<stem>[A-Za-z][\w-]*?)(?:_(?P<num>\d+))?\.s?html?$", re.IGNORECASE)


def search_url(list_url: str, channel: str, page: int = 1, page_size: int = _PAGE_SIZE) -> str:
    """The JSON search API URL for ``channel`` on ``list_url``'s host."""
    parts = urlsplit(list_url)
    query = urlencode(
        [("_isAgg", "false"), ("_isJson", "true"), ("_pageSize", str(page_size)), ("_template", "index"),
         ("_rangeTimeGte", ""), ("_channelName", ""), ("page", str(page))]
    )  # fmt: skip
    return urlunsplit((parts.scheme, parts.netloc, f"/common/search/{channel}", query, ""))


def _with_page(url: str, page: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("page", str(page))])))


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    # Search results may highlight terms with <em>; titles also arrive entity-escaped.
    text = replace_entities(remove_tags(value)).strip()
    return text or None


def _script_channel(response: TextResponse) -> tuple[str, int | None] | None:
    """The channel id the page's scripts name, with the ``_pageSize`` they ask for (None when unsaid)."""
    script = "\n".join(response.xpath("//script/text()").getall())
    for pattern in _CHANNEL_IN_SCRIPT:
        found = pattern.search(script)
        if found:
            size = _SIZE_IN_SCRIPT.search(script)
            given = int(size.group(1)) if size else 0
            return found.group(1), given if given > 0 else None
    return None


def _numbered_next(response: TextResponse, keep_out: Callable[[str], bool]) -> str | None:
    """The lowest-numbered static page (``list3_N.shtml``) linked above this one, in the same folder.

    A column URL ending in ``/`` is page 1 of whatever stem its pager links use. Numbers only grow along
    the chain, so it ends and never asks for a page twice.
    """
    here = urlsplit(response.url)
    folder, _, name = here.path.rpartition("/")
    stem: str | None = None
    current = 0
    if name:
        found = _NUMBERED.match(name)
        if found is None:
            return None
        stem, current = found["stem"], int(found["num"] or 0)
    best: tuple[int, str] | None = None
    for href in response.xpath("//a/@href").getall():
        url = response.urljoin(href.strip()).split("#")[0]
        parts = urlsplit(url)
        link_folder, _, link_name = parts.path.rpartition("/")
        link = _NUMBERED.match(link_name)
        if parts.netloc != here.netloc or link_folder != folder or link is None or link["num"] is None:
            continue
        number = int(link["num"])
        if number <= current or (stem is not None and link["stem"] != stem) or keep_out(url):
            continue
        if best is None or number < best[0]:
            best = (number, url)
    return best[1] if best else None


def _looks_json(response: TextResponse) -> bool:
    content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()
    return "json" in content_type or response.text.lstrip()[:1] == "{"


class UcapPlatform:
    """UCAP JSON search API and HTML lists."""

    name = "ucap"

    def first_requests(self, site: SiteProfile, column: Column) -> list[Request]:
        channel = option(site, column, "channel")
        if channel and CHANNEL.match(channel):
            given = option(site, column, "page_size") or ""
            size = int(given) if given.isdigit() and int(given) > 0 else _PAGE_SIZE
            return [listing_request(search_url(column.url, channel, 1, size), 1)]
        return [listing_request(column.url, 1)]

    def parse_listing(self, response: TextResponse, site: SiteProfile, column: Column) -> ListingPage:
        if _looks_json(response):
            return self._parse_json(response)
        rows = rows_from_links(
            response, response.url, self.is_article_url, links_query=site.selectors.listing
        )
        page = current_page(response, 1)
        named = _script_channel(response)
        if named is not None:
            channel, size = named
            # The API's next page follows this one only when this page showed exactly the template's page
            # size of rows (a page showing 10 of 15 would lose 5); else read the column from the API's first
            # page (rows seen twice are dropped by the duplicate filter).
            start, size = (
                (page + 1, size) if size is not None and len(rows) == size else (1, size or _PAGE_SIZE)
            )
            request = listing_request(search_url(response.url, channel, start, size), page + 1)
            return ListingPage(rows=rows, next_requests=[request], total_pages=None, total_records=None)
        follow = _numbered_next(response, self.is_article_url) or next_link(response)
        next_requests = [listing_request(follow, page + 1)] if follow and rows else []
        return ListingPage(rows=rows, next_requests=next_requests, total_pages=None, total_records=None)

    def _parse_json(self, response: TextResponse) -> ListingPage:
        try:
            payload = json.loads(response.text)
        except ValueError:
            return ListingPage(rows=[], next_requests=[], total_pages=None, total_records=None)
        data = payload.get("data") if isinstance(payload, dict) else None
        data = data if isinstance(data, dict) else {}
        found = data.get("results")
        results: list[Any] = found if isinstance(found, list) else []
        rows: list[ListingRow] = []
        for item in results:
            if not isinstance(item, dict) or not isinstance(item.get("url"), str) or not item["url"].strip():
                continue
            date = item.get("publishedTimeStr")
            rows.append(
                ListingRow(
                    url=response.urljoin(item["url"].strip()),
                    title=_text(item.get("title")),
                    date_raw=date.strip() if isinstance(date, str) and date.strip() else None,
                )
            )
        total = data.get("total")
        total = total if isinstance(total, int) and total >= 0 else None
        query = dict(parse_qsl(urlsplit(response.url).query))
        size = int(query["_pageSize"]) if query.get("_pageSize", "").isdigit() else _PAGE_SIZE
        page = int(query["page"]) if query.get("page", "").isdigit() else current_page(response, 1)
        total_pages = math.ceil(total / size) if total is not None and size > 0 else None
        more = page < total_pages if total_pages is not None else len(rows) >= size
        next_requests = (
            [listing_request(_with_page(response.url, page + 1), page + 1)] if more and rows else []
        )
        return ListingPage(
            rows=rows, next_requests=next_requests, total_pages=total_pages, total_records=total
        )

    def is_article_url(self, url: str) -> bool:
        return bool(UCAP_ARTICLE.search(urlsplit(url).path))
