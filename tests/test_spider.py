"""The provincial spider's crawl graph, fed with pages the replica renders (no network, no reactor)."""

from __future__ import annotations

import asyncio
import gc
import re
from dataclasses import replace
from datetime import UTC, date
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest, UsageError
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.internet.error import DNSLookupError, TimeoutError
from twisted.python.failure import Failure

from newsspider import signals
from newsspider.items import NewsArticle
from newsspider.middlewares.refusals import ChallengeRefused, NotSent, Refused
from newsspider.parsers import ListingContext
from newsspider.platforms.base import ListingRow, same_site
from newsspider.replica.catalog import SITES
from newsspider.spiders import provincial
from newsspider.spiders.provincial import ProvincialSpider, parse_since

if TYPE_CHECKING:
    from collections.abc import Iterable

    from newsspider.replica import Replica

SIGNALS = ("listing_fetched", "listing_failed", "article_failed", "article_skipped")


class Harness:
    """A spider on a test crawler, with the project signals it sent."""

    def __init__(self, replica: Replica, **args: Any) -> None:
        assert replica.sites_dir is not None
        self.replica = replica
        self.crawler = get_crawler(
            ProvincialSpider, settings_dict={"NEWSSPIDER_SITES_DIR": str(replica.sites_dir)}
        )
        self.spider = ProvincialSpider.from_crawler(self.crawler, **args)
        self.crawler.spider = self.spider
        self.sent: dict[str, list[dict[str, Any]]] = {name: [] for name in SIGNALS}
        for name in SIGNALS:
            self.crawler.signals.connect(self._collect(name), signal=getattr(signals, name), weak=False)

    def _collect(self, name: str) -> Any:
        return lambda **kw: self.sent[name].append(
            {k: v for k, v in kw.items() if k not in {"signal", "sender"}}
        )

    def served(self, site: str, path: str, meta: dict[str, Any]) -> HtmlResponse:
        """The replica's answer for ``path``, as Scrapy would hand it to a callback."""
        spec = next(s for s in SITES if s.key == site)
        reply, _ = self.replica.answer(f"127.0.0.{spec.host}", "GET", path, {})
        body = reply.body.encode(spec.encoding) if isinstance(reply.body, str) else reply.body
        url = self.replica.base(site) + path
        request = Request(url, meta=meta)
        headers = {"Content-Type": f"text/html; charset={spec.charset}" if spec.charset else "text/html"}
        return HtmlResponse(url, status=reply.status, body=body, headers=headers, request=request)

    def listing(self, site: str, path: str, column: str, page: int = 1) -> HtmlResponse:
        meta = {"ns_kind": "listing", "ns_site": site, "ns_column": column, "ns_page": page}
        return self.served(site, path, meta)


def requests(output: Iterable[Any]) -> tuple[list[Request], list[Request]]:
    out = list(output)
    assert all(isinstance(o, Request) for o in out)
    return (
        [o for o in out if o.meta["ns_kind"] == "article"],
        [o for o in out if o.meta["ns_kind"] == "listing"],
    )


def test_arguments_give_profiles_and_allowed_domains(replica: Replica) -> None:
    h = Harness(replica, site="replica-trs,replica-founder", since="2020-03-01", max_pages="2")
    assert list(h.spider.profiles) == ["replica-trs", "replica-founder"]
    assert h.spider.allowed_domains == ["127.0.0.1", "127.0.0.4"]
    assert h.spider.since == date(2020, 3, 1)
    assert h.spider.max_pages == 2
    with pytest.raises(ValueError, match="site=KEY"):
        ProvincialSpider()


def test_start_sends_each_columns_first_listing(replica: Replica) -> None:
    h = Harness(replica, site="replica-trs,replica-ucap")

    async def collect() -> list[Request]:
        return [r async for r in h.spider.start()]

    sent = asyncio.run(collect())
    assert [(r.meta["ns_site"], r.meta["ns_column"], r.meta["ns_page"], r.meta["ns_kind"]) for r in sent] == [
        ("replica-trs", "山西要闻", 1, "listing"),
        ("replica-trs", "政策解读", 1, "listing"),
        ("replica-ucap", "海南要闻", 1, "listing"),
    ]
    assert all(r.callback == h.spider.parse_listing and r.errback == h.spider.listing_error for r in sent)
    assert "/common/search/" in sent[2].url  # the platform chose the UCAP JSON API for that column


def test_listing_yields_articles_with_their_row_and_the_next_page(replica: Replica) -> None:
    h = Harness(replica, site="replica-trs")
    articles, listings = requests(
        h.spider.parse_listing(h.listing("replica-trs", "/yw/sxyw/index.html", "山西要闻"))
    )
    rows = replica.catalog.listings[("replica-trs", "山西要闻")][:15]
    long_row = next(r for r in rows if len(r.title) > 18)
    sent = next(a for a in articles if a.url.endswith(long_row.href.rsplit("/", 1)[1]))
    # The visible title is cut with …; the request carries the whole one from @title, and the row date.
    assert sent.meta["ns_listing_title"] == long_row.title
    assert sent.meta["ns_listing_date"] == long_row.date
    assert (sent.meta["ns_site"], sent.meta["ns_column"]) == ("replica-trs", "山西要闻")
    assert sent.callback == h.spider.parse_article
    assert sent.errback == h.spider.article_error
    (following,) = listings
    assert following.url.endswith("/yw/sxyw/index_1.html")
    assert following.meta["ns_page"] == 2
    assert following.callback == h.spider.parse_listing
    # The off-site row is not requested; it is reported as skipped.
    assert not [a for a in articles if "127.0.0.9" in a.url]
    assert [s["reason"] for s in h.sent["article_skipped"]] == ["off-site"]
    (fetched,) = h.sent["listing_fetched"]
    assert fetched["site"] == "replica-trs"
    assert fetched["rows"] == fetched["new"] == len(articles) + 1
    assert fetched["oldest"] == min(r.date for r in rows)


def test_since_skips_older_rows_and_stops_at_an_all_old_page(replica: Replica) -> None:
    rows = replica.catalog.listings[("replica-founder", "山西新闻")]
    h = Harness(replica, site="replica-founder", since=rows[4].date)
    articles, listings = requests(
        h.spider.parse_listing(h.listing("replica-founder", "/node_311.htm", "山西新闻"))
    )
    assert {a.meta["ns_listing_date"] for a in articles} == {
        r.date for r in rows[:10] if r.date >= rows[4].date
    }
    assert len(listings) == 1  # a page with some new rows goes on
    assert {s["reason"] for s in h.sent["article_skipped"]} == {"before-since"}
    page2 = h.listing("replica-founder", "/node_311_2.htm", "山西新闻", page=2)
    articles, listings = requests(h.spider.parse_listing(page2))
    assert (articles, listings) == ([], [])


def test_undated_rows_never_stop_pagination(replica: Replica) -> None:
    # People article URLs carry no date either (/GB/314064/9947001.html): nothing dates these rows.
    h = Harness(replica, site="replica-people", since="2030-01-01")
    page = h.listing("replica-people", "/GB/314064/index.html", "要闻")
    undated = page.replace(body=re.sub(rb"<em>\[[\d-]+\]</em>", b"", page.body))
    articles, listings = requests(h.spider.parse_listing(undated))
    assert len(articles) == 10
    assert len(listings) == 1


def test_since_reads_the_url_date_of_rows_without_a_listing_date(replica: Replica) -> None:
    rows = [r for r in replica.catalog.listings[("replica-trs", "山西要闻")] if r.article is not None]
    since = rows[6].date
    h = Harness(replica, site="replica-trs", since=since)
    page = h.listing("replica-trs", "/yw/sxyw/index.html", "山西要闻")
    undated = page.replace(body=re.sub(rb"<span>\[[\d-]+\]</span>", b"", page.body))
    assert b"<span>[" not in undated.body
    articles, listings = requests(h.spider.parse_listing(undated))
    # t20200314_100007.html dates its row: the older ones are skipped before they are fetched.
    assert articles
    assert all(a.meta["ns_listing_date"] is None for a in articles)
    assert all(a.url.rsplit("/t", 1)[1][:8] >= since.replace("-", "") for a in articles)
    assert "before-since" in {s["reason"] for s in h.sent["article_skipped"]}
    assert len(listings) == 1  # some rows are new: go on
    # The next page holds only older rows, dated by their URLs alone: pagination stops there.
    page2 = h.listing("replica-trs", "/yw/sxyw/index_1.html", "山西要闻", page=2)
    undated2 = page2.replace(body=re.sub(rb"<span>\[[\d-]+\]</span>", b"", page2.body))
    assert requests(h.spider.parse_listing(undated2)) == ([], [])


def test_a_listing_date_wins_over_the_url_date(replica: Replica) -> None:
    profile = Harness(replica, site="replica-trs").spider.profiles["replica-trs"]
    url = replica.base("replica-trs") + "/yw/sxyw/202003/t20200301_1.html"
    assert provincial.row_day(ListingRow(url=url, title=None, date_raw="2020-03-16")) == date(2020, 3, 16)
    assert provincial.row_day(ListingRow(url=url, title=None, date_raw=None)) == date(2020, 3, 1)
    month_only = replica.base("replica-trs") + "/yw/sxyw/202002/a1.html"
    assert provincial.row_day(ListingRow(url=month_only, title=None, date_raw=None)) == date(2020, 2, 29)
    assert provincial.row_day(ListingRow(url=profile.columns[0].url, title=None, date_raw=None)) is None


@pytest.mark.parametrize("pooled", [False, True], ids=["inline", "pooled"])
def test_an_article_fetched_under_since_is_kept_even_when_its_page_dates_it_earlier(
    replica: Replica, pooled: bool
) -> None:
    # Its row had no date to judge by. Dropping it after the fetch would leave it unseen, so every later
    # --since run (the cron line) would fetch it again to drop it again.
    h = Harness(replica, site="replica-zqsx", since="2020-02-19")
    meta = {"ns_kind": "article", "ns_site": "replica-zqsx", "ns_column": "听政策"}
    response = h.served("replica-zqsx", "/tingzhengce/2020-02-18/10653.html", meta)
    if pooled:
        h.spider.parse_processes = 1
        try:
            got = asyncio.run(h.spider.parse_article_pooled(response))
        finally:
            h.spider.close_pool()
    else:
        got = list(h.spider.parse_article(response))
    assert [r.published_at[:10] for r in got if r.published_at] == ["2020-02-18"]
    assert h.sent["article_skipped"] == []


def test_max_pages_caps_a_column(replica: Replica) -> None:
    h = Harness(replica, site="replica-people", max_pages="1")
    articles, listings = requests(
        h.spider.parse_listing(h.listing("replica-people", "/GB/314064/index.html", "要闻"))
    )
    assert len(articles) == 10
    assert listings == []


def test_article_callback_hands_the_listing_row_to_the_parser(
    replica: Replica, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = Harness(replica, site="replica-zqsx")
    seen: dict[str, Any] = {}

    def fake_parse(response: Any, **kwargs: Any) -> NewsArticle:
        seen.update(kwargs)
        return NewsArticle(url=response.url, title="t")

    monkeypatch.setattr(provincial, "parse_response", fake_parse)
    meta = {"ns_kind": "article", "ns_site": "replica-zqsx", "ns_column": "听政策",
            "ns_listing_title": "山西省委书记楼阳生…", "ns_listing_date": "2020-02-18"}  # fmt: skip
    (record,) = h.spider.parse_article(h.served("replica-zqsx", "/tingzhengce/2020-02-18/10653.html", meta))
    assert isinstance(record, NewsArticle)
    assert seen["listing"] == ListingContext(
        title="山西省委书记楼阳生…", date_raw="2020-02-18", column="听政策"
    )
    assert seen["site"].key == "replica-zqsx"
    assert seen["fetched_at"].tzinfo == UTC


def test_a_parser_crash_is_an_article_failure_not_a_dead_crawl(
    replica: Replica, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = Harness(replica, site="replica-zqsx")

    def broken(response: Any, **kwargs: Any) -> NewsArticle:
        raise ValueError("unexpected page shape")

    monkeypatch.setattr(provincial, "parse_response", broken)
    meta = {"ns_kind": "article", "ns_site": "replica-zqsx", "ns_column": "听政策"}
    assert (
        list(h.spider.parse_article(h.served("replica-zqsx", "/tingzhengce/2020-02-18/10653.html", meta)))
        == []
    )
    (failed,) = h.sent["article_failed"]
    assert failed["reason"] == "parse error: ValueError: unexpected page shape"
    assert (failed["site"], failed["column"]) == ("replica-zqsx", "听政策")


@pytest.mark.parametrize(
    ("error", "signal", "reason"),
    [
        (lambda r: HttpError(HtmlResponse(r.url, status=404, request=r)), "article_failed", "http 404"),
        (lambda r: TimeoutError("took longer than 30.0 seconds"), "article_failed", "TimeoutError: "),
        (lambda r: DNSLookupError("www.example.gov.cn"), "article_failed", "DNSLookupError: "),
        (lambda r: IgnoreRequest("Forbidden by robots.txt"), "article_skipped", "robots.txt"),
        (
            lambda r: ChallengeRefused("rs-412", "127.0.0.7"),
            "article_skipped",
            "challenge",
        ),
        (lambda r: NotSent(), "article_skipped", "shutdown"),
    ],
    ids=["http-404", "timeout", "dns", "robots", "challenge", "shutdown"],
)
def test_errback_reasons(replica: Replica, error: Any, signal: str, reason: str) -> None:
    h = Harness(replica, site="replica-trs")
    request = Request(replica.base("replica-trs") + "/yw/sxyw/202003/t20200315_99404.html",
                      meta={"ns_kind": "article", "ns_site": "replica-trs", "ns_column": "山西要闻"})  # fmt: skip
    failure = Failure(error(request))
    failure.request = request  # type: ignore[attr-defined]
    h.spider.article_error(failure)
    (sent,) = h.sent[signal]
    assert sent["url"] == request.url
    assert sent["reason"].startswith(reason)
    other = "article_skipped" if signal == "article_failed" else "article_failed"
    assert h.sent[other] == []


def listing_failure(h: Harness, error: Any, page: int = 1, redirected_from: str | None = None) -> Request:
    url = h.replica.base("replica-trs") + (
        "/yw/sxyw/index.html" if page == 1 else f"/yw/sxyw/index_{page - 1}.html"
    )
    meta = {"ns_kind": "listing", "ns_site": "replica-trs", "ns_column": "山西要闻", "ns_page": page}
    if redirected_from:
        meta["redirect_urls"] = [redirected_from]
    request = Request(url, meta=meta)
    failure = Failure(error)
    failure.request = request  # type: ignore[attr-defined]
    h.spider.listing_error(failure)
    return request


FROM = "http://127.0.0.1/yw/sxyw/index.html"  # the page that redirected


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (IgnoreRequest("Forbidden by robots.txt"), "robots.txt forbids it"),
        (
            Refused("offsite", "http://other.example.cn/yw/index.html", via=FROM),
            "redirected to other.example.cn, outside allowed_domains (site moved? fix the profile)",
        ),
        (Refused("private-address", "http://10.1.2.3/yw/index.html"), "refused: 10.1.2.3, a private address"),
        (
            Refused("scheme", "ftp://files.example.cn/a.txt", via=FROM),
            "redirected to files.example.cn, not an http(s) URL",
        ),
        (
            Refused("redirect-loop", "http://127.0.0.1/yw/", via=FROM),
            "redirected to 127.0.0.1 again: a redirect loop",
        ),
        (  # a word of the URL is not the reason
            Refused("offsite", "http://other.example.cn/zt/challenge/robots.txt", via=FROM),
            "redirected to other.example.cn, outside allowed_domains",
        ),
        (
            Refused("url-too-long", "http://127.0.0.1/yw/" + "a" * 180),
            "refused: 127.0.0.1: the URL is longer than URLLENGTH_LIMIT",
        ),
    ],
    ids=["robots", "moved-offsite", "private", "scheme", "loop", "words-in-url", "url-too-long"],
)
def test_a_refused_first_listing_page_is_a_failed_listing(
    replica: Replica, caplog: pytest.LogCaptureFixture, error: IgnoreRequest, reason: str
) -> None:
    h = Harness(replica, site="replica-trs")
    request = listing_failure(h, error)
    (failed,) = h.sent["listing_failed"]
    assert failed["reason"].startswith(reason)
    assert (failed["url"], failed["site"], failed["column"]) == (request.url, "replica-trs", "山西要闻")
    assert h.crawler.stats is not None
    assert h.crawler.stats.get_value("newsspider/listing_failed") == 1  # the crawl exits 1
    (line,) = [r for r in caplog.records if r.levelname == "WARNING"]
    assert all(part in line.getMessage() for part in ("replica-trs", "山西要闻", request.url, reason))


def test_a_refused_later_listing_page_says_the_column_was_not_crawled_to_its_end(replica: Replica) -> None:
    h = Harness(replica, site="replica-trs")
    listing_failure(h, IgnoreRequest("Forbidden by robots.txt"), page=3)
    (failed,) = h.sent["listing_failed"]
    assert failed["reason"] == "robots.txt forbids it (the column was not crawled past page 2)"


def test_a_redirected_listing_is_reported_under_the_url_the_profile_names(replica: Replica) -> None:
    h = Harness(replica, site="replica-trs")
    first = replica.base("replica-trs") + "/old/index.html"
    listing_failure(h, Refused("offsite", "http://new.example.cn/", via=first), redirected_from=first)
    assert h.sent["listing_failed"][0]["url"] == first


def test_a_challenged_listing_keeps_its_own_path(replica: Replica) -> None:
    h = Harness(replica, site="replica-trs")
    listing_failure(h, ChallengeRefused("rs-412", "127.0.0.1", sent=True))
    assert h.sent["listing_failed"] == []
    assert h.crawler.stats is not None
    assert h.crawler.stats.get_value("newsspider/listing_failed") is None
    assert h.crawler.stats.get_value("newsspider/listing_ignored/challenge") == 1


def test_a_listing_left_unsent_by_a_shutdown_is_not_a_failed_listing(replica: Replica) -> None:
    # The stopped run already exits 1 and paginates the column to its end next time.
    h = Harness(replica, site="replica-trs")
    listing_failure(h, NotSent(), page=2)
    assert h.sent["listing_failed"] == []
    assert h.crawler.stats is not None
    assert h.crawler.stats.get_value("newsspider/listing_ignored/shutdown") == 1


def test_a_first_listing_page_without_rows_is_a_failed_listing(
    replica: Replica, caplog: pytest.LogCaptureFixture
) -> None:
    # A Founder listing read as TRS (a wrong platform in the profile) finds no article link.
    h = Harness(replica, site="replica-founder")
    h.spider.profiles["replica-founder"] = replace(h.spider.profiles["replica-founder"], platform="trs")
    response = h.listing("replica-founder", "/node_311.htm", "山西新闻")
    assert requests(h.spider.parse_listing(response)) == ([], [])
    (failed,) = h.sent["listing_failed"]
    assert failed["url"] == response.url
    assert failed["reason"].startswith("no article links found on the column's first page")
    assert h.sent["listing_fetched"][0]["rows"] == 0
    assert any("山西新闻" in r.getMessage() and "redesigned" in r.getMessage() for r in caplog.records)


def test_a_first_page_that_only_leads_on_is_judged_by_the_page_it_leads_to(replica: Replica) -> None:
    # A UCAP column drawn by script: no row in the HTML, but its script names the channel to read.
    h = Harness(replica, site="replica-ucap")
    column = h.spider.profiles["replica-ucap"].columns[0]
    h.spider.profiles["replica-ucap"] = replace(
        h.spider.profiles["replica-ucap"], columns=(replace(column, platform_options={}),)
    )
    page = h.listing("replica-ucap", "/hainan/ywdt/list3.shtml", column.name)
    drawn = page.replace(body=re.sub(rb"<li>.*?</li>", b"", page.body, flags=re.DOTALL))
    articles, following = requests(h.spider.parse_listing(drawn))
    assert articles == []
    assert [r.meta.get("ns_no_rows_yet") for r in following] == [True]
    assert h.sent["listing_failed"] == []
    # Where it leads has no rows either, and no further page: now the column is broken.
    api_page = HtmlResponse(following[0].url, body=b"<html><body></body></html>", request=following[0])
    list(h.spider.parse_listing(api_page))
    (failed,) = h.sent["listing_failed"]
    assert failed["reason"].startswith("no article links found on the column's first page")


def test_an_empty_last_page_of_a_pagination_is_normal(replica: Replica) -> None:
    h = Harness(replica, site="replica-trs")
    page = h.listing("replica-trs", "/yw/sxyw/index_2.html", "山西要闻", page=3)
    empty = page.replace(body=re.sub(rb"<li>.*?</li>", b"", page.body, flags=re.DOTALL))
    articles, _ = requests(h.spider.parse_listing(empty))
    assert articles == []
    assert h.sent["listing_failed"] == []
    # The same page as a column's first page is a failure.
    first = empty.replace(request=empty.request.replace(meta={**empty.meta, "ns_page": 1}))  # type: ignore[union-attr]
    list(h.spider.parse_listing(first))
    assert len(h.sent["listing_failed"]) == 1


def test_auto_mode_detects_the_platform_then_reads_the_listing(replica: Replica) -> None:
    url = replica.base("replica-people") + "/GB/314064/index.html"
    h = Harness(replica, start_url=url)
    (key,) = h.spider.profiles
    assert h.spider.profiles[key].platform == "generic"
    assert h.spider.allowed_domains == ["127.0.0.5"]
    response = h.listing("replica-people", "/GB/314064/index.html", "(start_url)")
    response = response.replace(request=response.request.replace(meta={**response.meta, "ns_site": key}))  # type: ignore[union-attr]
    articles, listings = requests(h.spider.parse_start(response))
    assert h.spider.profiles[key].platform == "people"
    assert len(articles) == 10
    assert not [a for a in articles if "/BIG5/" in a.url]
    assert [r.url.rsplit("/", 1)[1] for r in listings] == ["index2.html"]


def test_auto_mode_allows_the_whole_site_not_just_the_listing_host(replica: Replica) -> None:
    # No request is made: the spider only works out what it may fetch.
    h = Harness(replica, start_url="http://www.sxrb.com/sxxww/xwpd/index.shtml")
    (profile,) = h.spider.profiles.values()
    assert profile.allowed_domains == ("sxrb.com",)
    assert h.spider.allowed_domains == ["sxrb.com", "www.sxrb.com"]
    assert same_site("http://news.sxrb.com/GB/314064/2020/0218/c1.html", profile.allowed_domains)
    assert not same_site("http://www.sxgov.cn/content/2020-02/18/c_1.htm", profile.allowed_domains)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2020-02-01", date(2020, 2, 1)), ("7d", date(2020, 3, 13)), (" 30D ", date(2020, 2, 19))],
)
def test_parse_since(text: str, expected: date) -> None:
    assert parse_since(text, today=date(2020, 3, 20)) == expected


def test_parse_since_refuses_other_text() -> None:
    with pytest.raises(ValueError, match="7d"):
        parse_since("last week")


def test_parse_since_refuses_a_day_count_past_the_calendar_with_a_plain_error() -> None:
    with pytest.raises(ValueError, match="99999999d"):
        parse_since("99999999d")


def test_a_bad_spider_argument_is_one_logged_line_and_a_usage_error(
    replica: Replica, caplog: pytest.LogCaptureFixture
) -> None:
    crawler = get_crawler(ProvincialSpider, settings_dict={"NEWSSPIDER_SITES_DIR": str(replica.sites_dir)})

    async def create(**args: str) -> None:
        ProvincialSpider.from_crawler(crawler, **args)

    def unretrieved(**args: str) -> list[dict[str, Any]]:
        """What the loop's exception handler is handed when the spider's creation task fails and nobody
        awaits it, as ``scrapy crawl`` leaves it (asyncio reports it when the task is collected)."""
        handed: list[dict[str, Any]] = []
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(lambda _, context: handed.append(context))
        try:
            done, _ = loop.run_until_complete(asyncio.wait([loop.create_task(create(**args))]))
            del done
            gc.collect()
            loop.call_exception_handler({"message": "another", "exception": RuntimeError("x")})
        finally:
            loop.close()
        return handed

    handed = unretrieved(site="nope")
    assert [c["message"] for c in handed] == ["another"]  # only this error is kept quiet
    (line,) = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert line.startswith("cannot start the crawl: nope.toml")
    assert "no profile named 'nope'" in line
    with pytest.raises(UsageError, match="got 'garbage'"):
        ProvincialSpider.from_crawler(crawler, site="replica-trs", since="garbage")


def test_parsing_in_a_worker_process_gives_the_inline_record(replica: Replica) -> None:
    inline = Harness(replica, site="replica-zqsx")
    pooled = Harness(replica, site="replica-zqsx")
    pooled.spider.parse_processes = 1
    profile = pooled.spider.profiles["replica-zqsx"]
    request = pooled.spider._article("http://x/", profile, profile.columns[0], "标题…", "2020-02-18")
    assert request.callback == pooled.spider.parse_article_pooled
    meta = {
        "ns_kind": "article",
        "ns_site": "replica-zqsx",
        "ns_column": "听政策",
        "ns_listing_date": "2020-02-18",
    }
    response = pooled.served("replica-zqsx", "/tingzhengce/2020-02-18/10653.html", meta)

    try:
        (got,) = asyncio.run(pooled.spider.parse_article_pooled(response))
    finally:
        pooled.spider.close_pool()
    (expected,) = inline.spider.parse_article(response)
    got.fetched_at = expected.fetched_at = None
    assert got == expected
    assert got.directives  # the reference article's 一要/二要/三要 survived the trip between processes


def test_requests_share_one_callback_object_so_scrapy_checks_its_source_once(replica: Replica) -> None:
    # Scrapy caches its check for generator callbacks that return a value by the callback object; with a
    # new bound method per request it read and parsed the callback's source again for every response.
    spider = Harness(replica, site="replica-zqsx").spider
    profile, column = spider.profiles["replica-zqsx"], spider.profiles["replica-zqsx"].columns[0]
    articles = [spider._article(f"http://x/{n}.html", profile, column, None, None) for n in (1, 2)]
    listings = [spider._listing(Request(f"http://x/index_{n}.html"), profile, column, n) for n in (1, 2)]
    assert articles[0].callback is articles[1].callback
    assert listings[0].callback is listings[1].callback


def test_queued_requests_name_their_callback_by_its_public_name(replica: Replica) -> None:
    # JOBDIR and the Redis queue store the callback's name; another worker must be able to resolve it.
    from scrapy.utils.request import request_from_dict

    spider = Harness(replica, site="replica-zqsx").spider
    profile, column = spider.profiles["replica-zqsx"], spider.profiles["replica-zqsx"].columns[0]
    article = spider._article("http://x/1.html", profile, column, None, None)
    listing = spider._listing(Request("http://x/index_1.html"), profile, column, 1)
    assert article.to_dict(spider=spider)["callback"] == "parse_article"
    assert listing.to_dict(spider=spider)["callback"] == "parse_listing"
    spider.parse_processes = 1
    pooled = spider._article("http://x/2.html", profile, column, None, None)
    assert pooled.to_dict(spider=spider)["callback"] == "parse_article_pooled"
    assert request_from_dict(article.to_dict(spider=spider), spider=spider).callback is article.callback
