"""Enumeration markers in Chinese body paragraphs: 一要, 一是, 一、, （一）, 1．, 第一，, 其一, ①, ● …

Each paragraph is scanned for marker *candidates*; whether a candidate is really an item is decided later, by
the run builder (``directives.py``), from its neighbours: a run needs two consecutive ordinals of the same
family. A marker's *family* is what must stay the same along a run (一是/二是, 1、/2、, 第一步/第二步).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["BULLETS", "Marker", "cn_numeral", "find_markers", "is_heading_like"]

_CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN = "一二三四五六七八九十"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

# Bullet symbols that open a paragraph. ▲ and —— also start photo captions and pull quotes, so the run
# builder only accepts them in unbroken runs (see STRICT_BULLETS).
BULLETS = ("●", "■", "◆", "▲", "★", "☆", "◇", "◎", "□", "○", "•", "·", "——", "－－", "--")
STRICT_BULLETS = frozenset({"▲", "——", "－－", "--", "◎", "·", "○"})

# Where an inline marker may start: the paragraph start or right after clause punctuation.
_BOUNDARY = "。；;：:，,！？!?"
_SENTENCE_END = "。！？!?；;"

# 第N + counter word: these counters number occurrences, ranks and dates, not points.
_DI_COUNTER_BLACKLIST = frozenset(
    [
        "次",
        "名",
        "届",
        "年",
        "天",
        "期",
        "代",
        "批",
        "号",
        "位",
        "层",
        "轮",
        "季",
        "季度",
        "个月",
        "周",
        "回",
        "座",
        "家",
        "集",
        "版",
        "页",
        "段",
        "句",
        "行",
        "声",
        "秒",
        "分钟",
        "小时",
        "把手",
        "时间",
        "梯队",
        "大",
        "高",
        "产业",
        "书记",
        "线",
        "人",
        "例",
        "支",
        "站",
        "关",
        "局",
        "份",
        "只",
        "个",
        "种",
    ]
)


@dataclass(frozen=True)
class Marker:
    """A marker candidate at ``start`` of paragraph ``para``; the item's own words begin at ``end``."""

    para: int
    start: int
    end: int
    token: str
    family: str
    ordinal: int | None
    inline: bool

    @property
    def bullet(self) -> bool:
        return self.ordinal is None


def cn_numeral(text: str) -> int | None:
    """一→1, 十二→12, 二十→20, 九十九→99; None for anything else."""
    if not text or any(ch not in _CN_DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return _CN_DIGITS[text] if len(text) == 1 else None
    tens, _, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1 or "十" in units:
        return None
    value = (_CN_DIGITS[tens] if tens else 1) * 10
    return value + (_CN_DIGITS[units] if units else 0)


def is_heading_like(text: str) -> bool:
    """A short title line (一、部署Apollo; 爱与责任), as opposed to a sentence that makes a point."""
    stripped = text.strip().rstrip("：:")
    return len(stripped) <= 30 and not any(ch in stripped for ch in _SENTENCE_END)


_N = rf"[{_CN}]{{1,3}}"
# Block markers: only at the start of a paragraph.
_BLOCK_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("paren-cn", re.compile(rf"[（(]\s*({_N})\s*[）)]")),
    ("paren-num", re.compile(r"[（(]\s*(\d{1,2})([a-z]?)\s*[）)]")),
    ("circled", re.compile(rf"([{_CIRCLED}])")),
    ("cn-dun", re.compile(rf"({_N})\s*[、．.](?!\d)(?![{_CN}][、，,])")),
    ("cn-comma", re.compile(rf"({_N})[，,](?!\d)(?![{_CN}][、，,])")),
    ("num-dun", re.compile(r"(\d{1,2})\s*[、](?!\d)")),
    ("num-dot", re.compile(r"(\d{1,2})\s*[.．](?![\d.．])")),
    ("num-close", re.compile(r"(\d{1,2})[)）](?!\d)")),
    ("num-zero", re.compile(r"0(\d)(?=\s*[\u4e00-\u9fff《“\"])")),
    ("num-bare", re.compile(r"(\d{1,2})$")),
]
# What a block marker can open with: only then are the patterns above tried (\d is str.isdecimal()).
_BLOCK_FIRST = frozenset("（(" + _CIRCLED + _CN)
# Circled and bracketed numbers are never running text, so they need no punctuation before them.
_ANYWHERE = frozenset({"circled", "paren-cn", "paren-num"})
# Markers that may also sit inside a paragraph, after clause punctuation. The third element lists strings
# one of which a match must contain: a few `in` tests skip a pattern that cannot match (~1 us a scan saved).
# A pattern scanned for (not matched at the start) opens with one character class, not a {1,3} repeat of it
# (_N_LEAD is _N written so): then the regex engine skips to the characters that can begin a match, ~1 us a
# paragraph each.
_N_LEAD = rf"[{_CN}][{_CN}]{{0,2}}"
_INLINE_PATTERNS: list[tuple[str, re.Pattern[str], tuple[str, ...]]] = [
    ("cn-shi", re.compile(rf"({_N_LEAD})(是|要|来)"), ("是", "要", "来")),
    ("qi", re.compile(rf"其([{_CN}])[，,、：:是]"), ("其",)),
    ("paren-cn", re.compile(rf"[（(]({_N})[）)]"), ("（", "(")),
    ("paren-num", re.compile(r"[（(](\d{1,2})[）)]"), ("（", "(")),
    ("circled", re.compile(rf"([{_CIRCLED}])"), ()),
    ("cn-dun", re.compile(rf"({_N_LEAD})、(?!\d)(?![{_CN}][、，,])"), ("、",)),
    ("num-dun", re.compile(r"(\d\d?)、(?![\d])"), ("、",)),
]
# 第一，/ 第一是 / 第一步是 / 第一章 / 第一个理念就是 …; group 2 is the counter word, the family.
_DI = re.compile(
    rf"第({_N}|\d{{1,2}})([\u4e00-\u9fff]{{0,3}}?)(?:[（(][A-Za-z][）)])?(?:就是|则是|是|为|[，,：:、]|\s+|(?=[“\"《（(0-9]))"
)
# 第一须知这瓜分之祸…: a paragraph opening with 第N and a counter, no punctuation after it. Where the counter
# ends is unknowable (第五劝富的舍钱), so these share one family and only their numbers must follow.
_DI_LOOSE = re.compile(rf"第({_N})([\u4e00-\u9fff]{{2}})")
_SEQ_WORDS = ("首先", "其次", "再次", "然后", "最后")
_SEQ = re.compile(rf"({'|'.join(_SEQ_WORDS)})[，,：:是]?")
_SEQ_ORDER = {"首先": 1, "其次": 2, "再次": 3}


def _ordinal(raw: str) -> int | None:
    if raw.isdecimal():
        return int(raw)
    if raw in _CIRCLED:
        return _CIRCLED.index(raw) + 1
    return cn_numeral(raw)


def _at_boundary(text: str, pos: int) -> bool:
    if pos == 0:
        return True
    before = text[:pos].rstrip()
    return not before or before[-1] in _BOUNDARY or before[-1] in '”"）)'


def _contains_any(text: str, words: tuple[str, ...]) -> bool:
    # A plain loop: any() over a generator costs more than the `in` tests it runs (~10k calls on a big page).
    for word in words:  # noqa: SIM110
        if word in text:
            return True
    return False


def _block_marker(index: int, text: str) -> Marker | None:
    lead = len(text) - len(text.lstrip())
    body = text[lead:]
    if body.startswith(BULLETS):
        return _bullet(index, text, lead, body)
    if body.startswith("第"):
        found = _di_block(index, lead, body)
        if found is not None:
            return found
    first = body[:1]
    if first and (first in _BLOCK_FIRST or first.isdecimal()):
        return _numbered_block(index, text, lead, body)
    return None


def _bullet(index: int, text: str, lead: int, body: str) -> Marker | None:
    for symbol in BULLETS:
        if body.startswith(symbol):
            end = lead + len(symbol)
            while end < len(text) and text[end] in " \u3000\xa0" + symbol[0]:
                end += 1
            if not text[end:].strip():
                return None  # a bullet with nothing after it is layout, not a point
            return Marker(index, lead, end, symbol, f"bullet:{symbol}", None, inline=False)
    return None


def _di_block(index: int, lead: int, body: str) -> Marker | None:
    di = _DI.match(body)
    if di and di.group(2) not in _DI_COUNTER_BLACKLIST:
        ordinal = _ordinal(di.group(1))
        if ordinal is not None:
            return Marker(
                index, lead, lead + di.end(), di.group(0).strip(), f"di:{di.group(2)}", ordinal, False
            )
    loose = _DI_LOOSE.match(body)
    if (
        loose
        and loose.group(2) not in _DI_COUNTER_BLACKLIST
        and loose.group(2)[0] not in _DI_COUNTER_BLACKLIST
    ):
        ordinal = _ordinal(loose.group(1))
        if ordinal is not None:
            return Marker(index, lead, lead + loose.end(), loose.group(0), "di~", ordinal, False)
    return None


def _numbered_block(index: int, text: str, lead: int, body: str) -> Marker | None:
    for family, pattern in _BLOCK_PATTERNS:
        match = pattern.match(body)
        if not match:
            continue
        ordinal = _ordinal(match.group(1))
        if ordinal is None or ordinal == 0:
            continue
        key = family
        if family == "paren-num" and match.group(2):
            key = f"paren-num-{match.group(2)}"
        end = lead + match.end()
        while end < len(text) and text[end] in " \u3000\xa0":
            end += 1
        return Marker(index, lead, end, match.group(0).strip(), key, ordinal, inline=False)
    return None


def find_markers(index: int, text: str) -> list[Marker]:
    """Every marker candidate in paragraph ``index``, in order of position."""
    found: dict[int, Marker] = {}
    block = _block_marker(index, text)
    if block is not None:
        found[block.start] = block
    for family, pattern, needs in _INLINE_PATTERNS:
        for (
            word
        ) in needs:  # inline, not _contains_any: a call per pattern and paragraph costs more than the test
            if word in text:
                break
        else:
            if needs:
                continue
        for match in pattern.finditer(text):
            pos = match.start()
            if pos in found or (family not in _ANYWHERE and not _at_boundary(text, pos)):
                continue
            ordinal = _ordinal(match.group(1))
            if ordinal is None or ordinal == 0:
                continue
            key = family
            if family == "cn-shi":
                key = "cn-shi:" + match.group(2)
            found[pos] = Marker(index, pos, match.end(), match.group(0), key, ordinal, inline=pos > 0)
    for match in _DI.finditer(text) if "第" in text else ():
        pos = match.start()
        if pos in found or pos == 0 or not _at_boundary(text, pos):
            continue
        if match.group(2) in _DI_COUNTER_BLACKLIST:
            continue
        ordinal = _ordinal(match.group(1))
        if ordinal is not None:
            found[pos] = Marker(
                index, pos, match.end(), match.group(0).strip(), f"di:{match.group(2)}", ordinal, True
            )
    for match in _SEQ.finditer(text) if _contains_any(text, _SEQ_WORDS) else ():
        pos = match.start()
        if pos in found or not _at_boundary(text, pos):
            continue
        word = match.group(1)
        found[pos] = Marker(index, pos, match.end(), match.group(0), "seq", _SEQ_ORDER.get(word, 0), pos > 0)
    # A marker inside another marker's token (the 一 of 第一是) is not a marker of its own.
    result: list[Marker] = []
    for pos in sorted(found):
        marker = found[pos]
        if result and pos < result[-1].end:
            continue
        result.append(marker)
    return result
