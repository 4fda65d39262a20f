"""Finding the element that holds the article body: profile selector, CMS family selectors, Hanweb's
``ZJEG_RSS`` comment markers, then a text-density heuristic for pages of unknown templates.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lxml import etree

from newsspider.parsers.families import BODY, class_id, compile_selector, match_simple, noise_attrs, select
from newsspider.parsers.memo import memo_short
from newsspider.parsers.pageindex import texts_of

if TYPE_CHECKING:
    from lxml.html import HtmlElement

    from newsspider.parsers.pageindex import PageIndex

__all__ = ["SKIP_ATTR", "find_container", "mark_zjeg"]

SKIP_ATTR = "data-ns-skip"
"""Set on elements outside the Hanweb markers (and on noise) so the paragraph walker leaves them out."""

_MIN_FAMILY_TEXT = 30
_MIN_PARAGRAPH = 25
_MIN_LI = 50
_MIN_POST = 200  # a repeated box shorter than this is a teaser or a comment, not a whole post
# A CMS class on a page-wide wrapper (Sina's article-content holds the body AND the sidebar): when half its
# text is links, the body is the densest block inside it.
_WRAPPER_LINK_SHARE = 0.3
# Paragraph-like tags that are often layout wrappers: scored by their own text when they hold blocks.
_WRAPPER_TAGS = frozenset({"td", "li", "dd", "blockquote"})
_PUNCT = re.compile(r"[，。！？；：、,.!?;]")
_CANDIDATE_TAGS = ("p", "div", "td", "section", "article", "li", "span", "font", "dd", "pre", "blockquote")
_PARAGRAPH_TAGS = frozenset({"p", "pre", "blockquote", "td", "dd", "li"})
_CONTAINER_TAGS = frozenset(
    {"div", "td", "section", "article", "main", "ucapcontent", "span", "font", "dd", "body"}
)
_NAV_TAGS = frozenset({"a", "nav", "header", "footer", "aside", "select", "option", "button"})
_BAD_CONTAINER = re.compile(
    r"comment|footer|sidebar|side|nav|menu|header|related|recommend|hot|rank|list", re.IGNORECASE
)
_NOT_ARTICLE = re.compile(
    r"footer|\bfoot\b|\bft\b|comment|copyright|sidebar|\bside\b|reply|recommend|related|\bfriend",
    re.IGNORECASE,
)
_GOOD_CONTAINER = re.compile(
    r"article|content|text|body|detail|zoom|editor|main|news|zw|con\b|post", re.IGNORECASE
)


def _text_len(element: HtmlElement) -> int:
    return len("".join(texts_of(element)).strip())


def _link_len(element: HtmlElement) -> int:
    return sum(len("".join(texts_of(a)).strip()) for a in element.iter("a"))


def mark_zjeg(tree: HtmlElement) -> HtmlElement | None:
    """Hanweb's ``<!--ZJEG_RSS.content.begin-->``…``.end`` slice: the parent, with the siblings outside the
    markers flagged with :data:`SKIP_ATTR`. Must run before comments are stripped."""
    begin = end = None
    for comment in tree.iter(etree.Comment):
        text = comment.text or ""
        if "ZJEG_RSS.content.begin" in text and begin is None:
            begin = comment
        elif "ZJEG_RSS.content.end" in text and begin is not None:
            end = comment
            break
    if begin is None or end is None or begin.getparent() is not end.getparent():
        return None
    parent = begin.getparent()
    if parent is None:
        return None
    inside = False
    for child in parent:
        if child is begin:
            inside = True
        elif child is end:
            inside = False
        elif not inside and isinstance(child.tag, str):
            child.set(SKIP_ATTR, "1")
    return parent


def _enough(element: HtmlElement) -> bool:
    return _text_len(element) >= _MIN_FAMILY_TEXT


def find_container(
    tree: HtmlElement, profile_selector: str | None, zjeg: HtmlElement | None, index: PageIndex
) -> tuple[HtmlElement | None, str]:
    """The body container and how it was found (``profile``, ``zjeg``, ``family``, ``density``, ``none``)."""
    if profile_selector:
        xpath = compile_selector(profile_selector)
        if xpath is not None:
            found = select(xpath, tree)
            if found and _text_len(found[0]):
                return found[0], "profile"
    if zjeg is not None and _enough(zjeg):
        return zjeg, "zjeg"
    for selector in BODY:
        for element in match_simple(index, selector):
            if index.length(element) >= _MIN_FAMILY_TEXT and not _inside_noise(element):
                if _link_len(element) > _WRAPPER_LINK_SHARE * index.length(element):
                    inner = _densest(element, index)
                    if inner is not None:
                        return inner, "family"
                return element, "family"
    best = _densest(tree, index)
    if best is not None:
        best = _first_of_repeated(best, index)
    return (best, "density") if best is not None else (None, "none")


def _shape(element: HtmlElement) -> str:
    """The element's path from the root without positions: parallel boxes of one template share it."""
    tags = [element.tag] + [a.tag for a in element.iterancestors()]
    return "/".join(reversed([t for t in tags if isinstance(t, str)]))


def _first_of_repeated(best: HtmlElement, index: PageIndex) -> HtmlElement:
    """The first of several parallel post boxes when ``best`` is one of them.

    A blog or forum page that shows several whole posts (an archive, a thread) repeats one box per post,
    same tag, class and place in the template; the densest is just the longest post. The page's own post
    is the first one (the newest, or the thread's opening post), and the title, date and byline found
    around it then describe the same post.
    """
    cls = best.get("class", "").strip()
    shape = _shape(best)
    if not cls or "/li/" in shape:  # boxes repeated in a list are teasers (related news), not posts
        return best
    for element in best.getroottree().iter(best.tag):
        if element is best:
            return best
        if (
            element.get("class", "").strip() == cls
            and index.length(element) >= _MIN_POST
            and _shape(element) == shape
        ):
            return element
    return best


def _inside_noise(element: HtmlElement) -> bool:
    for ancestor in element.iterancestors():
        attrs = class_id(ancestor)
        if attrs.strip() and _bad_box(attrs):
            return True
    return False


# The two box tests below run on every ancestor of every candidate paragraph; the case-blind patterns cost
# ~3 us a call and the same few class strings come back on every page of a site, hence the caches.
@memo_short
def _bad_box(attrs: str) -> bool:
    return _BAD_CONTAINER.search(attrs) is not None and _GOOD_CONTAINER.search(attrs) is None


@memo_short
def _not_article_box(attrs: str) -> bool:
    return _NOT_ARTICLE.search(attrs) is not None and _GOOD_CONTAINER.search(attrs) is None


def _paragraph_score(element: HtmlElement) -> float:
    """Readability's paragraph score adapted to Chinese: punctuation instead of commas, chars / 50."""
    # iter() instead of find(".//…"): the same descendants (the element's own tag is never one of them) without
    # ElementPath's per-call overhead, and one walk for the four block tags instead of four.
    wrapper = element.tag in _WRAPPER_TAGS and next(element.iter("p", "div", "table", "ul"), None) is not None
    if element.tag in _PARAGRAPH_TAGS and not wrapper:
        text = "".join(texts_of(element))
        if next(element.iter("a"), None) is not None:
            links = sum(len("".join(texts_of(a))) for a in element.iter("a"))
            text = text[: max(0, len(text) - links)]
    else:
        # A div/span that holds text directly (br-separated pages) counts by its own text nodes only.
        parts = [element.text or ""] + [c.tail or "" for c in element if c.tag != "a"]
        parts += ["".join(texts_of(c)) for c in element if c.tag in ("br", "b", "strong", "font", "em", "i")]
        text = "".join(parts)
    text = text.strip()
    if len(text) < (_MIN_LI if element.tag == "li" else _MIN_PARAGRAPH):
        return 0.0
    return 1.0 + len(_PUNCT.findall(text)) + min(len(text) / 50.0, 3.0)


def _in_nav(element: HtmlElement) -> bool:
    """Inside navigation, a link, a list, or a footer/comment/sidebar block: its text is not the article."""
    for ancestor in element.iterancestors():
        if ancestor.tag in _NAV_TAGS:
            return True
        attrs = class_id(ancestor)
        if attrs.strip() and _not_article_box(attrs):
            return True
    return False


def _densest(tree: HtmlElement, index: PageIndex) -> HtmlElement | None:
    scores: dict[HtmlElement, float] = {}
    for element in tree.iter(*_CANDIDATE_TAGS):
        score = _paragraph_score(element)
        if not score or _in_nav(element):
            continue
        parent = element.getparent()
        if parent is None:
            continue
        attrs = class_id(element)
        if attrs.strip() and noise_attrs(attrs):
            continue
        # A layout cell holding br-separated text is the container itself: its tr/tbody/table ancestors
        # do not collect scores, so it would otherwise lose to any small div.
        own = element.tag not in _PARAGRAPH_TAGS or (element.tag == "td" and element.find("br") is not None)
        if element.tag in _CONTAINER_TAGS and own:
            scores[element] = scores.get(element, 0.0) + score
        for weight, ancestor in zip((1.0, 0.5, 0.25), element.iterancestors(), strict=False):
            if ancestor.tag in _CONTAINER_TAGS:
                scores[ancestor] = scores.get(ancestor, 0.0) + score * weight
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)[:8]
    best: HtmlElement | None = None
    best_score = 0.0
    for element, score in ranked:
        total = index.length(element)
        if not total:
            continue
        density = _link_len(element) / total
        attrs = class_id(element)
        bonus = 1.0
        if attrs.strip():
            if _GOOD_CONTAINER.search(attrs):
                bonus = 1.25
            elif _NOT_ARTICLE.search(attrs):
                continue
            elif _BAD_CONTAINER.search(attrs):
                bonus = 0.6
        final = score * (1.0 - density) * bonus
        if final > best_score:
            best, best_score = element, final
    return best
