"""The labelled pages in ``../shared/eval`` and the scoring rules of its README, in one place.

The pages are third-party content: they are read in place and never copied into the repository. The scoring
functions are pure and are the contract both benchmarks and the unit tests rely on, so numbers compare across
runs and across extractors. They deliberately share no code with the parser.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from w3lib.encoding import html_body_declared_encoding, resolve_encoding

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EVAL_DIR = REPO_ROOT.parent / "shared" / "eval"
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
FIELDS = ("title", "published", "source", "authors", "editors", "lead", "tail")
BEIJING = timezone(timedelta(hours=8))
# Pages without a gold line still need a URL for the parser; .invalid can never resolve to a real site.
PLACEHOLDER_URL = "https://eval.invalid/{key}"


def find_eval_dir(override: Path | None = None) -> Path | None:
    """The evaluation folder, or None when it is absent (benchmarks then skip)."""
    path = override or DEFAULT_EVAL_DIR
    return path if (path / "gold.jsonl").is_file() else None


# ---------------------------------------------------------------- labels


@dataclass(frozen=True)
class GoldPage:
    """One labelled article page of gold.jsonl."""

    key: str
    url: str
    title: str | None
    published: str | None
    source: str | None
    authors: tuple[str, ...]
    editors: tuple[str, ...]
    lead: str
    tail: str
    skip: frozenset[str]
    """Fields the label marks ambiguous: not scored on this page."""


@dataclass(frozen=True)
class GoldItem:
    marker: str
    ordinal: int | None
    head: str
    children: tuple[GoldItem, ...] = ()


@dataclass(frozen=True)
class GoldBlock:
    speaker: str | None
    items: tuple[GoldItem, ...]


def ambiguous_fields(ambiguous: bool, notes: str) -> frozenset[str]:
    """Fields named by a leading ``Ambiguous: f1, f2.`` note; an ambiguous page naming none skips none."""
    match = re.match(r"\s*Ambiguous:\s*([^.]*)\.", notes or "")
    if not ambiguous or match is None:
        return frozenset()
    return frozenset(name.strip() for name in match.group(1).split(",") if name.strip() in FIELDS)


def page_key(record: dict[str, Any]) -> str:
    return f"{record['set']}/{record['file']}"


def load_gold(eval_dir: Path) -> list[GoldPage]:
    pages = []
    for line in (eval_dir / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        pages.append(
            GoldPage(
                key=page_key(rec),
                url=rec["url"],
                title=rec["title"],
                published=rec["published"],
                source=rec["source"],
                authors=tuple(rec["authors"]),
                editors=tuple(rec["editors"]),
                lead=rec["lead"],
                tail=rec["tail"],
                skip=ambiguous_fields(bool(rec.get("ambiguous")), rec.get("notes") or ""),
            )
        )
    return pages


def _gold_items(raw: list[dict[str, Any]]) -> tuple[GoldItem, ...]:
    return tuple(
        GoldItem(
            marker=item["marker"],
            ordinal=item["ordinal"],
            head=item["head"],
            children=_gold_items(item.get("children") or []),
        )
        for item in raw
    )


def load_directives(eval_dir: Path) -> dict[str, list[GoldBlock]]:
    """Gold directive blocks by page key; pages.txt pages missing here are negatives."""
    out: dict[str, list[GoldBlock]] = {}
    for line in (eval_dir / "directives.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            out[page_key(rec)] = [
                GoldBlock(speaker=s["speaker"], items=_gold_items(s["items"])) for s in rec["structures"]
            ]
    return out


def load_page_list(eval_dir: Path) -> list[str]:
    lines = (eval_dir / "pages.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip()]


def read_page(eval_dir: Path, key: str) -> bytes:
    return (eval_dir / "pages" / key).read_bytes()


def decode_html(body: bytes) -> str:
    """Decode page bytes the way a careful user would before handing text to a peer extractor.

    Valid UTF-8 wins even when the page declares gb2312 (pages saved from a browser often do); then the
    declared charset (gb2312/gbk widened to gb18030 by w3lib); then gb18030, the usual undeclared encoding here.
    """
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = html_body_declared_encoding(body)
    resolved = resolve_encoding(declared) if declared else None
    try:
        return body.decode(resolved or "gb18030")
    except (UnicodeDecodeError, LookupError):
        return body.decode("gb18030", errors="replace")


# ---------------------------------------------------------------- predictions


@dataclass
class Prediction:
    """What one extractor produced for a page, mapped onto the scored fields."""

    title: str | None = None
    published: str | None = None
    source: str | None = None
    authors: list[str] = field(default_factory=list)
    editors: list[str] = field(default_factory=list)
    body: str = ""
    supported: frozenset[str] = frozenset(FIELDS)
    """Fields this extractor produces at all; the others always score wrong (shown as n/a)."""
    error: str | None = None
    """Set when the extractor raised: every field then scores wrong."""


@dataclass
class PredItem:
    marker: str
    ordinal: int | None
    text: str
    children: list[PredItem] = field(default_factory=list)


@dataclass
class PredBlock:
    speaker: str | None
    items: list[PredItem] = field(default_factory=list)


# ---------------------------------------------------------------- field scoring


def normalize(text: str | None) -> str:
    """Unicode NFKC, then every whitespace character deleted."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def score_text(label: str | None, got: str | None) -> bool:
    """title, source: normalized equality; a null label is matched only by null or empty."""
    if label is None:
        return normalize(got) == ""
    return got is not None and normalize(got) == normalize(label)


def score_names(label: list[str] | tuple[str, ...], got: list[str] | tuple[str, ...]) -> bool:
    """authors, editors: equality of the sets of normalized names."""
    return {normalize(n) for n in label} - {""} == {normalize(n) for n in got} - {""}


def score_lead(label: str, body: str) -> bool:
    """The label's first 15 normalized characters lie within the body's first 40."""
    head = normalize(label)[:15]
    return bool(head) and head in normalize(body)[:40]


def score_tail(label: str, body: str) -> bool:
    """The label's last 15 normalized characters lie within the body's last 40."""
    end = normalize(label)[-15:]
    return bool(end) and end in normalize(body)[-40:]


@dataclass(frozen=True)
class Stamp:
    """A timestamp at the precision it was written; month/day/hour None where not written."""

    year: int
    month: int | None
    day: int | None
    hour: int | None = None
    minute: int | None = None
    second: int | None = None


_STAMP = re.compile(
    r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)


def parse_stamp(value: str) -> Stamp | None:
    """An ISO 8601 value as the record writes it, moved to Beijing time when it has a time and an offset.

    A value without an offset is taken as Beijing wall time (the record's convention for Chinese pages).
    """
    match = _STAMP.match(value.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    if hour is None:
        return Stamp(int(year), int(month) if month else None, int(day) if day else None)
    moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    if offset:
        tz = UTC if offset == "Z" else datetime.strptime(offset.replace(":", ""), "%z").tzinfo
        moment = moment.replace(tzinfo=tz).astimezone(BEIJING)
    return Stamp(
        moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second if second else None
    )


def score_published(label: str | None, got: str | None) -> bool:
    """Same date (or month) in +08:00; where the label has a time, same hour:minute (and second if not :00)."""
    if label is None:
        return not got
    want = parse_stamp(label)
    have = parse_stamp(got) if got else None
    if want is None or have is None or (want.year, want.month) != (have.year, have.month):
        return False
    if want.day is not None and have.day != want.day:
        return False
    if want.hour is not None and (have.hour, have.minute) != (want.hour, want.minute):
        return False
    return not want.second or have.second == want.second


def score_field(page: GoldPage, name: str, pred: Prediction) -> bool:
    """Whether ``pred`` gets field ``name`` of ``page`` right (call only for fields not in ``page.skip``)."""
    if pred.error is not None or name not in pred.supported:
        return False
    if name == "title":
        return score_text(page.title, pred.title)
    if name == "source":
        return score_text(page.source, pred.source)
    if name == "published":
        return score_published(page.published, pred.published)
    if name == "authors":
        return score_names(page.authors, pred.authors)
    if name == "editors":
        return score_names(page.editors, pred.editors)
    if name == "lead":
        return score_lead(page.lead, pred.body)
    if name == "tail":
        return score_tail(page.tail, pred.body)
    raise ValueError(f"unknown field {name!r}")


def shown(page: GoldPage, name: str, pred: Prediction) -> tuple[object, object]:
    """(expected, got) for failure reports: lead/tail show the body's corresponding window."""
    body = normalize(pred.body)
    got: dict[str, object] = {
        "title": pred.title,
        "published": pred.published,
        "source": pred.source,
        "authors": pred.authors,
        "editors": pred.editors,
        "lead": body[:40],
        "tail": body[-40:],
    }
    want: dict[str, object] = {
        "title": page.title,
        "published": page.published,
        "source": page.source,
        "authors": list(page.authors),
        "editors": list(page.editors),
        "lead": normalize(page.lead)[:15],
        "tail": normalize(page.tail)[-15:],
    }
    return want[name], (f"ERROR {pred.error}" if pred.error else got[name])


# ---------------------------------------------------------------- directive scoring

# Separators a writer may put between a marker and the item text (一是，… / 1、…); they are not the head.
_AFTER_MARKER = "，,、:：.．"


def item_matches(gold: GoldItem, pred: PredItem) -> bool:
    """Ordinal (or bullet marker) agrees and the gold head's first 8 characters open the item's text."""
    if gold.ordinal is not None:
        if pred.ordinal != gold.ordinal:
            return False
    elif pred.ordinal is not None or normalize(pred.marker) != normalize(gold.marker):
        return False
    text, marker = normalize(pred.text), normalize(pred.marker)
    if marker and text.startswith(marker):
        text = text[len(marker) :]
    head = normalize(gold.head)[:8].lstrip(_AFTER_MARKER)
    return text.lstrip(_AFTER_MARKER).startswith(head)


def _flatten_gold(items: tuple[GoldItem, ...], block: int, depth: int = 0) -> list[tuple[int, int, GoldItem]]:
    out = []
    for item in items:
        out.append((depth, block, item))
        out.extend(_flatten_gold(item.children, block, depth + 1))
    return out


def _flatten_pred(items: list[PredItem], block: int, depth: int = 0) -> list[tuple[int, int, PredItem]]:
    out = []
    for item in items:
        out.append((depth, block, item))
        out.extend(_flatten_pred(item.children, block, depth + 1))
    return out


@dataclass
class PageDirectives:
    """Directive scoring of one page."""

    gold_items: int = 0
    pred_items: int = 0
    matched: int = 0
    pred_blocks: int = 0
    negative: bool = False
    speakers: list[tuple[str | None, str | None, bool]] = field(default_factory=list)
    """(gold speaker, our speaker, equal) for each gold block that shares a matched item with one of ours."""
    missed: list[str] = field(default_factory=list)
    spurious: list[str] = field(default_factory=list)


def _describe(depth: int, marker: str, text: str) -> str:
    return f"{'  ' * depth}[{depth}] {marker} {normalize(text)[:24]}"


def score_directives(gold: list[GoldBlock], pred: list[PredBlock]) -> PageDirectives:
    """Greedy one-to-one item matching in document order, at the same depth."""
    gold_flat = [g for i, block in enumerate(gold) for g in _flatten_gold(block.items, i)]
    pred_flat = [p for i, block in enumerate(pred) for p in _flatten_pred(block.items, i)]
    result = PageDirectives(
        gold_items=len(gold_flat), pred_items=len(pred_flat), pred_blocks=len(pred), negative=not gold
    )
    taken: set[int] = set()
    votes: dict[int, dict[int, int]] = {}
    for depth, gold_block, gold_item in gold_flat:
        hit = next(
            (
                j
                for j, (p_depth, _, p_item) in enumerate(pred_flat)
                if j not in taken and p_depth == depth and item_matches(gold_item, p_item)
            ),
            None,
        )
        if hit is None:
            result.missed.append(_describe(depth, gold_item.marker, gold_item.head))
            continue
        taken.add(hit)
        result.matched += 1
        block_votes = votes.setdefault(gold_block, {})
        block_votes[pred_flat[hit][1]] = block_votes.get(pred_flat[hit][1], 0) + 1
    result.spurious = [
        _describe(d, item.marker, item.text) for j, (d, _, item) in enumerate(pred_flat) if j not in taken
    ]
    for gold_block, block_votes in sorted(votes.items()):
        best = max(block_votes, key=lambda b: (block_votes[b], -b))
        want, got = gold[gold_block].speaker, pred[best].speaker
        result.speakers.append((want, got, normalize(want) == normalize(got)))
    return result


@dataclass
class DirectiveTotals:
    pages: int = 0
    negatives: int = 0
    gold_items: int = 0
    pred_items: int = 0
    matched: int = 0
    speaker_blocks: int = 0
    speaker_correct: int = 0
    false_blocks: int = 0

    def add(self, page: PageDirectives) -> None:
        self.pages += 1
        self.negatives += page.negative
        self.gold_items += page.gold_items
        self.pred_items += page.pred_items
        self.matched += page.matched
        self.speaker_blocks += len(page.speakers)
        self.speaker_correct += sum(ok for _, _, ok in page.speakers)
        self.false_blocks += page.pred_blocks if page.negative else 0

    @property
    def precision(self) -> float:
        return self.matched / self.pred_items if self.pred_items else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold_items if self.gold_items else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def speaker_accuracy(self) -> float:
        return self.speaker_correct / self.speaker_blocks if self.speaker_blocks else 0.0
