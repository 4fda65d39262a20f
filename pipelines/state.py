"""The crawl state store: what has been durably written, so the next run fetches only what is new.

Why our own store and not scrapy-deltafetch or JOBDIR: deltafetch marks a request seen as soon as its
callback yields an item, before any pipeline has written it, so a crash between the two loses the record
for good; JOBDIR persists the scheduler queue, not which records reached the disk. Here the seen-mark
for an article is committed only after its record line is fsync'ed (``pipelines.store``), and the
per-file journal lets the next run tell "written but not yet marked" apart from "never written".

Two backends share the :class:`StateStore` protocol: SQLite (default, one file beside the data) and
Redis (shared by distributed workers).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, overload

from redis.exceptions import RedisError
from scrapy.utils.defer import deferred_from_coro

from newsspider import signals as ns_signals

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from scrapy.crawler import Crawler

__all__ = [
    "STORAGE_ERRORS",
    "DeadLink",
    "RemovedEvent",
    "SeenEntry",
    "SharedState",
    "StateError",
    "StateStore",
    "UrlState",
    "open_state",
    "shared_state",
    "state_spec",
    "stop_crawl",
    "taken_down",
    "title_hash",
]

logger = logging.getLogger(__name__)


class StateError(RuntimeError):
    """The state store cannot be opened or read; the message names it and says what to do."""


STORAGE_ERRORS = (OSError, StateError, sqlite3.Error, RedisError)
"""What a failed write or state look-up raises: the disk or folder, or the state store behind it."""

_STORAGE_ERROR_STAT = "newsspider/storage_error"


def stop_crawl(crawler: Crawler, exc: BaseException) -> str:
    """Stop the crawl after the output or the state store failed; returns the error as text.

    Going on would either append behind a torn line or store records whose versions nobody can check;
    stopping loses nothing, since records not durably written are not marked seen and the next run fetches
    them again. The first failure is logged and kept in the stats (the crawl command prints it).
    """
    text = f"{type(exc).__name__}: {exc}"
    stats = crawler.stats
    if stats is not None and stats.get_value(_STORAGE_ERROR_STAT) is None:
        stats.set_value(_STORAGE_ERROR_STAT, text)
        logger.error("cannot write records (%s): stopping the crawl", text)
        try:
            engine = crawler.engine
        except RuntimeError:  # Scrapy 2.19 raises, not None, before the crawl has started
            return text
        if crawler.spider is not None:
            reason = "redis_unavailable" if isinstance(exc, RedisError) else "storage_error"
            # Queued requests would be fetched for records that cannot be written: not sent at all.
            crawler.signals.send_catch_log(signal=ns_signals.stopping, reason=reason)
            deferred_from_coro(engine.close_spider_async(reason=reason))
    return text


@dataclass(frozen=True, kw_only=True)
class SeenEntry:
    """The stored summary of the latest durably written version of one article."""

    url: str
    """canonical_url: the article's identity."""
    content_hash: str
    title_hash: str
    version: int
    published_at: str | None
    last_seen: str
    """ISO 8601 UTC time the article was last fetched (written or found unchanged)."""
    site: str | None = None


@dataclass(frozen=True, kw_only=True)
class RemovedEvent:
    """A previously seen article that now answers 404/410 or redirects to an index page."""

    url: str
    site: str | None
    column: str | None
    status: int
    reason: str
    at: str


@dataclass(frozen=True, kw_only=True)
class DeadLink:
    """A URL never stored that answered 404/410: when it last did, and how many runs in a row it did."""

    status: int
    at: str
    misses: int


@dataclass(frozen=True, kw_only=True)
class UrlState:
    """What the state knows of an article URL before it is fetched, from one look-up."""

    entry: SeenEntry | None
    """The stored article, under this URL or under the one it redirected to (an alias)."""
    dead: DeadLink | None
    """What :meth:`StateStore.mark_gone` recorded, for a URL never stored."""
    refused: str | None
    """Why the URL was last refused on purpose."""


class StateStore(Protocol):
    """What pipelines and the incremental middleware need from the state, whatever the backend."""

    def get(self, url: str) -> SeenEntry | None:
        """The entry stored under this canonical URL, or None."""

    def resolve(self, url: str) -> SeenEntry | None:
        """Like :meth:`get`, also following an alias (a URL that redirected to a stored article)."""

    def url_for_hash(self, content_hash: str) -> str | None:
        """The canonical URL under which this content was first written, or None."""

    def version_basis(self, url: str, content_hash: str) -> tuple[SeenEntry | None, str | None]:
        """:meth:`get` of ``url`` and :meth:`url_for_hash` of ``content_hash`` in one look-up: what the
        version pipeline decides a new record's version on."""

    def commit(self, entries: Sequence[SeenEntry], journal: Mapping[str, int]) -> None:
        """Atomically mark ``entries`` seen and advance the journal offsets of the files they are in."""

    def journal_begin(self, path: str, offset: int) -> None:
        """Note that records after ``offset`` in ``path`` may be written but not yet marked seen."""

    def journal_pending(self) -> dict[str, int]:
        """Every journalled file and its marked-up-to offset."""

    def journal_clear(self, path: str) -> None:
        """Forget the journal of ``path``: everything in it is marked."""

    def touch(self, url: str, when: str) -> None:
        """Record that the article was fetched again, unchanged, at ``when``."""

    def add_alias(self, alias: str, url: str) -> None:
        """``alias`` (a canonical request URL) redirected to the article stored as ``url``."""

    def record_removed(self, event: RemovedEvent) -> None:
        """Store a takedown event; the article's entry is kept."""

    def removed(self) -> list[RemovedEvent]:
        """Every stored takedown event, oldest first."""

    def removed_at(self, url: str) -> str | None:
        """When the latest takedown of the article stored as ``url`` was recorded, or None."""

    def mark_gone(self, url: str, status: int, at: str) -> None:
        """An article never stored answered 404/410 at ``at`` (a dead link on a listing); each call counts
        one more miss."""

    def gone_at(self, url: str) -> str | None:
        """When this never-stored URL last answered 404/410, or None."""

    def dead_link(self, url: str) -> DeadLink | None:
        """What :meth:`mark_gone` recorded for this URL, or None."""

    def mark_refused(self, url: str, reason: str, at: str) -> None:
        """An article request was refused on purpose (``robots.txt``, the request guard's ``refused``)."""

    def refused(self, url: str) -> str | None:
        """Why this URL was last refused on purpose, or None."""

    def look_up(self, url: str) -> UrlState:
        """:meth:`resolve`, :meth:`dead_link` and :meth:`refused` of ``url`` in one look-up: what every
        article row of a listing is decided on. (Three queries or round trips each were the biggest part of
        the state's cost per article, and in a distributed crawl each round trip is a wait of the crawl's
        only thread.)"""

    def clear_refused(self, url: str) -> None:
        """Forget a refusal: the URL was fetched after all (robots.txt or the profile changed)."""

    def get_watermark(self, site: str, column: str) -> str | None:
        """The newest listing date seen in this column, or None."""

    def set_watermark(self, site: str, column: str, value: str) -> None:
        """Store the newest listing date seen in this column."""

    def pagination_complete(self, site: str, column: str) -> bool:
        """Whether the last crawl of this column paginated to its end (so a later run may stop early)."""

    def set_pagination_complete(self, site: str, column: str, complete: bool) -> None:
        """Cleared when a crawl of the column starts, set when its pagination ends."""

    def count(self) -> int:
        """How many articles are marked seen."""

    def close(self) -> None:
        """Release the connection."""


def taken_down(state: StateStore, entry: SeenEntry) -> bool:
    """Whether a takedown of this stored article is on record (a 404, a redirect to an index, a page emptied
    behind an HTTP 200) and it was not seen again since."""
    at = state.removed_at(entry.url)
    if at is None:
        return False
    seen = _utc(entry.last_seen)
    return seen is None or (_utc(at) or seen) >= seen


def _utc(value: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


# Bounded memo: the version pipeline and the store both need the hash of the record passing through.
@functools.lru_cache(maxsize=256)
def title_hash(title: str) -> str:
    """A short fingerprint of a title (whitespace and width insensitive), to tell title edits apart."""
    from newsspider.textnorm import normalize_for_hash

    return hashlib.sha256(normalize_for_hash(title).encode("utf-8")).hexdigest()[:16]


def state_spec(setting: str, data_dir: Path) -> str:
    """The effective state spec: the setting, or ``<data dir>/state.sqlite`` when it is empty."""
    return setting or str(data_dir / "state.sqlite")


def open_state(spec: str, data_dir: Path | str) -> StateStore:
    """Open the state store named by ``spec``: a ``redis://``/``rediss://``/``unix://`` URL, a path to
    an SQLite file, or "" for ``<data_dir>/state.sqlite``."""
    if spec.startswith(("redis://", "rediss://", "unix://")):
        from pipelines.state_redis import RedisStateStore

        return RedisStateStore.from_url(spec)
    from pipelines.state_sqlite import SqliteStateStore

    return SqliteStateStore(Path(state_spec(spec, Path(data_dir))))


_CRAWLER_ATTR = "_newsspider_state"


def shared_state(crawler: Crawler) -> StateStore:
    """The one state store of this crawler, opened on first use and closed when the spider closes.

    Kept on the crawler (not in a module global) so the middleware and the pipelines of one crawl see
    the same connection, and two crawlers in one process never share one.
    """
    existing: StateStore | None = getattr(crawler, _CRAWLER_ATTR, None)
    if existing is not None:
        return existing
    from scrapy import signals

    settings = crawler.settings
    store = open_state(
        settings.get("NEWSSPIDER_STATE", ""), Path(settings.get("NEWSSPIDER_DATA_DIR", "data"))
    )
    setattr(crawler, _CRAWLER_ATTR, store)

    def _close() -> None:
        store.close()
        setattr(crawler, _CRAWLER_ATTR, None)

    # engine_stopped comes after every pipeline's close_spider and every spider_closed receiver, so the
    # last commit and the middleware's end-of-run marks happen first.
    crawler.signals.connect(_close, signal=signals.engine_stopped, weak=False)
    return store


class _HasCrawler(Protocol):
    @property
    def crawler(self) -> Crawler: ...


class SharedState:
    """``state = SharedState()`` in a component's class body: ``self.state`` is :func:`shared_state` of
    ``self.crawler``, so the middleware and the pipelines each get their crawler's one store, opened on
    first use, without a property of their own."""

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> SharedState: ...

    @overload
    def __get__(self, instance: _HasCrawler, owner: type[Any] | None = None) -> StateStore: ...

    def __get__(
        self, instance: _HasCrawler | None, owner: type[Any] | None = None
    ) -> SharedState | StateStore:
        if instance is None:
            return self
        return shared_state(instance.crawler)
