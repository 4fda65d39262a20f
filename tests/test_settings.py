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


def _crawler_with_project_settings(**overrides: Any) -> Any:
    from scrapy import Spider
    from scrapy.utils.test import get_crawler

    class _Site(Spider):
        name = "site"
        allowed_domains = ["shanxi.gov.cn"]

    from newsspider import settings as project

    ours = {name: value for name, value in vars(project).items() if name.isupper()}
    del ours["TWISTED_REACTOR"]  # get_crawler's test reactor settings instead
    crawler = get_crawler(_Site, settings_dict={**ours, **overrides})
    crawler.spider = crawler._create_spider()
    return crawler


def test_a_url_over_scrapys_length_limit_is_still_refused_and_reported() -> None:
    """Scrapy's UrlLengthMiddleware (which dropped such links at INFO) is off; the request guard keeps its
    2083-character limit and reports the refusal as the spider's other refusals are."""
    from scrapy import Request
    from scrapy.core.spidermw import SpiderMiddlewareManager
    from scrapy.utils.misc import build_from_crawler

    from newsspider.middlewares.guard import RequestGuardMiddleware
    from newsspider.middlewares.refusals import Refused

    crawler = _crawler_with_project_settings()
    enabled = {type(mw).__name__ for mw in SpiderMiddlewareManager.from_crawler(crawler).middlewares}
    assert not enabled & {"DepthMiddleware", "UrlLengthMiddleware", "MetaCopyDetectionMiddleware"}
    guard = build_from_crawler(RequestGuardMiddleware, crawler)
    base = "https://www.shanxi.gov.cn/yw/?q="
    assert guard.process_request(Request(base + "a" * (2083 - len(base)))) is None
    with pytest.raises(Refused) as refused:
        guard.process_request(Request(base + "a" * (2084 - len(base))))
    assert refused.value.reason == "url-too-long"


def test_a_depth_setting_that_would_do_nothing_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    from newsspider.middlewares.incremental import IncrementalMiddleware

    def warnings() -> list[str]:
        return [
            r.getMessage() for r in caplog.records if r.levelname == "WARNING" and "DEPTH" in r.getMessage()
        ]

    IncrementalMiddleware(_crawler_with_project_settings())
    assert warnings() == []
    IncrementalMiddleware(_crawler_with_project_settings(DEPTH_LIMIT=3))
    (warning,) = warnings()
    assert warning.startswith("DEPTH_LIMIT has no effect")
