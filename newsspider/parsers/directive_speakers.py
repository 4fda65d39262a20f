"""Who announces an enumeration, with what verb, and how many points they say they will make.

Meeting reports attribute each statement with ``<subject><verb>``: 楼阳生强调, 会议指出, 省委书记楼阳生要求,
他强调 (a pronoun for the last named person). Titles before the name are stripped (省委书记楼阳生 → 楼阳生).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

__all__ = [
    "Attribution",
    "SpeakerIndex",
    "attributions",
    "declared_count",
    "is_lead_in",
    "people",
    "resolve_speaker",
    "sentence_opens_with",
]

# Verbs that attribute a statement. 说/希望/建议 are common inside ordinary words and phrases, so they
# count only when punctuation follows them.
_STRONG_VERBS = "强调|指出|要求|表示|提出|认为|介绍|透露|规定|倡议|告诫|提醒"
_WEAK_VERBS = "说|希望|建议|说明"
_ATTRIBUTION = re.compile(
    rf"(?:^|(?<=[，。；：,;:？！?!\s、”\"）)—]))"
    rf"([\u4e00-\u9fff、·]{{1,30}}?)"
    rf"(?:还|也|又|进一步|同时|再次|最后|特别|着重|重点)?"
    rf"(?:({_STRONG_VERBS})|({_WEAK_VERBS})(?=[，,：:“\"]))"
)
# Every attribution holds one of the verbs: this literal scan is much cheaper than _ATTRIBUTION, whose lookbehind
# start is tried at every position.
_ANY_VERB = re.compile(f"{_STRONG_VERBS}|{_WEAK_VERBS}")
# The subject ends before 对/在/就… ("楼阳生对下一步工作提出三点要求" → 楼阳生).
_SUBJECT_CUT = re.compile(r"(?<=[\u4e00-\u9fff]{2})(?:对|在|就|向|为|于|同|与|和|代表|主持|出席|听取|作|等)")
_TITLES = re.compile(
    r"^.*(?:书记|省长|市长|县长|区长|州长|主任|部长|厅长|局长|主席|总理|委员|组长|会长|秘书长|院长|校长|常委|"
    r"经理|董事长|总裁|司长|处长|巡视员|负责人|发言人|总编辑|所长|行长|理事长|署长|政委|司令员|总书记|合伙人|"
    r"教授|研究员|院士|分析师|首席|记者|专家|律师|博士|主持人|代表)"
)
_PRONOUNS = frozenset({"他", "她", "他们", "她们"})
# Speakers are people, 会议, or bodies and documents (证监会, 指导意见). Anything else the pattern catches
# (对于投资者来说, 一般地来说) is running text, so a subject must look like one of those.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤楼"
    "骆靳褚尚应易常温康施文牛樊葛邢安齐伍庞颜倪聂章鲁岳翟殷詹申耿关兰焦俞左柳甘祝包宁符阮路喻蓝单谷车宫"
)
_COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "慕容", "令狐")
_GENERIC_SPEAKERS = frozenset({"会议", "会上", "专家", "报告", "文件", "通知", "意见", "公告"})
_BODY_SUFFIXES = (
    "会议",
    "委员会",
    "办公室",
    "办公厅",
    "政府",
    "中心",
    "协会",
    "公会",
    "学会",
    "意见",
    "通知",
    "办法",
    "规定",
    "方案",
    "条例",
    "决定",
    "纲要",
    "计划",
    "报告",
    "公司",
    "集团",
    "银行",
    "大学",
    "学院",
    "会",
    "部",
    "局",
    "委",
    "厅",
    "院",
    "署",
    "办",
    "组",
    "所",
)
_SUBJECT_PREFIX = re.compile(r"^(?:有|据|按照|根据|对于|由|经|而|但|并|还|另外|此外|同时|随后|接着|最后)")
_HONORIFICS = re.compile(r"(?:先生|女士|同志|老师)$")
_TURN = re.compile(r"^([\u4e00-\u9fff]{2,3})[：:]")
_DROPPED_SUBJECT = re.compile(r"^(?:对|向|就|为|在|给)")
_MENTION = re.compile(
    r"(书记|省长|市长|县长|区长|主任|部长|厅长|局长|主席|总理|组长|会长|院长|校长)"
    r"([\u4e00-\u9fff]{2,3}?)(?=出席|主持|讲话|致辞|参加|调研|会见|率队|在|到|来|对|听取|指出|强调|要求|表示)"
)
_NOT_SUBJECTS = frozenset(
    {"我们", "大家", "有关", "文件", "通知", "同时", "此外", "其中", "这", "这也", "并", "还"}
)
_COUNT = re.compile(
    r"([一二三四五六七八九十两]{1,3}|\d{1,2})"
    r"(?:个方面|点|条|项|类|大|个)(?:的)?(?:具体|重点|主要|明确|工作)?"
    r"(?:要求|意见|任务|措施|工作|建议|举措|方面|标准|问题|原则|行为|目标|重点|事项|希望|部署|内容|做法)"
)
_COUNT_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass(frozen=True)
class Attribution:
    """``subject`` (titles stripped) said something with ``verb`` (empty for an interview turn), at ``start``."""

    start: int
    end: int
    subject: str
    verb: str

    @property
    def pronoun(self) -> bool:
        return self.subject in _PRONOUNS

    @property
    def dropped(self) -> bool:
        return not self.subject

    @property
    def person(self) -> bool:
        """A named speaker a later 他/她 can refer to (not 会议, not a pronoun)."""
        return not self.pronoun and self.subject not in _GENERIC_SPEAKERS and 2 <= len(self.subject) <= 4


def _plausible(subject: str) -> bool:
    if subject in _PRONOUNS or subject in _GENERIC_SPEAKERS:
        return True
    if subject.startswith(_COMPOUND_SURNAMES) and 3 <= len(subject) <= 4:
        return True
    if 2 <= len(subject) <= 3 and subject[0] in _SURNAMES:
        return True
    return 3 <= len(subject) <= 14 and subject.endswith(_BODY_SUFFIXES)


def _subject(raw: str) -> str | None:
    subject = _SUBJECT_PREFIX.sub("", raw.strip("、·"))
    cut = _SUBJECT_CUT.search(subject)
    if cut:
        subject = subject[: cut.start()]
    subject = _HONORIFICS.sub("", subject)
    named = _TITLES.sub("", subject)
    if named:
        subject = named
    subject = subject.strip("、·")
    if not subject or subject in _NOT_SUBJECTS or not _plausible(subject):
        return None
    return subject


def attributions(text: str) -> list[Attribution]:
    """Every ``<subject><verb>`` attribution in a paragraph, in order.

    A clause whose subject was dropped (王浩肯定了…，对今年工作提出了七个方面的要求) gets the empty subject;
    the caller resolves it to the person the sentence opens with.
    """
    found: list[Attribution] = []
    turn = _TURN.match(text)
    if turn and _plausible(turn.group(1)) and turn.group(1) not in _GENERIC_SPEAKERS:
        found.append(Attribution(0, turn.end(), turn.group(1), ""))  # an interview turn: 李金泽：……
    for match in _ATTRIBUTION.finditer(text) if _ANY_VERB.search(text) else ():
        verb = match.group(2) or match.group(3)
        subject = _subject(match.group(1))
        if subject is None and _DROPPED_SUBJECT.match(match.group(1)):
            subject = ""
        if subject is not None:
            found.append(Attribution(match.start(), match.end(), subject, verb))
    return found


def people(text: str) -> list[tuple[int, str]]:
    """Titled people the text names (省长王浩出席, 市委书记韦韬主持), for resolving 他 and dropped subjects."""
    return [(match.start(2), match.group(2)) for match in _MENTION.finditer(text)]


def sentence_opens_with(text: str, position: int, name: str) -> bool:
    """Whether the sentence holding ``position`` starts with ``name`` (possibly behind a title)."""
    start = max(text.rfind(ch, 0, position) for ch in "。！？!?；;") + 1
    head = _TITLES.sub("", text[start : start + 30].strip())
    return bool(name) and (head.startswith(name) or text[start:position].lstrip().startswith(name))


def resolve_speaker(attribution: Attribution, last_person: str | None) -> str | None:
    """The attribution's speaker, with 他/她 resolved to the last named person."""
    if attribution.pronoun:
        return last_person
    return attribution.subject


def cn_count(raw: str) -> int | None:
    if raw.isdecimal():
        return int(raw)
    if raw == "十":
        return 10
    if raw.startswith("十") and len(raw) == 2:
        return 10 + _COUNT_DIGITS.get(raw[1], 0)
    if len(raw) == 1:
        return _COUNT_DIGITS.get(raw)
    if len(raw) == 2 and raw[1] == "十":
        return _COUNT_DIGITS.get(raw[0], 0) * 10
    return None


def declared_count(text: str) -> int | None:
    """The count a lead-in announces: 提出三点要求 → 3, 七个方面的具体要求 → 7; the last one wins."""
    value: int | None = None
    for match in _COUNT.finditer(text):
        count = cn_count(match.group(1))
        if count is not None and count >= 2:
            value = count
    return value


def is_lead_in(text: str) -> bool:
    """A paragraph that introduces what follows: 他强调：, 楼阳生对下一步工作提出三点要求。"""
    stripped = text.strip()
    return (
        len(stripped) <= 24
        or stripped.endswith(("：", ":", ">", "＞"))
        or (len(stripped) <= 60 and declared_count(stripped) is not None)
    )


class SpeakerIndex:
    """Attributions of every paragraph, with pronouns resolved against the last named person before them."""

    def __init__(self, paragraphs: list[str]) -> None:
        self.paragraphs = paragraphs
        # Per paragraph: the end offsets and values of its count announcements, found once. Scanning the
        # paragraph again for every block in it is quadratic in a long 一是…二是… paragraph.
        self._counts: dict[int, tuple[list[int], list[int]]] = {}
        # Read in paragraph order, only as far as asked (most pages with marker candidates form no run that
        # needs a speaker): a paragraph's pronouns resolve against the last person named before it.
        self._found: list[list[tuple[Attribution, str | None]]] = []
        self._last_person: str | None = None

    def _at(self, para: int) -> list[tuple[Attribution, str | None]]:
        """The attributions of paragraph ``para``, with their resolved speakers."""
        while len(self._found) <= para:
            self._found.append(self._read(self.paragraphs[len(self._found)]))
        return self._found[para]

    def _read(self, text: str) -> list[tuple[Attribution, str | None]]:
        last_person = self._last_person
        resolved: list[tuple[Attribution, str | None]] = []
        events: list[tuple[int, Attribution | str]] = [(a.start, a) for a in attributions(text)]
        events += people(text)
        for _, event in sorted(events, key=lambda pair: pair[0]):
            if isinstance(event, str):
                last_person = event
            elif event.dropped:
                if last_person and sentence_opens_with(text, event.start, last_person):
                    resolved.append((event, last_person))
            else:
                resolved.append((event, resolve_speaker(event, last_person)))
                if event.person:
                    last_person = event.subject
        self._last_person = last_person
        return resolved

    def count_before(self, para: int, end: int) -> int | None:
        """:func:`declared_count` of ``paragraphs[para][:end]``, from the paragraph's cached announcements."""
        if para not in self._counts:
            ends: list[int] = []
            values: list[int] = []
            for match in _COUNT.finditer(self.paragraphs[para]):
                count = cn_count(match.group(1))
                if count is not None and count >= 2:
                    ends.append(match.end())
                    values.append(count)
            self._counts[para] = (ends, values)
        ends, values = self._counts[para]
        last = bisect.bisect_right(ends, end)
        return values[last - 1] if last else None

    def window(self, para: int, start: int) -> list[tuple[int, int, list[tuple[Attribution, str | None]]]]:
        """The paragraphs (index, end offset, attributions) introducing an enumeration starting at
        (para, start), nearest first."""
        own = [(a, s) for a, s in self._at(para) if a.end <= start]
        parts = [(para, start, own)]
        for back in (1, 2):
            index = para - back
            if index < 0:
                break
            parts.append((index, len(self.paragraphs[index]), self._at(index)))
            if not is_lead_in(self.paragraphs[index]):
                break
        return parts

    def introduces(self, para: int, start: int) -> bool:
        """Whether a speaker's statement leads straight into (para, start): 他强调： / 会议要求，首先…"""
        if any(a.end <= start for a, _ in self._at(para)):
            return True
        return para > 0 and bool(self._at(para - 1)) and is_lead_in(self.paragraphs[para - 1])

    def block_head(self, para: int, start: int) -> tuple[str | None, str | None, int | None]:
        chosen: tuple[Attribution, str | None] | None = None
        count: int | None = None
        for distance, (index, end, found) in enumerate(self.window(para, start)):
            if chosen is None and found:
                # In the enumeration's own paragraph the nearest attribution counts; a paragraph before it
                # is led by its main speaker (张晓军表示，……).
                chosen = found[-1] if distance == 0 else found[0]
            if count is None:
                count = self.count_before(index, end)
        if chosen is None:
            return None, None, count
        return chosen[1], chosen[0].verb or None, count
