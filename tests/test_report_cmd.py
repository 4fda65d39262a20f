"""``newsspider report``: a run report as a table, or a one-page HTML report with a chart and fill rates.

The report files are written by the real run-report extension (fed the project's signals), so the
command is tested against the format crawls actually produce.
"""

from __future__ import annotations

import json
import os
import re
from typing import TYPE_CHECKING
from xml.etree import ElementTree

import pytest
from scrapy import Spider
from scrapy import signals as scrapy_signals
from scrapy.utils.test import get_crawler

from newsspider import signals
from newsspider.cli import main
from newsspider.commands.report import fill_rates
from newsspider.extensions.report import RunReportExtension
from tests.test_dataset import build_dataset

if TYPE_CHECKING:
    from pathlib import Path

    from newsspider.items import NewsArticle

RUN = "20201120T020000Z-a1b2c3"


def write_report(data: Path, run_id: str, records: list[NewsArticle], finished: str = "2020-11-20") -> Path:
    crawler = get_crawler(Spider, {"NEWSSPIDER_DATA_DIR": str(data), "NEWSSPIDER_RUN_ID": run_id})
    ext = RunReportExtension.from_crawler(crawler)
    send = crawler.signals.send_catch_log
    send(
        signals.listing_fetched,
        url="http://www.shanxi.gov.cn/yw/sxyw/index.shtml",
        site="shanxi-gov",
        column="要闻",
        rows=20,
        new=3,
        oldest="2020-11-18",
    )
    for record in records:
        send(scrapy_signals.item_scraped, item=record, response=None, spider=Spider("provincial"))
    send(
        signals.article_failed,
        url="http://www.shanxi.gov.cn/yw/sxyw/202011/t20201119_9.shtml",
        site="shanxi-gov",
        column="要闻",
        reason="HTTP 500",
    )
    send(signals.challenge_detected, url="http://www.henan.gov.cn/", host="www.henan.gov.cn", kind="rs-412")
    ext.spider_closed("finished")
    assert ext.path is not None
    # Pretend the run happened when the sample articles were published, so they fall in the chart window.
    report = json.loads(ext.path.read_text(encoding="utf-8"))
    report["started_at"], report["finished_at"] = f"{finished}T02:00:00+00:00", f"{finished}T02:10:00+00:00"
    ext.path.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    return ext.path


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    latest = build_dataset(path)
    write_report(path, RUN, list(latest.values()))
    return path


def test_prints_the_latest_run_as_a_table(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--last", "--data", str(data)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"run {RUN}  2020-11-20T02:00:00+00:00")
    rows = {line.split()[0] + " " + line.split()[1]: line.split()[2:] for line in out.splitlines()[2:5]}
    # site, column → pages, new, updated, ...: three shanxi-gov records, one of them version 2.
    assert rows["shanxi-gov 要闻"][:3] == ["1", "2", "1"]
    assert "shanxi-gov failed: http://www.shanxi.gov.cn/yw/sxyw/202011/t20201119_9.shtml (HTTP 500)" in out


def test_run_id_prefix_newest_and_errors(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    older = write_report(data, "20201101T020000Z-ffffff", [], finished="2020-11-01")
    os.utime(older, (1_600_000_000, 1_600_000_000))
    assert main(["report", "--data", str(data)]) == 0  # no argument: the newest run
    assert capsys.readouterr().out.startswith(f"run {RUN}")
    assert main(["report", "20201101T", "--data", str(data)]) == 0
    assert capsys.readouterr().out.startswith("run 20201101T020000Z-ffffff")
    assert main(["report", "2020", "--data", str(data)]) == 2
    assert "ambiguous" in capsys.readouterr().err
    assert main(["report", "nope", "--data", str(data)]) == 2
    assert "no run 'nope'" in capsys.readouterr().err
    assert main(["report", "--data", str(data / "elsewhere")]) == 2
    assert "no run reports in" in capsys.readouterr().err


def test_html_page_is_self_contained_with_chart_and_fill_rates(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "report" / "run.html"
    assert main(["report", RUN, "--data", str(data), "--html", str(out), "--days", "7"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//[^"']*\.(js|css)""", page)
    assert "<link" not in page
    svg = ElementTree.fromstring(page[page.index("<svg") : page.index("</svg>") + 6])
    ns = "{http://www.w3.org/2000/svg}"
    assert len(svg.findall(f"{ns}polyline")) == 3  # one line per site
    tips = {c.findtext(f"{ns}title") for c in svg.findall(f"{ns}circle")}
    # Latest versions by Beijing publication date; the edited article counts once.
    assert "shanxi-gov 2020-11-19: 2" in tips
    assert "shanxi-gov 2020-11-18: 1" in tips
    assert "henan-gov 2020-11-19: 1" in tips
    assert "sxrb 2020-11-14: 0" in tips  # the window's first day, 7 days back from the run
    assert "henan-gov: challenge at www.henan.gov.cn" in page
    assert "HTTP 500" in page


def test_fill_rates_over_the_window(data: Path) -> None:
    from datetime import date

    rates = fill_rates(data, None, date(2020, 11, 1), date(2020, 11, 30))
    assert rates["shanxi-gov"]["n"] == 3
    assert rates["shanxi-gov"]["doc"] == pytest.approx(1 / 3)
    assert rates["shanxi-gov"]["published_at"] == 1.0
    assert rates["sxrb"]["images"] == 0.0


def test_chart_axis_has_round_ticks_just_above_the_highest_day() -> None:
    from datetime import date

    from newsspider.commands.report import svg_chart

    counts = {"sxrb": {"2020-11-19": 130, "2020-11-20": 7}, "shanxi-gov": {"2020-11-20": 41}}
    svg = ElementTree.fromstring(svg_chart(counts, date(2020, 11, 18), date(2020, 11, 20)))
    ns = "{http://www.w3.org/2000/svg}"
    labels = [t.text for t in svg.findall(f"{ns}text") if t.get("text-anchor") == "end"]
    assert labels == ["0", "50", "100", "150"]
    legend = [t.text for t in svg.findall(f"{ns}text") if t.get("text-anchor") is None]
    assert legend == ["shanxi-gov (41)", "sxrb (137)"]
