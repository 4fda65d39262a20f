"""TRS WCM (拓尔思): ``index.html``, ``index_1.html`` … listings paged by template JavaScript.

The page count comes from ``createPageHTML(count, current0, "base", "ext")`` or ``var countPage = N`` (with
``var currentPage = c``, 0-based). Page k >= 2 is ``{base}_{k-1}.{ext}`` in the column's folder; shanxi.gov.cn
2022+ puts an id in the base (``index_11287.shtml``, ``index_11287_1.shtml``). Commented-out calls are stale
template leftovers and the template also holds the function *definition*, so comments are removed first and
the call regex demands digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from newsspider.platforms.base import (
    ListingPage,
    current_page,
    listing_request,
    next_link,
    rows_from_links,
)

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import TextResponse

    from newsspider.sites.profile import Column, SiteProfile

__all__ = ["TRS_ARTICLE", "PagerInfo", "TrsPlatform", "pager_info"]

# t20190918_693227.shtml, t20220513_5976070_gfwj.shtml, t20190918_693227_1.shtml (page 2 of an article).
TRS_ARTICLE = re.compile(r"/t(?:19|20)\d{6}_\d+(?:_[0-9A-Za-z]+)*\.s?html?$", re.IGNORECASE)

# Strings are matched (and kept) so that "//" inside a string is not taken for a comment.
_JS_TOKENS = re.compile(
    r"""("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')|(/\*.*?\*/|//[^\n]*|<!--[^\n]*)""", re.DOTALL
)
_CALL = re.compile(
    r"""createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*["']([^"']*)["']\s*(?:,\s*["']([^"']*)["'])?)?"""
)
_COUNT = re.compile(r"\bvar\s+countPage\s*=\s*(\d+)")
_CURRENT = re.compile(r"\bvar\s+currentPage\s*=\s*(\d+)")
# document.write("<a href=\"index"+"_" + nextPage + "."+"shtml\" …) or "index_11287_"+n+".shtml"
_WRITE = re.compile(
    r"""["'](?:[^"']*href=\\?["'])?([\w-]+)["']\s*\+\s*["']_["']\s*\+\s*\w+\s*\+\s*["']\.["']\s*\+\s*["'](s?html?)"""
    r"""|["'](?:[^"']*href=\\?["'])?([\w-]+)_["']\s*\+\s*\w+\s*\+\s*["']\.(s?html?)"""
)
_FILE = re.compile(r"^(?P<stem>[\w-]+?)(?:_(?P<num>\d+))?\.(?P<ext>s?html?)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PagerInfo:
    """What a TRS listing says about its paging."""

    count: int
    """Pages in all."""
    current: int
    """This page, 1-based."""
    base: str
    """File stem of page 1 (``index``, ``index_11287``)."""
    ext: str
    """``html``, ``shtml`` or ``htm``."""


def _strip_js_comments(script: str) -> str:
    return _JS_TOKENS.sub(lambda m: m.group(1) or " ", script)


def _from_url(url: str, count: int, current0: int | None) -> tuple[str, str, int | None]:
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    found = _FILE.match(name)
    if not found:
        return "index", "html", current0
    stem, num, ext = found.group("stem"), found.group("num"), found.group("ext")
    if num is None:
        return stem, ext, current0
    number = int(num)
    if current0 is not None:
        # var currentPage says which page this is: a trailing _N equal to it is the page suffix.
        return (stem, ext, current0) if number == current0 else (f"{stem}_{num}", ext, current0)
    # index_3.html is page 4 of index.html; index_11287.shtml is page 1 of a numbered column.
    if number < count:
        return stem, ext, number
    return f"{stem}_{num}", ext, 0


def pager_info(response: TextResponse) -> PagerInfo | None:
    """The live paging of a TRS listing, or None when the page has no pager script."""
    script = _strip_js_comments("\n".join(response.xpath("//script/text()").getall()))
    call = _CALL.search(script)
    count_var = _COUNT.search(script)
    current_var = _CURRENT.search(script)
    write = _WRITE.search(script)
    if call is None and count_var is None:
        return None
    count = int(count_var.group(1)) if count_var else int(call.group(1)) if call else 1
    current0: int | None = int(current_var.group(1)) if current_var else None
    base = ext = None
    if call is not None:
        current0 = int(call.group(2)) if current_var is None else current0
        base, ext = call.group(3), call.group(4)
    if not base and write is not None:
        base, ext = write.group(1) or write.group(3), write.group(2) or write.group(4)
    url_base, url_ext, url_current = _from_url(response.url, count, current0)
    if url_current is not None and current0 is None:
        current0 = url_current
    base = base or url_base
    ext = ext or url_ext
    if base.endswith("_"):  # createPageHTML(…, "index_", …) in some templates
        base = base.rstrip("_")
    return PagerInfo(count=max(count, 1), current=(current0 or 0) + 1, base=base, ext=ext.lstrip("."))


class TrsPlatform:
    """TRS WCM listings and article URLs."""

    name = "trs"

    def first_requests(self, site: SiteProfile, column: Column) -> list[Request]:
        return [listing_request(column.url, 1)]

    def parse_listing(self, response: TextResponse, site: SiteProfile, column: Column) -> ListingPage:
        rows = rows_from_links(
            response, response.url, self.is_article_url, links_query=site.selectors.listing
        )
        pager = pager_info(response)
        if pager is None:
            # Some TRS templates print a static pager instead of the script.
            follow = next_link(response)
            page = current_page(response, 1)
            next_requests = [listing_request(follow, page + 1)] if follow and rows else []
            return ListingPage(rows=rows, next_requests=next_requests, total_pages=None, total_records=None)
        page = pager.current
        next_requests = []
        if page < pager.count:
            url = response.urljoin(f"{pager.base}_{page}.{pager.ext}")
            next_requests.append(listing_request(url, page + 1))
        return ListingPage(
            rows=rows, next_requests=next_requests, total_pages=pager.count, total_records=None
        )

    def is_article_url(self, url: str) -> bool:
        return bool(TRS_ARTICLE.search(urlsplit(url).path))
