"""The one spider: profile columns → listing pages → article pages, for one or many sites in one run.

``scrapy crawl provincial -a site=KEY[,KEY2] [-a start_url=URL] [-a since=DATE|Nd] [-a max_pages=N]``

The crawl graph only: which listing and article requests to send, with the request meta of
docs/architecture.md. What a listing page holds is the platform's business (:mod:`newsspider.platforms`),
what an article says is the parser's (:mod:`newsspider.parsers`). Profiles come from
``NEWSSPIDER_SITES_DIR`` first, then the bundled ones.

Without ``site``, ``start_url`` is a listing page of an unknown site (auto mode): it is fetched, its platform
detected from the page, and the crawl continues as that platform under a synthetic profile.
"""

from __future__ import annotations

import calendar
import logging
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import Request, Spider
from scrapy import signals as scrapy_signals
from scrapy.http import TextResponse

from newsspider import signals
from newsspider.middlewares.incremental import gone_again
from newsspider.parsers import ListingContext, parse_response
from newsspider.parsers.dates import calendar_date, date_from_url
from newsspider.platforms import detect_platform, get_platform
from newsspider.platforms.base import same_site
from newsspider.sites import Column, SiteProfile, load_profile
from newsspider.spiders.arguments import argument_error
from newsspider.spiders.failures import failure_reason, ignore_reason, not_sent_on_purpose, refusal_text
from newsspider.spiders.parsepool import ParsePool
from newsspider.urls import host_of, site_domain

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

    from newsspider.items import NewsArticle
    from newsspider.platforms.base import ListingRow

__all__ = ["ProvincialSpider", "parse_since"]

_BEIJING = timezone(timedelta(hours=8))
_SINCE_DAYS = re.compile(r"^\s*(\d+)\s*d\s*$", re.IGNORECASE)
_NO_ROWS = (
    "no article links found on the column's first page: the site may have been redesigned or the "
    "profile's platform/selectors are wrong"
)
AUTO_COLUMN = "(start_url)"
"""The column name of a crawl that starts from ``start_url``."""


def parse_since(text: str, today: date | None = None) -> date:
    """``2020-02-01`` or ``7d`` (the last seven days, Beijing time) as a date; ValueError otherwise."""
    days = _SINCE_DAYS.match(text)
    if days:
        base = today or datetime.now(_BEIJING).date()
        try:
            return base - timedelta(days=int(days.group(1)))
        except OverflowError:  # 99999999d: before year 1
            raise ValueError(f"--since {text.strip()} goes back before the year 1") from None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"--since wants a date YYYY-MM-DD or a number of days like 7d, got {text!r}"
        ) from None


def row_day(row: ListingRow) -> date | None:
    """The row's day: its listing date, else the date its URL carries (a TRS ``t20200301_1.html`` in a
    listing without dates), so ``--since`` still skips old rows and stops paginating. A URL naming only the
    month (``/202003/``) counts as that month's last day: never older than the article may be."""
    listed = calendar_date(row.date_raw)
    found = date_from_url(row.url) if listed is None else None
    if found is None:
        return listed
    year, month = int(found.value[:4]), int(found.value[5:7])
    if len(found.value) < len("2020-03-01"):
        return date(year, month, calendar.monthrange(year, month)[1])
    return date.fromisoformat(found.value[:10])


def auto_key(url: str) -> str:
    """A site key for an unprofiled site: its host with dots as dashes (``www-example-gov-cn``)."""
    return re.sub(r"[^a-z0-9-]+", "-", host_of(url)).strip("-") or "auto"


class ProvincialSpider(Spider):
    name = "provincial"

    def __init__(
        self,
        site: str = "",
        start_url: str = "",
        since: str = "",
        max_pages: str | int = 0,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.site_keys = [key.strip() for key in site.split(",") if key.strip()]
        self.start_url = start_url.strip() or None
        if not self.site_keys and not self.start_url:
            raise ValueError("give -a site=KEY[,KEY2] or -a start_url=LISTING_URL")
        self.since = parse_since(since) if since else None
        self.max_pages = int(max_pages or 0)
        self.profiles: dict[str, SiteProfile] = {}
        self.allowed_domains: list[str] = []
        self.parse_processes = 0
        """Worker processes for article parsing (``NEWSSPIDER_PARSE_PROCESSES``; 0: parse in this process)."""
        self._pool: ParsePool | None = None
        # One bound method per callback, for every request: Scrapy's check for generator callbacks that
        # return a value caches its answer by the callback object, so a fresh bound method per request made
        # it read and parse the method's source again for every response (0.35 ms per article page, 1.5 ms
        # per listing page). Kept under the methods' own names, so queued requests (JOBDIR, the Redis
        # queue) still name their callback parse_article or parse_listing.
        for name in ("parse_listing", "parse_article", "parse_article_pooled"):
            self.__dict__[name] = getattr(self, name)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        folder = crawler.settings.get("NEWSSPIDER_SITES_DIR") or None
        try:
            spider = super().from_crawler(crawler, *args, **kwargs)
            spider.load_profiles(Path(folder) if folder else None)
        except ValueError as exc:  # a bad -a argument or profile (ProfileError is a ValueError)
            raise argument_error(exc, logging.getLogger(cls.name)) from None
        spider.parse_processes = crawler.settings.getint("NEWSSPIDER_PARSE_PROCESSES", 0)
        crawler.signals.connect(spider.close_pool, signal=scrapy_signals.spider_closed)
        return spider

    def load_profiles(self, sites_dir: Path | None) -> None:
        """Load the profiles (ProfileError on a bad one) and set ``allowed_domains`` from them."""
        for key in self.site_keys:
            profile = load_profile(key, sites_dir)
            if self.start_url:
                # One listing URL of a profiled site: crawl just that, as the profile's platform.
                # A known column keeps its platform options (e.g. a Hanweb unitid); another URL is new.
                known = next((c for c in profile.columns if c.url == self.start_url), None)
                column = known or Column(name=AUTO_COLUMN, url=self.start_url)
                profile = replace(profile, columns=(column,))
            self.profiles[key] = profile
        if not self.site_keys and self.start_url:
            host = host_of(self.start_url)
            # The whole site, not just the listing's host: a listing on www.sxrb.com links news.sxrb.com.
            self.profiles[auto_key(self.start_url)] = SiteProfile(
                key=auto_key(self.start_url), name=host, platform="generic",
                allowed_domains=(site_domain(host),),
                columns=(Column(name=AUTO_COLUMN, url=self.start_url),),
            )  # fmt: skip
        domains = {d for p in self.profiles.values() for d in p.allowed_domains}
        domains |= {host_of(c.url) for p in self.profiles.values() for c in p.columns}
        self.allowed_domains = sorted(d for d in domains if d)

    # -- requests -----------------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        for profile in self.profiles.values():
            for column in profile.columns:
                if not self.site_keys:
                    yield Request(
                        column.url,
                        callback=self.parse_start,
                        errback=self.listing_error,
                        meta=self._listing_meta(profile, column, 1),
                    )
                    continue
                for request in get_platform(profile.platform).first_requests(profile, column):
                    yield self._listing(request, profile, column, 1)

    def _listing_meta(self, profile: SiteProfile, column: Column, page: int) -> dict[str, Any]:
        return {"ns_kind": "listing", "ns_site": profile.key, "ns_column": column.name, "ns_page": page}

    def _listing(self, request: Request, profile: SiteProfile, column: Column, page: int) -> Request:
        page = request.meta.get("ns_page") or page
        return request.replace(
            callback=self.parse_listing,
            errback=self.listing_error,
            meta={**request.meta, **self._listing_meta(profile, column, page)},
        )

    def _article(
        self, url: str, profile: SiteProfile, column: Column, title: str | None, day: str | None
    ) -> Request:
        return Request(
            url,
            callback=self.parse_article_pooled if self.parse_processes > 0 else self.parse_article,
            errback=self.article_error,
            meta={
                "ns_kind": "article", "ns_site": profile.key, "ns_column": column.name,
                "ns_listing_title": title, "ns_listing_date": day,
            },
        )  # fmt: skip

    # -- callbacks ----------------------------------------------------------------------------------------

    def _profile_column(self, response: Response) -> tuple[SiteProfile, Column]:
        profile = self.profiles[response.meta["ns_site"]]
        name = response.meta["ns_column"]
        column = next((c for c in profile.columns if c.name == name), profile.columns[0])
        return profile, column

    def parse_start(self, response: Response) -> Iterator[Request]:
        """Auto mode: detect the platform of the first listing page, then read it as that platform."""
        profile, column = self._profile_column(response)
        if not isinstance(response, TextResponse):
            self._listing_failed(response.url, profile, column, 1, "not a text page")
            return
        platform = detect_platform(response.text, response.url)
        self.logger.info("start_url %s looks like a %s site", response.url, platform)
        self.profiles[profile.key] = replace(profile, platform=platform)
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("newsspider/auto_platform", platform)
        yield from self.parse_listing(response)

    def parse_listing(self, response: Response) -> Iterator[Request]:
        profile, column = self._profile_column(response)
        page_no = int(response.meta.get("ns_page") or 1)
        if not isinstance(response, TextResponse):
            self._listing_failed(response.url, profile, column, page_no, "not a text page")
            return
        try:
            page = get_platform(profile.platform).parse_listing(response, profile, column)
        except Exception as exc:
            self.logger.exception("listing %s could not be read", response.url)
            self._listing_failed(response.url, profile, column, page_no, f"listing parse error: {exc!r}")
            return
        days = [row_day(row) for row in page.rows]
        dated = [d for d in days if d is not None]
        self.crawler.signals.send_catch_log(
            signal=signals.listing_fetched,
            url=response.url, site=profile.key, column=column.name, rows=len(page.rows),
            new=len(page.rows), oldest=min(dated).isoformat() if dated else None,
        )  # fmt: skip
        # A column whose first page brought no article link is broken, unless that page only leads on to
        # where its list really is (a UCAP column drawn by script, read through the API): then the first
        # page with rows decides. An empty last page of a pagination is normal.
        no_rows_yet = not page.rows and (page_no == 1 or bool(response.meta.get("ns_no_rows_yet")))
        if no_rows_yet and not page.next_requests:
            self._listing_failed(response.url, profile, column, 1, _NO_ROWS)
        hosts = profile.allowed_domains or (host_of(column.url),)
        for row, day in zip(page.rows, days, strict=True):
            if not same_site(row.url, hosts):
                self._skipped(row.url, profile, column, "off-site")
            elif self.since is not None and day is not None and day < self.since:
                self._skipped(row.url, profile, column, "before-since")
            else:
                yield self._article(row.url, profile, column, row.title, row.date_raw)
        # A page whose rows are all dated before --since ends the column; undated rows keep it going.
        all_old = (
            self.since is not None and bool(days) and all(d is not None and d < self.since for d in days)
        )
        capped = self.max_pages > 0 and page_no >= self.max_pages
        if all_old or capped:
            return
        for request in page.next_requests:
            following = self._listing(request, profile, column, page_no + 1)
            yield (
                following.replace(meta={**following.meta, "ns_no_rows_yet": True})
                if no_rows_yet
                else following
            )

    def _article_input(self, response: Response) -> tuple[SiteProfile, Column, ListingContext] | None:
        profile, column = self._profile_column(response)
        if not isinstance(response, TextResponse):
            self._failed(response.url, profile, column, "not a text page")
            return None
        listing = ListingContext(
            title=response.meta.get("ns_listing_title"),
            date_raw=response.meta.get("ns_listing_date"),
            column=column.name,
        )
        return profile, column, listing

    def _parse_failed(self, response: Response, profile: SiteProfile, column: Column, exc: Exception) -> None:
        self.logger.error("article %s could not be parsed", response.url, exc_info=exc)
        self._failed(response.url, profile, column, f"parse error: {type(exc).__name__}: {exc}")

    def parse_article(self, response: Response) -> Iterator[NewsArticle]:
        found = self._article_input(response)
        if found is None:
            return
        profile, column, listing = found
        try:
            record = parse_response(response, site=profile, fetched_at=datetime.now(UTC), listing=listing)
        except Exception as exc:  # noqa: BLE001  (a parser bug costs this article, never the crawl)
            self._parse_failed(response, profile, column, exc)
            return
        yield record

    async def parse_article_pooled(self, response: Response) -> list[NewsArticle]:
        """``parse_article`` in a worker process (``NEWSSPIDER_PARSE_PROCESSES`` > 0), so parsing uses the
        other cores while this process keeps downloading and running the pipelines.

        A coroutine returning a list, not an async generator: Scrapy's path for async generator callbacks
        cost this process about 0.2 ms per page more (benchmarks/crawl.py)."""
        found = self._article_input(response)
        if found is None:
            return []
        profile, column, listing = found
        assert isinstance(response, TextResponse)  # _article_input refused anything else
        if self._pool is None:
            self._pool = ParsePool.from_settings(
                self.parse_processes, self.crawler.settings, self._parse_worker_died
            )
        try:
            record = await self._pool.parse(response, profile, datetime.now(UTC), listing)
        except Exception as exc:  # noqa: BLE001  (a parser bug or a dead worker costs this article)
            self._parse_failed(response, profile, column, exc)
            return []
        # Stored even when its page dates it before --since: an article fetched is kept (and marked seen).
        # --since limits what is fetched, and a row with no date in its listing or URL could not be judged.
        return [record]

    def _parse_worker_died(self) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("newsspider/parse_worker_restarts")

    def close_pool(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    # -- errbacks and signals -----------------------------------------------------------------------------

    def _failed_request(self, failure: Failure) -> tuple[str, SiteProfile, Column]:
        """The URL the spider asked for (before any redirect: the one its listing named), its site and
        column."""
        request: Request = getattr(failure, "request")  # noqa: B009  (set by Scrapy on errback failures)
        profile = self.profiles[request.meta["ns_site"]]
        name = request.meta.get("ns_column")
        column = next((c for c in profile.columns if c.name == name), profile.columns[0])
        return (request.meta.get("redirect_urls") or [request.url])[0], profile, column

    def article_error(self, failure: Failure) -> None:
        url, profile, column = self._failed_request(failure)
        if not_sent_on_purpose(failure):
            # Not sent on purpose (robots.txt, a challenge wall, the request guard): skipped, not failed.
            self._skipped(url, profile, column, ignore_reason(failure))
        elif again := gone_again(failure):
            # A dead link's retry or a taken-down article's refresh, 404/410 again: reported before.
            self._skipped(url, profile, column, again)
        else:
            self._failed(url, profile, column, failure_reason(failure))

    def listing_error(self, failure: Failure) -> None:
        url, profile, column = self._failed_request(failure)
        page = int(getattr(failure, "request").meta.get("ns_page") or 1)  # noqa: B009
        if not not_sent_on_purpose(failure):
            self._listing_failed(url, profile, column, page, failure_reason(failure))
            return
        reason = ignore_reason(failure)
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"newsspider/listing_ignored/{reason}")
        if reason in {"challenge", "shutdown"}:
            # A challenge is reported by its middleware, with its own exit code; a stopped run by the stop.
            self.logger.info("listing %s not fetched: %s", url, failure.value)
        else:
            # Not sent on purpose, but the column goes uncrawled (from this page on): a failure to act on.
            self._listing_failed(url, profile, column, page, refusal_text(failure))

    def _failed(self, url: str, profile: SiteProfile, column: Column, reason: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("newsspider/article_failed")
        self.crawler.signals.send_catch_log(
            signal=signals.article_failed, url=url, site=profile.key, column=column.name, reason=reason
        )

    def _listing_failed(self, url: str, profile: SiteProfile, column: Column, page: int, reason: str) -> None:
        if page > 1:
            reason += f" (the column was not crawled past page {page - 1})"
        self.logger.warning(
            "site %s, column %s: listing %s failed: %s", profile.key, column.name, url, reason
        )
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("newsspider/listing_failed")
            self.crawler.stats.inc_value(f"newsspider/listing_failed/{profile.key}")
        self.crawler.signals.send_catch_log(
            signal=signals.listing_failed, url=url, site=profile.key, column=column.name, reason=reason
        )

    def _skipped(self, url: str, profile: SiteProfile, column: Column, reason: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"newsspider/skipped/{reason}")
        self.crawler.signals.send_catch_log(
            signal=signals.article_skipped, url=url, site=profile.key, column=column.name, reason=reason
        )
