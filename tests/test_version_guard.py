"""The version pipeline over months of cron runs: a re-fetch that finds no text (a soft-404 page served with
HTTP 200) never replaces the stored article, and an unchanged re-fetch is not a warning."""

from __future__ import annotations

import json
import logging
import subprocess
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from scrapy import Spider

from newsspider import signals as ns_signals
from newsspider.dataset import load
from newsspider.extensions.report import RunReportExtension
from newsspider.logsetup import RecordLogFormatter
from newsspider.textnorm import content_hash
from pipelines.state import open_state
from pipelines.validate import Quarantined
from pipelines.version import Unchanged
from tests.records import read_records
from tests.test_pipelines import BODY, crawler_for, make_article, run_chain

if TYPE_CHECKING:
    from pathlib import Path

    from newsspider.items import NewsArticle
    from newsspider.replica import Replica


def soft_404(**changes: Any) -> NewsArticle:
    """What the parser makes of the '页面不存在' page a TRS site answers with HTTP 200 after a takedown."""
    fields: dict[str, Any] = {
        "title": "提示信息",
        "paragraphs": [],
        "text": "",
        "summary": None,
        "directives": [],
        "images": [],
        "source": None,
        "authors": [],
        "published_at": None,
        "published_raw": None,
        "published_from": None,
        "warnings": ["no_body", "source_missing"],
        "fetched_at": "2020-02-25T01:00:00+00:00",
    }
    return make_article(**{**fields, **changes})


def test_an_empty_refetch_keeps_the_stored_version_and_reports_a_takedown(tmp_path: Path) -> None:
    (v1,) = run_chain(crawler_for(tmp_path), [make_article()])
    crawler = crawler_for(tmp_path, NEWSSPIDER_RUN_ID="run-2")
    removed: list[dict[str, Any]] = []
    crawler.signals.connect(lambda **kw: removed.append(kw), signal=ns_signals.article_removed, weak=False)
    (dropped,) = run_chain(crawler, [soft_404()])
    # The run report counts it under removed, as it does a 404 takedown.
    assert [(r["url"], r["reason"], r["status"]) for r in removed] == [(v1.canonical_url, "emptied", 200)]

    assert isinstance(dropped, Quarantined)
    assert dropped.code == "emptied"
    assert "empty page where version 1 had text: kept version 1" in str(dropped)
    # The latest view still holds the article's text, not the 提示信息 page.
    latest = load(tmp_path)
    assert latest["text"].tolist() == [v1.text]
    assert [r["version"] for r in read_records(tmp_path)] == [1]
    state = open_state("", tmp_path)
    entry = state.get(v1.canonical_url)
    assert entry is not None
    assert (entry.version, entry.content_hash) == (1, v1.content_hash)
    assert entry.last_seen == v1.fetched_at  # not seen: the next refresh fetches it again
    # A suspected takedown, where takedowns are written, and in the state store's list.
    events = read_records(tmp_path, "events")
    assert [(e["event"], e["url"], e["reason"], e["status"], e["at"]) for e in events] == [
        ("removed", v1.canonical_url, "emptied", 200, "2020-02-25T01:00:00+00:00")
    ]
    # The empty page itself is kept for a look, and counted.
    (line,) = (tmp_path / "quarantine" / "run-2.jsonl").read_text(encoding="utf-8").splitlines()
    kept = json.loads(line)
    assert (kept["reason"], kept["record"]["title"]) == ("emptied", "提示信息")
    assert crawler.stats is not None
    assert crawler.stats.get_value("newsspider/quarantined/emptied") == 1


def test_text_that_comes_back_is_compared_with_the_kept_version(tmp_path: Path) -> None:
    (v1,) = run_chain(crawler_for(tmp_path), [make_article()])
    run_chain(crawler_for(tmp_path, NEWSSPIDER_RUN_ID="run-2"), [soft_404()])
    (same,) = run_chain(
        crawler_for(tmp_path, NEWSSPIDER_RUN_ID="run-3"),
        [make_article(fetched_at="2020-02-26T00:00:00+00:00")],
    )
    assert isinstance(same, Unchanged)
    edited = [*BODY, "会议还研究了其他事项。"]
    (v2,) = run_chain(
        crawler_for(tmp_path, NEWSSPIDER_RUN_ID="run-4"),
        [make_article(paragraphs=edited, text="\n".join(edited), fetched_at="2020-02-27T00:00:00+00:00")],
    )
    assert (v2.version, v2.previous_hash, v2.changed) == (2, v1.content_hash, ["text"])


def test_a_page_still_empty_is_quarantined_again_quietly_and_one_emptying_is_one_event(
    tmp_path: Path,
) -> None:
    (v1,) = run_chain(crawler_for(tmp_path), [make_article()])
    run_chain(crawler_for(tmp_path, NEWSSPIDER_RUN_ID="run-2"), [soft_404()])
    crawler = crawler_for(tmp_path, NEWSSPIDER_RUN_ID="run-3")
    (again,) = run_chain(crawler, [soft_404(fetched_at="2020-02-26T01:00:00+00:00")])
    assert isinstance(again, Quarantined)
    assert "still an empty page where version 1 had text: kept version 1" in str(again)
    spider = Spider("provincial")
    spider.crawler = crawler
    assert RecordLogFormatter().dropped(soft_404(), again, None, spider)["level"] == logging.INFO
    assert len(read_records(tmp_path, "events")) == 1
    assert (tmp_path / "quarantine" / "run-3.jsonl").is_file()
    # The text comes back (found unchanged), then the page is emptied again: a second takedown.
    run_chain(
        crawler_for(tmp_path, NEWSSPIDER_RUN_ID="run-4"),
        [make_article(fetched_at="2020-02-27T00:00:00+00:00")],
    )
    (emptied,) = run_chain(
        crawler_for(tmp_path, NEWSSPIDER_RUN_ID="run-5"), [soft_404(fetched_at="2020-02-28T01:00:00+00:00")]
    )
    assert "still" not in str(emptied)
    events = read_records(tmp_path, "events")
    assert [(e["url"], e["at"]) for e in events] == [
        (v1.canonical_url, "2020-02-25T01:00:00+00:00"),
        (v1.canonical_url, "2020-02-28T01:00:00+00:00"),
    ]


def test_an_article_that_never_had_text_is_versioned_as_before(tmp_path: Path) -> None:
    # A picture-only page stored without text: a new title on it is an edit, not a takedown.
    (v1,) = run_chain(crawler_for(tmp_path), [soft_404(title="图片新闻：太行山秋色")])
    assert v1.content_hash == content_hash("")
    (v2,) = run_chain(
        crawler_for(tmp_path, NEWSSPIDER_RUN_ID="run-2"), [soft_404(title="图片新闻：太行山初雪")]
    )
    assert (v2.version, v2.changed) == (2, ["title"])
    assert read_records(tmp_path, "events") == []


def test_an_empty_second_fetch_within_one_run_keeps_the_first(tmp_path: Path) -> None:
    # The store commits in batches: the first fetch is known to the pipeline before it is in the state.
    out = run_chain(crawler_for(tmp_path, NEWSSPIDER_FSYNC_EVERY=1000), [make_article(), soft_404()])
    assert isinstance(out[1], Quarantined)
    assert out[1].code == "emptied"
    assert [r["text"] for r in read_records(tmp_path)] == [out[0].text]


def test_an_unchanged_refetch_is_logged_at_debug_and_still_counted(tmp_path: Path) -> None:
    run_chain(crawler_for(tmp_path), [make_article()])
    crawler = crawler_for(tmp_path, NEWSSPIDER_RUN_ID="run-2")
    (unchanged,) = run_chain(crawler, [make_article(fetched_at="2020-02-26T00:00:00+00:00")])
    assert isinstance(unchanged, Unchanged)
    spider = Spider("provincial")
    spider.crawler = crawler
    logged = RecordLogFormatter().dropped(make_article(), unchanged, None, spider)
    assert logged["level"] == logging.DEBUG
    report = RunReportExtension(crawler)
    report.item_dropped(make_article(), unchanged)
    assert report.build("finished")["sites"]["shanxi-gov"]["columns"]["山西要闻"]["unchanged"] == 1


def test_an_emptied_page_is_still_a_warning(tmp_path: Path) -> None:
    run_chain(crawler_for(tmp_path), [make_article()])
    crawler = crawler_for(tmp_path, NEWSSPIDER_RUN_ID="run-2")
    (emptied,) = run_chain(crawler, [soft_404()])
    assert isinstance(emptied, Quarantined)  # a suspected takedown: the cron mail should say so
    spider = Spider("provincial")
    spider.crawler = crawler
    assert RecordLogFormatter().dropped(soft_404(), emptied, None, spider)["level"] == logging.WARNING


# -- end to end, over the replica site ---------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.slow
def test_a_refresh_run_over_an_emptied_page_keeps_the_article_and_mails_no_unchanged_lines(
    replica: Replica, tmp_path: Path
) -> None:
    from tests.test_crash import REPO, crawl, crawl_command

    replica.reset()
    data = tmp_path / "data"
    first = crawl(replica, data, "first")
    stored = [
        r for r in read_records(data)
        if r["site"] == "replica-trs" and ("replica-trs", urlsplit(r["url"]).path) in replica.catalog.articles
    ]  # fmt: skip
    emptied = stored[0]
    try:
        replica.mutate("replica-trs", urlsplit(emptied["url"]).path, text="")
        cmd = crawl_command(replica, data, "refresh", "NEWSSPIDER_REFRESH_DAYS=10000")
        done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=180, check=False)
    finally:
        replica.reset()
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((data / "runs" / "refresh.json").read_text(encoding="utf-8"))
    totals = report["totals"]
    assert (totals["new"], totals["updated"], totals["failed"]) == (0, 0, 0)
    assert totals["unchanged"] == first["totals"]["new"] - 1
    assert report["sites"]["replica-trs"]["quarantine"] == {"emptied": 1}
    assert "Dropped: unchanged" not in done.stderr
    latest = load(data)
    row = latest[latest["canonical_url"] == emptied["canonical_url"]]
    assert row["text"].tolist() == [emptied["text"]]
    events = read_records(data, "events")
    assert [(e["url"], e["reason"]) for e in events] == [(emptied["canonical_url"], "emptied")]
