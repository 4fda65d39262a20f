"""Incremental crawling: skip articles already stored, stop paginating at the first page with nothing new,
and record takedowns of articles re-fetched with ``NEWSSPIDER_REFRESH_DAYS`` (each takedown once).

A spider middleware (not a downloader one) because it must see a listing's whole output: which article
requests it yielded, whether any was new, and the next-page request to drop when none was. It reads the
request meta documented in docs/architecture.md (``ns_kind``, ``ns_site``, ``ns_column``,
``ns_listing_date``).
"""

from __future__ import annotations

import logging
import re
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter, is_item
from scrapy import Request
from scrapy import signals as scrapy_signals
from scrapy.spidermiddlewares.httperror import HttpError

from newsspider import signals
from newsspider.middlewares.column_progress import ColumnProgress
from newsspider.middlewares.responses import (
    alias_source,
    is_index_url,
    meta_of,
    original_url,
    request_key,
    response_key,
)
from newsspider.urls import canonical_url
from pipelines.state import RemovedEvent, SharedState, StateError, taken_down
from pipelines.store import record_removal

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from pipelines.state import DeadLink, SeenEntry, UrlState

__all__ = ["GONE_META", "REFUSED_META", "TAKEN_DOWN_META", "IncrementalMiddleware", "gone_again"]

logger = logging.getLogger(__name__)

_BEIJING = timezone(timedelta(hours=8))
_GONE = frozenset({404, 410})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_GONE_MAX_WAIT = timedelta(days=30)
# Skip reasons of a request refused on purpose that the next run would refuse again (the spider's
# failures.ignore_reason); not a challenge or a shutdown, which pass.
_REFUSED_ON_PURPOSE = frozenset({"robots.txt", "refused", "too-large", "redirect-loop"})

GONE_META = "ns_gone"
"""Request meta on the retry of a dead link (a URL never stored that answered 404/410): when it last did."""
REFUSED_META = "ns_refused_before"
"""Request meta on an article request whose URL was refused on purpose by an earlier run."""
TAKEN_DOWN_META = "ns_taken_down"
"""Request meta on the refresh of a stored article whose takedown is on record."""


def gone_again(failure: Failure) -> str | None:
    """The skip reason of a failed article request that answers 404/410 once more where that is known
    already: ``gone`` for a dead link's retry, ``removed`` for a taken-down article's refresh; else None.
    The spider counts these skipped, not failed: they were reported the first time, and a daily run must
    not exit 1 for them."""
    error = failure.value
    request = getattr(failure, "request", None)
    if not (isinstance(error, HttpError) and error.response is not None and error.response.status in _GONE):
        return None
    meta = request.meta if request is not None else {}
    return "gone" if meta.get(GONE_META) else "removed" if meta.get(TAKEN_DOWN_META) else None


def _published(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=_BEIJING)


class _ListingFilter:
    """The filter over one response's output; fed object by object, then finished."""

    def __init__(self, mw: IncrementalMiddleware, response: Response) -> None:
        self.mw = mw
        self.meta = meta_of(response)
        self.is_listing = self.meta.get("ns_kind") == "listing"
        self.articles = 0
        self.wanted = 0
        self.newest: str | None = None
        self.held: list[Request] = []
        self.drop_items = mw.check_removed(response)
        if self.meta.get(REFUSED_META):
            mw.fetched_after_refusal(response)
        self.alias = alias_source(response)
        self.column_key = (str(self.meta.get("ns_site")), str(self.meta.get("ns_column")))
        if self.is_listing:
            mw.progress.start(self.column_key)
        if self.meta.get("ns_kind"):
            mw.progress.answered(response_key(response))

    def feed(self, obj: Any) -> Iterator[Any]:
        if isinstance(obj, Request):
            kind = obj.meta.get("ns_kind")
            if kind == "article":
                if self._want_article(obj):
                    yield obj
                return
            if self.is_listing and kind == "listing" and self._same_column(obj):
                self.held.append(obj)  # decided once the whole page is seen
                return
            yield obj
            return
        if is_item(obj):
            if self.drop_items:
                return
            if self.alias:
                self.mw.note_alias(self.alias, obj)
        yield obj

    def finish(self) -> Iterator[Request]:
        site, column = self.meta.get("ns_site"), self.meta.get("ns_column")
        if self.newest and site and column:
            current = self.mw.state.get_watermark(site, column)
            if current is None or self.newest > current:
                self.mw.state.set_watermark(site, column, self.newest)
        if not self.is_listing:
            yield from self.held
            return
        stop = bool(self.held and self.articles and not self.wanted and self.mw.stop_on_seen)
        if stop and self.mw.progress.was_complete(self.column_key):
            logger.info("%s %s: page %s brought nothing new, not paginating further", site, column,
                        self.meta.get("ns_page"))  # fmt: skip
            self.mw.inc("newsspider/incremental/pagination_stopped")
            self.held = []
        for request in self.held:
            self.mw.progress.sent(self.column_key, request_key(request))
        yield from self.held

    def _same_column(self, request: Request) -> bool:
        return bool(
            request.meta.get("ns_site") == self.meta.get("ns_site")
            and request.meta.get("ns_column") == self.meta.get("ns_column")
        )

    def _want_article(self, request: Request) -> bool:
        self.articles += 1
        date = request.meta.get("ns_listing_date")
        if (
            isinstance(date, str)
            and _ISO_DATE.match(date)
            and (self.newest is None or date[:10] > self.newest)
        ):
            self.newest = date[:10]
        url = canonical_url(request.url)
        known = self.mw.state.look_up(url)
        entry = known.entry
        if entry is None:
            return self._want_unstored(request, url, known)
        if self.mw.within_refresh(entry):
            # A takedown on record does not stop the refresh: sites answer 404 for a day in a redesign, and
            # only a fetch can see the article back (check_removed records each takedown once).
            if taken_down(self.mw.state, entry):
                request.meta[TAKEN_DOWN_META] = True
            self.wanted += 1
            self.mw.inc("newsspider/incremental/refetched")
            self.mw.progress.sent(self.column_key, url)
            return True
        self.mw.skip(request, "seen")
        return False

    def _want_unstored(self, request: Request, url: str, known: UrlState) -> bool:
        dead, refused = known.dead, known.refused
        if dead is not None and self.mw.recently_gone(dead):
            self.mw.skip(request, "gone")
            return False
        # A dead link past its wait, or a link refused on purpose last time (robots.txt, the request
        # guard), is still sent, since the page may be there or allowed now, but is not new: else one such
        # row on a listing page would make every run paginate the whole column.
        if dead is not None:
            request.meta[GONE_META] = dead.at
        elif refused is None:
            self.wanted += 1
        else:
            request.meta[REFUSED_META] = True
        self.mw.progress.sent(self.column_key, url)
        return True


class IncrementalMiddleware:
    """Settings: ``NEWSSPIDER_REFRESH_DAYS`` (0: never re-fetch a seen article), ``NEWSSPIDER_STOP_ON_SEEN``,
    ``NEWSSPIDER_RETRY_GONE_HOURS`` (default 24: how long a dead link is not fetched again)."""

    def __init__(self, crawler: Crawler, now: datetime | None = None) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.refresh_days = settings.getint("NEWSSPIDER_REFRESH_DAYS", 0)
        self.stop_on_seen = settings.getbool("NEWSSPIDER_STOP_ON_SEEN", True)
        self.retry_gone = timedelta(hours=settings.getfloat("NEWSSPIDER_RETRY_GONE_HOURS", 24))
        self.data_dir = Path(settings.get("NEWSSPIDER_DATA_DIR", "data"))
        self.shard = settings.get("NEWSSPIDER_SHARD", "") or ""
        self._now = now
        self._removed: set[str] = set()
        self.progress = ColumnProgress(lambda: self.state)
        for name in ("DEPTH_LIMIT", "DEPTH_PRIORITY"):
            if settings.getint(name, 0):  # Scrapy's DepthMiddleware, which reads them, is off (settings.py)
                logger.warning("%s has no effect: newsspider bounds pagination with --max-pages, --since "
                               "and the stop at a page with nothing new", name)  # fmt: skip
        crawler.signals.connect(self._skipped_on_purpose, signal=signals.article_skipped)
        crawler.signals.connect(self.spider_closed, signal=scrapy_signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        return cls(crawler)

    state = SharedState()

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        flt = _ListingFilter(self, response)
        for obj in result:
            yield from flt.feed(obj)
        yield from flt.finish()

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        flt = _ListingFilter(self, response)
        async for obj in result:
            for out in flt.feed(obj):
                yield out
        for out in flt.finish():
            yield out

    def process_spider_exception(self, response: Response, exception: Exception) -> Iterable[Any] | None:
        # Without an errback on the request, a 404/410 reaches us as HttpError: a takedown is handled
        # (and the error swallowed) only for an article we stored before.
        if meta_of(response).get("ns_kind"):
            self.progress.answered(response_key(response))
        if meta_of(response).get(REFUSED_META):
            self.fetched_after_refusal(response)
        if isinstance(exception, HttpError) and self.check_removed(response):
            return []
        return None

    def spider_closed(self, spider: Any = None, reason: str = "", **_: Any) -> None:
        # Only a run that finished: a shutdown or a close on a limit left requests unanswered. A run
        # capped by -a max_pages or -a since did not reach the column's end on purpose: a later full
        # run must still paginate to the end once.
        capped = bool(getattr(spider, "max_pages", 0) or getattr(spider, "since", None))
        if reason == "finished" and not capped:
            try:
                self.progress.finish_run()
            except (OSError, StateError, sqlite3.Error) as exc:
                # Not marking the column complete only means the next run paginates it to the end.
                logger.error("cannot record the finished columns in the state store: %s", exc)

    def fetched_after_refusal(self, response: Response) -> None:
        """A link refused by an earlier run answered now (robots.txt opened up, the profile was fixed): forget
        the refusal, and have the next run paginate its column to the end, since the pages after the one
        this run stopped at were never read with it allowed."""
        meta = meta_of(response)
        self.state.clear_refused(canonical_url(original_url(response)))
        self.progress.reopen((str(meta.get("ns_site")), str(meta.get("ns_column"))))

    def _skipped_on_purpose(self, url: str, reason: str = "", **_: Any) -> None:
        # robots.txt, a challenge wall, the request guard: retrying next run would not change it.
        self.progress.answered(canonical_url(url))
        if reason in _REFUSED_ON_PURPOSE:
            self.state.mark_refused(canonical_url(url), reason, self._clock().isoformat(timespec="seconds"))

    # -- helpers shared with _ListingFilter ---------------------------------------------------------

    def within_refresh(self, entry: SeenEntry) -> bool:
        if self.refresh_days <= 0:
            return False
        published = _published(entry.published_at)
        return published is not None and self._clock() - published <= timedelta(days=self.refresh_days)

    def recently_gone(self, dead: DeadLink) -> bool:
        """Whether this dead link (never stored, answered 404/410) is still within its wait:
        ``NEWSSPIDER_RETRY_GONE_HOURS`` after the first 404, doubling with each 404 after that, up to 30 days.

        Retried at all because some CMSs list an article before its static page is generated; less and less
        often because most dead links stay dead.
        """
        if self.retry_gone <= timedelta(0):
            return False
        doubled = self.retry_gone * (1 << min(max(dead.misses - 1, 0), 16))
        wait = min(doubled, max(_GONE_MAX_WAIT, self.retry_gone))
        return self._clock() - datetime.fromisoformat(dead.at) < wait

    def _clock(self) -> datetime:
        return self._now or datetime.now(UTC)

    def check_removed(self, response: Response) -> bool:
        """Whether this article response is a takedown of a stored article (recorded once if so)."""
        meta = meta_of(response)
        if meta.get("ns_kind") != "article":
            return False
        if response.status in _GONE:
            status, reason = response.status, f"http {response.status}"
        elif meta.get("redirect_urls") and is_index_url(response.url):
            reasons = meta.get("redirect_reasons") or [301]
            status = reasons[-1] if isinstance(reasons[-1], int) else 302  # "meta refresh" redirects
            reason = f"redirected to {response.url}"
        else:
            return False
        original = canonical_url(original_url(response))
        entry = self.state.resolve(original)
        if entry is None:
            if response.status in _GONE:
                # A dead link on a listing: remembered so every cron run does not fetch it again.
                self.state.mark_gone(original, response.status, self._clock().isoformat(timespec="seconds"))
            return False
        if entry.url in self._removed:
            return True
        self._removed.add(entry.url)
        if taken_down(self.state, entry):
            # Recorded by an earlier run (a request queued before it, a refresh of an alias): once is enough.
            self.inc("newsspider/incremental/removed_again")
            return True
        event = RemovedEvent(
            url=entry.url,
            site=meta.get("ns_site") or entry.site,
            column=meta.get("ns_column"),
            status=status,
            reason=reason,
            at=self._clock().isoformat(timespec="seconds"),
        )
        record_removal(self.crawler, self.state, event, self.data_dir, self.shard)
        self.inc("newsspider/incremental/removed")
        return True

    def note_alias(self, alias: str, item: Any) -> None:
        url = ItemAdapter(item).get("url")
        if isinstance(url, str) and (target := canonical_url(url)) != alias:
            self.state.add_alias(alias, target)

    def skip(self, request: Request, reason: str) -> None:
        self.inc(f"newsspider/incremental/skipped_{reason}")
        self.crawler.signals.send_catch_log(
            signal=signals.article_skipped,
            url=request.url,
            site=request.meta.get("ns_site"),
            column=request.meta.get("ns_column"),
            reason=reason,
        )

    def inc(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)
