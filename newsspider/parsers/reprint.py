"""Reprint provenance: 原标题：…, (据山西新闻网-山西日报 10月24日), 转载自…, 本文来源于….

People-platform pages (sxrb.com) put ``<div class="title_o"><a href=…>原标题：…</a></div>`` after the body,
outside the cleaned paragraphs, so 原标题 is looked for in the page tree; the 据/转载自 lines are body text.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from newsspider.items import Reprint
from newsspider.parsers.pageindex import all_text
from newsspider.textnorm import clean_whitespace

if TYPE_CHECKING:
    from lxml.html import HtmlElement

__all__ = ["extract_reprint"]

_ORIGINAL_TITLE = re.compile(r"^[（(【\[]?\s*原(?:标)?题\s*[：:]\s*(?P<title>.+?)\s*[）)】\]]?$")
# (据山西新闻网-山西日报 10月24日), （据新华社报道）, (据人民网)
_ACCORDING_TO = re.compile(
    r"^[（(]\s*据\s*(?P<source>[^（）()]+?)\s*(?:\d{1,2}月\d{1,2}日|\d{4}[-./]\d{1,2}[-./]\d{1,2})?"
    r"\s*(?:报道|消息|电)?\s*[）)]$"
)
_TRANSFERRED = re.compile(
    r"(?:本文)?(?:转载自|转自|来源于|来自于)\s*[：:]?\s*(?:微信公众号|公众号)?\s*[：:]?\s*"
    r"(?P<source>[^，,。；;！!？?\s（(]{2,40})"
)
# 来源于 alone is a 来源 label variant (来源于：东区办事处); only 本文来源于 announces a reprint.
_TRANSFERRED_LEAD = re.compile(
    r"^[（(【]?\s*(?:(?:本文|本文章|文章)?(?:转载自|转自)|(?:本文|本文章|文章)(?:来源于|来自))"
)
_MAX_LINE = 200
_BLOCK_TAGS = ("p", "div", "li", "td", "dd", "section", "font", "center")


def _text(element: HtmlElement) -> str:
    return clean_whitespace(element.text_content())


def _link_of(element: HtmlElement, base_url: str) -> str | None:
    candidates = [element] if element.tag == "a" else list(element.iter("a"))
    parent = element.getparent()
    if parent is not None and parent.tag == "a":
        candidates.insert(0, parent)
    for link in candidates:
        href = (link.get("href") or "").strip()
        if href and not href.startswith(("javascript:", "#", "mailto:")):
            url = str(urljoin(base_url, str(href)))
            # A link to the outlet's home page names the source, it is not the original article.
            if urlsplit(url).path.strip("/") or urlsplit(url).query:
                return url
    return None


_MARK_NODES = etree.XPath("//text()[contains(., '原') or contains(., '转') or contains(., '来')]")
"""Text nodes that may hold a reprint mark: one pass over the page, the exact marks tested in Python."""
_TRANSFER_MARKS = ("转载自", "转自", "来源于", "来自")
_TREE_MARKS = ("原标题", "原题", *_TRANSFER_MARKS)
"""What a text node must hold for either tree reader to look at it."""


def _original_title(nodes: list[Any], base_url: str) -> tuple[str, str | None] | None:
    """The largest element around a 原标题 text whose whole text is still just 原标题：…, with its link."""
    for node in nodes:
        if "原标题" not in node and "原题" not in node:
            continue
        element = node.getparent()
        best: HtmlElement | None = None
        while element is not None and element.tag not in ("body", "html"):
            text = _text(element)
            if len(text) > _MAX_LINE or not _ORIGINAL_TITLE.match(text):
                break
            best = element
            element = element.getparent()
        if best is None:
            continue
        match = _ORIGINAL_TITLE.match(_text(best))
        assert match is not None
        title = match.group("title").strip()
        if title.startswith("《") and title.endswith("》"):
            title = title[1:-1]
        return title, _link_of(best, base_url)
    return None


def _source_from_lines(paragraphs: list[str]) -> str | None:
    # The marks sit at the start or the end of the article; look at the last lines first. Each pattern holds a
    # word cleaning cannot make (据; 转 or 来): a line without it is not cleaned (most lines, ~1 us each).
    for raw in reversed(paragraphs):
        if "据" not in raw:
            continue
        line = clean_whitespace(raw)
        if len(line) > _MAX_LINE:
            continue
        according = _ACCORDING_TO.match(line)
        if according:
            return according.group("source").strip()
    for raw in paragraphs:
        if "转" not in raw and "来" not in raw:
            continue
        line = clean_whitespace(raw)
        if len(line) > _MAX_LINE or not _TRANSFERRED_LEAD.match(line):
            continue
        transferred = _TRANSFERRED.search(line)
        if transferred:
            return transferred.group("source").strip('：:《》“”" ')
    return None


def _transferred_in_tree(nodes: list[Any], base_url: str) -> tuple[str, str | None] | None:
    for node in nodes:
        if not any(mark in node for mark in _TRANSFER_MARKS):
            continue
        element = node.getparent()
        # 本文来源于<span><a>北京商报</a></span>: the mark and the outlet sit in sibling nodes, so read the
        # nearest block around the text.
        while element is not None and element.tag not in _BLOCK_TAGS:
            element = element.getparent()
        if element is None:
            continue
        text = _text(element)
        if len(text) > _MAX_LINE or not _TRANSFERRED_LEAD.match(text):
            continue
        match = _TRANSFERRED.search(text)
        if match:
            return match.group("source").strip('：:《》“”" '), _link_of(element, base_url)
    return None


def extract_reprint(
    tree: HtmlElement, paragraphs: list[str], base_url: str, page_text: str | None = None
) -> Reprint | None:
    """Reprint provenance (原标题, 据…, 转载自…, 本文来源于…) or None.

    ``page_text``: :func:`~newsspider.parsers.pageindex.all_text` of the tree, when the caller has it."""
    text = all_text(tree) if page_text is None else page_text
    # No mark anywhere in the page (most pages): no text node holds one, so the node scan is skipped.
    marks = _MARK_NODES(tree) if any(mark in text for mark in _TREE_MARKS) else []
    nodes: list[Any] = marks if isinstance(marks, list) else []  # lxml "smart strings": each knows its parent
    title = _original_title(nodes, base_url)
    source = _source_from_lines(paragraphs)
    source_url: str | None = None
    if source is None:
        found = _transferred_in_tree(nodes, base_url)
        if found is not None:
            source, source_url = found
    if title is None and source is None:
        return None
    return Reprint(
        original_title=title[0] if title else None,
        original_url=(title[1] if title else None) or source_url,
        original_source=source,
    )
