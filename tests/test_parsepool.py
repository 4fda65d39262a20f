"""The parse worker pool outlives a dead worker: one bad page costs that page, never the rest of the crawl."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from newsspider.parsers import ListingContext
from newsspider.parsers.article import parse_job
from newsspider.sites import load_profile
from newsspider.spiders.parsepool import ParsePool, ParseTimeout, WorkerDied

if TYPE_CHECKING:
    from newsspider.items import NewsArticle

REPO = Path(__file__).resolve().parent.parent

PAGE = (
    "<html><head><meta charset='utf-8'><title>省政府召开常务会议_某省人民政府</title></head><body>"
    "<h1>省政府召开常务会议</h1><div class='info'>发布时间：2020-02-18 19:58:03 来源：省政府办公厅</div>"
    "<div class='TRS_Editor'><p>会议强调，要抓好春季农业生产，确保粮食安全和重要农产品有效供给。</p>"
    "<p>会议要求，各地各部门要压实责任，落实落细各项措施，推动经济社会平稳健康发展。</p></div></body></html>"
)


def die_on_poison(*args: Any) -> NewsArticle:
    """A worker task that kills its process on a poison URL, as a segfault in a C extension would."""
    if "poison" in args[1]:
        os._exit(1)
    return parse_job(*args)


def hang_on_slow(*args: Any) -> NewsArticle:
    """A page the parser never finishes (catastrophic backtracking in some regular expression)."""
    if "slow" in args[1]:
        time.sleep(600)
    return parse_job(*args)


def _refuse_to_load() -> None:
    raise RuntimeError("this answer cannot be read back")


class Unreadable:
    """A result that pickles in the worker and fails to unpickle in the crawl process (a corrupt frame)."""

    def __reduce__(self) -> tuple[Any, tuple[()]]:
        return _refuse_to_load, ()


def unreadable_on_bad(*args: Any) -> Any:
    if "bad" in args[1]:
        return Unreadable()
    return parse_job(*args)


def fail_always(*args: Any) -> NewsArticle:
    raise ValueError("a parser bug")


def niceness(*args: Any) -> int:
    return os.nice(0)


def response(url: str) -> HtmlResponse:
    return HtmlResponse(url, body=PAGE.encode("utf-8"), headers={"Content-Type": "text/html; charset=utf-8"})


def parse_all(pool: ParsePool, urls: list[str]) -> list[NewsArticle | BaseException]:
    site = load_profile("shanxi-gov")
    when = datetime(2020, 2, 19, tzinfo=UTC)

    async def run() -> list[NewsArticle | BaseException]:
        jobs = [pool.parse(response(url), site, when, ListingContext()) for url in urls]
        try:
            return await asyncio.gather(*jobs, return_exceptions=True)
        finally:
            pool.close()  # as the spider does on spider_closed, with the loop still running

    return asyncio.run(run())


def test_a_dead_worker_costs_only_the_page_that_killed_it() -> None:
    deaths: list[int] = []
    pool = ParsePool(1, attempts=2, work=f"{__name__}:die_on_poison", on_death=lambda: deaths.append(1))
    urls = [f"http://www.shanxi.gov.cn/a/{n}.html" for n in range(3)]
    got = parse_all(pool, [*urls, "http://www.shanxi.gov.cn/poison.html"])
    assert [r.title for r in got[:3] if not isinstance(r, BaseException)] == ["省政府召开常务会议"] * 3
    assert isinstance(got[3], WorkerDied)
    # One death per try of the poison page, each reported once (the run's stats count them).
    assert pool.restarts == len(deaths) == 2


def test_pages_after_a_worker_death_still_parse() -> None:
    pool = ParsePool(1, attempts=1, work=f"{__name__}:die_on_poison")
    (dead,) = parse_all(pool, ["http://www.shanxi.gov.cn/poison.html"])
    assert isinstance(dead, WorkerDied)
    (record,) = parse_all(pool, ["http://www.shanxi.gov.cn/a/after.html"])
    assert not isinstance(record, BaseException), record
    assert record.source == "省政府办公厅"


def test_an_exception_in_the_parser_is_not_taken_for_a_dead_worker() -> None:
    pool = ParsePool(1, work=f"{__name__}:fail_always")
    (got,) = parse_all(pool, ["http://www.shanxi.gov.cn/a/1.html"])
    assert isinstance(got, ValueError)
    assert pool.restarts == 0


def test_a_page_that_never_finishes_fails_alone_and_the_crawl_goes_on() -> None:
    pool = ParsePool(1, timeout=1.0, work=f"{__name__}:hang_on_slow")
    started = time.monotonic()
    slow, fine = parse_all(pool, ["http://www.shanxi.gov.cn/slow.html", "http://www.shanxi.gov.cn/a/2.html"])
    assert isinstance(slow, ParseTimeout)
    assert not isinstance(fine, BaseException), fine
    assert fine.title == "省政府召开常务会议"
    assert time.monotonic() - started < 60  # the hung worker was killed, not waited for


def test_an_answer_that_cannot_be_read_replaces_the_worker_and_fails_only_its_page() -> None:
    pool = ParsePool(1, attempts=2, timeout=60.0, work=f"{__name__}:unreadable_on_bad")
    started = time.monotonic()
    bad, fine = parse_all(pool, ["http://www.shanxi.gov.cn/bad.html", "http://www.shanxi.gov.cn/a/3.html"])
    assert isinstance(bad, WorkerDied)
    assert not isinstance(fine, BaseException), fine
    assert fine.title == "省政府召开常务会议"
    assert pool.restarts == 2
    assert time.monotonic() - started < 30  # not left waiting for the page's timeout


def test_a_timeout_charges_no_try_to_the_page_queued_behind_it() -> None:
    pool = ParsePool(1, attempts=1, timeout=1.0, work=f"{__name__}:hang_on_slow")
    slow, fine = parse_all(pool, ["http://www.shanxi.gov.cn/slow.html", "http://www.shanxi.gov.cn/a/4.html"])
    assert isinstance(slow, ParseTimeout)
    assert not isinstance(fine, BaseException), fine


def test_a_page_handed_to_a_worker_that_just_died_goes_to_a_live_one() -> None:
    pool = ParsePool(1, work=f"{__name__}:die_on_poison")
    site, when = load_profile("shanxi-gov"), datetime(2020, 2, 19, tzinfo=UTC)

    async def run() -> NewsArticle:
        dead = await pool._worker()
        dead.die()  # as when the OOM killer takes it while the page is on its way
        original = pool._worker

        async def stale_then_fresh() -> Any:
            pool._worker = original  # type: ignore[method-assign]
            return dead

        pool._worker = stale_then_fresh  # type: ignore[method-assign]
        try:
            page = pool.parse(response("http://www.shanxi.gov.cn/a/5.html"), site, when, ListingContext())
            return await asyncio.wait_for(page, 30)  # before the fix it waited forever
        finally:
            pool.close()

    record = asyncio.run(run())
    assert record.title == "省政府召开常务会议"


@pytest.mark.skipif(not hasattr(os, "nice"), reason="niceness is POSIX")
def test_workers_run_at_a_lower_priority_than_the_crawl_process() -> None:
    """So the crawl process, which every page goes through, is the one that does not wait for a core."""
    (lower,) = parse_all(
        ParsePool(1, nice=5, work=f"{__name__}:niceness"), ["http://www.shanxi.gov.cn/a/1.html"]
    )
    assert lower == min(os.nice(0) + 5, 19)
    (same,) = parse_all(ParsePool(1, work=f"{__name__}:niceness"), ["http://www.shanxi.gov.cn/a/2.html"])
    assert same == os.nice(0)


def test_the_pool_takes_its_niceness_and_timeout_from_the_settings() -> None:
    assert ParsePool.from_settings(2, get_project_settings()).nice == 10
    pool = ParsePool.from_settings(2, Settings({"NEWSSPIDER_PARSE_NICE": 0, "NEWSSPIDER_PARSE_TIMEOUT": 5}))
    assert (pool.processes, pool.nice, pool.timeout) == (2, 0, 5.0)


def test_a_niceness_out_of_range_is_clamped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    assert ParsePool.from_settings(1, Settings({"NEWSSPIDER_PARSE_NICE": -5})).nice == 0
    assert ParsePool.from_settings(1, Settings({"NEWSSPIDER_PARSE_NICE": 40})).nice == 19
    assert [r.getMessage() for r in caplog.records if r.name == "newsspider.spiders.parsepool"] == [
        "NEWSSPIDER_PARSE_NICE is 0 to 19, got -5: using 0",
        "NEWSSPIDER_PARSE_NICE is 0 to 19, got 40: using 19",
    ]


@pytest.mark.skipif(not hasattr(os, "nice"), reason="niceness is POSIX")
def test_a_worker_that_may_not_lower_its_priority_still_parses(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A sandbox that forbids setpriority must not cost every page: the worker parses at the crawl's priority."""
    # The worker gets this process's sys.path; Python imports sitecustomize from it at start-up.
    (tmp_path / "sitecustomize.py").write_text(
        "import os\n\ndef _refuse(increment):\n    raise PermissionError(1, 'Operation not permitted')\n\n"
        "os.nice = _refuse\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    (record,) = parse_all(ParsePool(1, nice=5), ["http://www.shanxi.gov.cn/a/3.html"])
    assert not isinstance(record, BaseException), record
    assert record.title == "省政府召开常务会议"


def test_each_page_is_parsed_with_its_own_sites_profile_sent_once_per_worker() -> None:
    # The profile is sent whole with a worker's first page of the site, then by number only.
    sites = [load_profile("shanxi-gov"), load_profile("sxrb")]
    when = datetime(2020, 2, 19, tzinfo=UTC)
    pool = ParsePool(1)

    async def run() -> list[NewsArticle]:
        jobs = [
            pool.parse(response(f"http://www.shanxi.gov.cn/a/{n}.html"), sites[n % 2], when, ListingContext())
            for n in range(6)
        ]
        try:
            return await asyncio.gather(*jobs)
        finally:
            pool.close()

    records = asyncio.run(run())
    assert [(r.site, r.site_name) for r in records] == [(s.key, s.name) for s in sites] * 3
    worker = pool_worker_frames(sites[0])
    assert len(worker[1]) < len(worker[0]) - 200  # the profile, a few hundred bytes, went once


def pool_worker_frames(site: Any) -> list[bytes]:
    from newsspider.spiders.parsepool import _Worker

    worker = _Worker.__new__(_Worker)
    worker._shared = {}
    args = (b"<html></html>", "http://www.shanxi.gov.cn/a/1.html", 200, {}, site, None, None)
    return [worker.job(n, args, 4) for n in range(2)]


def test_a_worker_starts_without_importing_scrapy() -> None:
    # Every worker (and every restart of one) pays its imports: Scrapy and Twisted are a fifth of a second
    # of CPU the parser has no use for.
    code = (
        "import sys, newsspider.parsers.article, newsspider.spiders.parseworker; "
        "print(sorted(m for m in ('scrapy', 'twisted', 'itemadapter') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_worker_job_parses_as_the_crawl_process_does() -> None:
    # The job carries the fetch time as ISO 8601 and the listing row as three values (cheaper to pickle):
    # the record must be the one parse_fetched gives from the datetime and the ListingContext.
    from newsspider.parsers.article import parse_fetched

    site = load_profile("shanxi-gov")
    when = datetime(2020, 2, 19, 1, 2, 3, 456789, tzinfo=UTC)
    listing = ListingContext(title="省政府召开常务会议", date_raw="2020-02-18", column="要闻")
    body = PAGE.encode("utf-8")
    url = "http://www.shanxi.gov.cn/a/1.html"
    headers = {"Content-Type": "text/html; charset=utf-8"}
    expected = parse_fetched(body, url, 200, headers, site, when, listing)
    job = parse_job(
        body,
        url,
        200,
        headers["Content-Type"],
        site,
        when.isoformat(),
        ("省政府召开常务会议", "2020-02-18", "要闻"),
    )
    assert job == expected
    assert parse_job(body, url, 200, None, None, None, None) == parse_fetched(
        body, url, 200, {}, None, None, None
    )
