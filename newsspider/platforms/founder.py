"""Founder 方正 (翔宇-style, sxgov.cn): ``node_311.htm``, ``node_311_2.htm`` … and ``content_N.htm`` articles.

Page 1 is unsuffixed and page k >= 2 is ``node_N_k.htm``. The pager shows a window of page links, so the
next page is generated only when the page itself links to it (or beyond), which also stops at the last page.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from newsspider.platforms.base import ListingPage, last_linked_page, listing_request, rows_from_links

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import TextResponse

    from newsspider.sites.profile import Column, SiteProfile

__all__ = ["FOUNDER_ARTICLE", "FounderPlatform"]

FOUNDER_ARTICLE = re.compile(r"/content/\d{4}-\d{2}/\d{2}/content_\d+(?:_\d+)?\.html?$")
_NODE = re.compile(r"node_(\d+)(?:_(\d+))?\.(html?)$")


class FounderPlatform:
    """Founder node listings."""

    name = "founder"

    def first_requests(self, site: SiteProfile, column: Column) -> list[Request]:
        return [listing_request(column.url, 1)]

    def parse_listing(self, response: TextResponse, site: SiteProfile, column: Column) -> ListingPage:
        rows = rows_from_links(
            response, response.url, self.is_article_url, links_query=site.selectors.listing
        )
        here = _NODE.search(urlsplit(response.url).path)
        if here is None:
            return ListingPage(rows=rows, next_requests=[], total_pages=None, total_records=None)
        node, page, ext = here.group(1), int(here.group(2) or 1), here.group(3)

        def page_of(path: str) -> int | None:
            found = _NODE.search(path)
            return int(found.group(2) or 1) if found and found.group(1) == node else None

        next_requests = []
        if last_linked_page(response, page_of) > page:
            next_requests.append(listing_request(response.urljoin(f"node_{node}_{page + 1}.{ext}"), page + 1))
        return ListingPage(rows=rows, next_requests=next_requests, total_pages=None, total_records=None)

    def is_article_url(self, url: str) -> bool:
        return bool(FOUNDER_ARTICLE.search(urlsplit(url).path))
