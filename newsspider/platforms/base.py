"""What every CMS platform module shares: the listing result types, the Platform protocol, and row helpers.

A platform turns one listing response (an HTML column page, an XML or JSON listing API answer) into rows
(article URL + listing title + listing date) and the request for the next listing page. It never fetches:
the spider sends the requests and sets their callbacks and the other ``ns_*`` meta keys.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, cast
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree
from parsel import Selector, SelectorList
from scrapy import Request

from newsspider.urls import host_of

if TYPE_CHECKING:
    from lxml.html import HtmlElement
    from scrapy.http import TextResponse

    from newsspider.sites.profile import Column, SiteProfile

__all__ = [
    "DATE_RE",
    "ListingPage",
    "ListingRow",
    "Platform",
    "current_page",
    "last_linked_page",
    "link_of",
    "listing_request",
    "next_link",
    "option",
    "query_nodes",
    "rows_from_links",
    "same_site",
]


@dataclass(frozen=True, slots=True)
class ListingRow:
    """One article link on a listing page."""

    url: str
    """Absolute (joined against the listing URL)."""
    title: str | None
    """The link's ``@title`` when its visible text is cut with …/..., else the visible text."""
    date_raw: str | None
    """The row's date as shown, without brackets (``2019-06-12`` from ``[2019-06-12]``), or None."""


@dataclass(frozen=True, slots=True)
class ListingPage:
    """What one listing response yields."""

    rows: list[ListingRow]
    next_requests: list[Request]
    """Further listing pages or API calls, ``meta={"ns_page": k}``, no callback (the spider sets it)."""
    total_pages: int | None
    """How many listing requests the column takes in all, when the page says."""
    total_records: int | None
    """How many articles the column holds, when the page says."""


class Platform(Protocol):
    """A CMS family's listing logic."""

    name: str

    def first_requests(self, site: SiteProfile, column: Column) -> list[Request]:
        """The first listing request(s) of ``column``."""
        ...

    def parse_listing(self, response: TextResponse, site: SiteProfile, column: Column) -> ListingPage:
        """Rows and further listing requests from one listing response."""
        ...

    def is_article_url(self, url: str) -> bool:
        """True when ``url`` has the shape of this platform's article pages."""
        ...


# A row date as listings print it: 2019-06-12, 2019/6/12, 2019.06.12, 2019年06月12日, optionally a time.
DATE_RE = re.compile(
    r"(?<!\d)(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
    r"(?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?(?!\d)"
)
# Visible titles cut by the template: "关于进一步加强…", "关于进一步加强...".
_TRUNCATED = re.compile(r"(?:…|\.\.\.|。。。|\.\.)\s*$")
_SPACE = re.compile(r"\s+")
_ATOB = re.compile(r"""atob\(\s*["']([A-Za-z0-9+/=]{8,})["']\s*\)""")
_NEXT_TEXT = re.compile(r"^\s*(?:下一页|下页|后一页)\s*[>»›]*\s*$")
# How far above a link its row's date may sit (<li><a/><span>date</span></li> is 1, a table row is 2).
_ROW_LEVELS = 3


def _squash(text: str) -> str:
    return _SPACE.sub(" ", text.replace("\xa0", " ").replace("\u3000", " ")).strip()


# The row helpers work on lxml elements: a parsel Selector per XPath result cost about a third of a listing
# page's parse, on the path every article of a crawl goes through. Their XPaths are compiled once: given as
# strings, lxml compiles them again on every call (2.5 of 3.6 us, several calls a row).
_TEXTS = etree.XPath(".//text()")
_TEXTS_OUTSIDE_LINKS = etree.XPath(".//text()[not(ancestor::a)]")


def _text_of(element: HtmlElement) -> str:
    return _squash(" ".join(cast("list[str]", _TEXTS(element))))


def _row_title(anchor: HtmlElement) -> str | None:
    text = _text_of(anchor)
    attr = _squash(anchor.get("title") or "")
    if attr and (not text or _TRUNCATED.search(text)):
        return attr
    return text or attr or None


def _row_date(anchor: HtmlElement) -> str | None:
    # Climb from the link towards the list: the first level with a date beside the link (not inside a
    # headline like "2019年…") is the row. A level holding several dates is the whole list: stop there,
    # or every row would get its neighbour's date.
    for level, node in enumerate(anchor.iterancestors(), start=1):
        if level > _ROW_LEVELS or node.tag in ("body", "html"):
            return None
        outside = " ".join(cast("list[str]", _TEXTS_OUTSIDE_LINKS(node)))
        found = DATE_RE.findall(outside)
        if len(found) == 1:
            return _squash(found[0])
        if found:
            return None
    return None


def query_nodes(selector: Selector | TextResponse, query: str) -> SelectorList[Selector]:
    """What a profile's listing query picks: XPath when it starts with ``/`` or ``(``, else CSS."""
    return selector.xpath(query) if query.startswith(("/", "(")) else selector.css(query)


def link_of(node: Selector) -> HtmlElement | None:
    """The link a listing query's node stands for: the node itself when it is one, else the first link in
    it (a row); None for text or an attribute (``li::text``), which names no link."""
    root = node.root
    if not isinstance(root, etree._Element):
        return None
    link = root if root.tag == "a" else root.find(".//a[@href]")
    return cast("HtmlElement", link) if link is not None else None


def _anchors(selector: Selector | TextResponse, query: str | None) -> list[HtmlElement]:
    if not query:
        return [node.root for node in selector.xpath("//a[@href]")]
    return [link for node in query_nodes(selector, query) if (link := link_of(node)) is not None]


def rows_from_links(
    selector: Selector | TextResponse,
    base_url: str,
    keep: Callable[[str], bool],
    *,
    links_query: str | None = None,
) -> list[ListingRow]:
    """Rows from every ``<a href>`` under ``selector`` whose joined URL passes ``keep``, first wins.

    ``links_query`` (CSS, or XPath when it starts with ``/`` or ``(``) narrows the anchors, as a profile's
    ``[selectors] listing`` does.
    """
    anchors = _anchors(selector, links_query)
    rows: dict[str, ListingRow] = {}
    for anchor in anchors:
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        url = urljoin(base_url, href)
        if not keep(url):
            continue
        row = ListingRow(url=url, title=_row_title(anchor), date_raw=_row_date(anchor))
        seen = rows.get(url)
        if seen is None:
            rows[url] = row
        elif (seen.title is None and row.title) or (seen.date_raw is None and row.date_raw):
            # Image link first, text link second: keep the URL's first place, fill in what it lacked.
            rows[url] = ListingRow(
                url=url, title=seen.title or row.title, date_raw=seen.date_raw or row.date_raw
            )
    return list(rows.values())


def _next_in(selector: Selector | TextResponse, base_url: str) -> str | None:
    for anchor in _anchors(selector, None):
        if not _NEXT_TEXT.match(_text_of(anchor)) and not _NEXT_TEXT.match(anchor.get("title", "")):
            continue
        href: str = (anchor.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#")):
            continue
        url = urljoin(base_url, href)
        if url.split("#")[0] != base_url.split("#")[0]:
            return url
    return None


def _atob_pagers(response: TextResponse) -> list[Selector]:
    """Pagers written as ``document.write(decodeURIComponent(atob("…")))`` (Yunnan, sites.md §3.6)."""
    found = []
    for blob in response.xpath("//script/text()").re(_ATOB):
        try:
            html = unquote(base64.b64decode(blob, validate=True).decode("utf-8"))
        except (binascii.Error, UnicodeDecodeError):
            continue
        found.append(Selector(text=html))
    return found


def next_link(response: TextResponse) -> str | None:
    """The absolute URL of a "下一页" link, or None (also for ``javascript:`` links and self-links).

    Also looks inside base64-encoded pagers that the page decodes with ``atob``.
    """
    url = _next_in(response, response.url)
    if url is None:
        url = next((u for p in _atob_pagers(response) if (u := _next_in(p, response.url))), None)
    return url


def current_page(response: TextResponse, default: int = 1) -> int:
    """The 1-based listing page number the spider put in ``ns_page``, else ``default``."""
    try:
        page = response.meta.get("ns_page")
    except AttributeError:  # a response built in a test has no request
        return default
    return page if isinstance(page, int) and page > 0 else default


def last_linked_page(response: TextResponse, page_of: Callable[[str], int | None]) -> int:
    """The highest page number the listing links to, 1 when none: ``page_of`` reads the page number from a
    link's path, or None when the link is not a page of this listing.

    Founder and People pagers show a window of page links, so there is a next page exactly when the page
    links to it or beyond; this also stops at the last page.
    """
    pages = [1]
    for href in response.xpath("//a/@href").getall():
        number = page_of(urlsplit(response.urljoin(href.strip())).path)
        if number is not None:
            pages.append(number)
    return max(pages)


def listing_request(url: str, page: int) -> Request:
    """A plain GET for listing page ``page`` (1-based)."""
    return Request(url, meta={"ns_page": page})


def option(site: SiteProfile, column: Column, name: str) -> str | None:
    """A platform option: the column's own value first, then the site-wide one."""
    value = column.platform_options.get(name)
    if value is None:
        value = site.platform_options.get(name)
    return value


def same_site(url: str, hosts: Iterable[str]) -> bool:
    """True when ``url``'s host is one of ``hosts`` or a subdomain of one."""
    host = host_of(url)
    return bool(host) and any(host == h or host.endswith("." + h) for h in hosts if h)
