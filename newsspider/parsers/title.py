"""The displayed headline, its 引题 (kicker) and 副题 (subtitle).

``<title>`` carries the site suffix (``…_山西省人民政府``) and is sometimes cut; the visible heading does not,
but a page has many headings (logo, column name, sidebar boxes). So the heading wins when it agrees with
``<title>`` or the ArticleTitle/og:title metas. Where none agrees, the page's own layout is the next witness
(title_candidates: the heading the body opens with, the last heading or bold line above it), and ``<title>``
minus its suffix is the last resort.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newsspider.parsers.families import TITLE, compile_selector, match_simple, select
from newsspider.parsers.pageindex import texts_of
from newsspider.parsers.title_candidates import (
    MAX_LEN,
    MAX_SIDE_LEN,
    MIN_SEGMENT,
    NOT_HEADLINE,
    SUFFIX_SPLIT,
    TITLE_TAGS,
    element_text,
    nearest_before,
    opening_heading,
    replied_subject,
    shown_segment,
)
from newsspider.textnorm import clean_whitespace, compare_form

if TYPE_CHECKING:
    from lxml.html import HtmlElement

    from newsspider.parsers.meta import PageMeta
    from newsspider.parsers.pageindex import PageIndex

__all__ = ["Headline", "find_title"]

_HEADINGS = ("h1", "h2", "h3", "ucaptitle")
_SIBLING_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_MIN_LEN = 2
_BADGE_TAGS = frozenset({"span", "i", "em", "label", "b", "strong", "sup", "img"})
_MAX_BADGE = 4
_LABEL_WORDS = ("主题", "标题", "题目")
_LABEL_HEAD = re.compile(rf"^(?:{'|'.join(_LABEL_WORDS)})\s*[:：]\s*")
_LABEL_ANYWHERE = re.compile(rf"(?:{'|'.join(_LABEL_WORDS)})\s*[:：]")
_WIDGET_WORDS = ("编辑", "锁定", "讨论", "收藏", "分享", "上传视频", "举报")
_WIDGET_TAIL = re.compile(rf"(?:\s+(?:{'|'.join(_WIDGET_WORDS)}))+$")
_PAGE_TAIL = re.compile(r"\s*[（(]\s*(?:页|第)\s*\d+\s*页?\s*[)）]$")
# BlogDriver-style templates close every post heading with "- -"; hand-made pages open a heading with "*" as its
# level mark. Neither is headline text (*ST is a stock-name prefix, kept).
_DASH_TAIL = re.compile(r"(?<=\S)(?:\s*-)+\s*$")
_LEVEL_MARK = re.compile(r"^[*＊]+(?!\s*ST)\s*")
_CUT = ("…", "...", "⋯")


@dataclass
class Headline:
    title: str
    element: HtmlElement | None
    kicker: str | None = None
    subtitle: str | None = None
    confident: bool = True
    """False when no heading agreed with <title>/metas (a fallback guess)."""


def _headline_text(element: HtmlElement) -> tuple[str, str | None]:
    """The heading's text without badges (原创), labels (主题：), edit widgets (编辑 锁定), and the
    ``——…`` subtitle it carries after a line break (returned second)."""
    if not element.text and not len(element):
        return "", None  # an empty heading (TRS pages have two around the title)
    subtitle = None
    parts: list[str] = [element.text or ""]
    for child in element:
        child_text = "".join(texts_of(child)) if isinstance(child.tag, str) else ""
        if child.tag == "br":
            parts.append("\n")
        elif (
            isinstance(child.tag, str) and child.tag in _BADGE_TAGS and len(child_text.strip()) <= _MAX_BADGE
        ):
            if parts == [element.text or ""] and not (element.text or "").strip():
                parts.append("")  # a leading badge (原创, 独家): dropped
            else:
                parts.append(child_text)
        else:
            parts.append(child_text)
        parts.append(child.tail or "")
    raw = "".join(parts)
    if "\n" in raw:
        head, _, rest = raw.partition("\n")
        if rest.strip().startswith(("——", "--", "—")) and head.strip():
            raw, subtitle = head, clean_whitespace(rest)
    text, carried = clean_headline(raw)
    return text, subtitle or carried


def clean_headline(raw: str) -> tuple[str, str | None]:
    """A headline string without 主题： labels, edit widgets, (页 1), decoration marks and a `` ——subtitle``
    tail."""
    # Each pattern only where the text's first or last characters allow it (a few us a headline saved; every
    # page reads four or five): clean_whitespace leaves no space at either end.
    text = clean_whitespace(raw)
    if text.startswith(("*", "＊")):
        text = _LEVEL_MARK.sub("", text)
    if text.startswith(_LABEL_WORDS):
        text = _LABEL_HEAD.sub("", text)
    if text.endswith(_WIDGET_WORDS):
        text = _WIDGET_TAIL.sub("", text)
    if text.endswith((")", "）")):
        text = _PAGE_TAIL.sub("", text)
    if "-" in text:
        text = _DASH_TAIL.sub("", text)
    head, dash, rest = text.partition(" ——")
    if dash and head and rest:
        return head, "——" + rest
    return text, None


def _doc_title(tree: HtmlElement, index: PageIndex) -> str:
    """The first ``<title>``'s text; read once a page (find_title and doc_title_suffix both want it)."""
    if index.doc_title is None:
        index.doc_title = next((element_text(element) for element in tree.iter("title")), "")
    return index.doc_title


def _first_segment(doc_title: str) -> str:
    parts = [p for p in SUFFIX_SPLIT.split(doc_title) if p.strip()]
    if not parts:
        return doc_title
    first = parts[0]
    # "新闻 | 正式启动…" style: a very short first part is the column, take the longest part instead.
    return first if len(first) >= 6 or len(parts) == 1 else max(parts, key=len)


def _candidates(
    index: PageIndex, headings: list[HtmlElement], labelled: list[HtmlElement]
) -> list[HtmlElement]:
    found: list[HtmlElement] = []
    seen: set[HtmlElement] = set()
    pools: list[list[HtmlElement]] = [match_simple(index, selector) for selector in TITLE]
    pools.append(headings)
    pools.extend(elements for name, elements in index.by_class.items() if "title" in name.lower())
    pools.extend([element] for name, element in index.by_id.items() if "title" in name.lower())
    pools.append(labelled)
    for pool in pools:
        for element in pool:
            if element not in seen and element.tag in TITLE_TAGS:
                seen.add(element)
                found.append(element)
    return found


def _score(text: str, refs: list[str], first: str) -> float:
    """``first``: the compare form of <title>'s first segment ("" when there is none)."""
    n = compare_form(text)
    if not n:
        return 0.0
    best = 0.0
    for ref in refs:
        if not ref:
            continue
        if n == ref:
            best = max(best, 3.0)
        elif n in ref and len(n) >= 4:
            best = max(best, 1.0 + len(n) / len(ref))
        elif n.startswith(ref) and len(ref) >= 6:
            # <title> cut short, the heading is the full text.
            best = max(best, 1.0 + len(ref) / len(n))
    if first and first == n:
        best += 1.0
    elif best and len(n) >= MIN_SEGMENT and any(ref.startswith(n) for ref in refs[-1:]):
        # "标题_站名" is the common order: a heading that opens <title> is most likely the headline.
        best += 0.5
    return best


def _labelled(tree: HtmlElement, index: PageIndex) -> list[HtmlElement]:
    """Forum/BBS headings: ``<td><b>主题：</b> 你知道…</td>``."""
    found: list[HtmlElement] = []
    if _LABEL_ANYWHERE.search(index.all_text()) is None:
        return found  # the label is in one text node, so in the page's text: most pages have none
    for element in tree.iter("td", "div", "p", "span", "h1", "h2", "h3", "font"):
        if not MIN_SEGMENT <= index.length(element) <= MAX_LEN:
            continue
        head = element.text or ""
        if not head.strip() and len(element) and isinstance(element[0].tag, str):
            head = element[0].text or ""
        if _LABEL_HEAD.match(head.strip()):
            found.append(element)
    return found


def find_title(
    tree: HtmlElement,
    meta: PageMeta,
    index: PageIndex,
    profile_selector: str | None = None,
    container: HtmlElement | None = None,
) -> Headline:
    if profile_selector:
        xpath = compile_selector(profile_selector)
        found = select(xpath, tree)
        if found and element_text(found[0]):
            element = found[0]
            return _with_sides(Headline(element_text(element), element))
    doc_title = _doc_title(tree, index)
    first = _first_segment(doc_title)
    meta_title = meta.get("articletitle")
    og_title = meta.get("og:title", "twitter:title")
    refs = [compare_form(x) for x in (meta_title, og_title, first, doc_title) if x]
    first_form = compare_form(first) if first else ""  # once, not for every candidate
    best: tuple[float, int, HtmlElement, str, str | None] | None = None
    labelled = _labelled(tree, index)
    for element in _candidates(index, list(tree.iter(*_HEADINGS)), labelled):
        text, carried = _headline_text(element)
        if not _MIN_LEN <= len(text) <= MAX_LEN:
            continue
        score = _score(text, refs, first_form)
        if element in labelled:
            # A 主题：/标题： label says "this is the headline" even when <title> does not agree.
            score = max(score, 1.0)
        if element.tag == "h1":
            score += 0.3
        if score >= 1.0 and (best is None or (score, len(text)) > (best[0], best[1])):
            best = (score, len(text), element, text, carried)
    replied = replied_subject(tree, index)
    if replied is not None and (best is None or compare_form(best[3]) != compare_form(element_text(replied))):
        return _with_sides(Headline(_headline_text(replied)[0], replied))
    if best is not None:
        return _sides(Headline(best[3], best[2]), best[2], best[4])
    for fallback in (meta_title, og_title and _first_segment(og_title)):
        if fallback:
            text, subtitle = clean_headline(fallback)
            return Headline(text, None, subtitle=subtitle)
    shown = shown_segment(tree, index, doc_title, container)
    if shown is not None:
        return _with_sides(Headline(_headline_text(shown)[0], shown))
    if container is not None:
        opening = opening_heading(container, index)
        if opening is not None:
            # Without its element: info lines are read after the headline element, and inside the body those
            # are the text's own (a reposted story's outlet and date), not the page's.
            return Headline(_headline_text(opening)[0], None, confident=False)
        near, emphasised = nearest_before(tree, index, container)
        # A real heading tag or title class beats bold text; bold text beats a <title> no element shows (a
        # greeting 谢谢您访问…, a column and site name).
        for guess in (near, emphasised):
            if guess is not None:
                return _with_sides(Headline(_headline_text(guess)[0], guess, confident=False))
    if first:
        return Headline(clean_headline(first)[0], None, confident=False)
    for element in tree.iter("h1"):
        text = element_text(element)
        if _MIN_LEN <= len(text) <= MAX_LEN:
            return _with_sides(Headline(text, element))
    return Headline("", None)


def _side_text(element: HtmlElement | None) -> str | None:
    if element is None or not isinstance(element.tag, str) or element.tag not in _SIBLING_HEADINGS:
        return None
    text = element_text(element)
    if not text or len(text) > MAX_SIDE_LEN or NOT_HEADLINE.search(text):
        return None
    return text


def _with_sides(headline: Headline) -> Headline:
    """TRS h3/h2/h3 (and People h3/h1/h4): the headings right before and after the title element."""
    element = headline.element
    if element is None:
        return headline
    return _sides(headline, element, _headline_text(element)[1])


def _sides(headline: Headline, element: HtmlElement, carried: str | None) -> Headline:
    """:func:`_with_sides` with the subtitle ``_headline_text`` carried in ``element`` already at hand."""
    if carried:
        headline.subtitle = carried
    if element.tag not in _SIBLING_HEADINGS:
        return headline
    before, after = element.getprevious(), element.getnext()
    headline.kicker = _side_text(before) if before is None or before.tag != element.tag else None
    headline.subtitle = _side_text(after) if after is None or after.tag != element.tag else None
    return headline


def is_cut(title: str | None) -> bool:
    return bool(title) and title is not None and title.rstrip().endswith(_CUT)


def doc_title_suffix(tree: HtmlElement, index: PageIndex) -> str:
    """``<title>`` minus its first segment: the site's own name(s)."""
    parts = [p for p in SUFFIX_SPLIT.split(_doc_title(tree, index)) if p.strip()]
    return " ".join(parts[1:])
