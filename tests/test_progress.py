"""Progress per site (live on a terminal, a line every N seconds otherwise) and the run's log files."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Request, Spider
from scrapy import signals as scrapy_signals
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.http import HtmlResponse
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from newsspider import signals
from newsspider.extensions.progress import ProgressExtension
from newsspider.items import NewsArticle
from newsspider.logsetup import configure_run_logging, remove_run_logging

if TYPE_CHECKING:
    from collections.abc import Iterator

REPO = Path(__file__).resolve().parent.parent


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_extension(
    monkeypatch: pytest.MonkeyPatch, stream: io.StringIO, **settings: Any
) -> ProgressExtension:
    monkeypatch.setattr(sys, "stderr", stream)
    crawler = get_crawler(Spider, {"NEWSSPIDER_PROGRESS_INTERVAL": 5, **settings})
    ext = build_from_crawler(ProgressExtension, crawler)
    ext.clock = Clock()
    return ext


def article_request(site: str, n: int) -> Request:
    return Request(
        f"http://www.shanxi.gov.cn/yw/sxyw/202011/t20201119_{n}.shtml",
        meta={"ns_kind": "article", "ns_site": site, "ns_column": "要闻"},
    )


def simulate(ext: ProgressExtension) -> None:
    """One site that listed two pages (20 new links), fetched three articles, and one that was blocked."""
    send = ext.crawler.signals.send_catch_log
    spider = Spider("provincial")
    for page in (1, 2):
        send(
            signals.listing_fetched,
            url=f"http://www.shanxi.gov.cn/yw/index_{page}.shtml",
            site="shanxi-gov",
            column="要闻",
            rows=20,
            new=10,
            oldest="2020-11-01",
        )
    for n in (1, 2, 3):
        request = article_request("shanxi-gov", n)
        send(scrapy_signals.request_scheduled, request=request, spider=spider)
        response = HtmlResponse(request.url, body=b"<html></html>", request=request)
        send(scrapy_signals.response_received, response=response, request=request, spider=spider)
    item = NewsArticle(url="http://www.shanxi.gov.cn/a.shtml", site="shanxi-gov")
    send(scrapy_signals.item_scraped, item=item, response=None, spider=spider)
    send(
        scrapy_signals.item_scraped,
        item=NewsArticle(url=item.url, site="shanxi-gov", version=2),
        response=None,
        spider=spider,
    )
    send(
        scrapy_signals.item_dropped, item=item, response=None, exception=DropItem("unchanged"), spider=spider
    )
    send(
        signals.article_failed,
        url="http://www.shanxi.gov.cn/b.shtml",
        site="shanxi-gov",
        column="要闻",
        reason="http 500",
    )
    blocked = Request(
        "http://www.henan.gov.cn/2020/index.html", meta={"ns_kind": "listing", "ns_site": "henan-gov"}
    )
    send(scrapy_signals.request_scheduled, request=blocked, spider=spider)
    send(signals.challenge_detected, url=blocked.url, host="www.henan.gov.cn", kind="rs-412")


def test_disabled_by_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(NotConfigured):
        make_extension(monkeypatch, io.StringIO(), NEWSSPIDER_PROGRESS=False)


def test_counts_rate_and_eta_per_site(monkeypatch: pytest.MonkeyPatch) -> None:
    ext = make_extension(monkeypatch, io.StringIO())
    simulate(ext)
    ext.clock.now += 60  # type: ignore[attr-defined]
    henan, shanxi = ext.lines()
    # 3 fetched + 1 failed = 4 done in a minute; 16 of the 20 listed links left: 4 minutes.
    assert shanxi == (
        "shanxi-gov: listed 2 pages | fetched 3/20 | new 1 updated 1 dropped 1 failed 1 | 4.0/min | ETA 4m00s"
    )
    assert henan.startswith("henan-gov: listed 0 pages | fetched 0 |")
    assert henan.endswith("ETA ? | challenge: www.henan.gov.cn rs-412")


def test_a_site_whose_listings_brought_nothing_new_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    # The second run of a cron job: listings read, every row seen before and skipped.
    ext = make_extension(monkeypatch, io.StringIO())
    send = ext.crawler.signals.send_catch_log
    listing = Request(
        "http://www.shanxi.gov.cn/yw/index.html", meta={"ns_kind": "listing", "ns_site": "shanxi-gov"}
    )
    send(scrapy_signals.request_scheduled, request=listing, spider=ext.crawler.spider)
    send(signals.listing_fetched, url=listing.url, site="shanxi-gov", column="要闻", rows=20, new=20,
         oldest=None)  # fmt: skip
    for n in range(19):
        url = f"http://www.shanxi.gov.cn/yw/202002/t20200218_{n}.html"
        send(signals.article_skipped, url=url, site="shanxi-gov", column="要闻", reason="seen")
    ext.clock.now += 60  # type: ignore[attr-defined]
    (line,) = ext.lines()
    assert line.endswith("| ETA ?")  # one row left and nothing done yet: no rate to tell by
    send(signals.article_skipped, url=listing.url + "?last", site="shanxi-gov", column="要闻", reason="seen")
    (line,) = ext.lines()
    assert line.startswith("shanxi-gov: listed 1 pages | fetched 0/20 |")
    assert line.endswith("| nothing left to fetch")


def test_without_a_terminal_progress_goes_to_the_log(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    stream = io.StringIO()
    ext = make_extension(monkeypatch, stream)
    assert not ext.live
    assert ext.interval == 5
    simulate(ext)
    with caplog.at_level(logging.INFO, logger="newsspider.extensions.progress"):
        ext.tick()
    assert [r.getMessage().split(" |")[0] for r in caplog.records] == [
        "progress henan-gov: listed 0 pages",
        "progress shanxi-gov: listed 2 pages",
    ]
    assert stream.getvalue() == ""  # no escape codes into a cron mail or a log file


def test_live_display_redraws_in_place_and_steps_aside_for_log_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    tty = Tty()
    ext = make_extension(monkeypatch, tty)
    assert ext.live
    handler = logging.StreamHandler(tty)
    logging.getLogger().addHandler(handler)
    try:
        ext.hook_log_handlers()
        simulate(ext)
        ext.tick()
        first = tty.getvalue()
        assert first.count("\n") == 3  # two sites and the totals
        assert "shanxi-gov: listed 2 pages" in first
        assert "total: " in first
        ext.tick()
        second = tty.getvalue()[len(first) :]
        assert second.startswith("\x1b[3F")  # back up over the three lines, redraw them
        logging.getLogger("newsspider.test").warning("站点 www.henan.gov.cn 返回 412")
        after_log = tty.getvalue()[len(first) + len(second) :]
        assert after_log.startswith("\x1b[3F\x1b[J")  # wiped before the log line printed
        assert "返回 412" in after_log
        ext.tick()
        assert not tty.getvalue().endswith("\x1b[3F\x1b[J")
        ext.spider_closed(Spider("provincial"))
        assert handler.filters == []
    finally:
        logging.getLogger().removeHandler(handler)


def test_live_display_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    ext = make_extension(monkeypatch, Tty(), NEWSSPIDER_PROGRESS_LIVE=False)
    assert not ext.live


# -- the run's log file ----------------------------------------------------------------------------


@pytest.fixture
def run_logging() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    yield
    remove_run_logging()
    root.setLevel(level)
    logging.captureWarnings(False)  # configure_run_logging routes warnings to the log; undo for other tests


@pytest.mark.usefixtures("run_logging")
def test_run_log_file_and_quiet_stderr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    path = configure_run_logging(tmp_path, "20261128T020000Z", quiet=True)
    assert path == tmp_path / "logs" / "20261128T020000Z.log"
    log = logging.getLogger("newsspider.crawl")
    log.info("shanxi-gov: 12 listing pages")
    log.warning("henan-gov: challenge rs-412 at www.henan.gov.cn")
    text = path.read_text(encoding="utf-8")
    assert "[newsspider.crawl] INFO: shanxi-gov: 12 listing pages" in text
    assert "WARNING: henan-gov: challenge" in text
    # Cron mail gets the warning only.
    assert "listing pages" not in stderr.getvalue()
    assert "henan-gov: challenge rs-412" in stderr.getvalue()


@pytest.mark.usefixtures("run_logging")
def test_configuring_twice_does_not_double_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    configure_run_logging(tmp_path, "run-1", quiet=False)
    second = configure_run_logging(tmp_path, "run-2", quiet=False)
    logging.getLogger("newsspider.crawl").info("一行")
    assert stderr.getvalue().count("一行") == 1
    assert second.read_text(encoding="utf-8").count("一行") == 1
    assert "一行" not in (tmp_path / "logs" / "run-1.log").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="not usable as a file name"):
        configure_run_logging(tmp_path, "../escape", quiet=False)


# -- a real crawl --------------------------------------------------------------------------------

SPIDER = """
import sys
import scrapy
from newsspider import signals
from newsspider.items import NewsArticle
from newsspider.logsetup import configure_run_logging
from scrapy.crawler import CrawlerProcess


class Listing(scrapy.Spider):
    name = "provincial"

    def __init__(self, base, **kw):
        super().__init__(**kw)
        self.base = base

    async def start(self):
        yield scrapy.Request(self.base + "/list.html", meta={"ns_kind": "listing", "ns_site": "sxrb"})

    def parse(self, response):
        links = [f"{self.base}/a{n}.html" for n in range(6)]
        self.crawler.signals.send_catch_log(signals.listing_fetched, url=response.url, site="sxrb",
                                            column="要闻", rows=6, new=6, oldest=None)
        for link in links:
            yield scrapy.Request(link, self.article, meta={"ns_kind": "article", "ns_site": "sxrb"})

    def article(self, response):
        yield NewsArticle(url=response.url, site="sxrb")


process = CrawlerProcess({
    "LOG_INSTALL_ROOT_HANDLER": False,
    "EXTENSIONS": {"newsspider.extensions.progress.ProgressExtension": 510},
    "NEWSSPIDER_PROGRESS_INTERVAL": 0.2,
    "CONCURRENT_REQUESTS": 1,
    "TELNETCONSOLE_ENABLED": False,
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
})
configure_run_logging(sys.argv[2], "run-1", quiet=True)
process.crawl(Listing, base=sys.argv[1])
process.start()
"""


class SlowHandler(SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(0.15)
        body = b"<html><body>ok</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_crawl_writes_progress_lines_to_its_log(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SlowHandler, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    script = tmp_path / "crawl.py"
    script.write_text(SPIDER, encoding="utf-8")
    try:
        done = subprocess.run(
            [
                sys.executable,
                str(script),
                f"http://127.0.0.1:{server.server_address[1]}",
                str(tmp_path / "data"),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        server.shutdown()
    assert done.returncode == 0, done.stderr
    log = (tmp_path / "data" / "logs" / "run-1.log").read_text(encoding="utf-8")
    progress = [x for x in log.splitlines() if "] INFO: progress sxrb:" in x]
    assert len(progress) >= 3, log  # several interval lines and the final one
    assert "fetched 6/6 | new 6 updated 0 dropped 0 failed 0" in progress[-1]
    # --quiet: INFO progress stays out of stderr (cron mail), in the file only.
    assert "progress sxrb" not in done.stderr


@pytest.mark.usefixtures("run_logging")
def test_run_log_survives_scrapy_configuring_logging_afterwards(tmp_path: Path) -> None:
    # The crawl command configures run logging first, then builds its CrawlerProcess, whose
    # logging set-up closes every handler it finds (dictConfig): the file must keep receiving lines.
    from scrapy.utils.log import configure_logging

    path = configure_run_logging(tmp_path, "run-3", quiet=True)
    configure_logging({"LOG_INSTALL_ROOT_HANDLER": False})
    logging.getLogger("newsspider.crawl").warning("after Scrapy's logging set-up")
    assert "after Scrapy's logging set-up" in path.read_text(encoding="utf-8")
