"""Challenge pages: recognised, counted per host, reported, and their host not asked again."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.settings import Settings
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from newsspider import settings as project_settings
from newsspider import signals
from newsspider.middlewares.challenge import ChallengeMiddleware, challenge_kind
from newsspider.replica.server import CHALLENGE_PAGE

JSL_PAGE = (
    "<html><body><script>document.cookie=('_')+('_j')+('sl')+('_clearance_s=1690000000.123|0|'"
    ")+(function(){var a=['x'];return a.join('')})();location.href=location.pathname+location.search"
    "</script></body></html>"
)
COOKIE_WALL = (
    "<html><head><script>var c=function(){return 'a8f'+(3*7)};document.cookie='acw_sc__v2='+c()+';path=/';"
    "location.reload();</script></head><body></body></html>"
)
JS_REDIRECT = (
    '<html><head><script>window.location.href="/xwzx/index.html";</script></head><body></body></html>'
)
SMALL_NEWS = (
    "<html><head><script>var _hmt=_hmt||[];</script></head><body><h1>省政府召开常务会议</h1>"
    "<p>会议研究部署春耕备耕工作。</p></body></html>"
)


def html(
    status: int, body: str, url: str = "http://www.nmpa.gov.cn/xxgk/index.html", **headers: Any
) -> Response:
    head = {"Content-Type": "text/html; charset=utf-8", **headers}
    return HtmlResponse(url, status=status, body=body.encode("utf-8"), headers=head)


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        pytest.param(html(412, CHALLENGE_PAGE), "rs-412", id="rs-412"),
        pytest.param(html(202, CHALLENGE_PAGE), "rs-412", id="rs-202"),
        pytest.param(
            html(521, JSL_PAGE.replace("_clearance", "__jsluid_clearance")), "jsl-521", id="jsl-body"
        ),
        pytest.param(
            html(521, JSL_PAGE, **{"Set-Cookie": "__jsluid_h=8c1f; max-age=31536000"}),
            "jsl-521",
            id="jsl-cookie",
        ),
        pytest.param(html(200, COOKIE_WALL), "js-only", id="cookie-wall-200"),
        pytest.param(html(412, "<html><body><p>请求参数错误</p></body></html>"), None, id="plain-412"),
        pytest.param(html(200, JS_REDIRECT), None, id="js-redirect"),
        pytest.param(html(200, SMALL_NEWS), None, id="small-page-with-text"),
        pytest.param(html(200, COOKIE_WALL + "<!--" + "x" * 3000 + "-->"), None, id="over-2kb"),
        pytest.param(
            TextResponse(
                "http://www.hainan.gov.cn/common/search/x",
                body=b'{"data": {"total": 0}}',
                headers={"Content-Type": "application/json"},
            ),
            None,
            id="json-api",
        ),
    ],
)
def test_challenge_kind(response: Response, kind: str | None) -> None:
    assert challenge_kind(response) == kind


@pytest.fixture
def middleware() -> tuple[ChallengeMiddleware, list[dict[str, Any]], Any]:
    crawler = get_crawler(Spider, settings_dict={})
    crawler.spider = Spider("test")
    sent: list[dict[str, Any]] = []
    crawler.signals.connect(lambda **kw: sent.append(kw), signal=signals.challenge_detected, weak=False)
    mw = build_from_crawler(ChallengeMiddleware, crawler)
    crawler.stats.open_spider()
    return mw, sent, crawler.stats


def test_a_challenge_is_counted_reported_and_its_host_dropped(
    middleware: tuple[ChallengeMiddleware, list[dict[str, Any]], Any],
) -> None:
    mw, sent, stats = middleware
    first = Request("http://www.nmpa.gov.cn/xxgk/index.html", meta={"ns_site": "nmpa"})
    with pytest.raises(IgnoreRequest):
        mw.process_response(first, html(412, CHALLENGE_PAGE, url=first.url))
    assert stats.get_value("newsspider/challenge/www.nmpa.gov.cn") == 1
    assert [(s["host"], s["kind"], s["site"], s["url"]) for s in sent] == [
        ("www.nmpa.gov.cn", "rs-412", "nmpa", first.url)
    ]
    with pytest.raises(IgnoreRequest, match="not asking again"):
        mw.process_request(Request("http://www.nmpa.gov.cn/xxgk/202001/t20200101_1.html"))
    assert stats.get_value("newsspider/challenge_dropped/www.nmpa.gov.cn") == 1
    # Other hosts are untouched, and ordinary pages pass through.
    other = Request("http://www.shanxi.gov.cn/yw/sxyw/index.html")
    assert mw.process_request(other) is None
    page = html(200, SMALL_NEWS, url=other.url)
    assert mw.process_response(other, page) is page


def test_the_middleware_sits_above_retry() -> None:
    # process_response runs from the highest order down: above 550 it sees a challenge before Retry does.
    settings = Settings()
    settings.setmodule(project_settings)
    ours = settings.getdict("DOWNLOADER_MIDDLEWARES")["newsspider.middlewares.challenge.ChallengeMiddleware"]
    retry = settings.getdict("DOWNLOADER_MIDDLEWARES_BASE")[
        "scrapy.downloadermiddlewares.retry.RetryMiddleware"
    ]
    assert ours > retry
