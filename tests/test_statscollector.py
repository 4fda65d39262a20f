"""The crawl's stats collector counts as Scrapy's does, and the project's settings use it."""

from __future__ import annotations

from scrapy import Spider
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler

from newsspider.statscollector import MemoryStats


class _Spider(Spider):
    name = "counted"


def test_the_project_settings_use_it() -> None:
    crawler = get_crawler(_Spider, settings_dict={"STATS_CLASS": get_project_settings()["STATS_CLASS"]})
    assert type(crawler.stats) is MemoryStats


def test_it_counts_as_scrapys_collector_does() -> None:
    ours = get_crawler(_Spider, settings_dict={"STATS_CLASS": "newsspider.statscollector.MemoryStats"})
    scrapys = get_crawler(_Spider)
    for crawler in (ours, scrapys):
        stats = crawler.stats
        assert stats is not None
        stats.open_spider()
        stats.inc_value("pages")
        stats.inc_value("pages", 2)
        stats.inc_value("bytes", 10, start=100)
        stats.max_value("depth", 3)
        stats.max_value("depth", 1)
        stats.min_value("first", 5)
        stats.min_value("first", 2)
        stats.set_value("reason", "finished")
    assert ours.stats is not None
    assert scrapys.stats is not None
    assert ours.stats.get_stats() == scrapys.stats.get_stats()
    assert ours.stats.get_stats() == {"pages": 3, "bytes": 110, "depth": 3, "first": 2, "reason": "finished"}
    assert ours.stats.get_value("missing", "none") == "none"


def test_the_spider_argument_of_older_extensions_is_still_taken() -> None:
    crawler = get_crawler(_Spider, settings_dict={"STATS_CLASS": "newsspider.statscollector.MemoryStats"})
    assert crawler.stats is not None
    crawler.stats.inc_value("old", spider=_Spider())
    assert crawler.stats.get_value("old", spider=_Spider()) == 1
