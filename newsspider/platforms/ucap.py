"""UCAP / 开普云 intensive platform: the ``/common/search/<channel>`` JSON API, with an HTML list fallback.

With a channel id in the profile (``platform_options.channel``, 32 hex digits) the column is read through
``/common/search/<channel>?_isAgg=false&_isJson=true&_pageSize=20&…&page=N``, which answers
``{"data": {"total": …, "results": [{"title", "url", "publishedTimeStr", …}]}}``. Item URLs are
protocol-relative (``//www.csrc.gov.cn/…/content.shtml``). ``publishedTime`` (epoch ms) and
``publishedTimeStr`` disagree by 8 hours; the string is Beijing wall-clock time, so it is the row date.
Without a channel id the column page is parsed as HTML and followed by its "下一页" link.
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
    from scrapy import Request
    from scrapy.http import TextResponse

    from newsspider.sites.profile import Column, SiteProfile

__all__ = ["UCAP_ARTICLE", "UcapPlatform", "search_url"]

# /xiamen/c101757/c7661505/content.shtml, /hainan/fzfztz/202301/<32 hex>.shtml
UCAP_ARTICLE = re.compile(r"/c\d+/(?:[\w-]+/)*content\.s?html?$|/\d{6}/[0-9a-f]{32}\.s?html?$", re.IGNORECASE)
CHANNEL = re.compile(r"^[0-9a-f]{32}$")
_PAGE_SIZE = 20


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
        follow = next_link(response)
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
