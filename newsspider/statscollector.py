"""The crawl's stats collector: Scrapy's in-memory one, without a Python call on every attribute read.

Scrapy 2.19's ``StatsCollector.__getattribute__`` runs for every attribute the collector reads, its own
``self._stats`` included, to wrap the public methods in a deprecation check of the ``spider`` argument
(a failed lookup and an exception each time). The crawl counts several things per page, so that was 2%
of the crawl process's CPU (py-spy over benchmarks/crawl.py). The methods here are Scrapy's own and still
take the ``spider`` argument; only the deprecation warning for passing it is gone.
"""

from __future__ import annotations

from scrapy.statscollectors import MemoryStatsCollector

__all__ = ["MemoryStats"]


class MemoryStats(MemoryStatsCollector):
    """``STATS_CLASS``: :class:`scrapy.statscollectors.MemoryStatsCollector` with plain attribute access."""

    __getattribute__ = object.__getattribute__
