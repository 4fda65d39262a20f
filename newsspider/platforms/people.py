"""人民网 platform (people.com.cn, sxrb.com since ~2022): ``/GB/<node>/index.html``, ``index{k}.html``.

Every page also exists as a traditional-character mirror under ``/BIG5/``; those links are skipped, the
``/GB/`` page is the article. Like Founder, the pager shows a window of pages, so page k+1 is generated only
when the page links to it or beyond.
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

__all__ = ["PEOPLE_ARTICLE", "PeoplePlatform"]

# /GB/314064/9947757.html; people.com.cn /n1/2019/0615/c1013-31153719.html
PEOPLE_ARTICLE = re.compile(r"^/(?:GB/(?:\d+/)+\d+\.html|n\d?/\d{4}/\d{4}/c\d+-\d+\.html)$")
_INDEX = re.compile(r"^(?P<dir>/(?:GB|BIG5)/(?:\d+/)*)index(?P<num>\d*)\.html$")


class PeoplePlatform:
    """People-platform column indexes."""

    name = "people"

    def first_requests(self, site: SiteProfile, column: Column) -> list[Request]:
        return [listing_request(column.url, 1)]

    def parse_listing(self, response: TextResponse, site: SiteProfile, column: Column) -> ListingPage:
        rows = rows_from_links(
            response, response.url, self.is_article_url, links_query=site.selectors.listing
        )
        path = urlsplit(response.url).path
        if path.endswith("/"):
            path += "index.html"
        here = _INDEX.match(path)
        if here is None:
            return ListingPage(rows=rows, next_requests=[], total_pages=None, total_records=None)
        folder, page = here.group("dir"), int(here.group("num") or 1)

        def page_of(path: str) -> int | None:
            found = _INDEX.match(path)
            return int(found.group("num") or 1) if found and found.group("dir") == folder else None

        next_requests = []
        if last_linked_page(response, page_of) > page:
            url = response.urljoin(f"{folder}index{page + 1}.html")
            next_requests.append(listing_request(url, page + 1))
        return ListingPage(rows=rows, next_requests=next_requests, total_pages=None, total_records=None)

    def is_article_url(self, url: str) -> bool:
        return bool(PEOPLE_ARTICLE.match(urlsplit(url).path))
