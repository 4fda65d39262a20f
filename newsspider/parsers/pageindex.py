"""One pass over the tree that later steps share: text length per element, and elements by id and class.

Without it, every "short element with a label" test re-reads the text of every ancestor (quadratic on deep
pages) and every family selector is a full-tree XPath scan; with it, a page costs a few linear passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lxml import etree

if TYPE_CHECKING:
    from collections.abc import Iterable

    from lxml.html import HtmlElement

__all__ = ["PageIndex", "all_text", "build_index", "texts_of"]

_ALL_TEXT = etree.XPath("string(/)", smart_strings=False)


@dataclass
class PageIndex:
    text_len: dict[HtmlElement, int] = field(default_factory=dict)
    """Characters of text inside each element (tails of its children included, its own tail not)."""
    by_id: dict[str, HtmlElement] = field(default_factory=dict)
    by_class: dict[str, list[HtmlElement]] = field(default_factory=dict)
    root: HtmlElement | None = None
    reply_heads: list[HtmlElement] = field(default_factory=list)
    """Elements whose text opens like a reply subject (re: / 回复), in document order."""
    _text: str | None = field(default=None, repr=False)
    node_texts: dict[HtmlElement, str] = field(default_factory=dict, repr=False)
    """``locate.node_text`` of elements already read (the tree no longer changes once indexed)."""
    byline_texts: dict[HtmlElement, str] = field(default_factory=dict, repr=False)
    """``locate.byline_text`` of elements already read."""
    doc_title: str | None = field(default=None, repr=False)
    """The ``<title>`` text, once read (``title._doc_title``)."""

    def all_text(self) -> str:
        """:func:`all_text` of the indexed tree, joined on first use (the tree no longer changes by then)."""
        if self._text is None:
            self._text = all_text(self.root) if self.root is not None else ""
        return self._text

    def length(self, element: HtmlElement) -> int:
        return self.text_len.get(element, 0)

    def find(self, tag: str | None, ident: str | None, cls: str | None) -> list[HtmlElement]:
        """Elements matching ``tag#ident.cls`` (any part may be None), in document order."""
        if ident is not None:
            found = self.by_id.get(ident)
            pool = [found] if found is not None else []
        elif cls is not None:
            pool = self.by_class.get(cls, [])
        else:
            return []
        return [
            e
            for e in pool
            if (tag is None or e.tag == tag) and (cls is None or cls in (e.get("class") or "").split())
        ]


def texts_of(element: HtmlElement) -> Iterable[str]:
    """``element.itertext()``. An element without children has its text alone, read without lxml's text
    iterator, which costs ~1.3 us to set up: half of a page's calls are on such elements (links, spans)."""
    if len(element):
        chunks: Iterable[str] = element.itertext()
        return chunks
    text = element.text
    return () if text is None else (text,)


def all_text(tree: HtmlElement) -> str:
    """Every text node of the document, joined. A string that is not in here is in no single text node, so a
    ``//text()[contains(., …)]`` scan for it (~0.5 ms on a big page, one string object per hit) can be skipped.
    """
    return str(_ALL_TEXT(tree))


def build_index(tree: HtmlElement) -> PageIndex:
    """The page's id and class index, text lengths and reply heads.

    ``tree`` must hold elements only, as ``parse_article`` leaves it (comments and processing instructions
    stripped): the text of a comment's tail would not be counted.
    """
    index = PageIndex(root=tree)
    elements = list(tree.iter(etree.Element))
    by_id, by_class = index.by_id, index.by_class
    for element in elements:
        ident = element.get("id")
        if ident and ident not in by_id:
            by_id[ident] = element
        classes = element.get("class")
        if classes:
            for token in classes.split():
                bucket = by_class.get(token)  # not setdefault: it builds a new list on every call
                if bucket is None:
                    by_class[token] = [element]
                else:
                    bucket.append(element)
    lengths = index.text_len
    replies = index.reply_heads
    get = lengths.get
    # Reverse document order visits every descendant before its ancestor, so an element's total is complete
    # when reached and is handed up to its parent then (one getparent() instead of a loop over children).
    # Comments and PIs are gone by now (stripped, parser option), so every child is one of ``elements``.
    for element in reversed(elements):
        text = element.text
        total = get(element, 0)
        if text:
            total += len(text.strip())
            head = text[:8]
            # 回 or an e first (most heads have neither): no character but e/E lowers to one holding an e.
            if ("回" in head or "e" in head or "E" in head) and ("回复" in head or "re" in head.lower()):
                replies.append(element)
        lengths[element] = total
        if element is not tree:
            tail = element.tail
            if tail:
                total += len(tail.strip())
            parent = element.getparent()
            lengths[parent] = get(parent, 0) + total
    replies.reverse()
    return index
