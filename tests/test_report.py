"""The run report extension, fed signals the way the spider, middlewares and pipelines send them."""

from __future__ import annotations

import json
import os
import stat
import unicodedata
from typing import TYPE_CHECKING, Any

import pytest
from scrapy import Request
from scrapy import signals as scrapy_signals
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from newsspider import __version__, signals
from newsspider.extensions.report import (
    RunReportExtension,
    format_summary,
    load_report,
    run_id_of,
    write_report,
)
from newsspider.items import SCHEMA_VERSION, DirectiveBlock, NewsArticle
from pipelines.validate import Quarantined
from pipelines.version import Unchanged

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy.crawler import Crawler

SITE = "shanxi-gov"
# Scrapy's own extensions want a real spider; the report alone is under test.
QUIET = {"EXTENSIONS_BASE": {}}


def article(n: int, **more: Any) -> NewsArticle:
    return NewsArticle(
        url=f"http://www.shanxi.gov.cn/yw/sxyw/202002/t20200218_{n}.shtml",
        site=SITE,
        column="山西要闻",
        title=f"标题{n}",
        text="正文",
        **more,
    )


def response_in(column: str, n: int) -> HtmlResponse:
    request = Request(article(n).url, meta={"ns_kind": "article", "ns_site": SITE, "ns_column": column})
    return HtmlResponse(request.url, body=b"", request=request)


def send(crawler: Crawler, signal: object, **kwargs: Any) -> None:
    crawler.signals.send_catch_log(signal=signal, **kwargs)


def finished_report(crawler: Crawler) -> dict[str, Any]:
    ext = build_from_crawler(RunReportExtension, crawler)
    send(crawler, scrapy_signals.spider_opened, spider=None)
    for page in (1, 2):
        send(crawler, signals.listing_fetched, url=f"http://www.shanxi.gov.cn/yw/sxyw/index_{page}.shtml",
             site=SITE, column="山西要闻", rows=20, new=3, oldest="2020-02-01")  # fmt: skip
    send(crawler, signals.listing_fetched, url="http://www.shanxi.gov.cn/zw/index.shtml", site=SITE,
         column="政务活动", rows=20, new=0, oldest=None)  # fmt: skip
    full = {"published_at": "2020-02-18", "source": "山西日报", "authors": ["王华"], "summary": "摘要",
            "directives": [DirectiveBlock(speaker="会议", verb="强调", declared_count=None)]}  # fmt: skip
    send(
        crawler,
        scrapy_signals.item_scraped,
        spider=None,
        item=article(1, **full),
        response=response_in("山西要闻", 1),
    )
    send(
        crawler,
        scrapy_signals.item_scraped,
        item=article(2, source="新华社"),
        response=response_in("山西要闻", 2),
    )
    send(crawler, scrapy_signals.item_scraped, spider=None, item=article(3, version=2, duplicate_of="http://x/1"),
         response=response_in("山西要闻", 3))  # fmt: skip
    send(crawler, scrapy_signals.item_dropped, spider=None, item=article(4), exception=Unchanged(article(4).url),
         response=response_in("山西要闻", 4))  # fmt: skip
    send(crawler, scrapy_signals.item_dropped, spider=None, item=article(5), exception=Quarantined("empty", "neither title nor text"),
         response=response_in("政务活动", 5))  # fmt: skip
    send(
        crawler,
        scrapy_signals.item_dropped,
        item=article(6),
        exception=DropItem("odd"),
        response=response_in("山西要闻", 6),
    )
    for n in (7, 8):
        send(
            crawler, signals.article_skipped, url=article(n).url, site=SITE, column="政务活动", reason="seen"
        )
    send(crawler, signals.article_failed, url=article(9).url, site=SITE, column="山西要闻", reason="timeout")
    # A takedown: the spider's errback reports the 404 as failed, the middleware as removed.
    send(
        crawler, signals.article_failed, url=article(10).url, site=SITE, column="山西要闻", reason="http 404"
    )
    send(crawler, signals.article_removed, url=article(10).url, site=SITE, column="山西要闻", status=404,
         reason="http 404")  # fmt: skip
    send(
        crawler,
        signals.challenge_detected,
        url="http://www.shanxi.gov.cn/yw/",
        host="www.shanxi.gov.cn",
        kind="rs-412",
    )
    send(crawler, scrapy_signals.spider_closed, spider=None, reason="finished")
    assert ext.path is not None
    return load_report(ext.path)


def test_report_counts_per_site_and_column(tmp_path: Path) -> None:
    crawler = get_crawler(
        settings_dict={**QUIET, "NEWSSPIDER_DATA_DIR": str(tmp_path), "NEWSSPIDER_RUN_ID": "r1"}
    )
    report = finished_report(crawler)
    site = report["sites"][SITE]
    news, activity = site["columns"]["山西要闻"], site["columns"]["政务活动"]
    assert {k: news[k] for k in ("listing_pages", "new", "updated", "unchanged", "failed", "duplicates", "removed")} == {
        "listing_pages": 2, "new": 2, "updated": 1, "unchanged": 1, "failed": 2, "duplicates": 1, "removed": 1,
    }  # fmt: skip
    assert (activity["listing_pages"], activity["skipped"], activity["quarantined"]) == (1, 2, 1)
    assert site["totals"]["failed"] == 2  # timeout + the odd drop; the 404 counted once, as removed
    assert {f["url"] for f in site["failures"]} == {article(9).url, article(6).url}
    assert site["skipped"] == {"seen": 2}
    assert site["skipped_urls"] == []  # seen links are counted, not listed
    assert site["quarantine"] == {"empty": 1}
    assert site["removed"][0]["status"] == 404
    assert site["challenge_hosts"] == ["www.shanxi.gov.cn"]
    assert report["totals"]["new"] == 2


def test_report_fill_rates_and_provenance(tmp_path: Path) -> None:
    crawler = get_crawler(
        settings_dict={**QUIET, "NEWSSPIDER_DATA_DIR": str(tmp_path), "NEWSSPIDER_RUN_ID": "r2"}
    )
    report = finished_report(crawler)
    fill = report["sites"][SITE]["fill"]
    assert fill == {
        "published_at": 0.333,
        "source": 0.667,
        "authors": 0.333,
        "summary": 0.333,
        "directives": 0.333,
    }
    assert report["newsspider_version"] == __version__
    assert report["schema_version"] == SCHEMA_VERSION
    assert report["git_commit"] is None or len(report["git_commit"]) == 40
    assert report["started_at"] <= report["finished_at"]
    assert report["finish_reason"] == "finished"


def test_report_written_atomically_under_the_run_id(tmp_path: Path) -> None:
    crawler = get_crawler(settings_dict={**QUIET, "NEWSSPIDER_DATA_DIR": str(tmp_path)})
    finished_report(crawler)
    run_id = run_id_of(crawler)
    assert [p.name for p in (tmp_path / "runs").iterdir()] == [f"{run_id}.json"]  # no temp file left
    assert json.loads((tmp_path / "runs" / f"{run_id}.json").read_text(encoding="utf-8"))["run_id"] == run_id


def test_generated_run_id_is_shared_within_a_crawler_only(tmp_path: Path) -> None:
    a = get_crawler(settings_dict={**QUIET, "NEWSSPIDER_DATA_DIR": str(tmp_path)})
    b = get_crawler(settings_dict={**QUIET, "NEWSSPIDER_DATA_DIR": str(tmp_path)})
    assert run_id_of(a) == run_id_of(a) != run_id_of(b)


def test_two_crawlers_of_one_run_merge_their_sites(tmp_path: Path) -> None:
    settings = {**QUIET, "NEWSSPIDER_DATA_DIR": str(tmp_path), "NEWSSPIDER_RUN_ID": "r3"}
    finished_report(get_crawler(settings_dict=settings))
    other = get_crawler(settings_dict=settings)
    ext = build_from_crawler(RunReportExtension, other)
    send(other, signals.listing_fetched, url="http://www.henan.gov.cn/ywdt/", site="henan-gov", column="要闻",
         rows=10, new=10, oldest=None)  # fmt: skip
    send(other, scrapy_signals.spider_closed, spider=None, reason="finished")
    assert ext.path is not None
    report = load_report(ext.path)
    assert set(report["sites"]) == {SITE, "henan-gov"}
    assert report["totals"]["listing_pages"] == 4


def cells(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def test_summary_table_lines_up_chinese_column_names(tmp_path: Path) -> None:
    crawler = get_crawler(
        settings_dict={**QUIET, "NEWSSPIDER_DATA_DIR": str(tmp_path), "NEWSSPIDER_RUN_ID": "r4"}
    )
    text = format_summary(finished_report(crawler))
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("site"))
    row = next(line for line in lines if "山西要闻" in line)
    # Each Chinese character takes two terminal cells; the counts still end under their headers.
    assert cells(header) == cells(row)
    assert row.split()[2:] == ["2", "2", "1", "1", "0", "2", "1", "0", "1"]
    assert "timeout" in text
    assert "quarantined empty: 1" in text
    assert "challenge hosts: www.shanxi.gov.cn" in text


def test_summary_says_when_parse_workers_died() -> None:
    report = {"run_id": "r9", "sites": {}, "totals": {}, "stats": {"newsspider/parse_worker_restarts": 2}}
    assert "parse workers died 2 time(s)" in format_summary(report)
    assert "parse workers died" not in format_summary({**report, "stats": {}})


def test_a_challenged_site_is_named_from_the_spider_profiles(tmp_path: Path) -> None:
    from types import SimpleNamespace

    crawler = get_crawler(
        settings_dict={**QUIET, "NEWSSPIDER_DATA_DIR": str(tmp_path), "NEWSSPIDER_RUN_ID": "r5"}
    )
    column = SimpleNamespace(url="http://www.nmpa.gov.cn/xxgk/gzdt/index.html")
    crawler.spider = SimpleNamespace(name="provincial", profiles={"nmpa": SimpleNamespace(
        allowed_domains=("nmpa.gov.cn",), columns=(column,))})  # fmt: skip
    ext = build_from_crawler(RunReportExtension, crawler)
    send(crawler, signals.challenge_detected, url=column.url, host="www.nmpa.gov.cn", kind="rs-412")
    send(crawler, scrapy_signals.spider_closed, spider=None, reason="finished")
    assert ext.path is not None
    assert load_report(ext.path)["sites"]["nmpa"]["challenge_hosts"] == ["www.nmpa.gov.cn"]


def test_a_site_that_fetched_nothing_is_in_the_report_and_the_table(tmp_path: Path) -> None:
    from types import SimpleNamespace

    settings = {**QUIET, "NEWSSPIDER_DATA_DIR": str(tmp_path), "NEWSSPIDER_RUN_ID": "r6"}
    crawler = get_crawler(settings_dict=settings)
    columns = (SimpleNamespace(name="要闻", url="http://www.hainan.gov.cn/hainan/ywdt/list3.shtml"),)
    crawler.spider = SimpleNamespace(name="provincial", profiles={
        "hainan-gov": SimpleNamespace(allowed_domains=("hainan.gov.cn",), columns=columns),
        SITE: SimpleNamespace(allowed_domains=("shanxi.gov.cn",), columns=()),
    })  # fmt: skip
    ext = build_from_crawler(RunReportExtension, crawler)
    send(crawler, signals.listing_fetched, url="http://www.shanxi.gov.cn/yw/sxyw/index.shtml", site=SITE,
         column="山西要闻", rows=20, new=3, oldest=None)  # fmt: skip
    send(crawler, scrapy_signals.spider_closed, spider=None, reason="finished")
    assert ext.path is not None
    report = load_report(ext.path)
    assert report["sites"]["hainan-gov"]["columns"]["要闻"]["listing_pages"] == 0
    text = format_summary(report)
    assert any(line.split()[:3] == ["hainan-gov", "要闻", "0"] for line in text.splitlines())
    assert "hainan-gov: nothing fetched" in text
    assert f"{SITE}: nothing fetched" not in text
    # Another crawler of the same run that only knew the site by its profile does not wipe what this found.
    other = get_crawler(settings_dict=settings)
    other.spider = SimpleNamespace(name="provincial", profiles={
        SITE: SimpleNamespace(allowed_domains=("shanxi.gov.cn",), columns=(SimpleNamespace(name="山西要闻"),)),
    })  # fmt: skip
    build_from_crawler(RunReportExtension, other)
    send(other, scrapy_signals.spider_closed, spider=None, reason="finished")
    assert load_report(ext.path)["sites"][SITE]["totals"]["listing_pages"] == 1


def test_a_worker_of_a_shared_crawl_lists_only_the_sites_it_fetched(tmp_path: Path) -> None:
    from types import SimpleNamespace

    crawler = get_crawler(settings_dict={**QUIET, "NEWSSPIDER_DATA_DIR": str(tmp_path), "NEWSSPIDER_RUN_ID": "r7",
                                         "NEWSSPIDER_CRAWL_ID": "c1"})  # fmt: skip
    columns = (SimpleNamespace(name="要闻", url="http://www.hainan.gov.cn/hainan/ywdt/list3.shtml"),)
    crawler.spider = SimpleNamespace(name="provincial", profiles={
        "hainan-gov": SimpleNamespace(allowed_domains=("hainan.gov.cn",), columns=columns)})  # fmt: skip
    ext = build_from_crawler(RunReportExtension, crawler)
    send(crawler, scrapy_signals.spider_closed, spider=None, reason="finished")
    assert ext.path is not None
    assert load_report(ext.path)["sites"] == {}


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640)])
def test_run_report_mode_follows_the_umask_like_records_and_logs(
    tmp_path: Path, umask: int, mode: int
) -> None:
    # Whoever may read the records (another account, a dashboard) may read the run report next to them.
    old = os.umask(umask)
    try:
        path = write_report(tmp_path, {"run_id": "r-mode", "sites": {}})
        record = tmp_path / "shanxi-gov" / "2026-11-20.jsonl"
        record.parent.mkdir()
        record.write_text("{}\n", encoding="utf-8")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert stat.S_IMODE(path.stat().st_mode) == stat.S_IMODE(record.stat().st_mode)
    assert [p.name for p in path.parent.iterdir()] == ["r-mode.json"]
