"""The version pipeline over months of cron runs: an unchanged re-fetch is not a warning."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import Spider

from newsspider.extensions.report import RunReportExtension
from newsspider.logsetup import RecordLogFormatter
from pipelines.version import Unchanged
from tests.test_pipelines import crawler_for, make_article, run_chain

if TYPE_CHECKING:
    from pathlib import Path


def test_an_unchanged_refetch_is_logged_at_debug_and_still_counted(tmp_path: Path) -> None:
    run_chain(crawler_for(tmp_path), [make_article()])
    crawler = crawler_for(tmp_path, NEWSSPIDER_RUN_ID="run-2")
    (unchanged,) = run_chain(crawler, [make_article(fetched_at="2020-02-26T00:00:00+00:00")])
    assert isinstance(unchanged, Unchanged)
    spider = Spider("provincial")
    spider.crawler = crawler
    logged = RecordLogFormatter().dropped(make_article(), unchanged, None, spider)
    assert logged["level"] == logging.DEBUG
    report = RunReportExtension(crawler)
    report.item_dropped(make_article(), unchanged)
    assert report.build("finished")["sites"]["shanxi-gov"]["columns"]["山西要闻"]["unchanged"] == 1
