"""``newsspider crawl`` refuses arguments it would misread: one plain line on stderr, exit 2, nothing crawled.

The crawl itself is replaced by a recorder, so a refusal that slips through shows up as a recorded crawl
(and no test here can reach the network).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from newsspider.cli import main
from newsspider.commands import crawl
from newsspider.exitcodes import EXIT_CONFIG, EXIT_OK
from tests.net import free_port

GOOD = """
name = "测试站"
platform = "trs"
allowed_domains = ["example.gov.cn"]

[[columns]]
name = "要闻"
url = "https://www.example.gov.cn/yw/"
"""


@pytest.fixture
def crawls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], dict[str, Any]]]:
    """The crawls ``run`` started (keys, keyword arguments); each finishes at once without fetching."""
    started: list[tuple[list[str], dict[str, Any]]] = []

    def recorded(keys: list[str], **kwargs: Any) -> crawl.CrawlOutcome:
        started.append((keys, kwargs))
        return crawl.CrawlOutcome(
            run_id=kwargs["run_id"], data_dir=kwargs["data_dir"], stats={"finish_reason": "finished"}
        )

    monkeypatch.setattr(crawl, "run_crawl", recorded)
    return started


def _refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run ``crawl argv``; assert exit 2 and one plain line on stderr; return that line."""
    code = main(["crawl", *argv])
    err = capsys.readouterr().err
    assert code == EXIT_CONFIG, err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("newsspider crawl: ")
    return err.strip()


def test_valid_arguments_reach_the_crawl(
    tmp_path: Path, crawls: list[tuple[list[str], dict[str, Any]]], capsys: pytest.CaptureFixture[str]
) -> None:
    # The control for the refusals below: the same options, well formed, do start a crawl.
    url = "http://127.0.0.1:9/tingzhengce/"
    argv = ["--site", "zqsxnews", "--url", url, "--max-pages", "0", "--out", str(tmp_path / "out")]
    assert main(["crawl", *argv, "--quiet"]) == EXIT_OK, capsys.readouterr().err
    assert [(keys, kwargs["start_url"], kwargs["max_pages"]) for keys, kwargs in crawls] == [
        (["zqsxnews"], url, 0)
    ]


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--url", "notaurl"], "--url 'notaurl' is not an absolute http(s) URL"),
        (["--url", "ftp://example.gov.cn/yw/"], "--url 'ftp://example.gov.cn/yw/' is not an absolute http(s)"),
        (["--url", "http:///yw/"], "is not an absolute http(s) URL"),
        (["--url", "http://[::1/yw/"], "is not an absolute http(s) URL"),
        (["--site", "zqsxnews", "--url", "zqsxnews.com/tingzhengce/"], "is not an absolute http(s) URL"),
        (["--all", "--url", "http://127.0.0.1:9/yw/"], "--all crawls every profile from its own columns: drop --url"),
        (["--all", "--site", "zqsxnews"], "drop --site"),
        (["--site", "zqsxnews", "--max-pages", "-1"], "--max-pages must be 0 or more, got -1"),
        (["--site", "zqsxnews", "--refresh-days", "-3"], "--refresh-days must be 0 or more, got -3"),
        (["--site", "zqsxnews", "--parse-processes", "-2"], "--parse-processes must be 0 or more, got -2"),
    ],
)  # fmt: skip
def test_misread_arguments_are_refused_in_one_line(
    tmp_path: Path,
    crawls: list[tuple[list[str], dict[str, Any]]],
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    said: str,
) -> None:
    line = _refused(capsys, *argv, "--out", str(tmp_path / "out"))
    assert said in line
    assert crawls == []
    assert not (tmp_path / "out").exists()


def test_a_missing_sites_dir_is_refused_not_replaced_by_the_bundled_profile(
    tmp_path: Path, crawls: list[tuple[list[str], dict[str, Any]]], capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-folder"
    line = _refused(capsys, "--sites-dir", str(missing), "--site", "zqsxnews", "--out", str(tmp_path / "out"))
    assert line == f"newsspider crawl: --sites-dir {missing} is not a folder"
    assert crawls == []


@pytest.mark.parametrize("which", [["--all"], ["--site", "aa-bad,mine,zz-gbk"]])
def test_every_bad_profile_is_named_in_one_go(
    tmp_path: Path,
    crawls: list[tuple[list[str], dict[str, Any]]],
    capsys: pytest.CaptureFixture[str],
    which: list[str],
) -> None:
    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "aa-bad.toml").write_text(GOOD.replace('"trs"', '"drupal"'), encoding="utf-8")
    (sites / "mine.toml").write_text(GOOD, encoding="utf-8")
    (sites / "zz-gbk.toml").write_bytes(GOOD.encode("gbk"))
    code = main(["crawl", "--sites-dir", str(sites), *which, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.splitlines()
    assert code == EXIT_CONFIG
    assert len(err) == 2, err
    assert err[0].startswith(f"newsspider crawl: {sites / 'aa-bad.toml'}: platform: 'drupal' is not one of ")
    # GOOD's second line is name = "测试站": 测 is the first byte UTF-8 cannot read.
    gbk = f"newsspider crawl: {sites / 'zz-gbk.toml'}: (file): not UTF-8: byte 0x{'测'.encode('gbk')[0]:02x}"
    assert err[1].startswith(f"{gbk} at line 2, column 9 (byte 9); saved as GBK/GB2312? save it as UTF-8")
    assert crawls == []


@pytest.mark.parametrize("option", ["--state", "--redis"])
def test_an_unreachable_redis_is_one_line_before_the_crawl(
    tmp_path: Path,
    crawls: list[tuple[list[str], dict[str, Any]]],
    capsys: pytest.CaptureFixture[str],
    option: str,
) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # a port nothing listens on
    line = _refused(capsys, "--site", "zqsxnews", "--out", str(tmp_path / "out"), option, url)
    assert "cannot be reached" in line
    assert url in line
    assert crawls == []


def test_a_known_state_with_an_empty_data_folder_is_warned_about(
    tmp_path: Path, crawls: list[tuple[list[str], dict[str, Any]]], capsys: pytest.CaptureFixture[str]
) -> None:
    # The articles the state knows would be skipped as seen, and the new folder would stay empty.
    from pipelines.state import SeenEntry, open_state

    state = tmp_path / "shared-state.sqlite"
    store = open_state(str(state), tmp_path)
    store.commit(
        [SeenEntry(url="http://www.example.gov.cn/yw/t20200218_1.html", content_hash="c", title_hash="t",
                   version=1, published_at=None, last_seen="2026-11-28T00:00:00+00:00", site="zqsxnews")],
        {},
    )  # fmt: skip
    store.close()
    argv = ["crawl", "--site", "zqsxnews", "--state", str(state), "--quiet"]
    assert main([*argv, "--out", str(tmp_path / "new-folder")]) == EXIT_OK
    assert "already knows 1 articles but" in capsys.readouterr().err
    assert len(crawls) == 1  # a warning, not a refusal
    assert main([*argv, "--out", str(tmp_path / "new-folder"), "--state", ""]) == EXIT_OK
    assert "already knows" not in capsys.readouterr().err  # the folder's own state: nothing to warn about


def test_a_redis_password_never_reaches_the_terminal_and_a_bad_redis_url_is_one_line(
    tmp_path: Path, crawls: list[tuple[list[str], dict[str, Any]]], capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    out = str(tmp_path / "out")
    line = _refused(
        capsys, "--site", "zqsxnews", "--out", out, "--redis", f"redis://:s3cretpw@127.0.0.1:{port}/0"
    )
    assert "s3cretpw" not in line
    assert f"redis://:***@127.0.0.1:{port}/0" in line
    line = _refused(capsys, "--site", "zqsxnews", "--out", out, "--state", "redis://127.0.0.1:notaport/0")
    assert "not a usable address" in line
    line = _refused(capsys, "--site", "zqsxnews", "--out", out, "--state", "redis://:s3cretpw@[::1/0")
    assert "s3cretpw" not in line
    assert crawls == []
