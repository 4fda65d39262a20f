"""A listing page's parse from the parts of its fetched response: what a parse worker runs for it
(``NEWSSPIDER_PARSE_PROCESSES`` > 0), so the crawl process only sends the rows' requests.

Imported by the worker on its first listing page: Scrapy, which the platforms read pages with, is not
needed before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy import Request

from newsspider.platforms import get_platform

if TYPE_CHECKING:
    from scrapy.http import TextResponse

    from newsspider.platforms.base import ListingPage
    from newsspider.sites import Column, SiteProfile

__all__ = ["parse_listing_fetched"]


def parse_listing_fetched(
    body: bytes, url: str, status: int, headers: dict[str, str], site: SiteProfile, column: Column,
    page: int, response_class: type[TextResponse],
) -> ListingPage:  # fmt: skip
    """The platform's ``parse_listing`` on the response rebuilt from its parts: the class the crawl got
    (HTML, or JSON from an API), so it decodes as it did there, and the ``ns_page`` the platforms read."""
    request = Request(url, meta={"ns_page": page})
    response = response_class(url=url, body=body, headers=headers, status=status, request=request)
    return get_platform(site.platform).parse_listing(response, site, column)
