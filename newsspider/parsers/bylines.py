"""来源 / 作者 / 编辑 out of info lines and body paragraphs. Pure string functions; never raise.

The label set and stop words follow GNE's ``AUTHOR_PATTERN`` and the quirks listed in sites.md §3.2 (empty
labels, ``丨`` separators, ``来源  :``, a date glued after the source, ``【字体：大 中 小】``). No library does
this for Chinese bylines: generic extractors either drop the author or take the source for it (anchors.md §2.7).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newsspider.parsers.memo import memo_short
from newsspider.textnorm import clean_whitespace

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["BodyBylines", "Byline", "clean_source", "find_body_bylines", "parse_byline", "split_names"]


@dataclass(frozen=True, slots=True)
class Byline:
    """What one info line says about the outlet and the people."""

    source: str | None
    source_raw: str | None
    authors: tuple[str, ...]
    editors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BodyBylines:
    """Bylines found in the first and last body paragraphs."""

    authors: tuple[str, ...]
    editors: tuple[str, ...]
    source: str | None
    source_raw: str | None
    byline_only: tuple[int, ...]
    """Indices of paragraphs that are nothing but a byline, editor or source line (drop them from the body)."""


# Simplified and traditional forms (Taiwan/HK outlets print 來源, 記者, 編輯).
_SOURCE_LABELS = (
    "信息来源", "稿件来源", "文章来源", "新闻来源", "内容来源", "来源", "來源", "稿源", "出处", "來自", "来自",
)  # fmt: skip
_AUTHOR_LABELS = ("作者", "撰文", "撰稿", "执笔", "采写", "编译", "編譯", "记者", "記者", "通讯员", "通訊員")
_EDITOR_LABELS = ("责任编辑", "責任編輯", "责编", "責編", "值班编辑", "网络编辑", "编辑", "編輯")
_OTHER_LABELS = (
    "发布时间", "发布日期", "发表时间", "发表日期", "更新时间", "成文日期", "發布時間", "时间", "時間", "日期",
    "发布", "發布", "审核", "审校", "校对", "终审", "初审", "复审", "监制", "摄影", "签发", "图片来源", "资料来源",
    "点击数", "点击量", "点击", "浏览次数", "浏览量", "阅读量", "阅读", "访问量", "字体", "字号", "分享到", "分享",
)  # fmt: skip
_KIND = (
    dict.fromkeys(_SOURCE_LABELS, "source")
    | dict.fromkeys(_AUTHOR_LABELS, "author")
    | dict.fromkeys(_EDITOR_LABELS, "editor")
    | dict.fromkeys(_OTHER_LABELS, "other")
)
_ALL_LABELS = "|".join(sorted(_KIND, key=len, reverse=True))
# A role word alone (a stop inside a source value) and with what may precede it in a credit (光明日报记者).
_ROLE_CORE = r"(?:本报|本台|本刊|本网|新华社|特约|见习|实习|首席|摄影)?(?:记者|記者|通讯员|通訊員|评论员)"
# （松花江网编辑 孙桂芳）: an editor credit with no colon, only before a space.
_EDITOR_ROLE = r"(?:[\u4e00-\u9fff]{2,6}?(?:日报|晚报|报|社|台|网))?(?:责任)?编辑"
_ROLE = rf"(?:[\u4e00-\u9fff]{{2,6}}?(?:日报|晚报|报|社|台|网))?{_ROLE_CORE}"
# A label is followed by a colon, or by 丨 / ︱ / a slash (作者︱春春, 编辑/苏芳); 文/ 图/ only as a word of
# their own, so 原文：/全文： are not bylines; a bare role (记者 张三 李四) not inside a longer word or value.
_LABEL_SEP = r"\s*[:：丨︱/／|｜]"
_LABEL = re.compile(
    rf"(?P<label>{_ALL_LABELS}){_LABEL_SEP}"
    r"|(?<![\u4e00-\u9fff])(?P<slash>文|图|摄影)\s*[/／:：丨︱]"
    rf"|(?<![\u4e00-\u9fff:：])(?P<bare>{_ROLE})(?=[\s\u4e00-\u9fff])"
    rf"|(?<![\u4e00-\u9fff:：])(?P<bare_editor>{_EDITOR_ROLE})(?=\s)"
)
# _LABEL for a line with no role word and no 编辑, where its bare alternatives cannot match: the same matches
# ~2x faster, since every alternative opens with a literal the engine can scan for (the slash words' "not
# after a Chinese character" test is moved behind the word).
_LABEL_NO_ROLE = re.compile(
    rf"(?P<label>{_ALL_LABELS}){_LABEL_SEP}"
    r"|(?P<slash>文(?<![\u4e00-\u9fff]文)|图(?<![\u4e00-\u9fff]图)|摄影(?<![\u4e00-\u9fff]摄影))\s*[/／:：丨︱]"
)
_ROLE_WORDS = ("记者", "記者", "通讯员", "通訊員", "评论员", "编辑")
_ROLE_WORD = re.compile("|".join(_ROLE_WORDS))
# Where every _LABEL_NO_ROLE match starts: plain words get a first-character scan (~0.3 us a line; ~4 us for it).
_LABEL_WORD_SEP = re.compile(rf"(?:{_ALL_LABELS}|文|图|摄影)\s*[:：丨︱/／|｜]")
# What every _LABEL match contains (a separator, a role word, 编辑); keep in step with _LABEL. One scan for it
# is ~12x cheaper than _LABEL.finditer, and most lines parse_byline sees are body paragraphs without any.
_LABEL_NEEDS = re.compile(r"[:：丨︱/／|｜]|记者|記者|通讯员|通訊員|评论员|编辑")
# Where a value stops even without a next label: brackets and bars, or a following date (来源：云南日报2019-…).
_HARD_STOP = re.compile(r"[|丨｜︱【】\[\]［］]|(?:19|20)\d{2}\s*[-/.年]\s*\d|\d{1,2}月\d{1,2}日|打印|关闭")
_SOURCE_STOP = re.compile(
    rf"{_HARD_STOP.pattern}|作者|责任编辑|责编|编辑|編輯|字体|字号|分享|记者|記者|通讯员|通訊員|评论员"
    rf"|(?:{_ALL_LABELS})\s*[:：]"
)
_SOURCE_LABEL_PREFIX = re.compile(rf"^(?:(?:{'|'.join(_SOURCE_LABELS)})\s*[:：]?\s*)+")
_EDGE_PUNCT = " \t:：,，;；。.、·\"“”'‘’-—_~"
_MAX_SOURCE = 200
_MAX_TOKEN = 64
_SITE_SELF = frozenset({"本网", "本站", "本网站"})
# A 来源 that says nothing; 网络 / 互联网 do say something (where it came from) and are kept.
_NO_SOURCE = frozenset({"未知", "无", "暂无", "不详", "null", "none", "-"})
_NOT_PEOPLE = frozenset(
    {"未知", "佚名", "匿名", "网络整理", "网络", "综合", "互联网", "无", "暂无", "不详", "null", "none", "admin",
     "全文", "摘要", "节选", "待续", "未完待续", "图片", "视频", "音频", "下同", "删节", "有删节", "附件", "原文",
     "编者按", "资料图", "资料图片", "本报讯", "小编", "责编", "编辑"}
)  # fmt: skip


def _strip_unbalanced(s: str) -> str:
    """Drop a leading open or trailing close bracket that has no partner; keep 新华社（北京）."""
    pairs = (("(", ")"), ("（", "）"), ("《", "》"), ("“", "”"))
    for op, cl in pairs:
        if s.startswith(op) and s.endswith(cl) and s.count(op) == 1 and s.count(cl) == 1:
            s = s[1:-1]
        if s.startswith(op) and cl not in s:
            s = s[1:]
        if s.endswith(cl) and op not in s:
            s = s[:-1]
    return s


def _clean_source_once(s: str) -> str:
    s = clean_whitespace(s)
    s = _SOURCE_LABEL_PREFIX.sub("", s)
    stop = _SOURCE_STOP.search(s)
    if stop:
        s = s[: stop.start()]
    s = s.strip(_EDGE_PUNCT)
    return _strip_unbalanced(s).strip(_EDGE_PUNCT)


def clean_source(raw: str, *, site_name: str | None = None) -> str | None:
    """The outlet name from a 来源 value: label, widgets and trailing dates cut; 本网/本站 -> ``site_name``."""
    if not isinstance(raw, str):
        return None
    # No outlet name is this long; the cap keeps the fixpoint loop cheap on junk input.
    s = _source_fixpoint(raw[:_MAX_SOURCE])
    if not s or s.lower() in _NO_SOURCE:
        return None
    if s in _SITE_SELF:
        return site_name.strip() or None if site_name else None
    return s


@memo_short
def _source_fixpoint(s: str) -> str:
    """_clean_source_once to its fixpoint; remembered, as a site repeats its outlets (~5 us a value)."""
    for _ in range(len(s) + 1):  # every step only shortens, so this reaches a fixpoint (idempotence)
        nxt = _clean_source_once(s)
        if nxt == s:
            break
        s = nxt
    return s


# Spaces separate names, except between Latin words (Demi Xia is one person).
_NAME_SPLIT = re.compile(r"[、，,;；/／|丨︱()（）\[\]【】]+|(?<![A-Za-z.])\s+|\s+(?![A-Za-z])")
# 发自北京 / 发自广州报道: where the reporter filed from, not part of a name.
_SENT_FROM = re.compile(r"发自[\u4e00-\u9fff]{1,8}?(?:报道)?(?=$|[\s,，、;；)）])")
# 周思博 (Joel Spolsky): a bracketed Latin alias names the same person; it is held out of the split.
_ALIAS = re.compile(
    r"(?<![\w·])([\u4e00-\u9fff·_]{2,13})\s*[（(]\s*([A-Z][A-Za-z.'\-]*(?: [A-Za-z.'\-]+){0,4})\s*[)）]"
)
# 史蒂文的家_藍天 (stevenhgm): a lower-case login after a pen name is the account id, not a second person.
_LOGIN = re.compile(r"(?<=[\u4e00-\u9fff])\s*[（(]\s*[a-z0-9_.\-]{3,30}\s*[)）]")
_HELD = "\ue000"
_FOUR_HAN = re.compile(r"^[\u4e00-\u9fff]{4}$")
_COMPOUND = frozenset({"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
                       "夏侯", "令狐", "端木", "南宫", "西门", "独孤", "万俟", "闻人", "澹台", "申屠", "轩辕"})  # fmt: skip
# The most common single surnames (about 85% of people): enough to tell 罗科苏盈 from a four-character name.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_NAME_PREFIX = re.compile(
    rf"^(?:(?:{_ROLE}|实习生|特约撰稿人|撰稿人|作者|责任编辑|责编|编辑|記者|編輯)[:：]?|文[:：/／])"
)
# Words that end a credit but are no one's name: 摄影报道, 综合整理, an outlet (新华社, 山西日报).
_NOT_NAME = re.compile(r"报道|報導|报導|摄影|整理|编译|供稿|综合")
_ORG = re.compile(r"(?:社|报|网|台|刊|杂志|中心|局|厅|委|办|部|院|署|政府|办公室)$")
_LEADING_LABEL = re.compile(rf"^(?:{_ALL_LABELS}){_LABEL_SEP}")
_STAFF_CODE = re.compile(r"[_\-][A-Za-z]{0,6}\d+$")
# A self-media pen name may join two parts with an underscore (史蒂文的家_藍天).
_NAME_SHAPE = re.compile(
    r"^(?:(?=.{2,13}$)[\u4e00-\u9fff·•]+(?:_[\u4e00-\u9fff·•]+)?|[A-Za-z][A-Za-z.'\- ]{0,38}[A-Za-z.])$"
)


@memo_short
def _clean_name(token: str) -> str | None:
    """The name in a token, or None; remembered: names recur, and _names_only reads split_names' tokens again."""
    if len(token) > _MAX_TOKEN:
        return None
    t = token.strip(_EDGE_PUNCT)
    for _ in range(len(token) + 1):
        nxt = _STAFF_CODE.sub("", _NAME_PREFIX.sub("", _LEADING_LABEL.sub("", t))).strip(_EDGE_PUNCT)
        if nxt == t:
            break
        t = nxt
    if not t or t.lower() in _NOT_PEOPLE or t in _SITE_SELF or t.isdigit():
        return None
    if not _NAME_SHAPE.match(t) or _NOT_NAME.search(t):
        return None
    return t


def _pair(token: str) -> tuple[str, ...]:
    """罗科苏盈 -> (罗科, 苏盈): two two-character names run together once the page's spaces were lost; only
    when both halves open with a common surname (a real four-character name is kept: 欧阳晓明, 乌兰托娅)."""
    if (
        _FOUR_HAN.match(token)
        and token[:2] not in _COMPOUND
        and token[0] in _SURNAMES
        and token[2] in _SURNAMES
    ):
        return token[:2], token[2:]
    return (token,)


def split_names(raw: str) -> tuple[str, ...]:
    """``温文、李琳`` -> (温文, 李琳): role prefixes, brackets, staff codes and photo credits (…摄) removed."""
    if not isinstance(raw, str):
        return ()
    aliased: list[str] = []

    def hold(match: re.Match[str]) -> str:
        name = _clean_name(match[1])
        if name is None:
            return match[0]
        aliased.append(f"{name} ({clean_whitespace(match[2])})")
        return f" {_HELD}{len(aliased) - 1} "

    text = _ALIAS.sub(hold, _LOGIN.sub("", _SENT_FROM.sub(" ", clean_whitespace(raw))))
    tokens = [t.strip(_EDGE_PUNCT) for t in _NAME_SPLIT.split(text)]
    tokens = [t for t in tokens if t]
    names: list[str] = []
    for i, token in enumerate(tokens):
        if token.startswith(_HELD) and token[1:].isdigit():
            names.append(aliased[int(token[1:])])
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        # 李联军摄 / 李联军 摄 / 李联军 摄影: photo credits, not authors.
        if token in {"摄", "摄影", "图"} or token.endswith(("摄", "摄影")) or nxt in {"摄", "摄影"}:
            continue
        name = _clean_name(token)
        if name and name.endswith(("摄", "摄影")):
            continue
        if name:
            names.extend(part for part in _pair(name) if part not in names)
    return tuple(names)


def _cut(value: str) -> str:
    """``value`` (a slice of clean text: single spaces only) up to a hard stop, edges and spaces stripped."""
    stop = _HARD_STOP.search(value)
    return (value[: stop.start()] if stop else value).strip(_EDGE_PUNCT)


def _labels_no_role(text: str) -> list[re.Match[str]]:
    """``_LABEL_NO_ROLE.finditer(text)``, tried only where _LABEL_WORD_SEP finds a start (each match starts
    one) instead of at every position; a failed try moves on by one character, as finditer would."""
    found: list[re.Match[str]] = []
    hint = _LABEL_WORD_SEP.search(text)
    while hint is not None:
        match = _LABEL_NO_ROLE.match(text, hint.start())  # lookbehinds still see the text before
        if match is not None:
            found.append(match)
        hint = _LABEL_WORD_SEP.search(text, match.end() if match is not None else hint.start() + 1)
    return found


def _labelled_values(text: str) -> list[tuple[str, str]]:
    """(kind, value) for each label in the (clean) text, each value running to the next label or a hard stop."""
    if _LABEL_NEEDS.search(text) is None:
        return []
    found = list(_LABEL.finditer(text)) if _ROLE_WORD.search(text) else _labels_no_role(text)
    out: list[tuple[str, str]] = []
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        if m.group("label"):
            kind = _KIND[m.group("label")]
        elif m.group("slash"):
            kind = "author" if m.group("slash") == "文" else "other"
        elif m.group("bare_editor"):
            kind = "editor"
        else:
            kind = "author" if "摄影" not in m.group("bare") else "other"
        out.append((kind, _cut(text[m.end() : end])))
    return out


_NO_BYLINE = Byline(None, None, (), ())


def parse_byline(text: str, *, site_name: str | None = None) -> Byline:
    """来源, authors and editors of one info line; a label with no value gives null/empty, never the next label."""
    if not isinstance(text, str):
        return _NO_BYLINE
    return _parse_clean(clean_whitespace(text), site_name)


def _parse_clean(text: str, site_name: str | None) -> Byline:
    """:func:`parse_byline` of a text that is clean_whitespace's output already."""
    found = _labelled_values(text)
    if not found:
        return _NO_BYLINE  # most lines: body paragraphs with no label (a frozen, shared value)
    source_raw: str | None = None
    authors: list[str] = []
    editors: list[str] = []
    for kind, value in found:
        if kind == "source" and source_raw is None and value:
            source_raw = value
        elif kind == "author":
            authors.extend(n for n in split_names(value) if n not in authors)
        elif kind == "editor":
            editors.extend(n for n in split_names(value) if n not in editors)
    source = clean_source(source_raw, site_name=site_name) if source_raw else None
    return Byline(source, source_raw, tuple(authors), tuple(editors))


_DATELINE = re.compile(
    r"^.{0,24}?(?:讯|电)\s*[(（](?P<names>[^()（）]{1,60})[)）]"
    r"|^(?P<agency>新华社|中新社|本报)(?P<role>记者|通讯员)(?P<bare>[\u4e00-\u9fff·]{2,4}(?:\s+[\u4e00-\u9fff·]{2,4})*)"
)
_WRAPPED = re.compile(r"^\s*[(（\[［【](?P<inner>.*)[)）\]］】]\s*$")
_BYLINE_LINE_MAX = 80
_LEADING_ANY = re.compile(rf"^(?:(?:{_ALL_LABELS}){_LABEL_SEP}|(?:文|图)\s*[/／:：丨︱]|{_EDITOR_ROLE}\s)")
# A credit closing the last paragraphs: ……城！（评论员 罗博 萧海川）, ……吗？”（姚峰 上海报道）
_TRAILING_CREDIT = re.compile(r"[(（](?P<names>[^()（）]{2,40})[)）]\s*$")
_PLACE_REPORT = re.compile(r"\s*[\u4e00-\u9fff]{0,8}(?:报道|報導)$")


def _names_only(text: str) -> tuple[str, ...]:
    """The names when the text is nothing but a (role-prefixed) name list, else ()."""
    tokens = [t for t in _NAME_SPLIT.split(text) if t]
    names = split_names(text)
    if not tokens or not names:
        return ()
    if any(_clean_name(t) is None and not _NAME_PREFIX.fullmatch(t) for t in tokens):
        return ()
    if any(_ORG.search(name) for name in names):
        return ()
    return names


def find_body_bylines(paragraphs: Sequence[str], *, site_name: str | None = None) -> BodyBylines:
    """Bylines in the first 2 and last 4 paragraphs: 本报讯（记者 …）, （张巨峰）, (责编：…), 来源：…."""
    authors: list[str] = []
    editors: list[str] = []
    source_raw: str | None = None
    only: list[int] = []
    n = len(paragraphs)
    indices = range(n) if n <= 6 else [0, 1, *range(n - 4, n)]  # the first 2 and last 4, once each
    for i in indices:
        para = clean_whitespace(paragraphs[i]) if isinstance(paragraphs[i], str) else ""
        if not para:
            continue
        inner_m = _WRAPPED.match(para) if len(para) <= _BYLINE_LINE_MAX + 2 else None
        inner = inner_m.group("inner").strip() if inner_m else para
        # inner is a stripped piece of clean_whitespace's output: clean already.
        line = _parse_clean(inner, site_name) if len(inner) <= _BYLINE_LINE_MAX else None
        if line and _LEADING_ANY.match(inner) and (line.source_raw or line.authors or line.editors):
            only.append(i)
            authors.extend(a for a in line.authors if a not in authors)
            editors.extend(e for e in line.editors if e not in editors)
            source_raw = source_raw or line.source_raw
            continue
        # A bare name list counts only when bracketed or role-prefixed: （张巨峰）, 记者 张三 李四.
        wrapped_or_role = inner_m is not None or _NAME_PREFIX.match(inner) is not None
        if wrapped_or_role and len(inner) <= _BYLINE_LINE_MAX and (names := _names_only(inner)):
            only.append(i)
            authors.extend(a for a in names if a not in authors)
            continue
        # A trailing （新华社） / （山西日报）: the outlet, not a person.
        if inner_m and i >= n - 4 and _ORG.search(inner) and (src := clean_source(inner)) and src == inner:
            only.append(i)
            source_raw = source_raw or inner
            continue
        if i >= n - 4 and (tm := _TRAILING_CREDIT.search(para)):
            credit = tm.group("names")
            report = _PLACE_REPORT.search(credit)
            credit = credit[: report.start()] if report else credit
            # one bare name in brackets could be anything (（王某）); a role word, 报道, several names, or a
            # bracket right after the closing sentence (……换新iPhone。(李楠)) says it is a credit
            names = _names_only(credit)
            if not names and _LEADING_ANY.match(credit):  # （编译/林靖东）, （作者：张三）
                names = parse_byline(credit, site_name=site_name).authors
            after_sentence = (
                para[: tm.start()].rstrip().endswith(("。", "！", "？", "!", "?", "”", "」", "…"))
            )
            if names and (report or _NAME_PREFIX.match(credit) or len(names) > 1 or after_sentence):
                authors.extend(a for a in names if a not in authors)
                continue
        if i < 2 and (dm := _DATELINE.match(para)):
            names = split_names(dm.group("names") or dm.group("bare") or "")
            authors.extend(a for a in names if a not in authors)
    source = clean_source(source_raw, site_name=site_name) if source_raw else None
    return BodyBylines(tuple(authors), tuple(editors), source, source_raw, tuple(only))
