"""Any other site: article links recognised by URL shape, pagination by the "下一页" link.

A link is an article when it stays on the site (the profile's ``allowed_domains``, else the listing's host)
and either matches a known platform's article URL or carries a publication date in its path
(``/tingzhengce/2020-07-20/11540.html``, ``/2019/0615/…``, ``/201909/…``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from newsspider.platforms.base import (
    ListingPage,
    current_page,
    listing_request,
    next_link,
    rows_from_links,
    same_site,
)
from newsspider.platforms.founder import FOUNDER_ARTICLE
from newsspider.platforms.hanweb import HANWEB_ARTICLE
from newsspider.platforms.people import PEOPLE_ARTICLE
from newsspider.platforms.trs import TRS_ARTICLE
from newsspider.platforms.ucap import UCAP_ARTICLE
from newsspider.urls import host_of

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import TextResponse

    from newsspider.sites.profile import Column, SiteProfile

__all__ = ["DATED_PATH", "GenericPlatform"]

_FAMILIES = (TRS_ARTICLE, HANWEB_ARTICLE, UCAP_ARTICLE, FOUNDER_ARTICLE)
# A date segment followed by a page name: /2020-07-20/11540.html, /2019/06/15/x.html, /2019/0615/c1-2.html,
# /201909/t…, /20190918/abc.shtml. A page name is required, so dated folders alone do not count.
DATED_PATH = re.compile(
    r"/(?:19|20)\d{2}(?:-\d{1,2}-\d{1,2}|/\d{1,2}/\d{1,2}|/\d{4}|-\d{2}/\d{2}|\d{2}(?:\d{2})?)/"
    r"(?:[\w-]+/)*[\w-]+\.(?:s?html?|jhtml|jspx?|php|aspx?|hrh)$",
    re.IGNORECASE,
)
_LIST_NAMES = re.compile(r"/(?:index|list|node)[\w-]*\.\w+$", re.IGNORECASE)


class GenericPlatform:
    """Link-shape listing for sites of no known family."""

    name = "generic"

    def first_requests(self, site: SiteProfile, column: Column) -> list[Request]:
        return [listing_request(column.url, 1)]

    def parse_listing(self, response: TextResponse, site: SiteProfile, column: Column) -> ListingPage:
        hosts = site.allowed_domains or (host_of(response.url),)
        # A profile's listing selector names the article links itself: the URL shapes below are this
        # platform's guess for sites nobody described, and would drop a site's /news/1.html links.
        named = bool(site.selectors.listing)

        def keep(url: str) -> bool:
            if not same_site(url, hosts):
                return False
            return self._not_a_list(url) if named else self.is_article_url(url)

        rows = rows_from_links(response, response.url, keep, links_query=site.selectors.listing)
        follow = next_link(response)
        page = current_page(response, 1)
        next_requests = [listing_request(follow, page + 1)] if follow and rows else []
        return ListingPage(rows=rows, next_requests=next_requests, total_pages=None, total_records=None)

    @staticmethod
    def _not_a_list(url: str) -> bool:
        path = urlsplit(url).path
        return "/BIG5/" not in path and not _LIST_NAMES.search(path)

    def is_article_url(self, url: str) -> bool:
        path = urlsplit(url).path
        if not self._not_a_list(url):
            return False
        return bool(
            PEOPLE_ARTICLE.match(path) or any(p.search(path) for p in _FAMILIES) or DATED_PATH.search(path)
        )
