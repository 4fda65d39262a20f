"""``newsspider.dataset``: one data folder, loaded as one dataset in pandas or DuckDB.

The records are built here from the record dataclasses and written in the documented layout
(``DATA/<site>/<date>[.<shard>].jsonl``), with the ugly parts a months-long cron crawl produces: edited
articles (versions), a version written twice after a crash replay, a reprint under another URL, a torn
last line, and folders that are not records (events, quarantine, runs, logs).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest
from itemadapter import ItemAdapter

from newsspider.dataset import DatasetWarning, NoRecordsWarning, load, load_duckdb, record_files
from newsspider.items import Attachment, DirectiveBlock, DirectiveItem, GovDoc, Image, NewsArticle, Reprint
from newsspider.textnorm import content_hash

if TYPE_CHECKING:
    from pathlib import Path


def article(site: str, path: str, title: str, published: str | None, **changes: Any) -> NewsArticle:
    host = {"shanxi-gov": "www.shanxi.gov.cn", "sxrb": "www.sxrb.com", "henan-gov": "www.henan.gov.cn"}[site]
    url = f"http://{host}/{path}"
    paragraphs = [f"{title}。", "会议强调，要坚持稳中求进工作总基调。"]
    text = "\n".join(paragraphs)
    base = NewsArticle(
        url=url,
        canonical_url=url.replace("http://", "https://"),
        site=site,
        site_name={"shanxi-gov": "山西省人民政府", "sxrb": "山西日报", "henan-gov": "河南省人民政府"}[site],
        province="河南" if site.startswith("henan") else "山西",
        column="要闻",
        breadcrumb=["首页", "要闻动态", "要闻"],
        title=title,
        published_at=published,
        published_raw=published and published[:16].replace("T", " "),
        published_from="meta" if published else None,
        source="山西日报",
        source_raw="来源：山西日报",
        authors=["王晓明", "李华"],
        editors=["张敏"],
        summary=paragraphs[0],
        summary_from="lead",
        keywords=["经济", "高质量发展"],
        paragraphs=paragraphs,
        text=text,
        content_hash=content_hash(text),
        fetched_at="2026-11-20T02:00:00+00:00",
        http_status=200,
        encoding="gb18030",
    )
    return replace(base, **changes)


def rich_article() -> NewsArticle:
    point = DirectiveItem(marker="一要", ordinal=1, heading="丝毫不松抓防控", text="一要丝毫不松抓防控。")
    point.children.append(
        DirectiveItem(marker="●", ordinal=None, heading=None, text="要始终把救治重症患者放在最重位置。")
    )
    return article(
        "shanxi-gov",
        "zmhd/zxft/202011/t20201118_100.shtml",
        "省政府常务会议研究部署冬春季疫情防控工作",
        "2020-11-18T19:58:03+08:00",
        images=[Image(url="http://www.shanxi.gov.cn/images/p1.jpg", alt=None, caption="会议现场")],
        attachments=[Attachment(url="http://www.shanxi.gov.cn/files/附件1.pdf", name="附件1：实施方案")],
        directives=[DirectiveBlock(speaker="林武", verb="强调", declared_count=1, items=[point])],
        doc=GovDoc(index_no="000014349/2020-00123", doc_no="晋政发〔2020〕12号", issuer="山西省人民政府"),
        reprint=Reprint(original_title="全省冬春季疫情防控工作会议召开", original_source="山西日报"),
        warnings=["source_missing"],
    )


def line(record: NewsArticle) -> str:
    return json.dumps(ItemAdapter(record).asdict(), ensure_ascii=False) + "\n"


def write(data: Path, relpath: str, *records: NewsArticle, tail: str = "") -> Path:
    path = data / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.writelines(line(r) for r in records)
        f.write(tail)
    return path


def build_dataset(data: Path) -> dict[str, NewsArticle]:
    """A realistic folder; returns the records the latest view must hold, by canonical URL."""
    a1 = article("shanxi-gov", "yw/sxyw/202011/t20201119_1.shtml", "全省经济运行情况新闻发布会召开", None)
    a1 = replace(a1, published_at="2020-11-19", published_raw="2020-11-19", published_from="url")
    a2 = article(
        "shanxi-gov", "yw/sxyw/202011/t20201119_2.shtml", "省委常委会召开会议", "2020-11-19T08:30:00+08:00"
    )
    a2_v2 = replace(
        a2,
        title="省委常委会召开会议 传达学习全会精神",
        text=a2.text + "\n（更正）",
        content_hash=content_hash(a2.text + "\n（更正）"),
        fetched_at="2026-11-21T02:00:00+00:00",
        version=2,
        previous_hash=a2.content_hash,
        changed=["title", "text"],
    )
    rich = rich_article()
    b1 = article(
        "sxrb",
        "content/2020-11/19/content_1.htm",
        "太原：老旧小区改造惠及万户居民",
        "2020-11-19T06:00:00+08:00",
    )
    # The same story reprinted by the provincial portal: linked, not dropped.
    reprint = replace(
        b1,
        url="http://www.henan.gov.cn/2020/11-19/2001.html",
        canonical_url="https://www.henan.gov.cn/2020/11-19/2001.html",
        site="henan-gov",
        site_name="河南省人民政府",
        province="河南",
        duplicate_of=b1.canonical_url,
    )
    write(data, "shanxi-gov/2026-11-20.jsonl", a1, a2, rich)
    # A crash replay wrote version 2 twice (same content); the second copy was fetched later.
    write(data, "shanxi-gov/2026-11-21.jsonl", a2_v2, replace(a2_v2, fetched_at="2026-11-21T02:05:00+00:00"))
    # A distributed run's shard file, and a torn last line from a kill -9 mid-write.
    write(data, "sxrb/2026-11-20.worker-2.jsonl", b1, tail=line(b1)[:57])
    write(data, "henan-gov/2026-11-20.jsonl", reprint)
    # Not records: removal events, quarantine, run reports, logs, the lock and state files.
    write(
        data,
        "shanxi-gov/events/2026-11-21.jsonl",
        tail='{"event": "removed", "url": "http://x/1", "status": 404}\n',
    )
    write(data, "quarantine/run-1.jsonl", replace(a1, title="坏记录"))
    (data / "runs").mkdir()
    (data / "runs" / "run-1.json").write_text("{}", encoding="utf-8")
    (data / "logs").mkdir()
    (data / "logs" / "run-1.log").write_text("INFO started\n", encoding="utf-8")
    (data / ".lock").write_text("", encoding="utf-8")
    expected = [a1, replace(a2_v2, fetched_at="2026-11-21T02:05:00+00:00"), rich, b1, reprint]
    return {str(r.canonical_url): r for r in expected}


def as_records(frame: Any) -> dict[str, dict[str, Any]]:
    rows: list[dict[str, Any]] = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return {str(r["canonical_url"]): r for r in rows}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_latest_view_is_one_row_per_article_with_its_newest_version(data: Path) -> None:
    expected = build_dataset(data)
    with pytest.warns(DatasetWarning, match=r"2026-11-20\.worker-2\.jsonl.*line 2: torn last line"):
        frame = load(data)
    assert len(frame) == len(expected)
    got = as_records(frame)
    assert got == {k: ItemAdapter(v).asdict() for k, v in expected.items()}
    updated = got["https://www.shanxi.gov.cn/yw/sxyw/202011/t20201119_2.shtml"]
    assert updated["version"] == 2
    assert updated["fetched_at"] == "2026-11-21T02:05:00+00:00"


def test_versions_view_keeps_every_version_once(data: Path) -> None:
    build_dataset(data)
    with pytest.warns(DatasetWarning):
        frame = load(data, versions=True)
    edited = frame[frame["canonical_url"] == "https://www.shanxi.gov.cn/yw/sxyw/202011/t20201119_2.shtml"]
    assert sorted(edited["version"]) == [1, 2]
    assert len(frame) == 6


def test_reprint_is_linked_not_dropped(data: Path) -> None:
    build_dataset(data)
    with pytest.warns(DatasetWarning):
        frame = load(data)
    linked = frame[frame["duplicate_of"].notna()]
    assert list(linked["site"]) == ["henan-gov"]
    assert linked.iloc[0]["duplicate_of"] in set(frame["canonical_url"])


def test_nested_fields_are_python_objects(data: Path) -> None:
    build_dataset(data)
    frame = load(data, sites=["shanxi-gov"])
    row = frame[frame["doc"].notna()].iloc[0]
    assert row["images"] == [
        {"url": "http://www.shanxi.gov.cn/images/p1.jpg", "alt": None, "caption": "会议现场"}
    ]
    assert row["doc"]["doc_no"] == "晋政发〔2020〕12号"
    assert row["directives"][0]["items"][0]["children"][0]["marker"] == "●"
    assert row["reprint"]["original_source"] == "山西日报"


def test_sites_filter_and_non_record_folders(data: Path) -> None:
    build_dataset(data)
    files = [p.relative_to(data).as_posix() for p in record_files(data)]
    assert files == [
        "henan-gov/2026-11-20.jsonl",
        "shanxi-gov/2026-11-20.jsonl",
        "shanxi-gov/2026-11-21.jsonl",
        "sxrb/2026-11-20.worker-2.jsonl",
    ]
    frame = load(data, sites=["henan-gov"])
    assert set(frame["site"]) == {"henan-gov"}
    assert "坏记录" not in set(frame["title"])


def test_damaged_middle_line_is_skipped_and_named(data: Path) -> None:
    a = article("sxrb", "content/1.htm", "全省秋粮收获进度过九成", "2020-10-01")
    b = article("sxrb", "content/2.htm", "黄河流域生态保护", "2020-10-02")
    write(data, "sxrb/2026-11-20.jsonl", a, tail='{"url": "http://www.sxrb.com/x", \n[1, 2]\n' + line(b))
    with pytest.warns(DatasetWarning) as caught:
        frame = load(data)
    message = str(caught[0].message)
    assert "line 2: not JSON" in message
    assert "line 3: not a JSON object" in message
    assert sorted(frame["title"]) == sorted([a.title, b.title])


def test_empty_folder_gives_empty_frame_with_all_columns(data: Path) -> None:
    data.mkdir()
    with pytest.warns(NoRecordsWarning):
        frame = load(data)
    assert frame.empty
    assert list(frame.columns[:3]) == ["url", "canonical_url", "site"]
    with pytest.warns(NoRecordsWarning):
        assert load_duckdb(data).fetchall() == []


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no data folder"):
        load(tmp_path / "nope")


def test_duckdb_latest_view_matches_pandas(data: Path) -> None:
    build_dataset(data)
    rel = load_duckdb(data)
    per_site = dict(rel.aggregate("site, count(*)").fetchall())
    assert per_site == {"shanxi-gov": 3, "sxrb": 1, "henan-gov": 1}
    latest = dict(rel.project("canonical_url, version").fetchall())
    assert latest["https://www.shanxi.gov.cn/yw/sxyw/202011/t20201119_2.shtml"] == 2
    assert load_duckdb(data, versions=True).count("*").fetchall() == [(6,)]


def test_duckdb_filters_on_published_at_and_keeps_types_of_empty_columns(data: Path) -> None:
    build_dataset(data)
    rel = load_duckdb(data)
    # published_at mixes date-only and full timestamps; the first ten characters are the Beijing date.
    on_19th = rel.filter("published_at[:10] = '2020-11-19'").count("*").fetchall()
    assert on_19th == [(4,)]
    types = dict(zip(rel.columns, (str(t) for t in rel.types), strict=True))
    # Every record's kicker is null and every changed list but one is empty: the types still hold.
    assert types["kicker"] == "VARCHAR"
    assert types["changed"] == "VARCHAR[]"
    assert types["doc"].startswith("STRUCT(index_no VARCHAR")
    issuers = rel.filter("doc IS NOT NULL").project("doc.issuer").fetchall()
    assert issuers == [("山西省人民政府",)]


def test_missing_text_is_missing_not_the_string_none(data: Path) -> None:
    build_dataset(data)
    with pytest.warns(DatasetWarning):
        frame = load(data, sites=["sxrb"])
    assert frame["kicker"].isna().all()
    assert "None" not in set(frame["kicker"].dropna())
    assert frame["http_status"].dtype == "Int64"


def test_a_folder_without_record_files_warns_naming_the_data_folders_below(tmp_path: Path) -> None:
    # The parent of a data folder, as in load("/srv/news") for load("/srv/news/data").
    build_dataset(tmp_path / "data")
    hint = rf"no record files under {tmp_path} \(is it a newsspider data folder\?.*below it: {tmp_path / 'data'}$"
    with pytest.warns(NoRecordsWarning, match=hint):
        frame = load(tmp_path)
    assert frame.empty
    with pytest.warns(NoRecordsWarning, match=hint):
        assert load_duckdb(tmp_path).fetchall() == []


def test_one_site_as_a_string_is_that_site_not_its_letters(data: Path) -> None:
    build_dataset(data)
    assert [p.parent.name for p in record_files(data, "henan-gov")] == ["henan-gov"]
    frame = load(data, sites="shanxi-gov")
    assert len(frame) == 3
    assert set(frame["site"]) == {"shanxi-gov"}
    assert load_duckdb(data, sites="henan-gov").count("*").fetchall() == [(1,)]


def test_a_misspelt_site_warns_with_the_sites_there(data: Path) -> None:
    build_dataset(data)
    with pytest.warns(NoRecordsWarning, match=r"no record files for site shanxi under .*sxrb\)$"):
        assert load(data, sites=["shanxi"]).empty


def timestamped(data: Path) -> list[NewsArticle]:
    """A Hanweb-style date-only record, a TRS one with a time, one with no date, fetched at 23:30 UTC."""
    records = [
        replace(
            article("henan-gov", "2020/11-19/2001.html", "全省冬春季农田水利建设推进会召开", "2020-11-19"),
            published_raw="2020-11-19",
            published_from="info",
            fetched_at="2026-11-20T23:30:00+00:00",
        ),
        article(
            "shanxi-gov",
            "yw/sxyw/202011/t20201119_2.shtml",
            "省委常委会召开会议",
            "2020-11-19T08:30:00+08:00",
        ),
        article("sxrb", "content/2020-11/19/content_1.htm", "太原：老旧小区改造惠及万户居民", None),
    ]
    for record in records:
        write(data, f"{record.site}/2026-11-20.jsonl", record)
    return records


def test_timestamps_opt_in_gives_beijing_times_and_keeps_date_only_visible(data: Path) -> None:
    import pandas as pd

    timestamped(data)
    plain = load(data)
    frame = load(data, timestamps=True).set_index("site")
    assert not {"published_ts", "published_is_date", "fetched_ts"} & set(plain.columns)  # default unchanged
    assert list(frame.columns[frame.columns.get_loc("published_at") :][:3]) == [
        "published_at",
        "published_ts",
        "published_is_date",
    ]
    assert str(frame["published_ts"].dt.tz) == "Asia/Shanghai"
    # The date-only day is that Beijing day at 00:00 Beijing, not 00:00 UTC (08:00 in Beijing).
    assert frame.loc["henan-gov", "published_ts"] == pd.Timestamp("2020-11-19 00:00", tz="Asia/Shanghai")
    assert frame.loc["henan-gov", "published_ts"].date().isoformat() == "2020-11-19"
    assert frame.loc["henan-gov", "published_is_date"]
    assert frame.loc["shanxi-gov", "published_ts"] == pd.Timestamp("2020-11-19 00:30", tz="UTC")
    assert not frame.loc["shanxi-gov", "published_is_date"]
    assert pd.isna(frame.loc["sxrb", "published_ts"])
    assert pd.isna(frame.loc["sxrb", "published_is_date"])
    assert frame.loc["henan-gov", "fetched_ts"] == pd.Timestamp("2026-11-20 23:30", tz="UTC")
    assert frame.loc["henan-gov", "fetched_ts"].tz_convert("Asia/Shanghai").day == 21
    # What the opt-in is for: the plain column mixes precisions and pandas refuses it.
    with pytest.raises(ValueError, match="Mixed timezones"):
        pd.to_datetime(plain["published_at"], format="ISO8601")


def test_duckdb_timestamps_are_the_same_instants(data: Path) -> None:
    import duckdb

    timestamped(data)
    frame = load(data, timestamps=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    rel = load_duckdb(data, timestamps=True, con=con)
    assert rel.columns[rel.columns.index("published_at") :][:3] == [
        "published_at",
        "published_ts",
        "published_is_date",
    ]
    rows = {r[0]: r[1:] for r in rel.project("site, published_ts, published_is_date, fetched_ts").fetchall()}
    assert rows["sxrb"][:2] == (None, None)  # no date: no timestamp, no precision
    for _, row in frame[frame["published_ts"].notna()].iterrows():
        ts, is_date, fetched = rows[row["site"]]
        assert ts == row["published_ts"].to_pydatetime()
        assert ts.utcoffset().total_seconds() == 8 * 3600  # shown in the session's zone
        assert is_date == bool(row["published_is_date"])
        assert fetched == row["fetched_ts"].to_pydatetime()
    day = rel.filter("published_is_date").project("published_ts::DATE").fetchall()
    assert day == [(datetime.date(2020, 11, 19),)]


def test_an_unparseable_time_is_null_with_a_warning(data: Path) -> None:
    odd = article("sxrb", "content/1.htm", "全省秋粮收获进度过九成", "2020-10-01")
    write(data, "sxrb/2026-11-20.jsonl", replace(odd, published_at="2020年10月1日"))
    with pytest.warns(DatasetWarning, match=r"published_at: 1 value\(s\) .* e\.g\. '2020年10月1日'"):
        frame = load(data, timestamps=True)
    assert frame["published_ts"].isna().all()
