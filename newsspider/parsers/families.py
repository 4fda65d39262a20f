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

if TYPE_CHECKING:
    from lxml.html import HtmlElement

__all__ = [
    "BODY",
    "BREADCRUMB",
    "INFO",
    "NOISE_ATTR",
    "TITLE",
    "compile_selector",
    "select",
]


def _x(*paths: str) -> tuple[etree.XPath, ...]:
    return tuple(etree.XPath(p) for p in paths)


def _cls(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


BODY = _x(
    # TRS WCM (many nested editors: take the first, i.e. outermost, in document order)
    f"//div[{_cls('TRS_Editor')}]",
    f"//div[{_cls('TRS_UEDITOR')}]",
    f"//div[{_cls('Custom_UnionStyle')}]",
    "//*[@id='trsContent']",
    f"//*[{_cls('sxgzk-detail-con')}]",
    # UCAP
    "//ucapcontent",
    "//*[@id='cmsArticleContent']",
    # Hanweb
    "//*[@id='zoom']",
    "//*[@id='ivs_content']",
    # Founder (sxgov.cn) and its newspaper relatives
    f"//*[{_cls('Newsfont')}]",
    "//*[@id='ozoom']",
    "//*[@id='ltext']",
    # People platform
    "//*[@id='rwb_zw']",
    f"//div[{_cls('rm_txt_con')}]",
    f"//div[{_cls('box_con')}]",
    # Big portals and common CMS defaults
    "//*[@id='artibody']",
    "//*[@id='endText']",
    f"//div[{_cls('post_body')}]",
    "//*[@id='detailContent']",
    f"//div[{_cls('article-content')}]",
    f"//div[{_cls('article_content')}]",
    "//*[@id='article_content']",
    "//*[@id='articleContent']",
    f"//div[{_cls('content-article')}]",
    "//*[@itemprop='articleBody']",
)

TITLE = _x(
    "//ucaptitle",
    f"//div[{_cls('detail-article-title')}]/h2",
    "//*[@id='ivs_title']",
    f"//*[{_cls('con-title')}]",
    f"//*[{_cls('dahei')}]",
    "//*[@itemprop='headline']",
)

# Elements holding the date/source/author/editor line (their text is read, never their @alt).
INFO = _x(
    f"//*[{_cls('detail-article-infos')}]//li[{_cls('article-infos-source')}]",
    "//*[@id='pubtime_baidu']/..",
    f"//div[{_cls('box01')}]//div[{_cls('fl')}]",
    "//*[@id='articleattribute']",
    "//span[@id='ly']/..",
    f"//*[{_cls('pages-date')}]",
    f"//*[{_cls('art_info')}]",
)

BREADCRUMB = _x(
    "//*[@id='bannermenuleft']",
    "//*[@id='rwb_navpath']",
    f"//*[{_cls('breadcrumb')}]",
    f"//*[{_cls('crumbs')}]",
    f"//*[{_cls('position')}]",
    f"//*[{_cls('location')}]",
    f"//*[{_cls('dqwz')}]",
    f"//*[{_cls('bread')}]",
)

# class/id fragments of blocks that are never article text (GNE's USELESS_ATTR plus the widgets of
# reference/sites.md §3.3). Matched against "class id" of elements inside the body container.
NOISE_ATTR = re.compile(
    r"share|qrcode|qr-code|erweima|\bewm|article-zoom|fontsize|font-size|zoom-font|myprint|\bprint"
    r"|related|relate\b|xgxw|xgwz|xglj|recommend|comment|footer|copyright|disclaimer|social|toolbar"
    r"|tool-bar|\bzdfy|page-?nav|pagination|sidebar|advert|\bads?\b|\bgg_|gotop|go-top|backtop|editor-info"
    r"|article-edit|\bbdshare|jiathis|\bcollect|report-infor|statement|\bsm\b",
    re.IGNORECASE,
)


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
