"""Deciding published_at, source, authors and editors from every place that may state them.

Order and provenance (DESIGN.md): the visible info line beats a meta value that differs (labellers and readers
go by what the page shows), then government/Open Graph metas, JSON-LD, the listing row, the URL, and finally
lines inside or below the body. Never Maketime (not a date key in :mod:`meta`), never an ``@alt`` (only text
nodes are read), never a related-news or comment date (link lists are skipped when locating the info line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from newsspider.parsers.bylines import clean_source, find_body_bylines, parse_byline, split_names
from newsspider.parsers.dates import ParsedDate, date_from_url, find_date, parse_date
from newsspider.parsers.meta import AUTHOR_KEYS, DATE_KEYS, SCRIPT_DATE_KEY, SOURCE_KEYS

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from newsspider.parsers.locate import InfoBlocks
    from newsspider.parsers.meta import PageMeta

__all__ = ["Attribution", "Published", "resolve_attribution", "resolve_published"]

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
_MAX_CJK_NAME = 8
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
_MAX_DATEPARSER_LINE = 60
_FULL_DATE = len("2020-02-18")
_DATE_LINE = 16
_SHOWN_YEAR = re.compile(r"(?:19|20)\d{2}")
_DATE_LABEL_VALUE = re.compile(
    r"(?:发布|发表|更新)?(?:日期|时间)\s*[:：]\s*([0-9A-Za-z][0-9A-Za-z ,./:-]{5,40})"
)
_CLOCK_BEFORE = re.compile(r"(?:建立于|注册于|注册时间|最后更新|更新于|修改于|今天是|今日)\s*[:：]?\s*$")
_CLOCK_AFTER = re.compile(r"\s*[（(]\s*(?:京港台时间|北京时间)\s*[)）]\s*$")
_LABEL_COLON = re.compile(r"(?<=[\u4e00-\u9fff])([：:])(?=\d)")
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
class Published:
    value: str | None = None
    raw: str | None = None
    origin: str | None = None


@dataclass
class Attribution:
    source: str | None = None
    source_raw: str | None = None
    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    drop_paragraphs: set[int] = field(default_factory=set)
    """Indices of body paragraphs that are only a byline/editor/source line."""


def _same_day(a: ParsedDate, b: ParsedDate) -> bool:
    return a.value[:10] == b.value[:10]


def _jsonld_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value:
        return _jsonld_text(value[0])
    if isinstance(value, dict):
        return _jsonld_text(value.get("name"))
    return None


def resolve_published(
    meta: PageMeta,
    blocks: InfoBlocks,
    tail_lines: Sequence[str],
    url: str,
    listing_date: str | None,
    now: datetime | None,
    page_texts: Callable[[], Sequence[str]] | None = None,
) -> Published:
    """``page_texts``: short text nodes after the headline, the last resort (provenance ``body``)."""
    if now is None:
        now = _reference_time(meta)
    info: ParsedDate | None = None
    for line in blocks.head:
        # "发布时间：10-08 12:00": a space after the label's colon, or the year-less form is not seen.
        text = _LABEL_COLON.sub(r"\1 ", line.text)
        info = find_date(text, now=now)
        if info is None:
            # English or other long-hand forms (Saturday, September 10th, 2005 10:56 am, 9/17/2004 5:54 AM):
            # dateparser, on the text after a date label or on a short line.
            labelled = _DATE_LABEL_VALUE.search(text)
            if labelled:
                info = parse_date(labelled.group(1), now=now)
            elif len(text) <= _MAX_DATEPARSER_LINE:
                info = parse_date(text, now=now)
        if info is not None and _not_a_publish_date(text, info.raw):
            info = None
        if info is not None:
            break
    if info is not None:
        return Published(info.value, info.raw, "info")
    meta_date: ParsedDate | None = None
    found = meta.first(DATE_KEYS)
    if found:
        meta_date = parse_date(found[1], now=now)
    jsonld = _jsonld_text(meta.jsonld.get("datePublished"))
    jsonld_date = parse_date(jsonld, now=now) if jsonld else None
    script = meta.values.get(SCRIPT_DATE_KEY)
    script_date = parse_date(script, now=now) if script else None
    for origin, parsed in (("meta", meta_date), ("jsonld", jsonld_date), ("meta", script_date)):
        if parsed is not None:
            return Published(parsed.value, parsed.raw, origin)
    if listing_date:
        listed = parse_date(listing_date, now=now)
        if listed is not None:
            return Published(listed.value, listed.raw, "listing")
    from_url = date_from_url(url)
    body_texts = [*blocks.tail, *tail_lines, *(page_texts() if page_texts else ())]
    if from_url is not None:
        # The URL gives the day; a line of the page with that day and a time gives the time.
        for text in body_texts:
            in_body = find_date(text, now=now)
            if in_body is not None and in_body.has_time and in_body.value.startswith(from_url.value):
                return Published(in_body.value, in_body.raw, "body")
        return Published(from_url.value, from_url.raw, "url")
    for text in body_texts:
        in_body = find_date(text, now=now)
        # Loose page text: only a date that shows its own year (6月6日 in a sidebar is anyone's date).
        # A month alone only on a line of its own (1996年6月号), not inside other text (…2007年5月…).
        if (
            in_body is not None
            and _SHOWN_YEAR.search(in_body.raw)
            and (len(in_body.value) >= _FULL_DATE or len(text) <= _DATE_LINE)
        ):
            return Published(in_body.value, in_body.raw, "body")
    return Published()


def _not_a_publish_date(text: str, raw: str) -> bool:
    """A site clock (今天是…, …（京港台时间）) or a blog's creation/update date next to the headline."""
    at = text.find(raw)
    if at < 0:
        return False
    return bool(_CLOCK_BEFORE.search(text[max(0, at - 8) : at]) or _CLOCK_AFTER.match(text[at + len(raw) :]))


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
        jsonld_author = _jsonld_text(meta.jsonld.get("author"))
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


def _reference_time(meta: PageMeta) -> datetime | None:
    """The latest date any meta states (dateUpdate, Maketime…): the "now" of a page that prints 10-08 12:00
    without a year. Never the publish date itself, only the year it is read in."""
    latest: datetime | None = None
    for key, value in meta.values.items():
        if "date" not in key and "time" not in key:
            continue
        parsed = parse_date(value)
        if parsed is None or not parsed.has_time:
            continue
        try:
            moment = datetime.fromisoformat(parsed.value)
        except ValueError:
            continue
        if latest is None or moment > latest:
            latest = moment
    return latest
