"""Locating the breadcrumb (当前位置：首页 > 听政策) and splitting it into its items.

The profile's selector and the families' breadcrumb selectors (``.breadcrumb``, ``.position``,
``#bannermenuleft`` …) are tried first; then a short element with links whose text carries a position label
(您当前的位置, 所在的位置) or starts ``首页 >``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from newsspider.parsers.families import BREADCRUMB, compile_selector, match_simple, select
from newsspider.parsers.locate import node_text
from newsspider.textnorm import clean_whitespace

if TYPE_CHECKING:
    from lxml.html import HtmlElement

    from newsspider.parsers.pageindex import PageIndex

__all__ = ["find_breadcrumb"]

_CRUMB_HINT = re.compile(
    r"当前位置|您的位置|你的位置|所在位置|当前的位置|您所在的位置|位置\s*[:：]|首页\s*[>＞»›/]"
)
_CRUMB_SPLIT = re.compile(r"\s*(?:>>|[>＞»›→]|\s/\s|\|)\s*")
_CRUMB_LABEL = re.compile(
    r"^.*?(?:当前位置|您的位置|你的位置|所在的?位置|当前的位置|您现在的位置|现在位置)\s*[:：]?\s*"
)
_MAX_CRUMB_LEN = 120


def find_breadcrumb(tree: HtmlElement, index: PageIndex, profile_selector: str | None = None) -> list[str]:
    """The breadcrumb items, e.g. ["首页", "听政策"] (label such as 您当前的位置 removed)."""
    elements: list[HtmlElement] = []
    if profile_selector:
        xpath = compile_selector(profile_selector)
        elements.extend(select(xpath, tree))
    for selector in BREADCRUMB:
        elements.extend(match_simple(index, selector))
    for element in elements:
        items = _crumb_items(element)
        if len(items) >= 2:
            return items
    # A hint in an element's head text (its text and its first child's, adjacent in the page's text) is in the
    # page's text; most pages that get this far have none, and the loop below is skipped.
    hinted = _CRUMB_HINT.search(index.all_text()) is not None
    for element in tree.iter("div", "td", "p", "span", "nav", "li") if hinted else ():
        if index.length(element) > _MAX_CRUMB_LEN or not _CRUMB_HINT.search(_head_text(element)):
            continue
        text = node_text(element)
        if len(text) <= _MAX_CRUMB_LEN and _CRUMB_HINT.search(text) and element.find(".//a") is not None:
            items = _crumb_items(element)
            if len(items) >= 2:
                return items
    return []


def _crumb_items(element: HtmlElement) -> list[str]:
    text = node_text(element)
    if not text or len(text) > _MAX_CRUMB_LEN:
        return []
    text = _CRUMB_LABEL.sub("", text)
    items = [clean_whitespace(p) for p in _CRUMB_SPLIT.split(text)]
    return [i for i in items if i and len(i) <= 30]


def _head_text(element: HtmlElement) -> str:
    """The element's leading text: its own text and its first child's (where a 当前位置 label sits)."""
    first = element[0].text if len(element) and isinstance(element[0].tag, str) else None
    return f"{element.text or ''}{first or ''}"
