"""Garbage-collector settings for the crawl process: start-up objects frozen, young objects collected less often.

A crawl holds many long-lived objects (the modules, the parsers' tables, Twisted and asyncio machinery, the
scheduler's requests) and allocates short-lived ones by the million. With CPython's default thresholds
(700, 10, 10) a crawl of 2,000 replica articles spent about 0.4 s in some 700 collections, about 0.2 ms per
page or an eighth of the crawl process's CPU, mostly re-scanning objects that never die. ``gc.freeze()``
moves what is alive once the engine starts out of the collector's sight, and collecting the young every
10,000 allocations instead of 700 leaves 0.1 s in 260 collections, start-up included.

Larger thresholds save no more time and cost memory: with (50000, 50, 100) the oldest generation was
almost never collected and a 20,000-article crawl grew from 116 to 145 MB, still growing at the end; with
(10000, 10, 10) it ends at 118 MB, as flat as with the defaults (``benchmarks/crawl.py`` memory run).

Setting: ``NEWSSPIDER_GC_THRESHOLDS`` (three integers, as for ``gc.set_threshold``; empty: leave the
interpreter's). The previous thresholds are restored, and the frozen objects released, when the engine
stops, so a process that runs several crawls one after another (tests) ends as it began. The settings are
the process's: two crawlers running at once in one process would undo each other's (newsspider runs one).
"""

from __future__ import annotations

import gc
import logging
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

__all__ = ["GcTuning"]

logger = logging.getLogger(__name__)


class GcTuning:
    def __init__(self, thresholds: tuple[int, int, int]) -> None:
        self.thresholds = thresholds
        self._previous: tuple[int, int, int] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GcTuning:
        values = crawler.settings.getlist("NEWSSPIDER_GC_THRESHOLDS")
        if not values:
            raise NotConfigured("NEWSSPIDER_GC_THRESHOLDS is empty")
        try:
            first, second, third = (int(v) for v in values)
        except (TypeError, ValueError):
            first = second = third = 0
        if min(first, second, third) < 1:
            # A speed knob: the crawl goes on with the interpreter's defaults rather than not at all. A 0
            # first threshold would switch automatic collection off altogether.
            logger.warning(
                "NEWSSPIDER_GC_THRESHOLDS must be three integers >= 1 (gc.set_threshold), got %r: ignored",
                values,
            )
            raise NotConfigured("NEWSSPIDER_GC_THRESHOLDS is malformed")
        extension = cls((first, second, third))
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_started(self) -> None:
        self._previous = gc.get_threshold()
        gc.collect()  # garbage is freed, not frozen
        gc.freeze()
        gc.set_threshold(*self.thresholds)

    def engine_stopped(self) -> None:
        if self._previous is not None:
            gc.set_threshold(*self._previous)
            gc.unfreeze()
            self._previous = None
