"""Ctrl-C / SIGTERM: once a graceful shutdown began, no request not yet sent leaves; the answers already on
their way are still stored, and the process exits at once instead of draining the download queue."""

from __future__ import annotations

import asyncio
import signal
import time
from typing import TYPE_CHECKING

import pytest
from scrapy import Request, Spider
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.core.engine import ExecutionEngine
from scrapy.exceptions import IgnoreRequest, NotSupported
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from newsspider import signals as ns_signals
from newsspider.middlewares.sendgate import SendGate
from tests.faultserver import PREFIX, FaultServer, finish, reports, start_crawl
from tests.records import read_records

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy.crawler import Crawler
    from scrapy.http import Response

ARTICLES = 30
POLITE = ("CONCURRENT_REQUESTS_PER_DOMAIN=1", "DOWNLOAD_DELAY=0.2", "DOWNLOAD_DELAY_JITTER=0")
"""One request at a time with a delay: the other article requests wait in the host's download queue (up
to CONCURRENT_REQUESTS of them), which Scrapy's own graceful stop would send one delay apart."""


def article_paths(server: FaultServer, since: float = 0.0) -> list[str]:
    return [h.path for h in server.log() if h.path.startswith(PREFIX) and h.at > since]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_shutdown_sends_nothing_more_and_keeps_what_was_fetched(tmp_path: Path, signum: int) -> None:
    sites, out = tmp_path / "sites", tmp_path / "out"
    # Each article takes 0.4 s to answer: when the signal comes, one answer is on its way.
    with FaultServer(faults=(), good=ARTICLES, delay=0.4) as server:
        server.profile(sites)
        proc = start_crawl(sites, out, settings=POLITE)
        deadline = time.monotonic() + 30
        while len(article_paths(server)) < 3 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        signalled = time.monotonic()
        proc.send_signal(signum)
        done = finish(proc, timeout=30)
        exited = time.monotonic() - signalled
        sent = article_paths(server)
        after = article_paths(server, since=signalled)
        stored = sorted(r["url"] for r in read_records(out))
        server.delay = 0.0
        # The next run fetches what this one left, and nothing it stored already.
        proc = start_crawl(sites, out, settings=("DOWNLOAD_DELAY=0",))
        again = finish(proc, timeout=60)
        second = article_paths(server)[len(sent) :]

    assert len(sent) == 3, done.stderr[-2000:]
    assert after == [], after
    # Nothing sent after the signal (above) is the property; this bound, generous for a loaded machine,
    # catches a stop that hangs.
    assert exited < 10.0, f"exited {exited:.1f} s after the signal"
    assert done.returncode == 1, done.stderr[-2000:]
    # The answer that was on its way when the signal came is stored, like every other one.
    assert stored == sorted(f"{server.base}{path}" for path in sent)
    first = reports(out)[0]
    assert first["finish_reason"] == "shutdown"
    # The requests that never left are skipped on purpose, not failures.
    assert first["totals"]["failed"] == 0
    assert first["totals"]["skipped"] == first["stats"]["newsspider/shutdown_dropped"] > 0

    assert again.returncode == 0, again.stderr[-2000:]
    assert sorted(second) == sorted({f"{PREFIX}good-{n}.html" for n in range(1, ARTICLES + 1)} - set(sent))
    urls = [r["url"] for r in read_records(out)]
    assert len(urls) == len(set(urls)) == ARTICLES


# -- the gate itself ------------------------------------------------------------------------------------


class CannedHandler(BaseDownloadHandler):
    """Stands in for Scrapy's HTTP handler: answers every request without a network, and marks it sent."""

    async def download_request(self, request: Request) -> Response:
        request.meta["canned_sent"] = True
        return HtmlResponse(request.url, body=b"<html><body><p>canned</p></body></html>")


def gate_of(crawler: Crawler) -> SendGate:
    crawler.engine = ExecutionEngine(crawler, lambda _: None)
    crawler.stats.open_spider()
    return SendGate.from_crawler(crawler)


def test_the_gate_sends_through_the_configured_handler_and_refuses_everything_once_stopping() -> None:
    crawler = get_crawler(
        Spider,
        settings_dict={
            "DOWNLOAD_HANDLERS": {"http": "newsspider.middlewares.sendgate.SendGate"},
            "NEWSSPIDER_SEND_HANDLERS": {"http": f"{__name__}.CannedHandler"},
        },
    )
    gate = gate_of(crawler)
    assert SendGate.from_crawler(crawler) is gate  # one per crawler, whichever scheme built it
    crawler.engine.running = True
    sent = Request("http://www.shanxi.gov.cn/yw/sxyw/202002/t20200218_1.shtml")
    assert b"canned" in asyncio.run(gate.download_request(sent)).body
    assert sent.meta.get("canned_sent") is True

    crawler.engine.running = False  # what ExecutionEngine.stop_async does first
    held = Request("http://www.shanxi.gov.cn/yw/sxyw/202002/t20200218_2.shtml")
    with pytest.raises(IgnoreRequest, match=r"^shutdown"):
        asyncio.run(gate.download_request(held))
    assert "canned_sent" not in held.meta
    assert held.meta["ns_not_sent"] == "shutdown"
    assert crawler.stats.get_value("newsspider/shutdown_dropped") == 1


def test_the_gate_sends_nothing_more_once_the_crawl_closes_on_its_own_error() -> None:
    # A full disk or a lost Redis closes the spider without Ctrl-C: the engine still runs while its queues
    # drain, so the crawl says it is stopping (pipelines.state.stop_crawl sends the signal).
    crawler = get_crawler(
        Spider, settings_dict={"NEWSSPIDER_SEND_HANDLERS": {"http": f"{__name__}.CannedHandler"}}
    )
    gate = gate_of(crawler)
    crawler.engine.running = True
    crawler.signals.send_catch_log(signal=ns_signals.stopping, reason="storage_error")
    held = Request("http://www.shanxi.gov.cn/yw/sxyw/202002/t20200218_3.shtml")
    with pytest.raises(IgnoreRequest, match=r"^shutdown"):
        asyncio.run(gate.download_request(held))
    assert "canned_sent" not in held.meta


def test_the_gate_never_sends_through_itself() -> None:
    crawler = get_crawler(
        Spider,
        settings_dict={"NEWSSPIDER_SEND_HANDLERS": {"http": "newsspider.middlewares.sendgate.SendGate"}},
    )
    gate = gate_of(crawler)
    crawler.engine.running = True
    with pytest.raises(NotSupported, match="NEWSSPIDER_SEND_HANDLERS"):
        asyncio.run(gate.download_request(Request("http://www.shanxi.gov.cn/")))
