"""What the CMS families (and the big portals) put where, as data: XPath selectors tried in order.

Sources are in ``reference/sites.md`` §1 (TRS, Hanweb, UCAP, Founder, People) and the open-source spiders it
cites. Every selector here is only a first guess: the caller checks that what it selects has text, and falls
back to the generic heuristics otherwise.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from cssselect import GenericTranslator, SelectorError
from lxml import etree

from newsspider.parsers.memo import memo_short

if TYPE_CHECKING:
    from lxml.html import HtmlElement

    from newsspider.parsers.pageindex import PageIndex

__all__ = [
    "BODY",
    "BREADCRUMB",
    "INFO",
    "NOISE_ATTR",
    "TITLE",
    "class_id",
    "compile_selector",
    "match_simple",
    "noise_attrs",
    "select",
]


# Simple selectors: ``tag#id.class``, a descendant step after a space, and a trailing ``^`` for "its parent".
# Matched through the page index (no full-tree XPath scan per selector).
BODY = (
    # TRS WCM (nested editors: the first, i.e. outermost, in document order)
    "div.TRS_Editor", "div.TRS_UEDITOR", "div.Custom_UnionStyle", "#trsContent", ".sxgzk-detail-con",
    # UCAP
    "ucapcontent", "#cmsArticleContent",
    # Hanweb
    "#zoom", "#ivs_content",
    # Founder (sxgov.cn) and its newspaper relatives
    ".Newsfont", "#ozoom", "#ltext",
    # People platform
    "#rwb_zw", "div.rm_txt_con", "div.box_con",
    # Big portals and common CMS defaults
    "#artibody", "#endText", "div.post_body", "#detailContent", "div.article-content", "div.article_content",
    "#article_content", "#articleContent", "div.content-article",
)  # fmt: skip

TITLE = ("ucaptitle", "div.detail-article-title h2", "#ivs_title", ".con-title", ".dahei")

# Elements holding the date/source/author/editor line (their text is read, never their @alt).
INFO = (
    "li.article-infos-source", "#pubtime_baidu ^", "div.box01 div.fl", "#articleattribute", "span#ly ^",
    ".pages-date", ".art_info",
)  # fmt: skip

BREADCRUMB = (
    "#bannermenuleft",
    "#rwb_navpath",
    ".breadcrumb",
    ".crumbs",
    ".position",
    ".location",
    ".dqwz",
    ".bread",
)

_SIMPLE = re.compile(r"^(?P<tag>[a-zA-Z][\w-]*)?(?:#(?P<id>[\w-]+))?(?:\.(?P<cls>[\w-]+))?$")


_Step = tuple[str | None, str | None, str | None]


def _parts(step: str) -> _Step:
    match = _SIMPLE.match(step)
    if match is None:
        return None, None, None
    return match.group("tag"), match.group("id"), match.group("cls")


@lru_cache(maxsize=256)
def _parsed(selector: str) -> tuple[tuple[_Step, ...], bool]:
    """A simple selector's steps and its trailing ``^``; parsed once, not on every page (they are constants)."""
    steps = selector.split()
    parent = steps[-1] == "^"
    if parent:
        steps = steps[:-1]
    return tuple(_parts(step) for step in steps), parent


def match_simple(index: PageIndex, selector: str) -> list[HtmlElement]:
    """Elements matching one of the simple selectors above, in document order."""
    steps, parent = _parsed(selector)
    tag, ident, cls = steps[0]
    # Most selectors name an id or class the page does not have: answered by one dict look-up (~20 a page).
    if ident is not None:
        if ident not in index.by_id:
            return []
    elif cls is not None and cls not in index.by_class:
        return []
    if tag and not ident and not cls and index.root is not None:
        found = list(index.root.iter(tag))
    else:
        found = index.find(tag, ident, cls)
    for tag, ident, cls in steps[1:]:
        deeper: list[HtmlElement] = []
        for element in found:
            for child in element.iterdescendants(tag) if tag else element.iterdescendants():
                if not isinstance(child.tag, str):
                    continue
                if ident is not None and child.get("id") != ident:
                    continue
                if cls is not None and cls not in (child.get("class") or "").split():
                    continue
                deeper.append(child)
        found = deeper
    if parent:
        return [p for p in (e.getparent() for e in found) if p is not None]
    return found


# class/id fragments of blocks that are never article text (GNE's USELESS_ATTR plus the widgets of
# reference/sites.md §3.3). Matched against "class id" of elements inside the body container.
NOISE_ATTR = re.compile(
    r"share|qrcode|qr-code|erweima|\bewm|article-zoom|fontsize|font-size|zoom-font|myprint|\bprint"
    r"|related|relate\b|xgxw|xgwz|xglj|recommend|comment|footer|copyright|disclaimer|social|toolbar"
    r"|tool-bar|\bzdfy|page-?nav|pagination|sidebar|advert|\bads?\b|\bgg_|gotop|go-top|backtop|editor-info"
    r"|article-edit|\bbdshare|jiathis|\bcollect|report-infor|statement|\bsm\b",
    re.IGNORECASE,
)


def class_id(element: HtmlElement) -> str:
    """The element's ``"class id"`` string, which the class and id patterns (and their memos) are tested on."""
    return f"{element.get('class', '')} {element.get('id', '')}"


@memo_short
def noise_attrs(attrs: str) -> bool:
    """:data:`NOISE_ATTR` on an element's ``"class id"`` string."""
    # Cached: the case-blind alternation has no literal prefix to scan for (~6 us a call), and a site's
    # templates repeat the same few class strings on every page.
    return NOISE_ATTR.search(attrs) is not None


@lru_cache(maxsize=256)
def compile_selector(selector: str) -> etree.XPath | None:
    """A profile selector as a compiled XPath: XPath when it starts with ``/`` or ``(``, CSS otherwise.

    None for a selector that does not compile (the profile is wrong; the caller falls back).
    """
    try:
        if selector.startswith(("/", "(")):
            return etree.XPath(selector)
        return etree.XPath(GenericTranslator().css_to_xpath(selector))
    except (etree.XPathSyntaxError, SelectorError):
        return None


def select(xpath: etree.XPath | None, tree: HtmlElement) -> list[HtmlElement]:
    """The elements an XPath selects (text or number results of a profile's XPath are ignored)."""
    if xpath is None:
        return []
    result = xpath(tree)
    if not isinstance(result, list):
        return []
    return [e for e in result if isinstance(e, etree._Element) and isinstance(e.tag, str)]
