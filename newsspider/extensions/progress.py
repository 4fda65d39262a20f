"""Crawl progress per site: a live display on a terminal, a progress line every N seconds otherwise.

Scrapy's LogStats logs one global pages/items rate a minute; an analyst watching five provinces needs
each site's own numbers and how long is left. Counts come from the project signals
(:mod:`newsspider.signals`) and Scrapy's item signals; the footer reads the crawler stats.

Settings: ``NEWSSPIDER_PROGRESS`` (default True; False disables the extension),
``NEWSSPIDER_PROGRESS_INTERVAL`` (seconds between progress lines without a terminal, default 30),
``NEWSSPIDER_PROGRESS_LIVE`` (default True; False never draws the live display, e.g. for ``--quiet``).
"""

from __future__ import annotations

import logging
import shutil
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy import signals as scrapy_signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from newsspider import signals

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.utils.asyncio import AsyncioLoopingCall
    from twisted.internet.task import LoopingCall

__all__ = ["ProgressExtension", "SiteProgress"]

logger = logging.getLogger(__name__)

LIVE_REFRESH = 0.5
"""Seconds between redraws of the live display."""


@dataclass
class SiteProgress:
    """What one site has done so far in this run."""

    listed: int = 0
    """Listing pages parsed."""
    queued: int = 0
    """New article links the listings yielded (the work the run knows about)."""
    fetched: int = 0
    new: int = 0
    updated: int = 0
    dropped: int = 0
    """Items a pipeline dropped: unchanged content, or quarantined."""
    failed: int = 0
    skipped: int = 0
    first_seen: float | None = None
    challenges: set[str] = field(default_factory=set)

    @property
    def done(self) -> int:
        return max(self.fetched, self.new + self.updated + self.dropped) + self.failed

    def rate(self, now: float) -> float:
        """Articles done per minute since the site's first event."""
        if self.first_seen is None or now - self.first_seen < 1.0:
            return 0.0
        return self.done * 60.0 / (now - self.first_seen)

    @property
    def left(self) -> int:
        """Listed articles neither done nor skipped (seen before, off-site, refused) yet."""
        return max(self.queued - self.skipped - self.done, 0)

    def eta(self, now: float) -> float | None:
        """Seconds left, when the listings have said how many articles there are and a rate is known."""
        rate = self.rate(now)
        if self.queued == 0 or rate == 0.0:
            return None
        return self.left * 60.0 / rate

    def line(self, site: str, now: float) -> str:
        eta = self.eta(now)
        parts = [
            f"{site}: listed {self.listed} pages",
            f"fetched {self.fetched}" + (f"/{self.queued}" if self.queued else ""),
            f"new {self.new} updated {self.updated} dropped {self.dropped} failed {self.failed}",
            f"{self.rate(now):.1f}/min",
            # Listings read and every row seen before or skipped: an incremental run with nothing new to
            # fetch so far, not an unknown ETA (a later listing page may still bring some).
            "nothing left to fetch"
            if self.listed and not self.left
            else "ETA " + (_duration(eta) if eta is not None else "?"),
        ]
        if self.challenges:
            parts.append("challenge: " + ", ".join(sorted(self.challenges)))
        return " | ".join(parts)


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class _EraseBeforeLog(logging.Filter):
    """On the stderr log handler: wipe the live block before a log line prints over it."""

    def __init__(self, erase: Callable[[], None]) -> None:
        super().__init__()
        self.erase = erase

    def filter(self, record: logging.LogRecord) -> bool:
        self.erase()
        return True


class ProgressExtension:
    def __init__(self, crawler: Crawler, *, interval: float, live: bool, stream: TextIO) -> None:
        self.crawler = crawler
        self.interval = interval
        self.stream = stream
        self.live = live
        self.sites: dict[str, SiteProgress] = {}
        self.clock: Callable[[], float] = time.monotonic
        self._drawn = 0
        self._task: AsyncioLoopingCall | LoopingCall | None = None
        self._filter = _EraseBeforeLog(self.erase)
        self._filtered: list[logging.Handler] = []
        self._host_site: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressExtension:
        settings = crawler.settings
        if not settings.getbool("NEWSSPIDER_PROGRESS", True):
            raise NotConfigured("NEWSSPIDER_PROGRESS is off")
        stream = sys.stderr
        live = settings.getbool("NEWSSPIDER_PROGRESS_LIVE", True) and stream.isatty()
        ext = cls(
            crawler,
            interval=settings.getfloat("NEWSSPIDER_PROGRESS_INTERVAL", 30.0),
            live=live,
            stream=stream,
        )
        connect = crawler.signals.connect
        connect(ext.spider_opened, signal=scrapy_signals.spider_opened)
        connect(ext.spider_closed, signal=scrapy_signals.spider_closed)
        connect(ext.request_scheduled, signal=scrapy_signals.request_scheduled)
        connect(ext.response_received, signal=scrapy_signals.response_received)
        connect(ext.item_scraped, signal=scrapy_signals.item_scraped)
        connect(ext.item_dropped, signal=scrapy_signals.item_dropped)
        connect(ext.listing_fetched, signal=signals.listing_fetched)
        connect(ext.article_failed, signal=signals.article_failed)
        connect(ext.article_skipped, signal=signals.article_skipped)
        connect(ext.challenge_detected, signal=signals.challenge_detected)
        return ext

    # -- counting ----------------------------------------------------------------------------------

    def site(self, key: Any) -> SiteProgress:
        name = str(key) if key else "(unknown site)"
        progress = self.sites.get(name)
        if progress is None:
            progress = self.sites[name] = SiteProgress(first_seen=self.clock())
        return progress

    def listing_fetched(self, site: str | None = None, new: int = 0, **_: Any) -> None:
        progress = self.site(site)
        progress.listed += 1
        progress.queued += int(new or 0)

    def response_received(self, response: Response, request: Request, **_: Any) -> None:
        if request.meta.get("ns_kind") == "article":
            self.site(request.meta.get("ns_site")).fetched += 1

    def item_scraped(self, item: Any, response: Response | None = None, **_: Any) -> None:
        adapter = ItemAdapter(item)
        progress = self.site(adapter.get("site") or _meta_site(response))
        if int(adapter.get("version") or 1) > 1:
            progress.updated += 1
        else:
            progress.new += 1

    def item_dropped(self, item: Any, response: Response | None = None, **_: Any) -> None:
        self.site(ItemAdapter(item).get("site") or _meta_site(response)).dropped += 1

    def article_failed(self, site: str | None = None, **_: Any) -> None:
        self.site(site).failed += 1

    def article_skipped(self, site: str | None = None, **_: Any) -> None:
        self.site(site).skipped += 1

    def request_scheduled(self, request: Request, **_: Any) -> None:
        site = request.meta.get("ns_site")
        host = urlsplit(request.url).hostname
        if site and host:
            self._host_site[host] = str(site)

    def challenge_detected(self, host: str = "", kind: str = "", **_: Any) -> None:
        # The signal names the host, not the site: the site is the one whose requests went to that host.
        self.site(self._host_site.get(host) or host).challenges.add(f"{host} {kind}".strip())

    # -- output ------------------------------------------------------------------------------------

    def lines(self) -> list[str]:
        now = self.clock()
        return [self.sites[k].line(k, now) for k in sorted(self.sites)]

    def footer(self) -> str:
        stats = self.crawler.stats
        if stats is None:
            return ""
        responses = stats.get_value("response_received_count", 0)
        items = stats.get_value("item_scraped_count", 0)
        return f"total: {responses} responses, {items} records written"

    def draw(self) -> None:
        """Redraw the live block in place: one line per site, then the totals."""
        width = max(shutil.get_terminal_size((120, 20)).columns - 1, 20)
        # Lines are cut to the terminal width: a wrapped line would break the count of lines to go up.
        rows = [row[:width] for row in [*self.lines(), self.footer()]]
        up = f"\x1b[{self._drawn}F" if self._drawn else ""
        self.stream.write(up + "".join(f"\r\x1b[2K{row}\n" for row in rows) + "\x1b[J")
        self.stream.flush()
        self._drawn = len(rows)

    def erase(self) -> None:
        if self._drawn:
            self.stream.write(f"\x1b[{self._drawn}F\x1b[J")
            self.stream.flush()
            self._drawn = 0

    def log_lines(self) -> None:
        for row in self.lines():
            logger.info("progress %s", row)

    def tick(self) -> None:
        if self.live:
            self.draw()
        else:
            self.log_lines()

    def hook_log_handlers(self) -> None:
        """Make log lines to our terminal wipe the live block first (it is redrawn below them)."""
        if not self.live:
            return
        for handler in logging.getLogger().handlers:
            if getattr(handler, "stream", None) is self.stream:
                handler.addFilter(self._filter)
                self._filtered.append(handler)

    def spider_opened(self, spider: Spider) -> None:
        self.hook_log_handlers()
        self._task = create_looping_call(self.tick)
        self._task.start(LIVE_REFRESH if self.live else self.interval, now=False)

    def spider_closed(self, spider: Spider, reason: str = "") -> None:
        if self._task is not None and self._task.running:
            self._task.stop()
        self.erase()
        for handler in self._filtered:
            handler.removeFilter(self._filter)
        self._filtered.clear()
        # The final numbers go to the log in both modes, so the run's log file always has them.
        self.log_lines()


def _meta_site(response: Response | None) -> Any:
    return response.meta.get("ns_site") if response is not None and response.request else None
