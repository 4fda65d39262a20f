"""Cheap pre-checks in front of expensive patterns must never change what the pattern finds.

Dates, enumeration markers, speaker attributions, info lines, summary boxes, forum title labels, reprint
marks and script dates are guarded as the bylines are (tests/test_prechecks_bylines.py): a pattern or a walk
runs only when the text holds a string every match needs. If a pattern gains an alternative that its
pre-check does not know, dates or markers would silently go missing; these properties catch that.
"""

from __future__ import annotations

import re
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from newsspider.parsers import (
    article,
    dates,
    directive_markers,
    directive_speakers,
    locate,
    meta,
    reprint,
    title,
)
from newsspider.parsers.pageindex import all_text, build_index

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# Each test below runs the function that holds a pre-check twice on the same generated input: as it is, and
# with the pre-check patched to let everything through (the full pattern alone). The results must be equal.
# The generated text holds the patterns' own literal words, read from their sources, so an alternative added
# later is generated without editing this file; a pre-check that does not know it then fails here. Texts are
# short: a pre-check that misses one alternative shows only where nothing else lets the text through.

# CJK, full-width forms, and the number forms, circled numbers, bullets and stars markers are made of.
_CJK = "\u2150-\u218f\u2460-\u24ff\u25a0-\u26ff\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_LITERAL_RUN = re.compile(rf"[{_CJK}]+(?: [{_CJK}]+)*|[A-Za-z]{{2,}}")
_OPTIONAL_SPACE = re.compile(r"\\s[*+?]")
# Group names, back-references and escapes (\u4e00, \d) are not text the pattern matches.
_NOT_LITERAL = re.compile(r"\(\?P<\w+>|\(\?P=\w+\)|\\u[0-9a-fA-F]{4}|\\[A-Za-z]")
_CHAR_CLASS = re.compile(r"(?<!\\)\[\^?((?:\\.|[^\]])*)\]")


def _literals(*patterns: re.Pattern[str]) -> list[str]:
    """Each run of CJK characters, full-width punctuation or ASCII letters in the patterns' sources (an
    alternative's word, a character class), read with their optional spaces as written, left out and as one
    space (摘\\s*要: 摘, 要, 摘要, 摘 要); each CJK character of them, and the punctuation of character classes
    (the separators in [-/.])."""
    runs: set[str] = set()
    for pattern in patterns:
        source = pattern.pattern
        for form in (source, _OPTIONAL_SPACE.sub("", source), _OPTIONAL_SPACE.sub(" ", source)):
            runs.update(_LITERAL_RUN.findall(_NOT_LITERAL.sub("", form)))
        for chars in _CHAR_CLASS.findall(_NOT_LITERAL.sub("", source)):
            runs.update(char for char in chars if not char.isalnum() and char not in "\\^ ")
    return sorted(runs | {char for run in runs for char in run if not char.isascii()})


class _Everything:
    """A set every string is in: a membership pre-check that lets everything through."""

    def __contains__(self, item: object) -> bool:
        return True


_LET_THROUGH = re.compile("")  # search() finds it in every string
_FILLER = ["会议", "工作", "张三", "省政府", "加强", "全省各地", "，", "。", " ", "\u3000", "a"]


def _pick(*options: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(sorted({option for group in options for option in group}))


def _words(words: list[str]) -> st.SearchStrategy[str]:
    """A word (two or more characters) as often as a single character: words are what patterns need."""
    return st.one_of(_pick([w for w in words if len(w) > 1]), _pick([w for w in words if len(w) == 1]))


def _joined(*parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(*parts).map("".join)


def _texts(*items: st.SearchStrategy[str], max_size: int = 4) -> st.SearchStrategy[str]:
    return st.lists(st.one_of(*items), max_size=max_size).map("".join)


def _one_or_more(item: st.SearchStrategy[str], *others: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """One item with a little filler around it, or a few items and other pieces."""
    around = st.one_of(st.just(""), _pick(_FILLER))
    return st.one_of(_joined(around, item, around), _texts(item, *others))


# dates: each fast-path pattern runs only when the (half-width) text holds one of the strings in _PATTERNS.
_DATE_NEEDS = [need for _, _, needs in dates._PATTERNS for need in needs]
_DATE_WORDS = _literals(*(pattern for _, pattern, _ in dates._PATTERNS), dates._LABEL)
_DATE_SEPS = _pick(_DATE_NEEDS, ["-", "/", ".", "－", "／", "．", "_", "年", "月", "日", " ", "", "、"])
_DATE_NUMBERS = _pick(
    ["", "2020", "1999", "19", "02", "6", "12", "18", "31", "２０２０", "二〇二四", "三", "十一"]
)
_DATE_TIMES = st.one_of(
    st.just(""),
    _pick([" 10:30", "08:33:05", "T11:58:03Z", "下午3:30", " 星期二 13:22", "09时30分", " 10:00:00+08:00"]),
)
# The forms sites print (2020-02-18 10:30, 19/06/12 08:33, 2020年3月, 二〇二四年三月五日, 4月20日, 3天前), and
# numbers between any of the separators and words, so that a form added to a pattern later is generated too.
_DATE_TEMPLATES = [
    "{y}年{m}月{d}日", "{y}年{m}月{d}号", "{y}年{m}月", "{y}-{m}-{d}", "{y}/{m}/{d}", "{y}.{m}.{d}",
    "{y}－{m}－{d}", "{y}．{m}．{d}", "{m}月{d}日", "{m}-{d}", "{d}天前", "{d}小时前",
]  # fmt: skip
_DATE_FORMS = st.one_of(
    st.tuples(
        _pick(_DATE_TEMPLATES),
        st.one_of(
            st.tuples(
                _pick(["2020", "1999", "19", "20", "２０２０"]),
                _pick(["02", "6", "12"]),
                _pick(["18", "5", "２０"]),
            ),
            st.tuples(_pick(["二〇二四", "二○一九"]), _pick(["三", "十一"]), _pick(["五", "二十", "三十一"])),
        ),
        _DATE_TIMES,
    ).map(lambda t: t[0].format(y=t[1][0], m=t[1][1], d=t[1][2]) + t[2]),
    st.tuples(_DATE_NUMBERS, _DATE_SEPS, _DATE_NUMBERS, _DATE_NUMBERS, _DATE_TIMES).map(
        lambda t: f"{t[0]}{t[1]}{t[2]}{t[1]}{t[3]}{t[4]}"
    ),
    _joined(_DATE_NUMBERS, _DATE_SEPS, _DATE_NUMBERS, _DATE_SEPS, _DATE_NUMBERS, _DATE_TIMES),
    _joined(_DATE_NUMBERS, _words(_DATE_WORDS), _DATE_TIMES),
)
_NOW = datetime(2024, 3, 5, 12, 0, tzinfo=dates.BEIJING)


@given(_one_or_more(_DATE_FORMS, _words(_DATE_WORDS), _pick(_DATE_NEEDS, _FILLER, ["：", ":", "1", "30"])))
@settings(max_examples=1500)
def test_a_date_pattern_skipped_for_lack_of_its_strings_would_have_found_nothing(text: str) -> None:
    norm = dates._nfkc_same_length(text)
    found = list(dates._candidates(norm, text, _NOW))
    with patch.object(dates, "_PATTERNS", tuple((n, p, ("",)) for n, p, _ in dates._PATTERNS)):
        assert found == list(dates._candidates(norm, text, _NOW))


# directive markers: a block pattern is tried only on a paragraph opening with a character of _BLOCK_FIRST or a
# digit, an inline pattern only when the paragraph holds one of its strings, 第 and 首先… patterns only when
# the paragraph holds 第 or one of the words.
_MARKER_WORDS = _literals(
    *(pattern for _, pattern in directive_markers._BLOCK_PATTERNS),
    *(pattern for _, pattern, _ in directive_markers._INLINE_PATTERNS),
    directive_markers._DI,
    directive_markers._SEQ,
)
_MARKER_NEEDS = [need for _, _, needs in directive_markers._INLINE_PATTERNS for need in needs]
_MARKER_NUMBERS = st.one_of(
    _pick(list(directive_markers._CN), ["两", "〇", "十二"]),
    _pick(list(directive_markers._CIRCLED)),
    _pick(["1", "2", "12", "01", "0", "１"]),
)
# 一是, （三）, 2．, ⑤, 第一步, 其二，: the forms sites print, and a number between any words of the patterns.
_MARKER_TEMPLATES = [
    "（{}）", "({})", "( {} )", "{}、", "{} 、", "{}是", "{}要", "{}来", "第{}，", "第{}步是", "其{}，", "{}．", "{}.",
    "{})", "{}，", "{}", "({}a)", "{} ",
]  # fmt: skip
_MARKER_AROUND = st.one_of(
    _pick(_MARKER_NEEDS, ["", "）", ")", "、", "．", ".", "，", ",", "："]), _words(_MARKER_WORDS)
)
_MARKER = st.one_of(
    st.tuples(_pick(_MARKER_TEMPLATES), _MARKER_NUMBERS).map(lambda t: t[0].format(t[1])),
    _joined(_MARKER_AROUND, _MARKER_NUMBERS, _MARKER_AROUND),
)
_BLOCK_TEMPLATES = ["{}、", "{}．", "{}.", "{}，", "{})", "{}）", "（{}）", "({})", "{}"]
# A paragraph opens with a marker (after a bullet or spaces, sometimes); more follow after clause punctuation.
_PARAGRAPHS = _joined(
    st.one_of(st.just(""), st.just(""), _pick([" ", "\u3000", *directive_markers.BULLETS])),
    st.one_of(st.tuples(_pick(_BLOCK_TEMPLATES), _MARKER_NUMBERS).map(lambda t: t[0].format(t[1])), _MARKER),
    _texts(
        _joined(_pick(["，", "。", "；", "：", ""]), _MARKER),
        _pick(list(directive_markers._SEQ_WORDS), _FILLER, ["；", "“", "《"]),
        _words(_MARKER_WORDS),
    ),
)


@given(_PARAGRAPHS)
@settings(max_examples=1500)
def test_a_marker_pattern_skipped_by_its_pre_check_would_have_found_nothing(text: str) -> None:
    block = directive_markers._block_marker(0, text)
    found = directive_markers.find_markers(0, text)
    inline_alone = [(family, pattern, ()) for family, pattern, _ in directive_markers._INLINE_PATTERNS]
    with (
        patch.object(directive_markers, "_INLINE_PATTERNS", inline_alone),
        patch.object(directive_markers, "_BLOCK_FIRST", _Everything()),
    ):
        # The block marker on its own: in find_markers an inline marker at 0 can stand in for a missed one.
        assert block == directive_markers._block_marker(0, text)
        assert found == directive_markers.find_markers(0, text)
    # The 第 and 首先… pre-checks are written inline in find_markers: tested on their patterns.
    if "第" not in text:
        assert directive_markers._DI.search(text) is None
    if not any(word in text for word in directive_markers._SEQ_WORDS):
        assert directive_markers._SEQ.search(text) is None


# directive speakers: the attribution pattern runs only on a paragraph in which _ANY_VERB finds a verb.
_SPEAKER_WORDS = _literals(directive_speakers._ATTRIBUTION)
_VERBS = f"{directive_speakers._STRONG_VERBS}|{directive_speakers._WEAK_VERBS}".split("|")
# 省委书记楼阳生还强调：, 他说，, 会议指出: a subject, a verb (or an adverb) from the pattern, what follows.
_CLAUSE = _joined(
    _pick(["", "，", "。", "；", " ", "”"]),
    _pick(
        ["他", "她们", "楼阳生", "省委书记楼阳生", "会议", "证监会", "指导意见", "王浩", "对今年工作", "大家"]
    ),
    st.one_of(st.just(""), _words(_SPEAKER_WORDS)),
    st.one_of(_pick(_VERBS), _words(_SPEAKER_WORDS)),
    _pick(["", "，", "：", ":", "“", "。", "了", "三点要求"]),
)


@given(_one_or_more(_CLAUSE, _words(_SPEAKER_WORDS), _pick(_FILLER, ["、", "——", "”"])))
@settings(max_examples=1200)
def test_a_paragraph_without_an_attribution_verb_has_no_attribution(text: str) -> None:
    found = directive_speakers.attributions(text)
    with patch.object(directive_speakers, "_ANY_VERB", _LET_THROUGH):
        assert found == directive_speakers.attributions(text)


# locate: an element's text is tried with the info-line hint pattern only when it holds a digit, colon or
# separator (_HINT_CHARS).
_HINT_WORDS = _literals(locate._HINT)
_HINT_SEPS = ["", " ", ":", "：", "/", "／", "丨", "︱", "|", "｜", "-", "－", ".", "、", "·"]
# 来源：新华社, 作者丨张三, 2020-02-18, Mar 5, 2020: a label, a separator, a value.
_INFO_ITEM = _joined(
    _words(_HINT_WORDS),
    st.one_of(_pick([w for w in _HINT_WORDS if len(w) == 1 and w.isascii()]), _pick(_HINT_SEPS)),
    _pick(["", "新华社", "张三", "2020-02-18", "4月20日 18:10", "5 2020"]),
)
_INFO_PIECES = (_words(_HINT_WORDS), _pick(_HINT_SEPS, _FILLER), _pick(["2020", "3", "18", "10:30", "１８"]))


@given(_one_or_more(_INFO_ITEM, *_INFO_PIECES))
@settings(max_examples=1200)
def test_an_element_without_hint_characters_is_no_info_line(text: str) -> None:
    element = lxml_html.Element("div")
    element.text = text
    found = locate._hinted_text(element)
    with patch.object(locate, "_HINT_CHARS", _LET_THROUGH):
        assert found == locate._hinted_text(element)


def _page(blocks: list[tuple[str, str, str, str]]) -> str:
    """A body of blocks ``<tag><inner>head</inner>rest</tag>`` (no inner element when inner is empty)."""
    out = []
    for tag, inner, head, rest in blocks:
        lead = f"<{inner}>{escape(head)}</{inner}>" if inner else escape(head)
        block = f"<{tag}>{lead}{escape(rest)}</{tag}>"
        out.append(f"<table><tr>{block}</tr></table>" if tag == "td" else block)
    return f"<html><head><title>标题</title></head><body>{''.join(out)}</body></html>"


def _pages(tags: list[str], heads: st.SearchStrategy[str], rests: list[str]) -> st.SearchStrategy[str]:
    """Pages of one to three blocks, each a head (alone or in an inline element) and the rest of its text."""
    inner = st.sampled_from(["", "", "b", "span", "a"])
    block = st.tuples(st.sampled_from(tags), inner, heads, _texts(_pick(rests), max_size=3))
    return st.lists(block, min_size=1, max_size=3).map(_page)


def _tree(page: str) -> HtmlElement:
    tree = article._parse_tree(page)
    assert tree is not None
    return tree


_BODY = ["全省各地", "关于加强", "工作的通知", "你知道为什么吗", "，", "。", "2020年", " ", "a", "）", "】"]
_OPENS = st.one_of(st.just(""), _pick(["【", "[", "（", "(", " ", "\u3000"]))
_COLONS = _pick(["", ":", "：", " ：", "】：", "]"])

# locate: the 摘要 box walk runs only when the page's text holds a 摘要-like word (_SUMMARY_ANYWHERE); without
# the page index find_summary_box walks every page.
_SUMMARY_HEADS = _joined(_OPENS, _words(_literals(locate._SUMMARY_LABEL)), _COLONS)


@given(_pages(list(locate._SUMMARY_TAGS), _SUMMARY_HEADS, _BODY))
@settings(max_examples=600)
def test_a_page_without_a_summary_word_has_no_summary_box(page: str) -> None:
    tree = _tree(page)
    assert locate.find_summary_box(tree, build_index(tree)) == locate.find_summary_box(tree)


# title: the forum-label walk (主题：/标题： opening an element) runs only when the page's text holds a label.
_TITLE_HEADS = _joined(_pick(["", " "]), _words(_literals(title._LABEL_HEAD)), _COLONS)


@given(_pages(["td", "div", "p", "span", "h1", "h3", "font", "li"], _TITLE_HEADS, _BODY))
@settings(max_examples=600)
def test_a_page_without_a_title_label_has_no_labelled_heading(page: str) -> None:
    tree = _tree(page)
    index = build_index(tree)
    paths = tree.getroottree().getpath
    found = [paths(element) for element in title._labelled(tree, index)]
    with patch.object(title, "_LABEL_ANYWHERE", _LET_THROUGH):
        assert found == [paths(element) for element in title._labelled(tree, index)]


# reprint: the text nodes are scanned for 原标题/转载自… only when the page's text holds one (_TREE_MARKS), and
# then only nodes holding 原, 转 or 来 (_MARK_NODES).
_REPRINT_WORDS = _literals(reprint._ORIGINAL_TITLE, reprint._TRANSFERRED, reprint._TRANSFERRED_LEAD)
# 原标题：…, （原题：…）, 本文转载自…, 文章来源于…: an opening, a mark, a colon.
_REPRINT_HEADS = _joined(
    st.one_of(_OPENS, _pick(["本文", "文章", "本文章"])),
    st.one_of(_pick(list(reprint._TREE_MARKS)), _words(_REPRINT_WORDS)),
    _COLONS,
)


@given(
    _pages(["p", "div", "li", "td", "span", "section"], _REPRINT_HEADS, [*_BODY, "北京商报", "《山西日报》"])
)
@settings(max_examples=600)
def test_a_page_without_a_reprint_mark_has_no_reprint_in_its_tree(page: str) -> None:
    tree = _tree(page.replace("<a>", '<a href="/2020/0218/c1.html">'))
    url = "http://www.example.gov.cn/a/1.html"
    found = reprint.extract_reprint(tree, [], url, all_text(tree))
    with (
        patch.object(reprint, "_TREE_MARKS", ("",)),
        patch.object(reprint, "_MARK_NODES", etree.XPath("//text()")),
    ):
        assert found == reprint.extract_reprint(tree, [], url, all_text(tree))


# meta: the publish-time pattern runs only on a script that holds pub, ptime or datePublished.
_SCRIPT_KEYS = st.one_of(
    _pick(re.findall(r"[A-Za-z_]{3,}", meta._SCRIPT_DATE.pattern)),
    _pick(["title", "Maketime", "PubTime", "time"]),
)
_SCRIPT_DATES = _joined(
    _pick(["2020", "1999", "2101", "20"]),
    _pick(["-", "/", ".", "年"]),
    _pick(["02", "6", "12"]),
    _pick(["-", "/", "."]),
    _pick(["18", "5"]),
    _pick([" ", "T", ""]),
    _pick(["10:30", "8:05:09", "10:30:00", ""]),
)
_SCRIPT_DATES = st.one_of(_pick(["2020-02-18 10:30:00", "2019/6/5T08:05", "1999.12.31 23:59"]), _SCRIPT_DATES)
# "pubtime": "2020-02-18 10:30:00" among other keys and script text.
_SCRIPT_ENTRY = st.tuples(
    _pick(['"', "'", ""]), _SCRIPT_KEYS, _pick([":", " : ", "="]), _pick(['"', "'"]), _SCRIPT_DATES
).map(lambda t: f"{t[0]}{t[1]}{t[0]}{t[2]}{t[3]}{t[4]}{t[3]}")
_SCRIPT = st.lists(
    st.one_of(_SCRIPT_ENTRY, _pick(["var a = 1;", "{", "}", "pub", "window.DATA ="])), max_size=3
)


@given(st.lists(_SCRIPT.map(", ".join), min_size=1, max_size=2))
@settings(max_examples=600)
def test_a_script_without_a_date_key_word_states_no_publish_time(scripts: list[str]) -> None:
    tree = _tree(
        "<html><head>" + "".join(f"<script>{s}</script>" for s in scripts) + "</head><body></body></html>"
    )
    found = meta.read_meta(tree).values
    with patch.object(meta, "_SCRIPT_DATE_WORDS", ("",)):
        assert found == meta.read_meta(tree).values


def test_every_block_marker_opens_with_a_character_the_pre_check_lets_through() -> None:
    # Every opening character and the one after it (from the block patterns' own words, and digits): exhaustive,
    # since one character left out of _BLOCK_FIRST is a rare draw for the paragraph generator above.
    chars = [c for c in _literals(*(p for _, p in directive_markers._BLOCK_PATTERNS)) if len(c) == 1]
    chars += ["1", "0", "１"]
    for first in chars:
        for second in ["", *chars]:
            for rest in ("", "）加强", " 加强"):
                text = first + second + rest
                block = directive_markers._block_marker(0, text)
                with patch.object(directive_markers, "_BLOCK_FIRST", _Everything()):
                    assert block == directive_markers._block_marker(0, text), text
