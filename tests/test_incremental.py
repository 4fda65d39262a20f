"""The incremental spider middleware over fake listing and article responses (no network, no reactor)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from scrapy import Request
from scrapy import signals as scrapy_signals
from scrapy.http import HtmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.internet.error import TimeoutError
from twisted.python.failure import Failure

from newsspider import signals
from newsspider.items import NewsArticle
from newsspider.middlewares.incremental import GONE_META, TAKEN_DOWN_META, IncrementalMiddleware, gone_again
from newsspider.middlewares.responses import is_index_url
from pipelines.state import SeenEntry, shared_state
from tests.records import read_records

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy.crawler import Crawler

    from newsspider.replica import Replica

BASE = "http://www.shanxi.gov.cn/yw/sxyw/"
NOW = datetime(2020, 3, 1, 4, 0, tzinfo=UTC)


def article_request(n: int, date: str = "2020-02-18") -> Request:
    return Request(
        f"{BASE}202002/t20200218_{n}.shtml",
        meta={"ns_kind": "article", "ns_site": "shanxi-gov", "ns_column": "山西要闻",
              "ns_listing_title": f"标题{n}", "ns_listing_date": date},
    )  # fmt: skip


def listing_request(page: int, column: str = "山西要闻") -> Request:
    suffix = "index.shtml" if page == 1 else f"index_{page - 1}.shtml"
    return Request(
        BASE + suffix,
        meta={"ns_kind": "listing", "ns_site": "shanxi-gov", "ns_column": column, "ns_page": page},
    )


def response_for(request: Request, status: int = 200, url: str | None = None) -> HtmlResponse:
    return HtmlResponse(url or request.url, status=status, body=b"<html></html>", request=request)


def seen(crawler: Crawler, *numbers: int, published_at: str = "2020-02-18T19:58:03+08:00") -> None:
    """Articles stored by an earlier crawl that paginated the column to its end."""
    shared_state(crawler).set_pagination_complete("shanxi-gov", "山西要闻", True)
    shared_state(crawler).commit(
        [
            SeenEntry(
                url=article_request(n).url,
                content_hash=f"{n:064d}",
                title_hash="0" * 16,
                version=1,
                published_at=published_at,
                last_seen="2020-02-19T00:00:00+00:00",
                site="shanxi-gov",
            )
            for n in numbers
        ],
        {},
    )


@pytest.fixture
def crawler(tmp_path: Path) -> Crawler:
    return get_crawler(settings_dict={"NEWSSPIDER_DATA_DIR": str(tmp_path)})


def collect(crawler: Crawler, signal: object) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []

    def receiver(**kwargs: Any) -> None:
        kwargs.pop("signal", None)
        kwargs.pop("sender", None)
        got.append(kwargs)

    crawler.signals.connect(receiver, signal=signal, weak=False)
    return got


def run(mw: IncrementalMiddleware, response: HtmlResponse, output: list[Any]) -> list[Any]:
    return list(mw.process_spider_output(response, iter(output)))


def test_seen_articles_are_dropped_and_reported(crawler: Crawler) -> None:
    seen(crawler, 1, 2)
    skipped = collect(crawler, signals.article_skipped)
    mw = IncrementalMiddleware(crawler, now=NOW)
    page = response_for(listing_request(1))
    out = run(mw, page, [article_request(1), article_request(2), article_request(3), listing_request(2)])
    assert [r.url for r in out] == [article_request(3).url, listing_request(2).url]
    assert [s["url"] for s in skipped] == [article_request(1).url, article_request(2).url]
    assert {s["reason"] for s in skipped} == {"seen"}
    assert skipped[0]["column"] == "山西要闻"


def test_pagination_stops_at_the_first_page_with_nothing_new(crawler: Crawler) -> None:
    seen(crawler, 1, 2)
    mw = IncrementalMiddleware(crawler, now=NOW)
    other_column = listing_request(1, column="政务活动")
    out = run(
        mw,
        response_for(listing_request(1)),
        [article_request(1), article_request(2), listing_request(2), other_column],
    )
    # The next page of this column goes; a listing of another column is not this column's pagination.
    assert [r.url for r in out] == [other_column.url]
    assert crawler.stats.get_value("newsspider/incremental/pagination_stopped") == 1


def test_pagination_continues_when_stop_on_seen_is_off(tmp_path: Path) -> None:
    crawler = get_crawler(
        settings_dict={"NEWSSPIDER_DATA_DIR": str(tmp_path), "NEWSSPIDER_STOP_ON_SEEN": False}
    )
    seen(crawler, 1)
    out = run(
        IncrementalMiddleware(crawler, now=NOW),
        response_for(listing_request(1)),
        [article_request(1), listing_request(2)],
    )
    assert [r.url for r in out] == [listing_request(2).url]


def test_a_listing_without_article_rows_still_paginates(crawler: Crawler) -> None:
    # A column index page that only links its first listing page has nothing to judge by.
    out = run(IncrementalMiddleware(crawler, now=NOW), response_for(listing_request(1)), [listing_request(2)])
    assert len(out) == 1


def test_refresh_days_lets_recent_seen_articles_through(tmp_path: Path) -> None:
    crawler = get_crawler(settings_dict={"NEWSSPIDER_DATA_DIR": str(tmp_path), "NEWSSPIDER_REFRESH_DAYS": 14})
    seen(crawler, 1, published_at="2020-02-20")  # 10 days before NOW
    seen(crawler, 2, published_at="2020-01-01T08:00:00+08:00")  # two months before
    mw = IncrementalMiddleware(crawler, now=NOW)
    out = run(
        mw, response_for(listing_request(1)), [article_request(1), article_request(2), listing_request(2)]
    )
    assert [r.url for r in out] == [article_request(1).url, listing_request(2).url]


def test_watermark_keeps_the_newest_listing_date(crawler: Crawler) -> None:
    mw = IncrementalMiddleware(crawler, now=NOW)
    run(
        mw,
        response_for(listing_request(1)),
        [article_request(1, "2020-02-18"), article_request(2, "2020-02-19 08:00")],
    )
    run(mw, response_for(listing_request(2)), [article_request(3, "2020-02-10")])
    assert shared_state(crawler).get_watermark("shanxi-gov", "山西要闻") == "2020-02-19"


@pytest.mark.parametrize("status", [404, 410])
def test_a_seen_article_now_gone_is_a_removed_event(crawler: Crawler, tmp_path: Path, status: int) -> None:
    seen(crawler, 1)
    removed = collect(crawler, signals.article_removed)
    mw = IncrementalMiddleware(crawler, now=NOW)
    response = response_for(article_request(1), status=status)
    assert mw.process_spider_exception(response, HttpError(response)) == []
    # The same takedown seen again in this run (a retry, a second link) is one event.
    assert mw.process_spider_exception(response, HttpError(response)) == []
    (event,) = read_records(tmp_path, "events")
    assert event == {
        "event": "removed", "url": article_request(1).url, "site": "shanxi-gov", "column": "山西要闻",
        "status": status, "reason": f"http {status}", "at": "2020-03-01T04:00:00+00:00",
    }  # fmt: skip
    assert [r["status"] for r in removed] == [status]
    assert shared_state(crawler).removed()[0].url == article_request(1).url
    assert shared_state(crawler).get(article_request(1).url) is not None  # the old record is kept


def test_a_404_of_an_article_never_stored_is_an_ordinary_failure(crawler: Crawler, tmp_path: Path) -> None:
    response = response_for(article_request(9), status=404)
    assert (
        IncrementalMiddleware(crawler, now=NOW).process_spider_exception(response, HttpError(response))
        is None
    )
    assert read_records(tmp_path, "events") == []


def test_redirect_to_the_index_is_a_takedown_and_its_page_is_not_a_record(
    crawler: Crawler, tmp_path: Path
) -> None:
    seen(crawler, 1)
    request = article_request(1)
    request.meta["redirect_urls"] = [request.url]
    request.meta["redirect_reasons"] = [302]
    response = response_for(request, url="http://www.shanxi.gov.cn/")
    out = run(
        IncrementalMiddleware(crawler, now=NOW),
        response,
        [NewsArticle(url=response.url, title="山西省人民政府")],
    )
    assert out == []
    (event,) = read_records(tmp_path, "events")
    assert (event["status"], event["reason"]) == (302, "redirected to http://www.shanxi.gov.cn/")


def test_a_redirect_to_another_article_is_an_alias_not_a_takedown(crawler: Crawler, tmp_path: Path) -> None:
    request = article_request(1)
    request.meta["redirect_urls"] = [request.url]
    moved = "https://www.shanxi.gov.cn/yw/sxyw/202002/t20200218_1.shtml"
    response = response_for(request, url=moved)
    item = NewsArticle(url=moved, title="标题1")
    assert run(IncrementalMiddleware(crawler, now=NOW), response, [item]) == [item]
    assert read_records(tmp_path, "events") == []
    # Once the moved article is stored, the old link counts as seen.
    shared_state(crawler).commit(
        [SeenEntry(url=moved, content_hash="1" * 64, title_hash="0" * 16, version=1, published_at=None,
                   last_seen="2020-03-01T00:00:00+00:00")], {}
    )  # fmt: skip
    out = run(IncrementalMiddleware(crawler, now=NOW), response_for(listing_request(1)), [article_request(1)])
    assert out == []


@pytest.mark.parametrize(
    ("url", "index"),
    [
        ("http://www.shanxi.gov.cn/", True),
        ("http://www.shanxi.gov.cn/yw/sxyw/", True),
        ("http://www.shanxi.gov.cn/yw/sxyw/index.shtml", True),
        ("http://www.henan.gov.cn/ywdt/default.htm", True),
        ("http://www.shanxi.gov.cn/yw/sxyw/202002/t20200218_1.shtml", False),
        ("http://sx.people.com.cn/n2/2020/0218/c189130-33806141.html", False),
    ],
)
def test_index_url_detection(url: str, index: bool) -> None:
    assert is_index_url(url) is index


def test_async_output_is_filtered_the_same_way(crawler: Crawler) -> None:
    import asyncio

    seen(crawler, 1)

    async def output() -> Any:
        for r in (article_request(1), listing_request(2)):
            yield r

    async def drain() -> list[Any]:
        mw = IncrementalMiddleware(crawler, now=NOW)
        return [r async for r in mw.process_spider_output_async(response_for(listing_request(1)), output())]

    assert asyncio.run(drain()) == []


def test_a_dead_link_is_not_fetched_again_until_the_retry_window_passes(tmp_path: Path) -> None:
    crawler = get_crawler(
        settings_dict={"NEWSSPIDER_DATA_DIR": str(tmp_path), "NEWSSPIDER_RETRY_GONE_HOURS": 24}
    )
    response = response_for(article_request(9), status=404)
    # Not a takedown (never stored): left to the spider's errback as an ordinary failure, but remembered.
    assert (
        IncrementalMiddleware(crawler, now=NOW).process_spider_exception(response, HttpError(response))
        is None
    )
    shared_state(crawler).set_pagination_complete("shanxi-gov", "山西要闻", True)
    skipped = collect(crawler, signals.article_skipped)
    later = IncrementalMiddleware(crawler, now=NOW + timedelta(hours=6))
    out = run(later, response_for(listing_request(1)), [article_request(9), listing_request(2)])
    assert out == []  # the dead link was all the page had: nothing new, pagination stops too
    assert [s["reason"] for s in skipped] == ["gone"]
    next_day = IncrementalMiddleware(crawler, now=NOW + timedelta(hours=25))
    assert len(run(next_day, response_for(listing_request(1)), [article_request(9)])) == 1


def close(crawler: Crawler, reason: str = "finished") -> None:
    crawler.signals.send_catch_log(signal=scrapy_signals.spider_closed, spider=None, reason=reason)


def test_after_an_interrupted_crawl_pagination_runs_to_the_end_once(crawler: Crawler) -> None:
    seen(crawler, 1, 2, 3)
    state = shared_state(crawler)
    state.set_pagination_complete("shanxi-gov", "山西要闻", False)  # the last run was killed mid-column
    mw = IncrementalMiddleware(crawler, now=NOW)
    page1 = run(mw, response_for(listing_request(1)), [article_request(1), listing_request(2)])
    assert [r.url for r in page1] == [listing_request(2).url]  # nothing new, but older pages may be missing
    page2 = run(
        mw, response_for(listing_request(2)), [article_request(2), article_request(4), listing_request(3)]
    )
    assert [r.url for r in page2] == [article_request(4).url, listing_request(3).url]
    run(mw, response_for(listing_request(3)), [article_request(3)])
    run(mw, response_for(article_request(4)), [NewsArticle(url=article_request(4).url)])
    assert state.pagination_complete("shanxi-gov", "山西要闻") is False  # not before the run finished
    close(crawler)
    assert state.pagination_complete("shanxi-gov", "山西要闻") is True
    # The next run may stop at the first page with nothing new again.
    again = IncrementalMiddleware(crawler, now=NOW)
    assert run(again, response_for(listing_request(1)), [article_request(1), listing_request(2)]) == []


def test_an_unanswered_article_keeps_the_column_incomplete(crawler: Crawler) -> None:
    seen(crawler, 1)
    mw = IncrementalMiddleware(crawler, now=NOW)
    run(mw, response_for(listing_request(1)), [article_request(7), article_request(8), article_request(1)])
    # 8 is refused by robots.txt (the spider reports it skipped); 7 timed out: no response, no signal.
    crawler.signals.send_catch_log(signal=signals.article_skipped, url=article_request(8).url,
                                   site="shanxi-gov", column="山西要闻", reason="robots.txt")  # fmt: skip
    close(crawler)
    assert shared_state(crawler).pagination_complete("shanxi-gov", "山西要闻") is False
    # Next run: 7 answers; the column is complete at the end of that run.
    mw2 = IncrementalMiddleware(crawler, now=NOW)
    run(mw2, response_for(listing_request(1)), [article_request(7), article_request(1)])
    run(mw2, response_for(article_request(7)), [])
    close(crawler)
    assert shared_state(crawler).pagination_complete("shanxi-gov", "山西要闻") is True


def test_a_capped_run_does_not_count_as_reaching_the_end(crawler: Crawler) -> None:
    seen(crawler, 1)
    mw = IncrementalMiddleware(crawler, now=NOW)
    run(mw, response_for(listing_request(1)), [article_request(1)])

    class Capped:
        max_pages = 1
        since = None

    crawler.signals.send_catch_log(signal=scrapy_signals.spider_closed, spider=Capped(), reason="finished")
    assert shared_state(crawler).pagination_complete("shanxi-gov", "山西要闻") is False


def test_a_run_closed_early_leaves_the_column_incomplete(crawler: Crawler) -> None:
    seen(crawler, 1)
    mw = IncrementalMiddleware(crawler, now=NOW)
    run(mw, response_for(listing_request(1)), [article_request(1)])
    close(crawler, reason="shutdown")
    assert shared_state(crawler).pagination_complete("shanxi-gov", "山西要闻") is False


# -- end to end, over the replica site ---------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.slow
def test_second_run_fetches_no_article_and_a_refresh_finds_one_edit_and_one_takedown(
    replica: Replica, tmp_path: Path
) -> None:
    from tests.test_crash import crawl

    replica.reset()  # the session's replica: undo another test's edits, re-arm the 500-once page
    data = tmp_path / "data"
    first = crawl(replica, data, "first")
    assert first["totals"]["new"] > 40

    mark = replica.mark()
    second = crawl(replica, data, "second")
    fetched = [e.path for e in replica.log(mark) if e.kind == "article"]
    assert fetched == [], "an unchanged site was crawled again"
    assert (second["totals"]["new"], second["totals"]["updated"]) == (0, 0)
    assert second["totals"]["listing_pages"] < first["totals"]["listing_pages"]  # stopped paginating
    assert second["sites"]["replica-trs"]["skipped"]["seen"] > 0

    stored = [
        r for r in read_records(data)
        if r["site"] == "replica-trs" and ("replica-trs", urlsplit(r["url"]).path) in replica.catalog.articles
    ]  # fmt: skip
    edited, taken_down = stored[0], stored[1]
    try:
        # A real edit: a body the parser finds (two one-line paragraphs would be no body at all, which the
        # version pipeline keeps out as "emptied").
        replica.mutate(
            "replica-trs",
            urlsplit(edited["url"]).path,
            text="2月18日，省政府召开常务会议，研究部署当前疫情防控和经济社会发展工作。会议强调，要坚持统筹推进，"
            "分区分级精准施策。\n会议决定追加一项议程：审议通过《关于支持中小企业渡过难关的若干措施》，要求各地"
            "各部门抓好落实，确保政策直达基层。",
        )
        replica.remove("replica-trs", urlsplit(taken_down["url"]).path)
        third = crawl(replica, data, "third", "NEWSSPIDER_REFRESH_DAYS=10000")
    finally:
        replica.reset()
    totals = third["totals"]
    assert (totals["new"], totals["updated"], totals["removed"]) == (0, 1, 1)
    assert totals["unchanged"] == first["totals"]["new"] - 2
    versions = [r for r in read_records(data) if r["canonical_url"] == edited["canonical_url"]]
    assert [(r["version"], r["changed"]) for r in versions] == [(1, []), (2, ["text"])]
    assert versions[1]["previous_hash"] == edited["content_hash"]
    events = read_records(data, "events")
    assert [(e["event"], e["url"], e["status"]) for e in events] == [
        ("removed", taken_down["canonical_url"], 404)
    ]
    # The taken-down article's record is kept.
    assert any(r["canonical_url"] == taken_down["canonical_url"] for r in read_records(data))


def test_listing_pages_posted_to_one_url_are_told_apart_by_body(crawler: Crawler) -> None:
    # Hanweb's dataproxy.jsp: every page is a POST to the same URL with another startrecord.
    def page(start: int) -> Request:
        return Request(
            "http://www.zj.gov.cn/module/jpage/dataproxy.jsp", method="POST", body=f"startrecord={start}",
            meta={"ns_kind": "listing", "ns_site": "shanxi-gov", "ns_column": "山西要闻", "ns_page": start},
        )  # fmt: skip

    mw = IncrementalMiddleware(crawler, now=NOW)
    out = run(mw, response_for(page(1)), [article_request(5), page(46), page(91)])
    assert len(out) == 3
    run(mw, response_for(article_request(5)), [])
    run(mw, response_for(page(46)), [])  # page 91 never answers (a timeout)
    close(crawler)
    assert shared_state(crawler).pagination_complete("shanxi-gov", "山西要闻") is False


# -- rows that are never new: refused on purpose, dead links, takedowns on record ----------------------------


def refused_by_robots(crawler: Crawler, request: Request) -> None:
    """What the spider's errback signals for a request robots.txt forbade."""
    crawler.signals.send_catch_log(signal=signals.article_skipped, url=request.url, site="shanxi-gov",
                                   column="山西要闻", reason="robots.txt")  # fmt: skip


def test_a_row_refused_on_purpose_last_run_does_not_keep_pagination_going(crawler: Crawler) -> None:
    seen(crawler, 1, 2)
    refused = Request(BASE.replace("/yw/sxyw/", "/private/") + "202003/t20200312_99403.html",
                      meta={**article_request(3).meta})  # fmt: skip
    first = IncrementalMiddleware(crawler, now=NOW)
    run(first, response_for(listing_request(1)), [article_request(1), refused, listing_request(2)])
    run(first, response_for(listing_request(2)), [article_request(2)])
    refused_by_robots(crawler, refused)
    crawler.signals.send_catch_log(signal=signals.article_skipped, url=article_request(2).url,
                                   site="shanxi-gov", column="山西要闻", reason="challenge")  # fmt: skip
    close(crawler)
    out = run(
        IncrementalMiddleware(crawler, now=NOW + timedelta(days=1)),
        response_for(listing_request(1)),
        [article_request(1), refused, article_request(2), listing_request(2)],
    )
    # Still asked (robots.txt may allow it now), but not new: page 2 is not fetched.
    assert [r.url for r in out] == [refused.url]
    assert crawler.stats.get_value("newsspider/incremental/pagination_stopped") == 1
    # A challenge passes: it says nothing about the link.
    assert shared_state(crawler).refused(article_request(2).url) is None


def test_a_link_refused_before_and_fetched_now_has_the_next_run_read_its_column_to_the_end(
    tmp_path: Path,
) -> None:
    # Run 1: robots.txt forbids every article of the column; all its pages are read. Then the site (or
    # the profile) lets them through: run 2 stops at page 1 (nothing new there), so page 2's article has
    # never been fetched. Run 3 must read on to page 2.
    def crawl_run(day: int) -> tuple[Crawler, IncrementalMiddleware]:
        crawler = get_crawler(settings_dict={"NEWSSPIDER_DATA_DIR": str(tmp_path)})
        return crawler, IncrementalMiddleware(crawler, now=NOW + timedelta(days=day))

    a, b = article_request(5), article_request(6)
    crawler, first = crawl_run(0)
    run(first, response_for(listing_request(1)), [a, listing_request(2)])
    run(first, response_for(listing_request(2)), [b])
    refused_by_robots(crawler, a)
    refused_by_robots(crawler, b)
    close(crawler)

    crawler, second = crawl_run(1)
    out = run(second, response_for(listing_request(1)), [a, listing_request(2)])
    assert [r.url for r in out] == [a.url]  # asked again, not new: no page 2 this run
    run(second, response_for(out[0]), [])  # a answers now
    close(crawler)
    assert shared_state(crawler).refused(a.url) is None
    assert shared_state(crawler).pagination_complete("shanxi-gov", "山西要闻") is False

    crawler, third = crawl_run(2)
    stored = SeenEntry(url=a.url, content_hash="5" * 64, title_hash="0" * 16, version=1,
                       published_at=None, last_seen="2020-03-02T04:00:00+00:00", site="shanxi-gov")  # fmt: skip
    shared_state(crawler).commit([stored], {})  # a was stored by run 2
    out = run(third, response_for(listing_request(1)), [a, listing_request(2)])
    assert [r.url for r in out] == [listing_request(2).url]  # the column is read to its end again


def test_a_dead_link_past_its_wait_is_retried_but_is_not_new(tmp_path: Path) -> None:
    crawler = get_crawler(settings_dict={"NEWSSPIDER_DATA_DIR": str(tmp_path)})
    seen(crawler, 1)
    shared_state(crawler).mark_gone(article_request(9).url, 404, NOW.isoformat(timespec="seconds"))
    mw = IncrementalMiddleware(crawler, now=NOW + timedelta(hours=25))
    out = run(
        mw, response_for(listing_request(1)), [article_request(1), article_request(9), listing_request(2)]
    )
    assert [r.url for r in out] == [article_request(9).url]  # retried; page 2 not asked for
    assert out[0].meta[GONE_META] == "2020-03-01T04:00:00+00:00"


def answer_404(crawler: Crawler, request: Request, at: datetime) -> None:
    """A 404 reaching the middleware after the spider's errback (the errback output's pass)."""
    response = response_for(request, status=404)
    assert run(IncrementalMiddleware(crawler, now=at), response, []) == []


def test_a_dead_link_is_retried_ever_less_often(crawler: Crawler) -> None:
    shared_state(crawler).set_pagination_complete("shanxi-gov", "山西要闻", True)

    def retried(hours: float) -> bool:
        mw = IncrementalMiddleware(crawler, now=NOW + timedelta(hours=hours))
        return bool(run(mw, response_for(listing_request(1)), [article_request(9)]))

    answer_404(crawler, article_request(9), NOW)
    assert (retried(23), retried(25)) == (False, True)
    answer_404(crawler, article_request(9), NOW + timedelta(hours=25))  # dead again: wait 48 h now
    assert (retried(25 + 47), retried(25 + 49)) == (False, True)
    answer_404(crawler, article_request(9), NOW + timedelta(hours=25 + 49))  # then 96 h
    assert (retried(74 + 95), retried(74 + 97)) == (False, True)
    dead = shared_state(crawler).dead_link(article_request(9).url)
    assert dead is not None
    assert dead.misses == 3
    for _ in range(10):
        shared_state(crawler).mark_gone(article_request(9).url, 404, NOW.isoformat())
    assert (retried(30 * 24 - 1), retried(30 * 24 + 1)) == (False, True)  # never more than 30 days


def failed_with(request: Request, status: int) -> Failure:
    failure = Failure(HttpError(response_for(request, status=status)))
    failure.request = request  # type: ignore[attr-defined]
    return failure


def test_only_a_known_dead_link_answering_404_again_is_gone_again(crawler: Crawler) -> None:
    shared_state(crawler).mark_gone(article_request(9).url, 410, NOW.isoformat())
    (retry,) = run(
        IncrementalMiddleware(crawler, now=NOW + timedelta(days=2)),
        response_for(listing_request(1)),
        [article_request(9)],
    )
    assert gone_again(failed_with(retry, 404))
    assert gone_again(failed_with(retry, 410))
    assert not gone_again(failed_with(retry, 500))  # a server error is a failure as ever
    assert not gone_again(failed_with(article_request(9), 404))  # the first 404 of a link fails
    timeout = Failure(TimeoutError("took longer than 30.0 seconds"))
    timeout.request = retry  # type: ignore[attr-defined]
    assert not gone_again(timeout)


def test_the_spider_counts_a_dead_link_dead_again_as_skipped_not_failed(tmp_path: Path) -> None:
    from newsspider.spiders.provincial import ProvincialSpider

    crawler = get_crawler(ProvincialSpider, settings_dict={"NEWSSPIDER_DATA_DIR": str(tmp_path)})
    spider = ProvincialSpider.from_crawler(crawler, site="shanxi-gov")
    crawler.spider = spider
    failed, skipped = collect(crawler, signals.article_failed), collect(crawler, signals.article_skipped)
    column = spider.profiles["shanxi-gov"].columns[0].name
    request = article_request(9)
    request.meta.update({"ns_column": column, GONE_META: NOW.isoformat()})
    spider.article_error(failed_with(request, 404))
    assert failed == []
    assert [s["reason"] for s in skipped] == ["gone"]


@pytest.mark.parametrize(("meta", "reason"), [(GONE_META, "gone"), (TAKEN_DOWN_META, "removed")])
def test_the_spider_counts_a_known_404_again_as_skipped_not_failed(
    tmp_path: Path, meta: str, reason: str
) -> None:
    # A taken-down article's refresh answering 404 again failed every --refresh-days run (exit 1 daily).
    from newsspider.spiders.provincial import ProvincialSpider

    crawler = get_crawler(ProvincialSpider, settings_dict={"NEWSSPIDER_DATA_DIR": str(tmp_path)})
    spider = ProvincialSpider.from_crawler(crawler, site="shanxi-gov")
    crawler.spider = spider
    failed, skipped = collect(crawler, signals.article_failed), collect(crawler, signals.article_skipped)
    request = article_request(9)
    request.meta.update({"ns_column": spider.profiles["shanxi-gov"].columns[0].name, meta: True})
    spider.article_error(failed_with(request, 404))
    assert failed == []
    assert [s["reason"] for s in skipped] == [reason]


def test_a_takedown_is_recorded_once_though_the_article_is_still_refreshed(tmp_path: Path) -> None:
    crawler = get_crawler(settings_dict={"NEWSSPIDER_DATA_DIR": str(tmp_path), "NEWSSPIDER_REFRESH_DAYS": 30})
    seen(crawler, 1, 2)
    response = response_for(article_request(1), status=404)
    IncrementalMiddleware(crawler, now=NOW).process_spider_exception(response, HttpError(response))
    for day in range(1, 7):  # a daily --refresh-days run for a week: still asked (it may come back)...
        later = IncrementalMiddleware(crawler, now=NOW + timedelta(days=day))
        out = run(later, response_for(listing_request(1)), [article_request(1), article_request(2)])
        assert [r.url for r in out] == [article_request(1).url, article_request(2).url]
        assert [bool(r.meta.get(TAKEN_DOWN_META)) for r in out] == [True, False]
        # ...and still gone: no second event.
        assert later.process_spider_exception(response, HttpError(response)) == []
    assert len(read_records(tmp_path, "events")) == 1
    assert len(shared_state(crawler).removed()) == 1


def test_an_article_back_after_a_takedown_is_seen_and_a_later_takedown_counts_anew(
    tmp_path: Path,
) -> None:
    # A site answering 404 for a day during a redesign: the next refresh finds the article again.
    crawler = get_crawler(settings_dict={"NEWSSPIDER_DATA_DIR": str(tmp_path), "NEWSSPIDER_REFRESH_DAYS": 30})
    seen(crawler, 1)
    gone = response_for(article_request(1), status=404)
    IncrementalMiddleware(crawler, now=NOW).process_spider_exception(gone, HttpError(gone))
    back_day = IncrementalMiddleware(crawler, now=NOW + timedelta(days=1))
    assert len(run(back_day, response_for(listing_request(1)), [article_request(1)])) == 1  # asked again
    # The page answers 200 again, unchanged: the version pipeline touches its last-seen time.
    shared_state(crawler).touch(article_request(1).url, (NOW + timedelta(days=1)).isoformat())
    removed = collect(crawler, signals.article_removed)
    later = IncrementalMiddleware(crawler, now=NOW + timedelta(days=2))
    later.process_spider_exception(gone, HttpError(gone))
    assert len(removed) == 1
    assert len(read_records(tmp_path, "events")) == 2


def test_an_article_stored_again_after_its_takedown_can_be_taken_down_anew(tmp_path: Path) -> None:
    crawler = get_crawler(settings_dict={"NEWSSPIDER_DATA_DIR": str(tmp_path), "NEWSSPIDER_REFRESH_DAYS": 30})
    seen(crawler, 1)
    response = response_for(article_request(1), status=404)
    IncrementalMiddleware(crawler, now=NOW).process_spider_exception(response, HttpError(response))
    back = shared_state(crawler).get(article_request(1).url)
    assert back is not None
    # The article came back and was stored again two days after the takedown.
    shared_state(crawler).commit([replace(back, version=2, last_seen="2020-03-03T04:00:00+00:00")], {})
    out = run(
        IncrementalMiddleware(crawler, now=NOW + timedelta(days=3)),
        response_for(listing_request(1)),
        [article_request(1)],
    )
    assert len(out) == 1  # refreshed again
    removed = collect(crawler, signals.article_removed)
    IncrementalMiddleware(crawler, now=NOW + timedelta(days=3)).process_spider_exception(
        response, HttpError(response)
    )
    assert len(removed) == 1
    assert [e["at"] for e in read_records(tmp_path, "events")] == [
        "2020-03-01T04:00:00+00:00",
        "2020-03-04T04:00:00+00:00",
    ]


@pytest.mark.e2e
@pytest.mark.slow
def test_a_second_run_reads_only_the_first_listing_page(replica: Replica, tmp_path: Path) -> None:
    # 山西要闻's first page holds a row robots.txt forbids and a dead link: neither is new on run 2.
    from tests.test_e2e_crawl import newsspider_crawl

    replica.reset()
    first = newsspider_crawl(replica, tmp_path, "--site=replica-trs")
    assert first.returncode == 1, first.stderr[-3000:]  # the dead link fails once
    mark = replica.mark()
    second = newsspider_crawl(replica, tmp_path, "--site=replica-trs")
    assert second.returncode == 0, second.stderr[-3000:]
    listings = [e.path for e in replica.log(mark) if e.kind == "listing"]
    assert [p for p in listings if p.startswith("/yw/sxyw/")] == ["/yw/sxyw/index.html"]
    assert [e.path for e in replica.log(mark) if e.kind == "article"] == []
