"""Project settings a crawl that runs unattended for months relies on."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.extensions.remote_control import RemoteControl
from scrapy.extensions.telnet import TelnetConsole
from scrapy.settings import Settings


def _project_crawler() -> Any:
    # Both extensions decide from the settings alone, before they touch anything else of the crawler.
    settings = Settings()
    settings.setmodule("newsspider.settings", priority="project")
    return SimpleNamespace(settings=settings)


def test_a_crawl_opens_no_port_that_runs_code() -> None:
    crawler = _project_crawler()
    with pytest.raises(NotConfigured):
        RemoteControl(crawler)
    with pytest.raises(NotConfigured):
        TelnetConsole.from_crawler(crawler)


def test_a_dropped_record_is_logged_by_its_url_not_its_text() -> None:
    import logging

    from scrapy.exceptions import DropItem
    from scrapy.utils.misc import load_object

    from newsspider.items import NewsArticle

    formatter = load_object(_project_crawler().settings["LOG_FORMATTER"])()
    spider = SimpleNamespace(crawler=SimpleNamespace(settings={"DEFAULT_DROPITEM_LOG_LEVEL": "WARNING"}))
    record = NewsArticle(url="http://www.shanxi.gov.cn/a/t20200218_1.html", text="全文" * 5000)
    for logged in (
        formatter.dropped(record, DropItem("not written: disk full"), None, spider),
        formatter.item_error(record, OSError("disk full"), None, spider),
    ):
        line = logged["msg"] % logged["args"]
        assert "http://www.shanxi.gov.cn/a/t20200218_1.html" in line
        assert "\n" not in line  # one log line, with its timestamp
        assert "全文" not in line
    assert formatter.dropped(record, DropItem("x"), None, spider)["level"] == logging.WARNING
