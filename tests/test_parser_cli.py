"""``newsspider parse``: one JSON line per file, errors reported per file, exit 1 when any failed."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from newsspider.cli import main
from newsspider.exitcodes import EXIT_CONFIG, EXIT_FAILURES, EXIT_OK

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

PAGE = (
    "<html><head><meta charset='gb2312'><title>全省春耕备耕工作会议召开_山西省人民政府</title></head><body>"
    "<h1>全省春耕备耕工作会议召开</h1><div class='info'>发布时间：2020-02-18 10:30 来源：山西日报</div>"
    "<div class='TRS_Editor'><p>2月17日，全省春耕备耕工作会议召开，部署今年春季农业生产工作。</p></div></body></html>"
)


def _lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_one_json_line_per_file_chinese_unescaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    first.write_bytes(PAGE.encode("gbk"))
    second.write_bytes(PAGE.encode("utf-8"))
    code = main(["parse", str(first), str(second), "--url", "http://www.shanxi.gov.cn/yw/t20200218_1.shtml"])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "全省春耕备耕工作会议召开" in out  # not \\u-escaped
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["title"] for r in records] == ["全省春耕备耕工作会议召开"] * 2
    assert [r["encoding"] for r in records] == ["gb18030", "utf-8"]
    assert records[0]["url"] == "http://www.shanxi.gov.cn/yw/t20200218_1.shtml"
    assert records[0]["published_at"] == "2020-02-18T10:30:00+08:00"
    assert records[0]["schema_version"] == 1


def test_default_url_is_the_files_file_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    assert main(["parse", str(page)]) == EXIT_OK
    (record,) = _lines(capsys)
    assert record["url"] == page.resolve().as_uri()


def test_unreadable_file_is_reported_and_the_run_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.html"
    good.write_text(PAGE, encoding="utf-8")
    missing = tmp_path / "missing.html"
    code = main(["parse", str(missing), str(tmp_path), str(good)])
    lines = _lines(capsys)
    assert code == EXIT_FAILURES
    assert lines[0]["file"] == str(missing)
    assert "error" in lines[0]
    assert lines[0]["url"]
    assert lines[1]["file"] == str(tmp_path)
    assert "error" in lines[1]
    assert lines[2]["title"] == "全省春耕备耕工作会议召开"


def test_unknown_site_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    assert main(["parse", str(page), "--site", "no-such-site"]) == EXIT_CONFIG
    assert "no-such-site" in capsys.readouterr().err


def test_url_that_is_not_absolute_http_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    for bad in (
        "notaurl",
        "www.shanxi.gov.cn/yw/t20200218_1.shtml",
        "ftp://www.shanxi.gov.cn/a.html",
        "http://",
    ):
        assert main(["parse", str(page), "--url", bad]) == EXIT_CONFIG
        out, err = capsys.readouterr()
        assert out == ""  # nothing parsed with a URL that would make a record nobody can store
        assert err.splitlines() == [f"newsspider parse: --url must be an absolute http(s) URL, got {bad!r}"]
    assert main(["parse", str(page), "--url", "HTTPS://www.shanxi.gov.cn/yw/t20200218_1.shtml"]) == EXIT_OK


def test_a_url_given_as_file_says_parse_reads_saved_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    url = "http://www.shanxi.gov.cn/yw/sxyw/202002/t20200218_1.shtml"
    assert main(["parse", str(page), url]) == EXIT_CONFIG
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"newsspider parse: {url} is a URL: parse reads saved files; to fetch a page live use check-site or crawl --url"
    ]
