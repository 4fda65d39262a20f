"""Locating the info line (date · 来源 · 作者 · 责任编辑) in the DOM; also the 摘要 box, loose date texts and
a blog's owner link.

Only text nodes are read: ``@alt`` holds stale template defaults on TRS pages, and comments were stripped
before this runs (an editor inside ``<!-- -->`` does not exist). The info line is the first short element
after the headline that carries a date or a label; related-news lists are skipped by their link density.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lxml import etree

from newsspider.parsers.families import (
    INFO,
    class_id,
    compile_selector,
    match_simple,
    noise_attrs,
    select,
)
from newsspider.parsers.memo import memo_short
from newsspider.parsers.pageindex import texts_of
from newsspider.textnorm import clean_whitespace

if TYPE_CHECKING:
    from lxml.html import HtmlElement

    from newsspider.parsers.pageindex import PageIndex

__all__ = [
    "InfoBlocks",
    "InfoLine",
    "blog_owner",
    "byline_text",
    "find_info",
    "node_text",
    "short_node_text",
]

_HINT = re.compile(
    r"(?:来源|来自|稿源|出处|作者|记者|编辑|责编|发布|时间|日期|浏览|阅读|点击)\s*[:：]"
    r"|\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|\d{1,2}\s*[-月]\s*\d{1,2}日?\s+\d{1,2}:\d{2}"
    r"|(?:来源|作者|责任编辑|责编|编辑|文|记者)\s*[/丨|]"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}\b.*\b(?:19|20)\d{2}"
)
# Every _HINT match holds a digit, a colon or a separator: this one-class scan is ~10x cheaper than _HINT and
# rules out about half the candidate elements of a page before _HINT runs.
_HINT_CHARS = re.compile(r"[\d:：/丨|]")
_EDITOR_HINT = re.compile(r"(?:责任编辑|责编|编辑|作者|记者|来源)\s*[:：]")
_MAX_INFO_LEN = 300
_MAX_HEAD_LINES = 5
_MIN_INFO_LEN = 4  # the shortest date or label: "发布：" + a digit
_MAX_AFTER_LEN = 120
_MAX_LINK_SHARE = 0.5
_SKIP_TAGS = frozenset({"a", "option", "select", "script", "style", "title", "head", "html", "body"})
_MAX_AFTER_ELEMENTS = 400
# A piece that ends like an open label (来源：, 【): the next piece is its value, not a new item.
_OPEN_LABEL_END = frozenset(":：/[【(（")
_SLOT_ATTR = re.compile(
    r"(?P<source>source|laiyuan|\bly\b|comefrom|come-from|media-name|\bfrom\b)"
    r"|(?P<author>author|writer|zuozhe|\bzz\b|byline)|(?P<editor>editor|bianji|zeren|\bzrbj\b)",
    re.IGNORECASE,
)
_MAX_SLOT_LEN = 60


@dataclass(frozen=True)
class InfoLine:
    text: str
    """Text nodes joined by spaces (for dates: ``<span>10-08</span><span>12:00</span>`` stays one time)."""
    byline: str
    """Text nodes of separate elements joined by `` | `` so a value stops at its element's end
    (``来源：<a>新京报</a><a>举报</a>``), except right after a label's colon."""


@dataclass
class InfoBlocks:
    """Texts that may hold the date/source/author/editor, best first."""

    head: list[InfoLine] = field(default_factory=list)
    """Info lines next to the headline (family selector or the first hinted elements after the title)."""
    tail: list[str] = field(default_factory=list)
    """Short labelled lines after the body (责任编辑 at the bottom), in byline form."""
    slots: dict[str, str] = field(default_factory=dict)
    """Unlabelled template slots by kind (source, author, editor): ``<span class="source">新京报</span>``."""


def node_text(element: HtmlElement) -> str:
    """Text of an element with a space at every text-node boundary (``<i>时间：</i>2019…`` stays apart)."""
    return clean_whitespace(" ".join(texts_of(element)))


def short_node_text(element: HtmlElement, limit: int, index: PageIndex | None = None) -> str | None:
    """:func:`node_text` when it is at most ``limit`` characters, else None. On a big element (a heading's
    page-wide ancestor) it stops reading once more than ``limit`` non-space characters were seen: all of them
    are in node_text. The page's ``index`` spares that count where its stripped text length (never fewer
    characters) is within ``limit``."""
    if index is not None and index.length(element) <= limit:
        text = node_text(element)
        return text if len(text) <= limit else None
    seen = 0
    for chunk in texts_of(element):
        if not chunk.strip():  # indentation: cleaned, nothing is left
            continue
        piece = clean_whitespace(chunk)
        seen += len(piece) - piece.count(" ")
        if seen > limit:
            return None
    text = node_text(element)
    return text if len(text) <= limit else None


def byline_text(element: HtmlElement) -> str:
    out: list[str] = []
    # All text nodes cleaned in one call, split again at a NUL (no text node holds one: libxml2's strings end
    # at NUL): each piece is its node's clean_whitespace but for a space at either end, as a run of spaces
    # never crosses the NUL. One call a line instead of one a node (~0.5 us each, most of them indentation).
    for spaced in clean_whitespace("\0".join(texts_of(element))).split("\0"):
        piece = spaced.strip()
        if not piece:
            continue
        # out[-1] is a cleaned piece (no trailing space), so its last character is all there is to test.
        if out and out[-1][-1] not in _OPEN_LABEL_END and not piece.startswith((":", "：")):
            out.append("|")
        out.append(piece)
    return " ".join(out)


def _text_once(element: HtmlElement, index: PageIndex) -> str:
    """:func:`node_text`, read once a page: find_info asks for an element's text in up to three places."""
    text = index.node_texts.get(element)
    if text is None:
        text = index.node_texts[element] = node_text(element)
    return text


def _byline_once(element: HtmlElement, index: PageIndex) -> str:
    """:func:`byline_text`, read once a page (an info line that is also a template slot is read twice)."""
    text = index.byline_texts.get(element)
    if text is None:
        text = index.byline_texts[element] = byline_text(element)
    return text


def _line(element: HtmlElement, text: str, index: PageIndex) -> InfoLine:
    """``text``: the element's node_text, which the caller has at hand."""
    return InfoLine(text, _byline_once(element, index))


def _link_share(element: HtmlElement, length: int) -> float:
    links = sum(len(clean_whitespace("".join(texts_of(a)))) for a in element.iter("a"))
    return links / length if length else 0.0


def _noisy(element: HtmlElement) -> bool:
    attrs = class_id(element)
    return bool(attrs.strip()) and noise_attrs(attrs) and "info" not in attrs.lower()


def _slot(element: HtmlElement, slots: dict[str, str], index: PageIndex) -> None:
    attrs = class_id(element)
    if not attrs.strip():
        return
    kind = _slot_kind(attrs)
    if kind is None or kind in slots:
        return
    text = _byline_once(element, index)
    if text and len(text) <= _MAX_SLOT_LEN:
        slots[kind] = text


@memo_short
def _slot_kind(attrs: str) -> str | None:
    """source, author or editor for a template slot's ``"class id"``; cached, as the case-blind pattern is
    slow (~5 us) and a site's templates repeat the same class strings."""
    match = _SLOT_ATTR.search(attrs)
    return None if match is None else next(k for k, v in match.groupdict().items() if v)


def find_info(
    tree: HtmlElement,
    title: HtmlElement | None,
    container: HtmlElement | None,
    index: PageIndex,
    selectors: tuple[str | None, ...] = (),
    *,
    _scan_before: bool = False,
    _hinted: dict[HtmlElement, str | None] | None = None,
) -> InfoBlocks:
    blocks = InfoBlocks()
    # The second pass (_scan_before) walks the same elements again: their verdicts are kept from the first.
    hinted: dict[HtmlElement, str | None] = {} if _hinted is None else _hinted
    for selector in selectors:
        for element in select(compile_selector(selector), tree) if selector else []:
            text = _text_once(element, index)
            if text:
                blocks.head.append(_line(element, text, index))
                break
    for selector in INFO:
        for element in match_simple(index, selector):
            if index.length(element) > _MAX_INFO_LEN:
                continue
            text = _text_once(element, index)
            if text and len(text) <= _MAX_INFO_LEN:
                blocks.head.append(_line(element, text, index))
                break
    before: list[InfoLine] = []
    after_title: list[InfoLine] = []
    state = "before"  # before the title, then "title" (after it), then "body" (after the container)
    count_after = 0
    around_title = {title, *title.iterancestors()} if title is not None else set()
    around_container = set(container.iterancestors()) if container is not None else set()
    in_container = set(container.iter()) if container is not None else set()
    length_of = index.text_len.get
    elements = tree.iter()
    if title is not None and not _scan_before:
        # This pass reads nothing before the headline: those elements are passed over without the tests below.
        for element in elements:
            if element is title:
                state = "title"
                break
    for element in elements:
        tag = element.tag
        if not isinstance(tag, str):
            continue
        if title is not None and element is title:
            state = "title"
            continue
        if container is not None and element is container:
            state = "body"
            continue
        # Inside the container only lines after a headline that is itself inside it count (density pick).
        if (
            (state == "body" and element in in_container)
            or element in around_title
            or element in around_container
        ):
            continue
        if tag in _SKIP_TAGS:
            continue
        if state == "body":
            count_after += 1
            if count_after > _MAX_AFTER_ELEMENTS:
                break
        length = length_of(element, 0)
        if length < _MIN_INFO_LEN or length > _MAX_INFO_LEN:
            continue
        if state != "body":
            _slot(element, blocks.slots, index)
        verdict = (
            hinted[element] if element in hinted else hinted.setdefault(element, _hinted_text(element, index))
        )
        if verdict is None:
            continue
        text = verdict
        if state == "before":
            before.append(_line(element, text, index))
        elif state == "title":
            if not after_title or text not in after_title[-1].text:
                after_title.append(_line(element, text, index))
        elif (
            len(text) <= _MAX_AFTER_LEN
            and _EDITOR_HINT.search(text)
            and (not blocks.tail or text not in blocks.tail[-1])
        ):
            blocks.tail.append(_byline_once(element, index))
    if after_title:
        blocks.head.extend(after_title[:_MAX_HEAD_LINES])
    elif before:
        blocks.head.append(before[-1])
    elif title is not None and not _scan_before:
        # Nothing after the headline: look before it too (info line above the title on some templates).
        return find_info(tree, title, container, index, selectors, _scan_before=True, _hinted=hinted)
    return blocks


def _hinted_text(element: HtmlElement, index: PageIndex | None = None) -> str | None:
    """The element's text when it reads like an info line: a date or label in it, not a widget box, not
    mostly links, not in a link list. With the page's ``index``, its text is read once a page."""
    text = node_text(element) if index is None else _text_once(element, index)
    if (
        not text
        or len(text) > _MAX_INFO_LEN
        or _HINT_CHARS.search(text) is None
        or not _HINT.search(text)
        or _noisy(element)
    ):
        return None
    if _link_share(element, len(text)) > _MAX_LINK_SHARE or _inside_link_list(element):
        return None
    return text


def _inside_link_list(element: HtmlElement) -> bool:
    for ancestor in element.iterancestors("li", "ul", "ol"):
        if ancestor.tag in ("ul", "ol") and len(ancestor) > 3:
            return True
    return False


_SUMMARY_WORD = r"(?:内容)?(?:摘\s*要|提\s*要|导\s*读|导\s*语|核心提示)"
# _SUMMARY_WORD without its optional 内容: a pattern that opens with a literal scans a page's text 10x faster.
_SUMMARY_ANYWHERE = re.compile(r"摘\s*要|提\s*要|导\s*[读语]|核心提示")
_SUMMARY_LABEL = re.compile(rf"^\s*(?:[【\[]\s*{_SUMMARY_WORD}\s*[】\]]\s*[:：]?|{_SUMMARY_WORD}\s*[:：])\s*")
_SUMMARY_TAGS = ("div", "p", "span", "td", "dd", "section", "blockquote", "li")
_MAX_SUMMARY_LEN = 600


def is_summary_line(text: str) -> bool:
    return _SUMMARY_LABEL.match(text) is not None


def find_summary_box(
    tree: HtmlElement, index: PageIndex | None = None, selector: str | None = None
) -> str | None:
    """The page's own 摘要 box (label removed), or None. A profile's ``selector`` names the box: its first
    match with text wins, label or not. With the page's ``index`` (comments stripped), a page whose text has
    no 摘要-like word anywhere is answered without the walk: the label is in one text node."""
    for element in select(compile_selector(selector), tree) if selector else ():
        if value := _SUMMARY_LABEL.sub("", node_text(element)).strip():
            return value
    if index is not None and _SUMMARY_ANYWHERE.search(index.all_text()) is None:
        return None
    for element in tree.iter(*_SUMMARY_TAGS):
        head = (element.text or "").lstrip()
        if not head and len(element):
            head = (element[0].text or "").lstrip()
        if not _SUMMARY_LABEL.match(head[:12]):
            continue
        text = node_text(element)
        if len(text) > _MAX_SUMMARY_LEN:
            continue
        value = _SUMMARY_LABEL.sub("", text).strip()
        if value:
            return value
    return None


_YEARISH = re.compile(r"(?:19|20)\d{2}|\d{1,2}:\d{2}")
_MAX_DATE_NODE = 100


def date_texts(tree: HtmlElement, start: HtmlElement | None) -> list[str]:
    """Short text nodes that may hold a date, in document order from ``start`` (the headline) on; link
    texts (related news) left out. Used only when no info line, meta or listing gave a date."""
    out: list[str] = []
    started = start is None
    for element in tree.iter():
        if element is start:
            started = True
        if not started or not isinstance(element.tag, str):
            continue
        # A link's own text is left out (related news), the text after it is not (…</a> 发表于2005年…).
        own = None if element.tag in _SKIP_TAGS else element.text
        out.extend(
            clean_whitespace(text)
            for text in (own, element.tail)
            if text and len(text) <= _MAX_DATE_NODE and _YEARISH.search(text)
        )
    return out


# Only links with a rel, or a title with 的 in it, can name the owner: picked in C, not from every link.
_OWNER_LINKS = etree.XPath("descendant-or-self::a[@rel or contains(@title, '的')]")
_OWNER_TITLE = re.compile(r"^[\[【]?(?P<name>.{2,20}?)[\]】]?的(?:博客|专栏|空间|部落格)$")


def blog_owner(tree: HtmlElement) -> str | None:
    """The blog owner's profile link: ``<a rel="author">`` (the HTML convention), or a link titled with its own
    text plus 的博客 (``<a title="[太小心]的博客">太小心</a>``). A post with no byline is its owner's."""
    for element in select(_OWNER_LINKS, tree):
        rel, title = element.get("rel"), element.get("title")
        if not rel and not title:
            continue
        by_rel = bool(rel) and "author" in rel.lower().split()
        owner = _OWNER_TITLE.match((title or "").strip())
        if not by_rel and owner is None:
            continue
        text = clean_whitespace("".join(texts_of(element)))
        if text and by_rel:
            return text
        if text and owner is not None and owner.group("name") == text:
            return text
    return None
