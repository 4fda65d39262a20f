"""Where else a page shows its headline, for pages whose headings do not agree with ``<title>``: the subject its
replies quote, an element showing one ``<title>`` segment, the heading its body container opens with, the last
heading or bold line before that container.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from newsspider.parsers.families import class_id
from newsspider.parsers.pageindex import texts_of
from newsspider.textnorm import clean_whitespace, compare_form

if TYPE_CHECKING:
    from lxml.html import HtmlElement

    from newsspider.parsers.pageindex import PageIndex

__all__ = [
    "MAX_LEN",
    "MAX_SIDE_LEN",
    "MIN_SEGMENT",
    "NOT_HEADLINE",
    "SUFFIX_SPLIT",
    "TITLE_TAGS",
    "element_text",
    "nearest_before",
    "opening_heading",
    "replied_subject",
    "shown_segment",
]

SUFFIX_SPLIT = re.compile(r"\s*(?:[_｜|]|--?|——|—|–|\s-\s|\s@\s|\s::\s?|\s»\s)\s*")
TITLE_TAGS = frozenset({"h1", "h2", "h3", "ucaptitle", "div", "p", "span", "td", "strong", "font", "b"})
NOT_HEADLINE = re.compile(r"来源|发布时间|作者|责任编辑|当前位置|您的位置|\d{4}[-年/.]\d{1,2}")
MAX_LEN = 150
MIN_SEGMENT = 4
MAX_SIDE_LEN = 80
_NEAR_MIN = 5
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "ucaptitle"})
_EMPHASIS_TAGS = frozenset({"b", "strong", "font"})
_TITLE_WORD = re.compile(r"title|biaoti|headline|\bbt\b|subject|topic", re.IGNORECASE)
_REPLY = re.compile(r"^\W{0,3}(?:re|回复)\s*[:：]\s*(?P<subject>\S.*)$", re.IGNORECASE)
_REPLY_TAGS = ("a", "h3", "h4", "h5", "font", "span", "td", "div", "b", "strong", "input")
_MIN_REPLIED = 4
_MIN_REPLIES = 2
_FORM_WEIGHT = 3
_SENTENCE_END = re.compile(r"[。！？!?]")


def element_text(element: HtmlElement) -> str:
    return clean_whitespace("".join(texts_of(element)))


def replied_subject(tree: HtmlElement, index: PageIndex) -> HtmlElement | None:
    """Blogs and forums title every reply ``re: <post title>`` and prefill the reply form with
    ``回复:<post title>``, while their <title> and h1 show the blog or board name. The subject replied to most
    (the form's prefill counts most, a reply heading twice, a sidebar link to another post's latest reply
    once) is the headline, found where it is shown before its first reply."""
    weights: dict[str, int] = {}
    first_reply: dict[str, HtmlElement] = {}
    # The index already picked the elements whose text opens with re/回复 (cheap on every page).
    for element in [*index.reply_heads, *tree.iter("input")]:
        if element.tag not in _REPLY_TAGS:
            continue
        head = (element.get("value") if element.tag == "input" else element.text) or ""
        found = None
        if element.tag == "input":
            found = _REPLY.match(head)
        elif index.length(element) <= MAX_LEN and _REPLY.match(head):
            found = _REPLY.match(element_text(element).split("\n")[0])
        if found is None or not _MIN_REPLIED <= len(found.group("subject").strip()) <= MAX_SIDE_LEN:
            continue
        subject = compare_form(found.group("subject"))
        weight = _FORM_WEIGHT if element.tag == "input" else 1 if element.tag == "a" else _MIN_REPLIES
        weights[subject] = weights.get(subject, 0) + weight
        first_reply.setdefault(subject, element)
    if not weights:
        return None
    subject = max(weights, key=lambda key: weights[key])
    if weights[subject] < _MIN_REPLIES or _SENTENCE_END.search(subject[-1:]):
        return None
    for element in tree.iter(*TITLE_TAGS, "a"):
        if element is first_reply[subject]:
            break
        if index.length(element) <= MAX_LEN and compare_form(element_text(element)) == subject:
            # The outermost element showing just the subject (<font><strong><a>…), as a heading would be.
            while (parent := element.getparent()) is not None and compare_form(
                element_text(parent)
            ) == subject:
                element = parent
            return element
    return None


def shown_segment(
    tree: HtmlElement, index: PageIndex, doc_title: str, container: HtmlElement | None
) -> HtmlElement | None:
    """An element showing exactly one segment of ``<title>`` (``博客名 - 文章标题``: which segment is the
    headline is told by the page showing it), the last one before the body container."""
    segments = {compare_form(p) for p in SUFFIX_SPLIT.split(doc_title) if len(p.strip()) >= MIN_SEGMENT}
    if not segments:
        return None
    found: HtmlElement | None = None
    inside = False
    before: set[str] = set()
    for element in tree.iter():
        # The heading may sit inside the container (a loose density pick), but not past where the text starts.
        inside = inside or element is container
        if inside and isinstance(element.tag, str) and len((element.text or "").strip()) > MAX_SIDE_LEN:
            break
        # A link showing a segment is the column or forum in the breadcrumb (论坛 » 学术前沿 » …), not the headline.
        if not isinstance(element.tag, str) or element.tag in ("title", "html", "head", "body", "a"):
            continue
        length = index.length(element)
        if not MIN_SEGMENT <= length <= MAX_LEN:
            continue
        shown = compare_form(element_text(element))
        if shown in segments:
            # Inside the text, only a segment the page header did not show (a law's name repeated in its
            # preamble is still the headline shown above).
            if inside and shown in before:
                break
            found = element
            if not inside:
                before.add(shown)
    return found


def nearest_before(
    tree: HtmlElement, index: PageIndex, container: HtmlElement
) -> tuple[HtmlElement | None, HtmlElement | None]:
    """The last heading-like element and the last emphasised line (b/strong/font) before the body container:
    where an unknown template puts its headline."""
    heading: HtmlElement | None = None
    emphasised: HtmlElement | None = None
    for element in tree.iter():
        if element is container:
            return heading, emphasised
        tag = element.tag
        if not isinstance(tag, str):
            continue
        if tag in _HEADING_TAGS or _TITLE_WORD.search(class_id(element)):
            if _near_text(element):
                heading = element
        elif (
            tag in _EMPHASIS_TAGS
            and _NEAR_MIN <= index.length(element) <= MAX_SIDE_LEN
            # A link (a menu entry, a related story) is not the page's own headline.
            and element.find(".//a") is None
            and next(element.iterancestors("a"), None) is None
            and _near_text(element)
        ):
            emphasised = element
    return None, None


def _near_text(element: HtmlElement) -> bool:
    text = element_text(element)
    return _NEAR_MIN <= len(text) <= MAX_SIDE_LEN and not NOT_HEADLINE.search(text)


def opening_heading(container: HtmlElement, index: PageIndex) -> HtmlElement | None:
    """A heading the body container opens with, before any of its text: blog templates put the post's h2 inside
    the post's box, and the blog's name in the h1 above it."""
    element = container
    while not (element.text or "").strip():
        # Empty anchors, images and blank paragraphs before the heading do not count as text.
        child = next((c for c in element if index.length(c) or (c.tail or "").strip()), None)
        if child is None or not isinstance(child.tag, str) or index.length(child) == 0:
            return None
        if child.tag in _HEADING_TAGS:
            return child if _near_text(child) else None
        element = child
    return None
