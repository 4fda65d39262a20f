"""The extractors the benchmarks compare: newsspider and the peers (trafilatura, GNE, newspaper4k).

Each is split into ``prepare`` (what a user hands it: bytes for newsspider, decoded text for the peers),
``call`` (the extraction itself, which speed.py times) and ``to_prediction`` (its output mapped onto the
scored fields). A peer that is not installed is left out with a note.
"""

from __future__ import annotations

import contextlib
import logging
import re
import signal
import traceback
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.directive_scoring import PredBlock, PredItem
from benchmarks.evalset import FIELDS, Prediction, decode_html, parse_stamp

PEER_NAMES = ("trafilatura", "gne", "newspaper4k")
ALL_NAMES = ("newsspider", *PEER_NAMES)
# Fields each peer produces at all; none of them has source or editors (the table shows n/a).
PEER_FIELDS = frozenset({"title", "published", "authors", "lead", "tail"})


@dataclass(frozen=True)
class Extractor:
    name: str
    prepare: Callable[[bytes], Any]
    call: Callable[[Any, str], Any]
    to_prediction: Callable[[Any], Prediction]
    supported: frozenset[str] = PEER_FIELDS


def _names(raw: object, pattern: str = r"[;；]") -> list[str]:
    if not raw:
        return []
    if isinstance(raw, str):
        return [part.strip() for part in re.split(pattern, raw) if part.strip()]
    return [str(part).strip() for part in raw if str(part).strip()]  # type: ignore[attr-defined]


def _ours() -> Extractor:
    from newsspider.parsers import parse_article

    def to_prediction(rec: Any) -> Prediction:
        return Prediction(
            title=rec.title,
            published=rec.published_at,
            source=rec.source,
            authors=list(rec.authors),
            editors=list(rec.editors),
            body=rec.text or "\n".join(rec.paragraphs),
        )

    return Extractor(
        "newsspider",
        lambda body: body,
        lambda body, url: parse_article(body, url),
        to_prediction,
        frozenset(FIELDS),
    )


def pred_blocks(record: Any) -> list[PredBlock]:
    """Our record's directive blocks in the scorer's neutral form."""

    def items(raw: list[Any]) -> list[PredItem]:
        return [PredItem(i.marker, i.ordinal, i.text, items(i.children)) for i in raw]

    return [PredBlock(b.speaker, items(b.items)) for b in record.directives]


def _trafilatura() -> Extractor:
    import trafilatura

    def to_prediction(doc: Any) -> Prediction:
        data = (doc.as_dict() if hasattr(doc, "as_dict") else doc) or {}
        return Prediction(
            title=data.get("title"),
            published=data.get("date"),
            authors=_names(data.get("author")),
            body=data.get("text") or "",
            supported=PEER_FIELDS,
        )

    return Extractor(
        "trafilatura",
        decode_html,
        lambda text, url: trafilatura.bare_extraction(text, url=url, with_metadata=True),
        to_prediction,
    )


_CN_STAMP = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?)?"
)


def normalize_peer_date(raw: str | None) -> str | None:
    """A peer's raw date string as ISO 8601 at the precision it shows (GNE returns what the page says)."""
    if not raw or not raw.strip():
        return None
    text = raw.strip()
    if parse_stamp(text) is not None:
        return text
    match = _CN_STAMP.search(text)
    if match is None:
        import dateparser

        found = dateparser.parse(
            text, settings={"TIMEZONE": "Asia/Shanghai", "RETURN_AS_TIMEZONE_AWARE": True}
        )
        return found.isoformat() if found else None
    year, month, day, hour, minute, second = match.groups()
    date = f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
    if hour is None:
        return date
    return f"{date}T{int(hour):02d}:{int(minute):02d}:{int(second or 0):02d}+08:00"


def _gne() -> Extractor:
    from gne import GeneralNewsExtractor

    extractor = GeneralNewsExtractor()

    def to_prediction(out: Any) -> Prediction:
        out = out or {}
        # GNE's author is often the 来源; it is scored where it lands (as authors).
        return Prediction(
            title=out.get("title"),
            published=normalize_peer_date(out.get("publish_time")),
            authors=_names(out.get("author"), r"[;；,，、\s]+"),
            body=out.get("content") or "",
            supported=PEER_FIELDS,
        )

    return Extractor("gne", decode_html, lambda text, url: extractor.extract(text), to_prediction)


def _newspaper4k() -> Extractor:
    import jieba
    from newspaper import Article

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()

    def call(text: str, url: str) -> Any:
        # Without fetch_images=False it downloads images while parsing and stalls offline.
        article = Article(url, language="zh", fetch_images=False)
        article.download(input_html=text)
        article.parse()
        return article

    def to_prediction(article: Any) -> Prediction:
        date = article.publish_date
        return Prediction(
            title=article.title,
            published=date.isoformat() if isinstance(date, datetime) else (str(date) if date else None),
            authors=_names(article.authors),
            body=article.text or "",
            supported=PEER_FIELDS,
        )

    return Extractor("newspaper4k", decode_html, call, to_prediction)


_LOADERS: dict[str, Callable[[], Extractor]] = {
    "newsspider": _ours,
    "trafilatura": _trafilatura,
    "gne": _gne,
    "newspaper4k": _newspaper4k,
}


def load_extractors(names: list[str]) -> tuple[list[Extractor], list[str]]:
    """The extractors that import, and a note for each that does not."""
    warnings.filterwarnings("ignore", module="newspaper")
    loaded, notes = [], []
    for name in names:
        try:
            loaded.append(_LOADERS[name]())
        except ImportError as exc:
            if name == "newsspider":
                raise
            notes.append(f"{name} skipped: not installed ({exc}); pip install -e '.[bench]'")
    return loaded, notes


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeoutError in the block after ``seconds``: a page that hangs an extractor is a failed page."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"took more than {seconds:g}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run(extractor: Extractor, body: bytes, url: str, timeout: float = 30.0) -> tuple[Prediction, Any]:
    """The prediction (``error`` set when it raised or hung) and the raw output (None on error)."""
    try:
        with time_limit(timeout):
            raw = extractor.call(extractor.prepare(body), url)
            return extractor.to_prediction(raw), raw
    except Exception as exc:  # noqa: BLE001 - any failure of an extractor on a page is that page's score
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}"
        error = f"{type(exc).__name__}: {str(exc)[:200]} (at {where})"
        return Prediction(error=error, supported=frozenset(FIELDS)), None
