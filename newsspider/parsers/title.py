"""The displayed headline, its 引题 (kicker) and 副题 (subtitle).

``<title>`` carries the site suffix (``…_山西省人民政府``) and is sometimes cut; the visible heading does not,
but a page has many headings (logo, column name, sidebar boxes). So the heading wins when it agrees with
``<title>`` or the ArticleTitle/og:title metas, and ``<title>`` minus its suffix is the fallback.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newsspider.parsers.families import TITLE, compile_selector, match_simple, select
from newsspider.textnorm import clean_whitespace

if TYPE_CHECKING:
    from lxml.html import HtmlElement

    from newsspider.parsers.meta import PageMeta
    from newsspider.parsers.pageindex import PageIndex

__all__ = ["Headline", "find_title"]

_SUFFIX_SPLIT = re.compile(r"\s*(?:[_｜|]|--?|——|—|–|\s-\s|\s@\s|\s::\s?|\s»\s)\s*")
_HEADINGS = ("h1", "h2", "h3", "ucaptitle")
_TITLE_TAGS = frozenset({"h1", "h2", "h3", "ucaptitle", "div", "p", "span", "td", "strong", "font", "b"})
_SIBLING_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_NOT_HEADLINE = re.compile(r"来源|发布时间|作者|责任编辑|当前位置|您的位置|\d{4}[-年/.]\d{1,2}")
_MIN_LEN, _MAX_LEN = 2, 150
_MIN_SEGMENT = 4
_BADGE_TAGS = frozenset({"span", "i", "em", "label", "b", "strong", "sup", "img"})
_MAX_BADGE = 4
_LABEL_HEAD = re.compile(r"^(?:主题|标题|题目)\s*[:：]\s*")
_WIDGET_TAIL = re.compile(r"(?:\s+(?:编辑|锁定|讨论|收藏|分享|上传视频|举报))+$")
_PAGE_TAIL = re.compile(r"\s*[（(]\s*(?:页|第)\s*\d+\s*页?\s*[)）]$")
_NEAR_MIN = 5
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "ucaptitle"})
_TITLE_WORD = re.compile(r"title|biaoti|headline|\bbt\b|subject|topic", re.IGNORECASE)
_MAX_SIDE_LEN = 80
_CUT = ("…", "...", "⋯")
_REPLY = re.compile(r"^\W{0,3}(?:re|回复)\s*[:：]\s*(?P<subject>\S.*)$", re.IGNORECASE)
_REPLY_TAGS = ("a", "h3", "h4", "h5", "font", "span", "td", "div", "b", "strong", "input")
_MIN_REPLIED = 4
_MIN_REPLIES = 2
_FORM_WEIGHT = 3
_SENTENCE_END = re.compile(r"[。！？!?]")


@dataclass
class Headline:
    title: str
    element: HtmlElement | None
    kicker: str | None = None
    subtitle: str | None = None
    confident: bool = True
    """False when no heading agreed with <title>/metas (a fallback guess)."""


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def _text(element: HtmlElement) -> str:
    return clean_whitespace("".join(element.itertext()))


def _headline_text(element: HtmlElement) -> tuple[str, str | None]:
    """The heading's text without badges (原创), labels (主题：), edit widgets (编辑 锁定), and the
    ``——…`` subtitle it carries after a line break (returned second)."""
    subtitle = None
    parts: list[str] = [element.text or ""]
    for child in element:
        child_text = "".join(child.itertext()) if isinstance(child.tag, str) else ""
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
    """A headline string without 主题： labels, edit widgets, (页 1) and a `` ——subtitle`` tail."""
    text = _PAGE_TAIL.sub("", _WIDGET_TAIL.sub("", _LABEL_HEAD.sub("", clean_whitespace(raw))))
    head, dash, rest = text.partition(" ——")
    if dash and head and rest:
        return head, "——" + rest
    return text, None


def _doc_title(tree: HtmlElement) -> str:
    for element in tree.iter("title"):
        return _text(element)
    return ""


def _first_segment(doc_title: str) -> str:
    parts = [p for p in _SUFFIX_SPLIT.split(doc_title) if p.strip()]
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
            if element not in seen and element.tag in _TITLE_TAGS:
                seen.add(element)
                found.append(element)
    return found


def _score(text: str, refs: list[str], first: str) -> float:
    n = _norm(text)
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
    if first and _norm(first) == n:
        best += 1.0
    elif best and len(n) >= _MIN_SEGMENT and any(ref.startswith(n) for ref in refs[-1:]):
        # "标题_站名" is the common order: a heading that opens <title> is most likely the headline.
        best += 0.5
    return best


def _labelled(tree: HtmlElement, index: PageIndex) -> list[HtmlElement]:
    """Forum/BBS headings: ``<td><b>主题：</b> 你知道…</td>``."""
    found: list[HtmlElement] = []
    for element in tree.iter("td", "div", "p", "span", "h1", "h2", "h3", "font"):
        if not _MIN_SEGMENT <= index.length(element) <= _MAX_LEN:
            continue
        head = element.text or ""
        if not head.strip() and len(element) and isinstance(element[0].tag, str):
            head = element[0].text or ""
        if _LABEL_HEAD.match(head.strip()):
            found.append(element)
    return found


def _nearest_before(tree: HtmlElement, container: HtmlElement | None) -> HtmlElement | None:
    """The last heading-like element before the body container: where an unknown template puts its headline."""
    if container is None:
        return None
    last: HtmlElement | None = None
    for element in tree.iter():
        if element is container:
            return last
        tag = element.tag
        if not isinstance(tag, str):
            continue
        if tag in _HEADING_TAGS or _TITLE_WORD.search(f"{element.get('class', '')} {element.get('id', '')}"):
            text = _text(element)
            if _NEAR_MIN <= len(text) <= _MAX_SIDE_LEN and not _NOT_HEADLINE.search(text):
                last = element
    return None


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
        if found and _text(found[0]):
            element = found[0]
            return _with_sides(Headline(_text(element), element))
    doc_title = _doc_title(tree)
    first = _first_segment(doc_title)
    meta_title = meta.get("articletitle")
    og_title = meta.get("og:title", "twitter:title")
    refs = [_norm(x) for x in (meta_title, og_title, first, doc_title) if x]
    best: tuple[float, int, HtmlElement, str] | None = None
    labelled = _labelled(tree, index)
    for element in _candidates(index, list(tree.iter(*_HEADINGS)), labelled):
        text = _headline_text(element)[0]
        if not _MIN_LEN <= len(text) <= _MAX_LEN:
            continue
        score = _score(text, refs, first)
        if element in labelled:
            # A 主题：/标题： label says "this is the headline" even when <title> does not agree.
            score = max(score, 1.0)
        if element.tag == "h1":
            score += 0.3
        if score >= 1.0 and (best is None or (score, len(text)) > (best[0], best[1])):
            best = (score, len(text), element, text)
    replied = _replied_subject(tree, index)
    if replied is not None and (best is None or _norm(best[3]) != _norm(_text(replied))):
        return _with_sides(Headline(_headline_text(replied)[0], replied))
    if best is not None:
        return _with_sides(Headline(best[3], best[2]))
    for fallback in (meta_title, og_title and _first_segment(og_title)):
        if fallback:
            text, subtitle = clean_headline(fallback)
            return Headline(text, None, subtitle=subtitle)
    shown = _shown_segment(tree, index, doc_title, container)
    if shown is not None:
        return _with_sides(Headline(_headline_text(shown)[0], shown))
    near = _nearest_before(tree, container)
    if near is not None:
        return _with_sides(Headline(_headline_text(near)[0], near, confident=False))
    if first:
        return Headline(clean_headline(first)[0], None, confident=False)
    for element in tree.iter("h1"):
        text = _text(element)
        if _MIN_LEN <= len(text) <= _MAX_LEN:
            return _with_sides(Headline(text, element))
    return Headline("", None)


def _replied_subject(tree: HtmlElement, index: PageIndex) -> HtmlElement | None:
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
        elif index.length(element) <= _MAX_LEN and _REPLY.match(head):
            found = _REPLY.match(_text(element).split("\n")[0])
        if found is None or not _MIN_REPLIED <= len(found.group("subject").strip()) <= _MAX_SIDE_LEN:
            continue
        subject = _norm(found.group("subject"))
        weight = _FORM_WEIGHT if element.tag == "input" else 1 if element.tag == "a" else _MIN_REPLIES
        weights[subject] = weights.get(subject, 0) + weight
        first_reply.setdefault(subject, element)
    if not weights:
        return None
    subject = max(weights, key=lambda key: weights[key])
    if weights[subject] < _MIN_REPLIES or _SENTENCE_END.search(subject[-1:]):
        return None
    for element in tree.iter(*_TITLE_TAGS, "a"):
        if element is first_reply[subject]:
            break
        if index.length(element) <= _MAX_LEN and _norm(_text(element)) == subject:
            # The outermost element showing just the subject (<font><strong><a>…), as a heading would be.
            while (parent := element.getparent()) is not None and _norm(_text(parent)) == subject:
                element = parent
            return element
    return None


def _side_text(element: HtmlElement | None) -> str | None:
    if element is None or not isinstance(element.tag, str) or element.tag not in _SIBLING_HEADINGS:
        return None
    text = _text(element)
    if not text or len(text) > _MAX_SIDE_LEN or _NOT_HEADLINE.search(text):
        return None
    return text


def _shown_segment(
    tree: HtmlElement, index: PageIndex, doc_title: str, container: HtmlElement | None
) -> HtmlElement | None:
    """An element showing exactly one segment of ``<title>`` (``博客名 - 文章标题``: which segment is the
    headline is told by the page showing it), the last one before the body container."""
    segments = {_norm(p) for p in _SUFFIX_SPLIT.split(doc_title) if len(p.strip()) >= _MIN_SEGMENT}
    if not segments:
        return None
    found: HtmlElement | None = None
    inside = False
    before: set[str] = set()
    for element in tree.iter():
        # The heading may sit inside the container (a loose density pick), but not past where the text starts.
        inside = inside or element is container
        if inside and isinstance(element.tag, str) and len((element.text or "").strip()) > _MAX_SIDE_LEN:
            break
        # A link showing a segment is the column or forum in the breadcrumb (论坛 » 学术前沿 » …), not the headline.
        if not isinstance(element.tag, str) or element.tag in ("title", "html", "head", "body", "a"):
            continue
        length = index.length(element)
        if not _MIN_SEGMENT <= length <= _MAX_LEN:
            continue
        shown = _norm(_text(element))
        if shown in segments:
            # Inside the text, only a segment the page header did not show (a law's name repeated in its
            # preamble is still the headline shown above).
            if inside and shown in before:
                break
            found = element
            if not inside:
                before.add(shown)
    return found


def _with_sides(headline: Headline) -> Headline:
    """TRS h3/h2/h3 (and People h3/h1/h4): the headings right before and after the title element."""
    element = headline.element
    if element is None:
        return headline
    carried = _headline_text(element)[1]
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


def doc_title_suffix(tree: HtmlElement) -> str:
    """``<title>`` minus its first segment: the site's own name(s)."""
    parts = [p for p in _SUFFIX_SPLIT.split(_doc_title(tree)) if p.strip()]
    return " ".join(parts[1:])
