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
    """The page's URL from the label, or a placeholder where the page does not show its own."""
    title: str | None
    published: str | None
    source: str | None
    authors: tuple[str, ...]
    editors: tuple[str, ...]
    lead: str
    tail: str
    skip: frozenset[str]
    """Fields the label marks ambiguous: not scored on this page."""


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
                url=rec["url"] or PLACEHOLDER_URL.format(key=page_key(rec)),
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
