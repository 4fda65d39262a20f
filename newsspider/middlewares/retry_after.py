"""Back off a host that says it is overloaded (429 / 503), for as long as it asks, within a cap.

Scrapy's RetryMiddleware retries 429 and 503 at once, and the other requests queued for the host keep
going out: against a government site that rate-limits, that is a storm that gets the crawler blocked.
This middleware sits just outside RetryMiddleware (sees the response first) and, on a 429 or 503,
holds the host's download slot: no request to that host leaves before ``Retry-After`` seconds (an
integer or an HTTP date, RFC 9110 §10.2.3), or, without the header, ``NEWSSPIDER_BACKOFF_BASE`` doubled
per retry of the request. Either is capped at ``NEWSSPIDER_BACKOFF_MAX`` seconds (a hostile or broken
``Retry-After: 86400`` must not park an unattended crawl for a day). RetryMiddleware still does the
retrying and gives up after ``RETRY_TIMES``; the slot's own delay comes back with the host's first
other answer after the wait (answers to requests already in flight do not end it early).

Enable with ``DOWNLOADER_MIDDLEWARES = {"newsspider.middlewares.retry_after.RetryAfterMiddleware": 555}``.
"""

from __future__ import annotations

import logging
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

__all__ = ["BACKOFF_STATUSES", "RetryAfterMiddleware", "backoff_seconds", "parse_retry_after"]

logger = logging.getLogger(__name__)

BACKOFF_STATUSES = frozenset({429, 503})


def parse_retry_after(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP date), None when unusable."""
    if value is None:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def backoff_seconds(retry_after: float | None, retries: int, *, base: float, cap: float) -> float:
    """The wait before the host's next request: the server's word, else exponential, never over ``cap``."""
    wanted = retry_after if retry_after is not None else base * (2**retries)
    return max(0.0, min(wanted, cap))


class RetryAfterMiddleware:
    def __init__(self, crawler: Crawler, *, base: float, cap: float) -> None:
        self.crawler = crawler
        self.base = base
        self.cap = cap
        self._saved: dict[str, tuple[float, float]] = {}
        """Slot key → (delay, jitter) to restore when the host answers normally again."""
        self._until: dict[str, float] = {}
        """Slot key → time.monotonic() before which a normal answer does not end the backoff."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        return cls(
            crawler,
            base=settings.getfloat("NEWSSPIDER_BACKOFF_BASE", 1.0),
            cap=settings.getfloat("NEWSSPIDER_BACKOFF_MAX", 60.0),
        )

    def process_response(self, request: Request, response: Response) -> Response:
        engine = self.crawler.engine
        if engine is None:
            return response
        downloader = engine.downloader
        key = downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is None:
            return response
        if response.status not in BACKOFF_STATUSES:
            if key in self._saved and time.monotonic() >= self._until.get(key, 0.0):
                slot.delay, slot.jitter = self._saved.pop(key)
                self._until.pop(key, None)
            return response
        asked = parse_retry_after(response.headers.get(b"Retry-After"))
        wait = backoff_seconds(asked, int(request.meta.get("retry_times", 0)), base=self.base, cap=self.cap)
        self._saved.setdefault(key, (slot.delay, slot.jitter))
        # No jitter while backing off: Retry-After is a floor, and jitter would undercut it by half.
        slot.delay, slot.jitter = max(wait, self._saved[key][0]), 0.0
        self._until[key] = max(self._until.get(key, 0.0), time.monotonic() + slot.delay)
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"newsspider/backoff/{response.status}")
        logger.info(
            "%s answered %d%s: holding requests to %s for %.1f s",
            request.url[:200],
            response.status,
            f" (Retry-After {asked:.0f} s)" if asked is not None else "",
            key,
            slot.delay,
        )
        return response
