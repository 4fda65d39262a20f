"""Challenge pages: recognised, counted per host, reported, and their host not asked again."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

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
from pipelines.state import open_state
from tests.faultserver import DAY, article_html, crawl, reports
from tests.records import read_records

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


# -- a real crawl against a host that starts challenging part-way ------------------------------------------


def title(name: str) -> str:
    return f"省政府召开第{name.rpartition('-')[2]}次常务会议研究部署春耕备耕工作"


class WallServer:
    """A small news site on 127.0.0.1 whose firewall wakes up after ``open_articles`` article answers: from
        then on every article gets the 瑞数 412. Each answer is logged as ``(status, path)``, and the time of the
    first 412 (``time.monotonic()``) kept."""

    def __init__(self, articles: int, open_articles: int) -> None:
        self.names = [f"wall-{n}" for n in range(1, articles + 1)]
        self.open_articles = open_articles
        self.log: list[tuple[int, str]] = []
        self.walled_at = 0.0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True

    def __enter__(self) -> Self:
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def profile(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "walled.toml").write_text(
            'name = "山西资讯网"\nprovince = "山西"\nplatform = "generic"\nallowed_domains = ["127.0.0.1"]\n'
            f'\n[[columns]]\nname = "要闻"\nurl = "{self.base}/news/index.html"\n',
            encoding="utf-8",
        )

    def _answer(self, path: str) -> tuple[int, str]:
        if path == "/robots.txt":
            return 200, "User-agent: *\nDisallow:\n"
        if path == "/news/index.html":
            rows = "\n".join(
                f'<li><span class="date">{DAY}</span><a href="/news/{DAY}/{name}.html">{title(name)}</a></li>'
                for name in self.names
            )
            return (
                200,
                f'<html><head><meta charset="utf-8"></head><body><ul class="newslist">{rows}</ul></body></html>',
            )
        name = path.rpartition("/")[2].removesuffix(".html")
        if name not in self.names:
            return 404, "<html><body>404</body></html>"
        with self._lock:
            served = sum(1 for status, p in self.log if status == 200 and p.startswith("/news/2"))
        return (200, article_html(name)) if served < self.open_articles else (412, CHALLENGE_PAGE)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        wall = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the server keeps its own log."""

            def do_GET(self) -> None:
                status, text = wall._answer(self.path)
                with wall._lock:
                    wall.log.append((status, self.path))
                    if status == 412 and not wall.walled_at:
                        wall.walled_at = time.monotonic()
                body = text.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


def test_no_request_reaches_a_host_after_its_first_challenge(tmp_path: Path) -> None:
    # One request at a time per host and a delay: the other article requests wait in the host's download
    # queue, past the middleware's check, when the challenge comes. None of them may be sent, and they are
    # dropped at once, not one delay apart.
    sites, out = tmp_path / "sites", tmp_path / "out"
    polite = ("CONCURRENT_REQUESTS_PER_DOMAIN=1", "DOWNLOAD_DELAY=1.0", "DOWNLOAD_DELAY_JITTER=0")
    with WallServer(articles=10, open_articles=3) as wall:
        wall.profile(sites)
        done = crawl(sites, out, site="walled", settings=polite)
        ended = time.monotonic() - wall.walled_at
        log, stored, report = list(wall.log), read_records(out), reports(out)[-1]
        seen = open_state("", out).count()
        # The wall comes down: the next run fetches exactly the articles the first one dropped.
        wall.open_articles = 100
        again = crawl(sites, out, site="walled", settings=("DOWNLOAD_DELAY=0",))
        second = wall.log[len(log) :]
    assert done.returncode == 4, done.stderr[-2000:]
    assert [path for status, path in log if status == 412] == [log[-1][1]], log
    # Six queued requests refused one delay apart would take 6 s; dropped at once, the crawl ends as soon
    # as the process has written its report (the margin is for a loaded machine).
    assert ended < 4.0, f"the crawl ended {ended:.1f} s after the challenge"
    answered = {path for status, path in log if status == 200 and path.startswith("/news/2")}
    assert sorted(r["url"] for r in stored) == sorted(f"{wall.base}{path}" for path in answered)
    assert len(stored) == seen == 3
    # Dropped on purpose, not failed, and none of them marked seen.
    assert report["sites"]["walled"]["skipped"] == {"challenge": 10 - 3}
    assert report["totals"]["failed"] == 0
    assert again.returncode == 0, again.stderr[-2000:]
    fetched = {path for status, path in second if status == 200 and path.startswith("/news/2")}
    assert len(fetched) == 10 - 3
    assert fetched.isdisjoint(answered)
    assert len(read_records(out)) == 10
