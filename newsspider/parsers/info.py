"""Deciding source, authors and editors from every place that may state them (published_at: :mod:`published`).

The visible info line comes first, then its unlabelled template slots and tokens, then the metas and
JSON-LD (a meta author that is the portal or the CMS's own team is not a person), then credits and lines
below or inside the body. Only text nodes are read, so an ``@alt`` never names anyone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from newsspider.parsers.bylines import clean_source, find_body_bylines, parse_byline, split_names
from newsspider.parsers.meta import AUTHOR_KEYS, SOURCE_KEYS
from newsspider.parsers.published import jsonld_text

if TYPE_CHECKING:
    from collections.abc import Sequence

    from newsspider.parsers.locate import InfoBlocks
    from newsspider.parsers.meta import PageMeta

__all__ = ["Attribution", "posted_by", "resolve_attribution"]

_NOT_A_NAME = re.compile(r"https?://|www\.|\.com|\.cn|@")
_PRODUCT = re.compile(r"[A-Za-z][A-Za-z!]{2,}")
_NAME_PUNCT = re.compile(r"[，。；！？,;!?：:]")
_ROLE_SUFFIX = re.compile(r"(?:记者|通讯员|编辑|摄影|摄|供图|统计|整理|行情|报道)$")
# A "name" ending like an outlet is the source (北京新浪網, 人民网), not a person.
_OUTLET = re.compile(r"(?:网|網|报|報|社|台|站|频道|頻道|客户端|杂志)$")
_MAX_BODY_NAME = 4
_MAX_BYLINE_ONLY = 50
_NOT_A_SOURCE = re.compile(r"[=<>\"{}]")
_NOT_NAMES = frozenset(
    {"整合", "纠错", "综合", "转载", "原创", "来源", "网友", "管理员", "admin", "本报", "本网", "本站"}
)
# A last paragraph ending "…举行。（张巨峰）" or "（宋子节、肖聪聪）": the writers' names in brackets.
_TRAILING_NAMES = re.compile(
    r"[。！？”!?]\s*[（(]\s*((?:[\u4e00-\u9fa5]{2,4}(?:\s*[、，, ]\s*)?){1,5})\s*[）)]$"
)
_SUBHEADING = re.compile(r"^【[^】]{2,16}】$")
_POSTED = re.compile(
    r"(?:^|\s)(?P<a>[^\s:：|]{2,20})\s*发表于|(?:posted\s+)?\bby\s+(?P<b>[^\s,|]{2,30})", re.IGNORECASE
)
_HAS_DATE = re.compile(r"\d{1,2}:\d{2}|(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}")
# "2004年7月16日08:19 [ 黄宇 ] 来源：[ 国际金融报 ]": a bracketed name with no label before it.
_BRACKET_NAME = re.compile(r"[\[【]\s*([\u4e00-\u9fa5]{2,4})\s*[\]】]")
_LABEL_BEFORE = re.compile(r"[:：]\s*$")
_PLACEHOLDER_SOURCES = frozenset({"转载文章", "转载", "转自网络"})
_OUTLET_TOKEN = re.compile(
    r"^(?:《[^》]{2,12}》|[\u4e00-\u9fff·]{1,10}(?:日报|晚报|早报|商报|时报|周刊|周报|新闻网|新聞網|网|網|报|報|社|电视台|电台|客户端))$"
)
_HEAD_BYLINE_LINES = 3
_MAX_DECK_LINES = 2
_MAX_DECK = 60
_SENTENCE_END = re.compile(r"[。！？!?]")
# "执笔/叨叨姐、胡一刀&李小飞刀", "采写：张三 李四": the whole line is the writers' credit.
_CREDIT_LINE = re.compile(r"^(?:执笔|采写|撰稿|撰文|作者|文)\s*[/／:：]\s*(.+)$")
_AMPERSAND = re.compile(r"\s*[&＆]\s*")
_MAX_HEAD_BYLINE = 40
_BYLINE_WORD = re.compile(r"记者|作者[:：]|撰文|文\s*[/／]")
_NAME_SEP = re.compile(r"[、，,\s]+")
_CJK_NAME = re.compile(r"^[\u4e00-\u9fa5]{2,4}$")
_LABEL_PREFIX = re.compile(r"^[^:：]{0,8}[:：]\s*")


@dataclass
class Attribution:
    source: str | None = None
    source_raw: str | None = None
    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    drop_paragraphs: set[int] = field(default_factory=set)
    """Indices of body paragraphs that are only a byline/editor/source line."""


def _add(names: list[str], more: Sequence[str], max_cjk: int = 8) -> None:
    for name in more:
        if name and name not in names and _plausible_name(name, max_cjk):
            names.append(name)


def _plausible_name(name: str, max_cjk: int = 8) -> bool:
    """A person's (or pen) name, not a phrase the byline rules caught: no sentence punctuation, not a role
    word (南都见习记者), not a widget or column word (纠错, 访问统计)."""
    if _NOT_A_NAME.search(name) or _NAME_PUNCT.search(name) or name in _NOT_NAMES:
        return False
    if _ROLE_SUFFIX.search(name) or _OUTLET.search(name):
        return False
    cjk = sum(1 for c in name if "\u4e00" <= c <= "\u9fff")
    return cjk <= max_cjk


def resolve_attribution(
    meta: PageMeta,
    blocks: InfoBlocks,
    credits: Sequence[str],
    paragraphs: Sequence[str],
    site_name: str | None,
    brand: str = "",
    cut_head: Sequence[str] = (),
) -> Attribution:
    """``brand`` is text naming the site itself (<title> suffix, og:site_name): a meta author found in it is
    the portal, not a person."""
    out = Attribution()
    for line in blocks.head:
        byline = parse_byline(line.byline, site_name=site_name)
        if out.source is None and byline.source and byline.source not in _PLACEHOLDER_SOURCES:
            out.source, out.source_raw = byline.source, byline.source_raw
        _add(out.authors, byline.authors)
        _add(out.editors, byline.editors)
    _from_slots(out, blocks.slots, site_name)
    if blocks.head:
        _unlabelled(out, blocks.head[0].byline)
    if out.source is None:
        found = meta.first(SOURCE_KEYS)
        if found:
            source = clean_source(found[1], site_name=site_name)
            if source:
                out.source, out.source_raw = source, found[1]
    if not out.authors:
        found = meta.first(AUTHOR_KEYS)
        if (
            found
            and not _NOT_A_NAME.search(found[1])
            and found[1] not in brand
            and not _credits_software(found[1], meta.get("generator"))
        ):
            _add(out.authors, split_names(found[1]))
        jsonld_author = jsonld_text(meta.jsonld.get("author"))
        if not out.authors and jsonld_author:
            _add(out.authors, split_names(jsonld_author))
    for text in [*credits, *blocks.tail]:
        if text.startswith("原标题"):
            # 原标题：… is the reprint's business (a title, not a byline), but the same box may go on with
            # the credits: 原标题：… | 责任编辑: 于文凯.
            text = text.partition(" | ")[2]
            if not text:
                continue
        byline = parse_byline(text, site_name=site_name)
        if out.source is None and byline.source and byline.source not in _PLACEHOLDER_SOURCES:
            out.source, out.source_raw = byline.source, byline.source_raw
        _add(out.authors, byline.authors)
        _add(out.editors, byline.editors)
    # 【基本案情】-style sub-headings look like a bracketed name to the byline rules: keep them as text.
    headings = {i for i, p in enumerate(paragraphs) if _SUBHEADING.match(p)}
    body = find_body_bylines([p for i, p in enumerate(paragraphs) if i not in headings], site_name=site_name)
    kept_index = [i for i in range(len(paragraphs)) if i not in headings]
    if out.source is None and body.source:
        out.source, out.source_raw = body.source, body.source_raw
    # Body bylines are guessed from running text: only name-sized strings count.
    _add(out.authors, body.authors, _MAX_BODY_NAME)
    _add(out.editors, body.editors, _MAX_BODY_NAME)
    if paragraphs:
        trailing = _TRAILING_NAMES.search(paragraphs[-1])
        if trailing:
            _add(out.authors, split_names(trailing.group(1)))
    out.drop_paragraphs = {
        kept_index[i]
        for i in body.byline_only
        if i < len(kept_index)
        and len(paragraphs[kept_index[i]]) <= _MAX_BYLINE_ONLY
        and "。" not in paragraphs[kept_index[i]]
    }
    for i, cut_line in enumerate(cut_head):
        # A lone name under a repeated headline, followed by its subtitle or date line, is its author
        # (胡平 / ——对文化革命的…); a lone word with nothing after it (会议议程) is a sub-heading.
        following = cut_head[i + 1] if i + 1 < len(cut_head) else ""
        single = _CJK_NAME.match(cut_line) and (following.startswith("——") or _HAS_DATE.search(following))
        _add(out.authors, (cut_line,) if single else _head_byline(cut_line, site_name))
    if not out.authors:
        # Blog and forum convention: "ggjjzhzz 发表于 2005-9-15 11:46", "Posted by 眉间尺".
        for text in [*(line.text for line in blocks.head), *cut_head, *blocks.tail]:
            poster = posted_by(text)
            if poster:
                _add(out.authors, [poster])
                break
    for i, paragraph in enumerate(paragraphs[:_HEAD_BYLINE_LINES]):
        names = _head_byline(paragraph, site_name)
        if names:
            _add(out.authors, names)
            out.drop_paragraphs.add(i)
    _drop_deck(out.drop_paragraphs, paragraphs)
    if out.source and _NOT_A_SOURCE.search(out.source):
        out.source = out.source_raw = None
    out.authors = [a for a in out.authors if a not in out.editors and a != out.source]
    return out


def posted_by(text: str) -> str | None:
    """Blog and forum convention: "ggjjzhzz 发表于 2005-9-15 11:46", "Posted by 眉间尺"."""
    # The case-blind pattern has no first character to scan for (~3 us a line); every match holds 发表于 or a
    # b/B (no other character matches b case-blind).
    if "发表于" not in text and "b" not in text and "B" not in text:
        return None
    poster = _POSTED.search(text)
    return (poster.group("a") or poster.group("b")) if poster else None


def _drop_deck(drop: set[int], paragraphs: Sequence[str]) -> None:
    """Newspaper layout: the 引题/副题 lines printed above the reporter's byline are headline, not text. So
    when the body opens with such short unpunctuated lines and then a byline-only line, all of them go."""
    first = min(drop, default=None)
    if first is None or not 0 < first <= _MAX_DECK_LINES:
        return
    deck = paragraphs[:first]
    if all(len(p) <= _MAX_DECK and not _SENTENCE_END.search(p) for p in deck):
        drop.update(range(first))


def _credits_software(author: str, generator: str | None) -> bool:
    """A forum/CMS template's own ``<meta name="author">`` (the software team), told by the generator meta
    naming the same product (Discuz! X3.4 / Discuz! Team)."""
    product = _PRODUCT.match(generator or "")
    return product is not None and product.group(0).lower() in author.lower()


def _head_byline(paragraph: str, site_name: str | None) -> tuple[str, ...]:
    """Names of a short byline line at the top of the body: ``新华网黑龙江频道 记者 伊琳 李清芬``, ``赵延东、风笑天``."""
    if len(paragraph) > _MAX_HEAD_BYLINE or _NAME_PUNCT.search(paragraph.replace("：", "").replace(":", "")):
        return ()
    credited = _CREDIT_LINE.match(paragraph)
    if credited is not None:
        return split_names(_AMPERSAND.sub("、", credited.group(1)))
    label = _BYLINE_WORD.search(paragraph)
    if label is not None:
        return parse_byline(paragraph[label.start() :], site_name=site_name).authors
    tokens = [t for t in _NAME_SEP.split(paragraph) if t]
    if len(tokens) >= 2 and all(_CJK_NAME.match(t) for t in tokens):
        return tuple(tokens)
    return ()


def _unlabelled(out: Attribution, byline: str) -> None:
    """Unlabelled values of an info line that carries a date: an outlet-shaped token is the source
    (``2022-02-13 09:57 光明网``, ``北京新浪網 (2020-01-21 11:12)``), and ``石佳/中国青年报`` is author/outlet.
    Bare name-shaped tokens are not taken: widgets and counters (收藏, 人参与) look the same."""
    if not _HAS_DATE.search(byline):
        return
    names: list[str] = []
    for chunk in byline.split("|"):
        tokens = [t.strip("()（）[]【】") for t in chunk.split()]
        for token in tokens:
            person, slash, outlet = token.partition("/")
            if slash and _OUTLET_TOKEN.match(outlet) and _CJK_NAME.match(person):
                out.source = out.source or outlet
                out.source_raw = out.source_raw or token
                names.append(person)
            elif _OUTLET_TOKEN.match(token) and out.source is None:
                out.source = out.source_raw = token
    names.extend(
        bracket.group(1)
        for bracket in _BRACKET_NAME.finditer(byline)
        if not _LABEL_BEFORE.search(byline[max(0, bracket.start() - 4) : bracket.start()])
    )
    if not out.authors and names and all(n != out.source for n in names):
        _add(out.authors, names)


def _from_slots(out: Attribution, slots: dict[str, str], site_name: str | None) -> None:
    """Unlabelled template slots (``<span class="source">``), after the labelled info line."""
    source = slots.get("source")
    if out.source is None and source:
        labelled = parse_byline(source, site_name=site_name)
        value = labelled.source or clean_source(source.split("|")[0], site_name=site_name)
        if value:
            out.source, out.source_raw = value, source
    author = slots.get("author")
    if not out.authors and author:
        labelled = parse_byline(author, site_name=site_name)
        _add(out.authors, labelled.authors or split_names(_LABEL_PREFIX.sub("", author.split("|")[0])))
    editor = slots.get("editor")
    if not out.editors and editor:
        labelled = parse_byline(editor, site_name=site_name)
        _add(out.editors, labelled.editors or split_names(_LABEL_PREFIX.sub("", editor)))
