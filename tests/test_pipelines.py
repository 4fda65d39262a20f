"""The item pipelines, called directly: normalize, validate (every quarantine reason), version, store."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

import pytest
from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from newsspider.items import DirectiveBlock, DirectiveItem, GovDoc, Image, NewsArticle
from newsspider.textnorm import content_hash
from pipelines.normalize import NormalizePipeline
from pipelines.state import open_state
from pipelines.store import JsonLinesStorePipeline
from pipelines.validate import Quarantined, ValidatePipeline
from pipelines.version import Unchanged, VersionPipeline
from tests.records import read_records

if TYPE_CHECKING:
    from pathlib import Path

    from scrapy.crawler import Crawler

BODY = [
    "\u3000\u30002月18日下午，省委书记楼阳生主持召开省委常委会会议。",
    "会议强调，一要丝毫不松抓防控；二要统筹推进复工复产。",
]


def make_article(**changes: Any) -> NewsArticle:
    """A raw record as the parser hands it over, with the whitespace noise real pages carry."""
    fields: dict[str, Any] = {
        "url": "HTTP://www.Shanxi.gov.cn:80/yw/sxyw/202002/t20200218_123456.shtml?spm=1.2#top",
        "site": "shanxi-gov",
        "site_name": "山西省人民政府",
        "province": "山西",
        "column": "山西要闻",
        "breadcrumb": ["首页", "\u3000山西要闻 "],
        "title": "楼阳生主持召开省委常委会会议\xa0 研究部署疫情防控工作",
        "published_at": "2020-02-18T19:58:03+08:00",
        "published_raw": "2020-02-18 19:58:03",
        "published_from": "info",
        "source": "山西日报",
        "authors": ["王\u3000华"],
        "summary": "会议强调\u3000统筹推进",
        "paragraphs": list(BODY),
        "text": "\n".join(BODY),
        "images": [Image(url="http://www.shanxi.gov.cn/a.jpg", alt="会议\xa0现场")],
        "directives": [
            DirectiveBlock(
                speaker="会议",
                verb="强调",
                declared_count=None,
                items=[DirectiveItem(marker="一要", ordinal=1, heading=None, text="一要丝毫不松抓防控")],
            )
        ],
        "doc": GovDoc(doc_no="晋政发〔２０２０〕５号"),
        "fetched_at": "2020-02-19T01:02:03+00:00",
        "http_status": 200,
        "encoding": "gb18030",
    }
    fields.update(changes)
    return NewsArticle(**fields)


def crawler_for(data_dir: Path, **settings: Any) -> Crawler:
    return get_crawler(
        settings_dict={"NEWSSPIDER_DATA_DIR": str(data_dir), "NEWSSPIDER_RUN_ID": "run-1", **settings}
    )


def run_chain(crawler: Crawler, items: list[Any]) -> list[Any]:
    """All four pipelines in settings order; what comes out of the store, or the DropItem raised."""
    pipes = [
        build_from_crawler(cls, crawler)
        for cls in (NormalizePipeline, ValidatePipeline, VersionPipeline, JsonLinesStorePipeline)
    ]
    pipes[-1].open_spider()
    out: list[Any] = []
    for item in items:
        try:
            for pipe in pipes:
                item = pipe.process_item(item)
        except (Quarantined, Unchanged) as exc:
            out.append(exc)
        else:
            out.append(item)
    pipes[-1].close_spider()
    return out


# -- normalize ---------------------------------------------------------------------------------------


def test_normalize_cleans_every_string_field_and_keeps_paragraph_breaks() -> None:
    item = NormalizePipeline().process_item(make_article())
    assert item.title == "楼阳生主持召开省委常委会会议 研究部署疫情防控工作"
    assert item.breadcrumb == ["首页", "山西要闻"]
    assert item.authors == ["王 华"]
    assert item.images[0].alt == "会议 现场"
    assert item.paragraphs[0].startswith("2月18日下午")
    assert item.text.split("\n") == item.paragraphs
    # Full-width digits are noise; Chinese brackets are not.
    assert item.doc.doc_no == "晋政发〔2020〕5号"
    assert item.summary == "会议强调 统筹推进"


def test_normalize_sets_identity_time_and_hash() -> None:
    item = NormalizePipeline().process_item(make_article(fetched_at=None, content_hash="stale"))
    assert item.canonical_url == "http://www.shanxi.gov.cn/yw/sxyw/202002/t20200218_123456.shtml"
    assert item.fetched_at.endswith("+00:00")
    assert item.content_hash == content_hash(item.text)
    assert item.published_raw == "2020-02-18 19:58:03"  # raw provenance kept verbatim


def test_whitespace_only_differences_give_the_same_hash() -> None:
    a = NormalizePipeline().process_item(make_article())
    spaced = [p.replace("，", "， ") + "\xa0" for p in BODY]
    b = NormalizePipeline().process_item(make_article(paragraphs=spaced, text="\n\n".join(spaced)))
    assert a.content_hash == b.content_hash


# -- validate ----------------------------------------------------------------------------------------

QUARANTINE_CASES = {
    "missing_url": {"url": None},
    "bad_type_authors": {"authors": "王华"},
    "bad_type_version": {"version": "2"},
    "unknown_field": {"body_html": "<p>…</p>"},
    "bad_url": {"url": "/yw/sxyw/202002/t20200218_1.shtml"},
    "missing_site": {"site": None},
    "bad_site": {"site": "../etc"},
    "empty": {"title": "\u3000", "text": "", "paragraphs": []},
    "bad_published_at": {"published_at": "2020年2月18日"},
    "published_at_offset": {"published_at": "2020-02-18T11:58:03Z"},
    "bad_fetched_at": {"fetched_at": "2020-02-19T09:02:03+08:00"},
    "missing_fetched_at": {"fetched_at": None},
    "bad_content_hash": {"content_hash": "d41d8cd98f00b204e9800998ecf8427e"},
}
# Impossible calendar dates are as bad as unparseable ones.
QUARANTINE_CASES_MORE = {
    "bad_published_at": [{"published_at": "2020-02-30"}, {"published_at": "2020-02-18 19:58"}]
}


@pytest.mark.parametrize("code", sorted(QUARANTINE_CASES))
def test_every_quarantine_reason_is_written_counted_and_raised(tmp_path: Path, code: str) -> None:
    crawler = crawler_for(tmp_path)
    record = ItemAdapter(NormalizePipeline().process_item(make_article())).asdict()
    for key, value in QUARANTINE_CASES[code].items():
        if key == "url" and value is None:
            del record[key]
        else:
            record[key] = value
    with pytest.raises(Quarantined) as raised:
        build_from_crawler(ValidatePipeline, crawler).process_item(record)
    assert raised.value.code == code
    lines = (tmp_path / "quarantine" / "run-1.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["reason"] == code
    assert entry["record"]["title"] == record["title"]
    assert crawler.stats.get_value(f"newsspider/quarantined/{code}") == 1


@pytest.mark.parametrize(
    "changes", [c for cases in QUARANTINE_CASES_MORE.values() for c in cases], ids=lambda c: str(c)
)
def test_more_bad_published_at_forms(tmp_path: Path, changes: dict[str, Any]) -> None:
    record = {**ItemAdapter(NormalizePipeline().process_item(make_article())).asdict(), **changes}
    with pytest.raises(Quarantined) as raised:
        build_from_crawler(ValidatePipeline, crawler_for(tmp_path)).process_item(record)
    assert raised.value.code == "bad_published_at"


def test_a_good_record_passes_validation(tmp_path: Path) -> None:
    item = NormalizePipeline().process_item(make_article())
    assert build_from_crawler(ValidatePipeline, crawler_for(tmp_path)).process_item(item) is item
    date_only = NormalizePipeline().process_item(make_article(published_at="2020-02-18"))
    assert build_from_crawler(ValidatePipeline, crawler_for(tmp_path)).process_item(date_only)
    assert not (tmp_path / "quarantine").exists()


# -- version and store -------------------------------------------------------------------------------


def test_same_content_again_is_dropped_as_unchanged(tmp_path: Path) -> None:
    first = run_chain(crawler_for(tmp_path), [make_article()])
    again = run_chain(crawler_for(tmp_path), [make_article(fetched_at="2020-02-20T00:00:00+00:00")])
    assert isinstance(first[0], NewsArticle)
    assert isinstance(again[0], Unchanged)
    assert len(read_records(tmp_path)) == 1
    state = open_state("", tmp_path)
    assert state.get(first[0].canonical_url).last_seen == "2020-02-20T00:00:00+00:00"


def test_changed_content_is_a_new_version_naming_what_changed(tmp_path: Path) -> None:
    (v1,) = run_chain(crawler_for(tmp_path), [make_article()])
    edited = [*BODY[:1], "会议强调，一要丝毫不松抓防控；二要统筹推进复工复产；三要保障民生。"]
    (v2,) = run_chain(
        crawler_for(tmp_path),
        [make_article(paragraphs=edited, text="\n".join(edited), fetched_at="2020-02-21T00:00:00+00:00")],
    )
    assert (v2.version, v2.previous_hash, v2.changed) == (2, v1.content_hash, ["text"])
    (v3,) = run_chain(
        crawler_for(tmp_path),
        [
            make_article(
                paragraphs=edited,
                text="\n".join(edited),
                title="楼阳生主持召开省委常委会会议",
                published_at="2020-02-18T20:00:00+08:00",
                fetched_at="2020-02-22T00:00:00+00:00",
            )
        ],
    )
    assert (v3.version, v3.changed) == (3, ["title", "published_at"])
    assert [r["version"] for r in read_records(tmp_path)] == [1, 2, 3]


def test_same_content_under_another_site_is_linked_not_dropped(tmp_path: Path) -> None:
    original = make_article()
    reprint = make_article(
        url="https://www.sxrb.com/sxxww/xwpd/sxxw/2020-02/18/content_1.html", site="sxrb", column="山西新闻"
    )
    out = run_chain(crawler_for(tmp_path), [original])
    out += run_chain(crawler_for(tmp_path), [reprint])
    assert out[1].duplicate_of == out[0].canonical_url
    assert out[0].duplicate_of is None
    assert len(read_records(tmp_path)) == 2


def test_store_writes_utf8_lines_by_site_and_fetch_date_and_marks_seen(tmp_path: Path) -> None:
    items = [
        make_article(),
        make_article(url="http://www.shanxi.gov.cn/yw/2.shtml", fetched_at="2020-02-19T23:59:59+00:00"),
        make_article(url="http://www.shanxi.gov.cn/yw/3.shtml", title="第三篇", text="正文三", paragraphs=[]),
    ]
    run_chain(crawler_for(tmp_path, NEWSSPIDER_SHARD="w1"), items)
    path = tmp_path / "shanxi-gov" / "2020-02-19.w1.jsonl"
    raw = path.read_text(encoding="utf-8")
    assert "楼阳生" in raw  # Chinese unescaped
    assert [json.loads(line)["canonical_url"] for line in raw.splitlines()] == [
        "http://www.shanxi.gov.cn/yw/sxyw/202002/t20200218_123456.shtml",
        "http://www.shanxi.gov.cn/yw/2.shtml",
        "http://www.shanxi.gov.cn/yw/3.shtml",
    ]
    state = open_state("", tmp_path)
    assert state.count() == 3
    assert state.journal_pending() == {}
    entry = state.get("http://www.shanxi.gov.cn/yw/2.shtml")
    assert (entry.version, entry.published_at) == (1, "2020-02-18T19:58:03+08:00")


def test_a_record_is_written_whole_even_from_a_plain_dict(tmp_path: Path) -> None:
    record = dataclasses.asdict(make_article())
    (out,) = run_chain(crawler_for(tmp_path), [record])
    assert out["version"] == 1
    (line,) = read_records(tmp_path)
    assert line["directives"][0]["items"][0]["marker"] == "一要"


def test_fast_record_conversion_matches_itemadapter() -> None:
    from pipelines.record_json import as_record

    item = NormalizePipeline().process_item(make_article())
    assert as_record(item) == ItemAdapter(item).asdict()
    assert list(as_record(item)) == list(ItemAdapter(item).asdict())  # field order kept


def test_the_written_line_is_the_record_validation_checked() -> None:
    # The store lets the JSON encoder convert the item; validation checks as_record(item). Both must agree.
    from pipelines.record_json import as_record, dump_line
    from tests.test_dataset import rich_article

    for item in (NormalizePipeline().process_item(make_article()), rich_article()):
        assert dump_line(item) == dump_line(as_record(item))
        assert json.loads(dump_line(item)) == ItemAdapter(item).asdict()


def test_fetched_at_is_put_in_utc() -> None:
    beijing = NormalizePipeline().process_item(make_article(fetched_at="2020-02-19T09:02:03+08:00"))
    assert beijing.fetched_at == "2020-02-19T01:02:03+00:00"
    naive = NormalizePipeline().process_item(make_article(fetched_at="2020-02-19T01:02:03.123456"))
    assert naive.fetched_at == "2020-02-19T01:02:03+00:00"


def test_version_memory_is_bounded_but_covers_uncommitted_records(tmp_path: Path) -> None:
    crawler = crawler_for(tmp_path, NEWSSPIDER_FSYNC_EVERY=1)
    version = build_from_crawler(VersionPipeline, crawler)
    version._window = 3
    normalize = NormalizePipeline()
    for n in range(10):
        body = f"第{n}篇正文"
        version.process_item(
            normalize.process_item(make_article(url=f"http://www.shanxi.gov.cn/{n}.shtml", text=body))
        )
    assert len(version._run) == 3
    # The newest, possibly uncommitted, are still known: a second fetch in this run is versioned.
    again = normalize.process_item(make_article(url="http://www.shanxi.gov.cn/9.shtml", text="第9篇正文，改"))
    assert version.process_item(again).version == 2


@pytest.mark.parametrize(("site", "shard"), [("../../escape", ""), ("runs", ""), ("ok-site", "../x")])
def test_the_store_refuses_a_path_outside_its_folder(tmp_path: Path, site: str, shard: str) -> None:
    from pipelines.store import record_path

    with pytest.raises(ValueError, match=r"site key|NEWSSPIDER_SHARD"):
        record_path(tmp_path, site, "2020-02-19T01:02:03+00:00", shard)


@pytest.mark.parametrize("run_id", ["../../escape", "a/b", "", ".."])
def test_a_run_id_that_is_not_a_file_name_is_refused(tmp_path: Path, run_id: str) -> None:
    from pipelines.validate import quarantine_path

    with pytest.raises(ValueError, match="not usable as a file name"):
        quarantine_path(tmp_path, run_id)


def test_a_storage_error_while_the_store_opens_stops_the_crawl_without_raising(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Raised from open_spider, Scrapy ends the run in "Unhandled error in Deferred" tracebacks.
    import sqlite3

    from scrapy import signals

    from pipelines import store

    crawler = crawler_for(tmp_path)
    assert crawler.stats is not None
    crawler.stats.open_spider()
    pipe = build_from_crawler(JsonLinesStorePipeline, crawler)

    def full(*_: Any) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store, "recover", full)
    pipe.open_spider()  # does not raise
    with pytest.raises(DropItem, match="not written: the output failed earlier"):
        pipe.process_item(make_article())
    crawler.signals.send_catch_log(signal=signals.spider_opened, spider=None)
    assert "disk is full" in str(crawler.stats.get_value("newsspider/storage_error"))
