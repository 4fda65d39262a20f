"""Structured directives: enumerations of points in the body, with who announced them (issue 3).

The scan has two steps. ``directive_markers`` finds marker *candidates* in every paragraph; here a stack walk
(like an outline parser) turns them into *runs*: a candidate continues an open run of its family when its
ordinal follows, or opens a new run nested in the current item. Runs of one item (a lone 一是, a single ●)
are not structure; the walk is repeated without them until nothing changes, so a dropped candidate never
splits an item's text.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from newsspider.items import DirectiveBlock, DirectiveItem
from newsspider.parsers.directive_markers import STRICT_BULLETS, Marker, find_markers, is_heading_like
from newsspider.parsers.directive_speakers import SpeakerIndex

__all__ = ["extract_directives"]

# A sentence-style run (一是…。二是…。) may have unnumbered paragraphs between items, but not many.
_MAX_SENTENCE_GAP = 8
_HEADING_MAX = 20
_SENTENCE_STOPS = "。！？!?；;："
_PROSE_MIN = 80
_TITLE_LIST_MIN = 6
_PEER_FAMILIES = ("di:", "cn-", "qi", "seq")
# Related-news lines end with a cut title or a (04-19) date; reference lists with [引用日期…].
_LINK_LINE = re.compile(
    r"(?:\.{3}|…)\s*(?:[（(][^）)]*[）)])?$"
    r"|[（(\[]\s*(?:\d{4}[-/.])?\d{1,2}[-/.]\d{1,2}[^（(）)\]]{0,16}[）)\]]\s*$"
    r"|\[(?:引用|访问|检索)日期[^\]]*\]\s*$"
)


@dataclass(eq=False)
class _Item:
    marker: Marker
    segment: str
    extra: list[str] = field(default_factory=list)
    children: list[_Run] = field(default_factory=list)
    last_para: int = 0

    @property
    def own_text(self) -> str:
        """The item's words after its marker, in its own paragraph."""
        return self.segment[self.marker.end - self.marker.start :].strip()

    @property
    def heading_like(self) -> bool:
        return is_heading_like(self.own_text)


@dataclass(eq=False)
class _Run:
    family: str
    items: list[_Item] = field(default_factory=list)
    top_level: bool = True
    resumed: bool = False


def _continues(run: _Run, item: _Item, marker: Marker) -> bool:
    """Whether an ordinal marker is the next point of ``run`` (whose last item is ``item``)."""
    last = item.marker
    if last.ordinal is None or marker.ordinal is None:
        return False
    if marker.family == "seq":
        follows = marker.ordinal in (0, last.ordinal + 1) and last.ordinal != 0
    else:
        # Writers repeat or skip a number now and then (1,2,3,3 / 一、三、); only block outlines get that slack.
        slack = not marker.inline and (len(run.items) >= 2 or (item.heading_like and not last.inline))
        follows = marker.ordinal == last.ordinal + 1 or (
            slack and marker.ordinal in (last.ordinal, last.ordinal + 2)
        )
    gap = marker.para - item.last_para - 1
    return follows and (item.heading_like or gap <= _MAX_SENTENCE_GAP)


class _Walk:
    """One pass of the stack walk over the paragraphs with a given set of allowed candidates."""

    def __init__(self, paragraphs: list[str], markers: list[list[Marker]]) -> None:
        self.paragraphs = paragraphs
        self.markers = markers
        self.roots: list[_Run] = []
        self.stack: list[_Run] = []
        self.pending: list[str] = []
        # The last run of each family that was closed: statutes number 第七条 on from the previous chapter.
        self.closed: dict[str, _Run] = {}

    def text_after(self, marker: Marker) -> str:
        text = self.paragraphs[marker.para]
        following = [m.start for m in self.markers[marker.para] if m.start > marker.start]
        return text[marker.end : following[0] if following else len(text)].strip()

    def run(self) -> list[_Run]:
        for index, text in enumerate(self.paragraphs):
            markers = self.markers[index]
            if not markers:
                self.pending.append(text)
                continue
            if markers[0].start > 0 and text[: markers[0].start].strip():
                self.pending.append(text[: markers[0].start].strip())
            for position, marker in enumerate(markers):
                end = markers[position + 1].start if position + 1 < len(markers) else len(text)
                self._place(marker, text[marker.start : end].strip())
        self._close_top()
        return self.roots

    def _top_item(self) -> _Item | None:
        return self.stack[-1].items[-1] if self.stack else None

    def _commit_pending(self) -> None:
        top = self._top_item()
        if top is not None and self.pending:
            top.extra.extend(self.pending)
        self.pending = []

    def _pop(self) -> None:
        self._close_top()
        run = self.stack.pop()
        self.closed[run.family] = run

    def _close_top(self) -> None:
        top = self._top_item()
        if top is not None and (top.heading_like or not top.own_text):
            self._commit_pending()
        self.pending = []

    def _touch(self, para: int) -> None:
        for run in self.stack:
            run.items[-1].last_para = max(run.items[-1].last_para, para)

    def _place(self, marker: Marker, segment: str) -> None:
        item = _Item(marker, segment, last_para=marker.para)
        for depth in range(len(self.stack) - 1, -1, -1):
            run = self.stack[depth]
            if run.family == marker.family and self._follows(run, marker):
                if depth == len(self.stack) - 1 or self.pending:
                    self._commit_pending()
                while len(self.stack) > depth + 1:
                    self._pop()
                run.items.append(item)
                self._touch(marker.para)
                return
        previous = self.closed.get(marker.family)
        resumed = (
            previous is not None
            and not marker.bullet
            and previous.items[-1].marker.ordinal == (marker.ordinal or 0) - 1
            and _valid(previous)
        )
        if not resumed and not self._can_start(marker):
            self.pending.append(segment)
            return
        # A family never nests inside itself: a second 第一章 starts a new outline beside the first (a 目录
        # followed by the body), not inside its last chapter.
        same = [depth for depth, run in enumerate(self.stack) if run.family == marker.family]
        if same:
            while len(self.stack) > same[0]:
                self._pop()
        while self.stack and self._closes(self.stack[-1].items[-1], marker):
            self._pop()
        new = _Run(marker.family, [item], top_level=not self.stack, resumed=resumed)
        if self.stack:
            self._commit_pending()
            self.stack[-1].items[-1].children.append(new)
        else:
            self.pending = []
            self.roots.append(new)
        self.stack.append(new)
        self._touch(marker.para)

    def _follows(self, run: _Run, marker: Marker) -> bool:
        last = run.items[-1]
        if not marker.bullet:
            return _continues(run, last, marker)
        gap = marker.para - last.last_para - 1
        if marker.token in STRICT_BULLETS:
            return gap == 0
        # Bullet sub-headings (● 播客热潮迅速蔓延) may have body paragraphs between them; bullet sentences not.
        return gap <= 0 or (last.heading_like and is_heading_like(self.text_after(marker)))

    @staticmethod
    def _can_start(marker: Marker) -> bool:
        if marker.bullet:
            return True
        if marker.family == "seq":
            return marker.ordinal == 1
        assert marker.ordinal is not None
        return marker.ordinal == 1 or (not marker.inline and marker.ordinal == 2)

    def _closes(self, top: _Item, marker: Marker) -> bool:
        """Whether a new run at ``marker`` lies outside the current item (so the item's run ends)."""
        gap = marker.para - top.last_para - 1
        if top.heading_like:
            # A section heading holds what follows it; an entry of a compact list (one line per item,
            # nothing between them) does not hold a run that starts after unnumbered lines.
            return gap > 0 and not _sectioned(self.stack[-1], self.pending)
        if marker.para == top.marker.para:
            return False
        if marker.family.startswith(_PEER_FAMILIES):
            # 一是/第一/一、 lists are points of their own, not sub-points of the sentence before them.
            return True
        # Bullets right under a point (一要…。 then ● …) belong to it; a run that starts inside a later
        # paragraph, or after unnumbered paragraphs, is a new enumeration.
        return gap > 0


def _sectioned(run: _Run, pending: list[str]) -> bool:
    """Whether the run's items head sections of prose (a 一、 outline), not entries of a list or programme."""
    if len(run.items) == 1:
        return True  # a lone heading so far: what follows it is its content until shown otherwise
    texts = [text for item in run.items for text in item.extra] + pending
    return any(item.children for item in run.items) or any(_prose(text) for text in texts)


def _prose(text: str) -> bool:
    return len(text) > _PROSE_MIN or any(ch in text for ch in "。！？!?")


def _link_like(item: _Item) -> bool:
    """A related-news or ad line: a truncated title, a (04-19) date, or another bullet inside."""
    text = item.own_text
    return bool(_LINK_LINE.search(text)) or any(symbol in text for symbol in ("·", "★", "●", "■"))


def _valid(run: _Run) -> bool:
    if len(run.items) < 2 and not run.resumed:
        return False
    # Markers with nothing after them and nothing before the next one are pagination, not points.
    empty = sum(1 for item in run.items if not item.own_text and not item.extra and not item.children)
    links = sum(1 for item in run.items if _link_like(item))
    return empty * 2 < len(run.items) and links * 2 < len(run.items) and not _title_list(run)


def _title_list(run: _Run) -> bool:
    """A long run of bare titles, one per line with nothing under them: a link list, menu or track list."""
    # Inside an outline (a 目录's sections) such runs are headings; the last title may have the page's
    # remaining lines attached.
    return (
        run.top_level
        and len(run.items) >= _TITLE_LIST_MIN
        and all(item.heading_like and not item.children for item in run.items)
        and not any(item.extra for item in run.items[:-1])
    )


def _accepted(runs: list[_Run], keep: set[tuple[int, int]], *, bullets_only: bool) -> None:
    """Collect the markers to keep; with ``bullets_only`` only stray bullets are dropped.

    A stray bullet (——习近平 under a chapter title) can swallow and break the outline that follows it,
    so the first narrowing drops only those and walks again before judging the numbered runs.
    """
    for run in runs:
        valid = _valid(run) and (run.family != "seq" or run.top_level)
        drop = not valid and (not bullets_only or run.items[0].marker.bullet)
        for item in run.items:
            if not drop:
                keep.add((item.marker.para, item.marker.start))
            _accepted(item.children, keep, bullets_only=bullets_only)


def _heading(item: _Item) -> str | None:
    own = item.own_text
    if not own:
        return item.extra[0].strip() if item.extra and is_heading_like(item.extra[0]) else None
    if is_heading_like(own):
        return own.rstrip("：:，,、；;") or None  # a title line: 一、只争朝夕，奋力推动高质量发展
    cut = min((own.find(ch) for ch in _SENTENCE_STOPS if ch in own), default=len(own))
    first = own[:cut].strip()
    # A point opens with a short sentence of its own (一要丝毫不松抓防控。); a clause cut at a comma is not one.
    if 0 < len(first) <= _HEADING_MAX and "，" not in first and "," not in first:
        return first
    return None


def _common_prefix(first: str, second: str) -> int:
    length = 0
    while length < min(len(first), len(second)) and first[length] == second[length]:
        length += 1
    return length


def _settle_counters(run: _Run) -> None:
    """Give 第N-counter markers found without punctuation (第一须知…, 第五劝…) the counter their neighbours share."""
    for item in run.items:
        for child in item.children:
            _settle_counters(child)
    if run.family != "di~":
        return
    tails = [item.marker.token for item in run.items]
    numbers = [re.match(r"第[一二三四五六七八九十\d]+", tail) for tail in tails]
    counters = [tail[number.end() :] if number else "" for tail, number in zip(tails, numbers, strict=True)]
    for index, item in enumerate(run.items):
        number = numbers[index]
        if number is None:
            continue
        shared = max(
            (
                _common_prefix(counters[index], counters[other])
                for other in (index - 1, index + 1)
                if 0 <= other < len(run.items)
            ),
            default=0,
        )
        length = number.end() + max(shared, 1)
        item.marker = dataclasses.replace(
            item.marker, token=tails[index][:length], end=item.marker.start + length
        )


def _to_item(item: _Item) -> DirectiveItem:
    segment = item.segment
    if item.marker.bullet:
        segment = segment[item.marker.end - item.marker.start :].strip()
    children = [_to_item(child) for run in item.children if _valid(run) for child in run.items]
    text = "\n".join([segment, *item.extra]).strip()
    # A bullet whose whole line is an inline enumeration (● （一）…（二）…) has no text before its first
    # child: its text is then what its children say.
    return DirectiveItem(
        marker=item.marker.token,
        ordinal=item.marker.ordinal if item.marker.family != "seq" else None,
        heading=_heading(item) or None,
        text=text or "".join(child.text for child in children),
        children=children,
    )


def _seq_ordinals(items: list[DirectiveItem], run: _Run) -> None:
    """首先/其次/最后 express their place in the run, not a number of their own."""
    for number, (item, raw) in enumerate(zip(items, run.items, strict=True), start=1):
        if raw.marker.family == "seq":
            item.ordinal = number


def _attributed_sequences(candidates: list[list[Marker]], speakers: SpeakerIndex) -> list[list[Marker]]:
    """Drop 首先/其次/最后 unless a speaker's statement opens them.

    Free-standing 首先…其次 is the writer's own rhetoric, not a list of points; after 会议强调 or 他要求 it
    is how a directive is enumerated.
    """
    opened_at: int | None = None
    kept: list[list[Marker]] = []
    for para, found in enumerate(candidates):
        row: list[Marker] = []
        for marker in found:
            if marker.family != "seq":
                row.append(marker)
            elif marker.ordinal == 1 and speakers.introduces(para, marker.start):
                opened_at = para
                row.append(marker)
            elif marker.ordinal != 1 and opened_at is not None and para - opened_at <= _MAX_SENTENCE_GAP:
                row.append(marker)
        kept.append(row)
    return kept


def extract_directives(paragraphs: list[str]) -> tuple[list[DirectiveBlock], list[str]]:
    """Directive blocks found in the cleaned body paragraphs, and warnings."""
    found = [find_markers(index, text) for index, text in enumerate(paragraphs)]
    if not any(found):
        return [], []  # most pages: no marker, so no block, and no need to find who spoke
    speakers = SpeakerIndex(paragraphs)
    candidates = _attributed_sequences(found, speakers)
    roots: list[_Run] = []
    for attempt in range(5):
        roots = _Walk(paragraphs, candidates).run()
        keep: set[tuple[int, int]] = set()
        _accepted(roots, keep, bullets_only=attempt == 0)
        narrowed = [[m for m in found if (m.para, m.start) in keep] for found in candidates]
        if narrowed == candidates and attempt > 0:
            break
        candidates = narrowed
    blocks: list[DirectiveBlock] = []
    warnings: list[str] = []
    for run in roots:
        if not _valid(run):
            continue
        first = run.items[0].marker
        speaker, verb, count = speakers.block_head(first.para, first.start)
        if run.family == "seq" and verb is None:
            continue
        _settle_counters(run)
        items = [_to_item(item) for item in run.items]
        _seq_ordinals(items, run)
        blocks.append(DirectiveBlock(speaker=speaker, verb=verb, declared_count=count, items=items))
        if count is not None and count != len(items):
            warnings.append(f"directive_count_mismatch: declared {count}, found {len(items)}")
    return blocks, warnings
