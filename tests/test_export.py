"""``newsspider export``: a data folder to one Parquet, CSV or JSON Lines file, and back."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from itemadapter import ItemAdapter

from newsspider.cli import main
from newsspider.commands import export
from newsspider.dataset import DatasetWarning, load
from newsspider.items import DirectiveBlock, DirectiveItem
from tests.test_dataset import article, as_records, build_dataset, line, rich_article, write

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    build_dataset(path)
    return path


def run_export(data: Path, out: Path, *extra: str) -> int:
    return main(["export", str(data), "--out", str(out), *extra])


def test_parquet_round_trip_equals_the_records(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "articles.parquet"
    assert run_export(data, out, "--format", "parquet") == 0
    with pytest.warns(DatasetWarning):
        from_jsonl = as_records(load(data))
    assert as_records(load(out)) == from_jsonl
    assert not list(tmp_path.glob("*.tmp"))


def test_parquet_keeps_nested_fields_as_structs_and_lists(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "articles.parquet"
    run_export(data, out)  # the suffix picks the format
    schema = pq.read_schema(out)
    assert schema.field("images").type == pa.list_(
        pa.struct([("url", pa.string()), ("alt", pa.string()), ("caption", pa.string())])
    )
    assert pa.types.is_struct(schema.field("doc").type)
    block = schema.field("directives").type.value_type
    assert block.field("items").type.value_type.field("ordinal").type == pa.int64()
    # Columns that are null in every record keep their declared type.
    assert schema.field("kicker").type == pa.string()
    table = pq.read_table(out, columns=["canonical_url", "doc"])
    docs = [d for d in table.column("doc").to_pylist() if d]
    assert docs == [ItemAdapter(rich_article()).asdict()["doc"]]


def test_versions_flag_exports_every_version(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.parquet"
    assert run_export(data, out, "--versions") == 0
    table = pq.read_table(out, columns=["canonical_url", "version"])
    assert table.num_rows == 6
    assert sorted(table.column("version").to_pylist()) == [1, 1, 1, 1, 1, 2]


def test_deeply_nested_directive_points_survive_parquet(tmp_path: Path) -> None:
    # 一、 → （一） → 1． → （1） → ① → ● → —— → ·: deeper than the unrolled Arrow levels.
    markers = ["一、", "（一）", "1．", "（1）", "①", "●", "——", "·"]
    point = DirectiveItem(marker=markers[-1], ordinal=None, heading=None, text="·落实到人。")
    for marker in reversed(markers[:-1]):
        point = DirectiveItem(
            marker=marker, ordinal=1, heading=None, text=f"{marker}压实责任。", children=[point]
        )
    record = article(
        "shanxi-gov",
        "zfxxgk/202011/t20201120_9.shtml",
        "关于做好冬春季安全生产工作的通知",
        "2020-11-20",
        directives=[DirectiveBlock(speaker="会议", verb="要求", declared_count=None, items=[point])],
    )
    data = tmp_path / "data"
    write(data, "shanxi-gov/2026-11-20.jsonl", record)
    out = tmp_path / "deep.parquet"
    assert run_export(data, out) == 0
    back = as_records(load(out))[str(record.canonical_url)]
    assert back["directives"] == ItemAdapter(record).asdict()["directives"]


def test_csv_has_json_encoded_nested_columns(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "articles.csv"
    assert run_export(data, out, "--format", "csv") == 0
    raw = out.read_text(encoding="utf-8")
    assert "晋政发〔2020〕12号" in raw  # Chinese unescaped
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(frame) == 5
    row = frame[frame["doc"] != ""].iloc[0]
    rich = ItemAdapter(rich_article()).asdict()
    assert json.loads(row["directives"]) == rich["directives"]
    assert json.loads(row["authors"]) == ["王晓明", "李华"]
    assert row["text"] == rich["text"]  # multi-line text stays in one quoted cell


def test_jsonl_export_is_the_latest_view(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "articles.jsonl"
    assert run_export(data, out, "--site", "shanxi-gov") == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    records = [json.loads(x) for x in lines]
    assert len(records) == 3
    assert {r["version"] for r in records} == {1, 2}
    assert "省委常委会召开会议" in out.read_text(encoding="utf-8")


def test_torn_line_is_reported_but_not_a_failure(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_export(data, tmp_path / "a.parquet") == 0
    err = capsys.readouterr().err
    assert "sxrb/2026-11-20.worker-2.jsonl:2: torn last line" in err
    assert "exported 5 records (latest versions)" in err


def test_record_that_does_not_fit_the_schema_fails_the_export_but_not_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    good = article("sxrb", "content/1.htm", "全省秋粮收获进度过九成", "2020-10-01")
    other = article("sxrb", "content/3.htm", "黄河流域生态保护", "2020-10-03")
    broken = json.loads(line(article("sxrb", "content/2.htm", "坏记录", "2020-10-02")))
    broken["http_status"] = "二百"
    write(
        data, "sxrb/2026-11-20.jsonl", good, tail=json.dumps(broken, ensure_ascii=False) + "\n" + line(other)
    )
    out = tmp_path / "out.parquet"
    assert run_export(data, out) == 1
    assert "sxrb/2026-11-20.jsonl:2: does not fit the record schema" in capsys.readouterr().err
    assert sorted(pq.read_table(out).column("title").to_pylist()) == sorted([good.title, other.title])


def test_missing_folder_is_a_configuration_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_export(tmp_path / "nope", tmp_path / "x.parquet") == 2
    assert "no data folder" in capsys.readouterr().err


def test_progress_lines_for_long_exports(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "PROGRESS_EVERY", 0.0)
    monkeypatch.setattr(export, "BATCH", 2)
    write(data, "sxrb/2026-11-22.jsonl", replace(article("sxrb", "c/9.htm", "新闻", None), version=1))
    assert run_export(data, tmp_path / "a.csv") == 0
    err = capsys.readouterr().err
    assert "export: reading 5/5 files, 8 records" in err
    assert "export: writing 5/5 files, 6 records" in err


def test_a_folder_without_record_files_is_a_usage_error_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build_dataset(tmp_path / "crawls" / "data")
    out = tmp_path / "out" / "articles.parquet"
    assert run_export(tmp_path / "crawls", out) == 2  # EXIT_CONFIG, as for a missing folder
    err = capsys.readouterr().err.splitlines()
    assert err == [
        (
            f"newsspider export: no record files under {tmp_path / 'crawls'} (is it a newsspider data folder? "
            f"it should hold <site>/<date>.jsonl); data folders below it: {tmp_path / 'crawls' / 'data'}"
        )
    ]
    assert not out.exists()
    assert not out.parent.exists()  # not even an empty file that passes for an export of nothing new


def test_parquet_export_loads_with_one_site_and_timestamps(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "articles.parquet"
    assert run_export(data, out) == 0
    frame = load(out, sites="shanxi-gov", timestamps=True)  # a str is one site, as for a data folder
    assert set(frame["site"]) == {"shanxi-gov"}
    assert len(frame) == 3
    date_only = frame[frame["published_is_date"].fillna(False)]
    assert list(date_only["published_at"]) == ["2020-11-19"]
    assert date_only.iloc[0]["published_ts"] == pd.Timestamp("2020-11-19", tz="Asia/Shanghai")


def test_readme_timestamp_recipes_without_newsspider_match_load(data: Path, tmp_path: Path) -> None:
    import duckdb

    out = tmp_path / "articles.parquet"
    assert run_export(data, out) == 0
    expected = load(out, timestamps=True).set_index("canonical_url").sort_index()
    # The plain pandas recipe of data/README.md (Timestamps), as written there.
    df = pd.read_parquet(out)
    text = df.published_at.astype("string")
    df["published_is_date"] = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    full = text.mask(df.published_is_date.fillna(False), text + "T00:00:00+08:00")
    df["published_ts"] = pd.to_datetime(full, format="ISO8601", utc=True).dt.tz_convert("Asia/Shanghai")
    df["fetched_ts"] = pd.to_datetime(df.fetched_at, format="ISO8601", utc=True)
    got = df.set_index("canonical_url").sort_index()
    assert expected["published_is_date"].sum() == 1  # the fixture's date-only record
    for column in ("published_ts", "published_is_date", "fetched_ts"):
        assert got[column].equals(expected[column]), column
    # The plain SQL recipe, with the session in Beijing time.
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    rows = con.sql(
        rf"""
        SELECT canonical_url,
               CAST(CASE WHEN regexp_full_match(published_at, '\d{{4}}-\d{{2}}-\d{{2}}')
                         THEN published_at || 'T00:00:00+08:00' ELSE published_at END AS TIMESTAMPTZ) AS published_ts,
               regexp_full_match(published_at, '\d{{4}}-\d{{2}}-\d{{2}}') AS published_is_date,
               CAST(fetched_at AS TIMESTAMPTZ) AS fetched_ts
        FROM '{out}'
        """
    ).fetchall()
    assert len(rows) == len(expected)
    for url, published_ts, is_date, fetched_ts in rows:
        assert published_ts == expected.loc[url, "published_ts"].to_pydatetime()
        assert is_date == bool(expected.loc[url, "published_is_date"])
        assert fetched_ts == expected.loc[url, "fetched_ts"].to_pydatetime()
