"""The first and last lines of a body container that are not article text.

A container found by the density heuristic (or a loose family selector) often starts with the headline and
the date/author line and ends with 发布时间/作者/访问统计 lines, copyright footers and comment prompts. They
are cut off here and returned, because the headline and info lines they hold are still useful when the page
has no separate info element.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from newsspider.textnorm import compare_form

__all__ = ["Edges", "trim_edges"]

_MAX_HEAD_LINES = 5
_MAX_TAIL_LINES = 8
_MAX_FOOTER_SCAN = 40
_LINK_LINE = 0.6
_BOLD_LINE = 0.9
_MIN_REST = 2
_TINY_LINE = 2
_MAX_FOOTER_REGION_LINE = 60
_MAX_META_LEN = 100
_MAX_FOOTER_LEN = 160
_MAX_TITLE_LEN = 80
_TITLE_SLACK = 12

_DATE = re.compile(
    r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|\d{1,2}:\d{2}"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}",
    re.IGNORECASE,
)
_META_LABEL = re.compile(
    r"来源|作者|发布|发表|时间|日期|浏览|阅读|点击|字号|字体|编辑|责编|更新|访问|评论|译者?\s*[:：]|编译"
    r"|Posted|posted by|\bby\b",
    re.IGNORECASE,
)
_TIME = re.compile(r"\d{1,2}:\d{2}")
_NAMES_LINE = re.compile(r"^[\u4e00-\u9fa5]{2,4}((?:[、，,\s]+[\u4e00-\u9fa5]{2,4}){1,4})?$")
_SENTENCE_END = re.compile(r"[。！？!?]")
# A line opening with an outline number (第一章, 一、, （一）, 1.) is the body's first section heading, never a
# kicker above the text, however bold.
_OUTLINE = re.compile(
    r"\s*(?:第[一二三四五六七八九十百\d]+[章节篇部编卷]|[一二三四五六七八九十]+[、．.]|[（(][一二三四五六七八九十\d]+[）)]|\d{1,2}[、．.])"
)
# A closing line giving a web address (我的博客 http://…) is a signature; a mail address or phone number
# is not enough (a notice ends with its contacts, and they are text).
_CONTACT = re.compile(r"https?://|www\.")
_MAX_CONTACT = 80
# Footer markers, in three patterns: one pattern with the Latin words under IGNORECASE (and the ^ openings)
# gets no first-character scan from the regex engine and took ~7 us a line; the 汉字 words alone take 0.4.
_FOOTER_WORDS = re.compile(
    r"版权所有|备案号|举报电话|违法和不良信息|不良信息举报|免责声明"
    r"|不代表(?:本站|本网|新浪|本平台)?(?:的)?(?:观点|立场)|转载请注明|未经授权|发表评论|我要评论"
    r"|网友评论|评论\s*[（(]\s*\d|返回页首|返回顶部|关闭窗口|本文链接|相关文章|上一篇|下一篇|分享到|打印本页"
    r"|联系我们|关于我们|广告服务|网站地图|意见反馈|批评指正|招聘信息"
    # account and app promotions
    r"|扫描?[^，。！？]{0,6}二维码|关注[^，。！？]{0,16}(?:微信|公众号)|粉[丝絲](?:团|團|专页|專頁)",
    re.IGNORECASE,
)
_FOOTER_LATIN = re.compile(
    r"Copyright|All Rights Reserved|ICP[备证]|TrackBack|Trackback|About\s+Us", re.IGNORECASE
)
# Every _FOOTER_LATIN match holds a p, g or b, and case-blind matching finds no other character for them.
_FOOTER_LATIN_LETTERS = re.compile(r"[pPgGbB]")
# Whole-line markers and openings: reprint notes (摘自《…》), author affiliations, signature rules (------).
_FOOTER_OPENING = re.compile(
    r"下载$|\d+$|[【\[]?(?:相关|此前|延伸|推荐|更多)(?:报道|阅读|新闻|链接)"
    r"|[(（【\[]?\s*(?:摘自|选自|作者单位)|[-—=_*~·.]{5,}$",
    re.IGNORECASE,
)


@dataclass
class Edges:
    paragraphs: list[str]
    head: list[str] = field(default_factory=list)
    """Meta lines cut from the top (date, source, author…), in order."""
    tail: list[str] = field(default_factory=list)
    """Meta lines cut from the bottom, in order (footers are dropped, not kept)."""
    headline: str | None = None
    lead_in: list[str] = field(default_factory=list)
    """Bold kicker lines that opened the container (kept for the byline reader, not body)."""
    """A leading headline-like line that was cut (the page's own title repeated in the container)."""


def _is_meta(line: str) -> bool:
    if len(line) > _MAX_META_LEN or _SENTENCE_END.search(line):
        return False
    return _DATE.search(line) is not None or (_META_LABEL.search(line) is not None and len(line) <= 40)


def _same_as_title(line: str, title: str) -> bool:
    a, b = compare_form(line), compare_form(title)
    if not (a and b) or len(a) < 4 or _SENTENCE_END.search(line):
        return False
    # "标题 (图)" or "标题- -" around the title is still the title; a sentence containing it is not.
    return a == b or (a in b and len(a) >= 0.6 * len(b)) or (b in a and len(a) <= len(b) + _TITLE_SLACK)


def trim_edges(
    paragraphs: list[str],
    title: str,
    link_shares: list[float] | None = None,
    bold_shares: list[float] | None = None,
) -> Edges:
    """``link_shares``/``bold_shares`` (parallel to ``paragraphs``): how much of each line is link/bold text."""
    bolds = bold_shares if bold_shares is not None and len(bold_shares) == len(paragraphs) else []
    lines = list(paragraphs)
    links = link_shares if link_shares is not None and len(link_shares) == len(lines) else [0.0] * len(lines)
    edges = Edges(paragraphs=lines)
    start = skipped_links = 0
    while len(lines) - start > 1 and start - skipped_links < _MAX_HEAD_LINES:
        line = lines[start]
        if title and _same_as_title(line, title):
            edges.headline = edges.headline or line
        elif _is_meta(line):
            edges.head.append(line)
        elif start == 0 and _headline_like(line) and _heads_a_byline(lines):
            edges.headline = line
        elif (
            bolds
            and bolds[start] >= _BOLD_LINE
            and _headline_like(line)
            and not _OUTLINE.match(line)
            and not edges.head
            and len(lines) - start > _MIN_REST
        ):
            edges.lead_in.append(line)  # a bold lead-in/sub-heading above the text (not the lead itself)
        elif start > 0 and edges.headline and _is_head_follower(line):
            edges.head.append(line)
        elif start > 0 and (links[start] >= _LINK_LINE or len(line) <= _TINY_LINE):
            skipped_links += 1  # a "today's picks" link list between the cut headline and the text
        else:
            break
        start += 1
    end = max(start + 1, footer_start(lines))
    floor = max(start + 1, end - _MAX_TAIL_LINES)
    while end - 1 > start and end > floor and _is_tail_meta(lines[end - 1]):
        edges.tail.insert(0, lines[end - 1])
        end -= 1
    edges.paragraphs = lines[start:end]
    return edges


def footer_start(lines: list[str]) -> int:
    """Where a footer region starts: short lines at the very end, one of them a footer marker (版权所有,
    ICP备, 发表评论…); the earliest marker wins. ``len(lines)`` when there is none."""
    end = len(lines)
    for i in range(end - 1, max(0, end - _MAX_FOOTER_SCAN) - 1, -1):
        line = lines[i]
        contact = len(line) <= _MAX_CONTACT and "。" not in line and _CONTACT.search(line) is not None
        if contact or (len(line) <= _MAX_FOOTER_LEN and _is_footer(line)):
            if i > 0:
                end = i
        elif len(line) > _MAX_FOOTER_REGION_LINE or "。" in line:
            break
    return end


def _is_footer(line: str) -> bool:
    return (
        _FOOTER_WORDS.search(line) is not None
        or _FOOTER_OPENING.match(line) is not None
        or (_FOOTER_LATIN_LETTERS.search(line) is not None and _FOOTER_LATIN.search(line) is not None)
    )


def _heads_a_byline(lines: list[str]) -> bool:
    """Line 0 is a headline when a date/author line, a ——subtitle or two names follow it (or one name,
    then a subtitle or date line: 胡平 / ——对文化革命的…分析)."""
    if len(lines) <= 2:
        return False
    if _is_head_follower(lines[1], strict=True):
        return True
    return (
        len(lines) > 3
        and _NAMES_LINE.match(lines[1]) is not None
        and _is_head_follower(lines[2], strict=True)
    )


def _is_head_follower(line: str, *, strict: bool = False) -> bool:
    """What follows a headline repeated in the body: its date/author line, a ——subtitle, a bare name line.
    ``strict`` (telling a headline from a first paragraph): a name line needs two names (赵延东、风笑天)."""
    if _is_meta(line):
        return True
    if line.startswith(("——", "—— ")) and len(line) <= _MAX_TITLE_LEN:
        return True
    names = _NAMES_LINE.match(line)
    return names is not None and (not strict or names.group(1) is not None)


def _headline_like(line: str) -> bool:
    return len(line) <= _MAX_TITLE_LEN and not _SENTENCE_END.search(line[-1:]) and "，" not in line


def _is_tail_meta(line: str) -> bool:
    # A bare date at the end is a document's signing date (body); a time or a label makes it a meta line.
    return _is_meta(line) and (_TIME.search(line) is not None or _META_LABEL.search(line) is not None)
