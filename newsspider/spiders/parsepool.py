"""Article parsing in worker processes (``NEWSSPIDER_PARSE_PROCESSES`` > 0), surviving a worker's death.

``concurrent.futures.ProcessPoolExecutor`` marks itself broken for good when one worker dies (a segfault in
a C extension on a hostile page, the OOM killer): every later ``submit`` raises ``BrokenProcessPool``. A
crawl of months must not turn one dead worker into every later article failing, so a broken pool is
replaced and the pages that were in it are tried again in the new one. A page that keeps killing workers
fails on its own after ``attempts`` tries, with a reason the run report shows; it is not marked seen, so the
next run tries it again.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from newsspider.parsers import parse_article

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from scrapy.http import TextResponse

    from newsspider.items import NewsArticle
    from newsspider.parsers import ListingContext
    from newsspider.sites import SiteProfile

__all__ = ["ParsePool", "WorkerDied", "parse_in_worker"]

logger = logging.getLogger(__name__)


class WorkerDied(RuntimeError):
    """The worker process parsing a page died every time it was tried."""


def parse_in_worker(
    body: bytes, url: str, status: int, headers: dict[str, str], site: SiteProfile, fetched_at: datetime,
    listing: ListingContext,
) -> NewsArticle:  # fmt: skip
    """What ``parse_response`` does, from picklable parts (runs in a worker process)."""
    record = parse_article(body, url, headers=headers, site=site, fetched_at=fetched_at, listing=listing)
    record.http_status = status
    return record


class ParsePool:
    """A process pool for ``parse_in_worker`` that replaces itself when a worker dies."""

    def __init__(
        self, processes: int, *, attempts: int = 3, work: Callable[..., NewsArticle] = parse_in_worker
    ) -> None:
        self.processes = processes
        self.attempts = attempts
        self.restarts = 0
        """How many times a broken pool was replaced."""
        self._work = work
        self._pool: ProcessPoolExecutor | None = None

    def _current(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")  # no fork of a process running a reactor thread
            self._pool = ProcessPoolExecutor(max_workers=self.processes, mp_context=context)
        return self._pool

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        # Every page in flight in the broken pool lands here; only the first replaces it.
        if self._pool is broken:
            self._pool = None
            self.restarts += 1
            broken.shutdown(wait=False, cancel_futures=True)

    async def parse(
        self, response: TextResponse, site: SiteProfile, fetched_at: datetime, listing: ListingContext
    ) -> NewsArticle:
        headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
        args: tuple[Any, ...] = (
            response.body,
            response.url,
            response.status,
            headers,
            site,
            fetched_at,
            listing,
        )
        for attempt in range(1, self.attempts + 1):
            pool = self._current()
            try:
                job = pool.submit(self._work, *args)
                return await asyncio.wrap_future(job)
            except BrokenProcessPool:
                logger.warning("a parse worker died while parsing %s (try %d of %d)", response.url, attempt,
                               self.attempts)  # fmt: skip
                self._replace(pool)
        raise WorkerDied(f"the parse worker died on each of {self.attempts} tries")

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
