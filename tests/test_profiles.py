"""Site profiles: the bundled ones load, and every kind of mistake is refused naming file, key and reason."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newsspider.cli import main
from newsspider.platforms import get_platform
from newsspider.sites import BUNDLED_SITES_DIR, PLATFORMS, ProfileError, list_keys, load_all, load_profile
from newsspider.sites.loader import ProfileErrors

GOOD = """
name = "测试站"
province = "山西"
platform = "trs"
allowed_domains = ["example.gov.cn"]
documented = "2026-11-28"

[[columns]]
name = "要闻"
url = "https://www.example.gov.cn/yw/"
"""


def _top(line: str) -> Callable[[str], str]:
    """An edit adding a top-level line (appending would land inside the last [[columns]] table)."""
    return lambda t: t.replace("[[columns]]", f"{line}\n\n[[columns]]", 1)


def _write(folder: Path, key: str, text: str) -> Path:
    path = folder / f"{key}.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("key", list_keys())
def test_every_bundled_profile_loads_and_is_unverified_with_a_documentation_date(key: str) -> None:
    profile = load_profile(key)
    assert profile.key == key
    assert profile.platform in PLATFORMS
    assert profile.columns
    assert profile.documented == "2026-11-28"
    assert profile.verified is False  # nobody has run check-site against the live site yet
    assert profile.notes  # what is evidenced and what is inferred
    get_platform(profile.platform)


def test_bundled_profiles_cover_all_platforms_and_six_provinces() -> None:
    profiles = load_all()
    assert len(profiles) >= 10
    assert {p.platform for p in profiles} >= {"trs", "hanweb", "ucap", "founder", "people"}
    assert len({p.province for p in profiles if p.province}) >= 6
    keys = {p.key for p in profiles}
    assert {"shanxi-gov", "sxgov", "sxrb", "zqsxnews"} <= keys


def test_shanxi_gov_has_the_footer_columns() -> None:
    profile = load_profile("shanxi-gov")
    assert profile.platform == "trs"
    paths = {c.name: c.url.split("shanxi.gov.cn", 1)[1] for c in profile.columns}
    assert paths["山西要闻"].startswith("/yw/sxyw/")
    assert paths["省政府常务会议"].startswith("/szf/szfcwhy/")
    assert len(paths) == 6


def test_reference_site_profile() -> None:
    profile = load_profile("zqsxnews")
    assert profile.platform == "generic"
    assert [(c.name, c.url) for c in profile.columns] == [("听政策", "http://zqsxnews.com/tingzhengce/")]
    assert get_platform("generic").is_article_url("http://zqsxnews.com/tingzhengce/2020-07-20/11540.html")


def test_column_platform_options_are_kept_as_strings(tmp_path: Path) -> None:
    text = GOOD.replace('platform = "trs"', 'platform = "hanweb"') + (
        'platform_options = { columnid = 235487, unitid = "509505" }\n'
        "[platform_options]\nwebid = 3\nlegacy = true\n"
    )
    _write(tmp_path, "hw", text)
    profile = load_profile("hw", tmp_path)
    assert dict(profile.columns[0].platform_options) == {"columnid": "235487", "unitid": "509505"}
    assert dict(profile.platform_options) == {"webid": "3", "legacy": "true"}


def test_sites_dir_profile_shadows_the_bundled_one_and_adds_new_keys(tmp_path: Path) -> None:
    _write(tmp_path, "shanxi-gov", GOOD)
    _write(tmp_path, "my-site", GOOD)
    assert load_profile("shanxi-gov", tmp_path).name == "测试站"
    keys = [p.key for p in load_all(tmp_path)]
    assert "my-site" in keys
    assert len(keys) == len(set(keys)) == len(list_keys()) + 1


def test_missing_profile_names_the_key_and_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile("nope", tmp_path)
    assert "nope" in str(caught.value)
    assert str(tmp_path) in str(caught.value)
    assert str(BUNDLED_SITES_DIR) in str(caught.value)


@pytest.mark.parametrize(
    ("edit", "key", "reason"),
    [
        (_top('colour = "red"'), "colour", "unknown key"),
        (lambda t: t.replace('name = "测试站"\n', ""), "name", "required"),
        (lambda t: t.replace('name = "测试站"', 'name = ""'), "name", "required"),
        (lambda t: t.replace('platform = "trs"', 'platform = "wordpress"'), "platform", "wordpress"),
        (lambda t: t.replace('"https://www.example.gov.cn/yw/"', '"www.example.gov.cn/yw/"'), "columns[0].url",
         "not an absolute http(s) URL"),
        (lambda t: t.replace('"https://www.example.gov.cn/yw/"', '"ftp://www.example.gov.cn/yw/"'), "columns[0].url",
         "not an absolute http(s) URL"),
        (lambda t: t.replace("https://www.example.gov.cn/yw/", "https://www.other.gov.cn/yw/"), "columns[0].url",
         "outside allowed_domains"),
        (lambda t: t.replace("https://www.example.gov.cn/yw/", "https://notexample.gov.cn/yw/"), "columns[0].url",
         "outside allowed_domains"),
        (lambda t: t.replace('["example.gov.cn"]', '["https://example.gov.cn/"]'), "allowed_domains[0]",
         "not a lower-case host name"),
        (lambda t: t.replace('allowed_domains = ["example.gov.cn"]\n', ""), "allowed_domains", "non-empty list"),
        (lambda t: t[: t.index("[[columns]]")], "columns", "at least one"),
        (lambda t: t + 'title = "x"\n', "columns[0].title", "unknown key"),
        (lambda t: t.replace('name = "要闻"\n', ""), "columns[0].name", "required"),
        (lambda t: t + '[selectors]\ntitle = "div[class="\n', "selectors.title", "bad CSS selector"),
        (lambda t: t + '[selectors]\nbody = "//div[@id=\'zoom\'"\n', "selectors.body", "bad XPath selector"),
        (lambda t: t + '[selectors]\nnoise = ["div.share", "p::bogus"]\n', "selectors.noise[1]", "bad CSS"),
        (lambda t: t + '[selectors]\nnoise = "div.share"\n', "selectors.noise", "list"),
        (lambda t: t + '[selectors]\nheadline = "h1"\n', "selectors.headline", "unknown key"),
        (lambda t: t + '[platform_options]\nwebid = [1, 2]\n', "platform_options.webid", "string or a number"),
        (lambda t: t.replace('documented = "2026-11-28"', 'documented = "last week"'), "documented", "YYYY-MM-DD"),
        (_top('verified = "yes"'), "verified", "true or false"),
        (_top('encoding = "klingon-8"'), "encoding", "not a known encoding"),
        (lambda t: t + "name = 'again'\n", "(file)", "not valid TOML"),
        (lambda t: t + '[[columns]]\nname = "要闻"\nurl = "https://www.example.gov.cn/yw2/"\n', "columns[1].name",
         "'要闻' is already the name of columns[0]"),
    ],
)  # fmt: skip
def test_invalid_profile_error_names_file_key_and_reason(
    tmp_path: Path, edit: Callable[[str], str], key: str, reason: str
) -> None:
    path = _write(tmp_path, "broken", edit(GOOD))
    with pytest.raises(ProfileError) as caught:
        load_profile("broken", tmp_path)
    error = caught.value
    assert error.path == path
    assert error.key == key
    assert reason in error.reason
    assert str(error).startswith(f"{path}: {key}: ")


def test_toml_dates_are_accepted_for_documented(tmp_path: Path) -> None:
    _write(tmp_path, "dated", GOOD.replace('documented = "2026-11-28"', "documented = 2026-11-28"))
    assert load_profile("dated", tmp_path).documented == "2026-11-28"


@pytest.mark.parametrize("key", ["Bad_Key", "runs", "quarantine"])
def test_file_names_that_are_not_site_keys_are_refused(tmp_path: Path, key: str) -> None:
    _write(tmp_path, key, GOOD)
    with pytest.raises(ProfileError, match="not a site key"):
        load_profile(key, tmp_path)


def test_a_profile_saved_with_a_utf8_bom_loads(tmp_path: Path) -> None:
    # Notepad on Windows writes UTF-8 with a BOM; TOML is UTF-8 and the BOM carries nothing.
    (tmp_path / "bom.toml").write_bytes(GOOD.lstrip().encode("utf-8-sig"))
    assert load_profile("bom", tmp_path).name == "测试站"


def test_a_profile_saved_as_gbk_names_the_file_the_line_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "gbk.toml"
    path.write_bytes(GOOD.lstrip().encode("gbk"))  # line 1 is name = "测试站": 测 is the first non-ASCII byte
    with pytest.raises(ProfileError) as caught:
        load_profile("gbk", tmp_path)
    error = caught.value
    assert (error.path, error.key) == (path, "(file)")
    assert error.reason.startswith(
        f"not UTF-8: byte 0x{'测'.encode('gbk')[0]:02x} at line 1, column 9 (byte 8)"
    )
    assert "saved as GBK/GB2312? save it as UTF-8" in error.reason


def test_a_profile_saved_as_utf16_is_refused_naming_the_encoding(tmp_path: Path) -> None:
    (tmp_path / "wide.toml").write_bytes(GOOD.encode("utf-16"))  # Notepad's "Unicode"
    with pytest.raises(ProfileError, match=r"not UTF-8 .*UTF-16"):
        load_profile("wide", tmp_path)


def test_a_missing_sites_dir_is_refused_not_replaced_by_the_bundled_profile(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    for load in (partial(load_profile, "zqsxnews"), list_keys, load_all):
        with pytest.raises(ProfileError) as caught:
            load(missing)
        assert (caught.value.path, caught.value.key) == (missing, "(folder)")
        assert "not a folder" in caught.value.reason


def test_load_all_names_every_bad_profile_not_just_the_first(tmp_path: Path) -> None:
    _write(tmp_path, "aa-bad", GOOD.replace('platform = "trs"', 'platform = "drupal"'))
    _write(tmp_path, "mine", GOOD)
    (tmp_path / "zz-gbk.toml").write_bytes(GOOD.encode("gbk"))
    with pytest.raises(ProfileErrors) as caught:
        load_all(tmp_path)
    assert [(e.path.name, e.key) for e in caught.value.errors] == [
        ("aa-bad.toml", "platform"),
        ("zz-gbk.toml", "(file)"),
    ]


def test_the_good_profile_loads(tmp_path: Path) -> None:
    # The invalid cases above are edits of this text: it must itself be valid.
    _write(tmp_path, "fine", GOOD)
    profile = load_profile("fine", tmp_path)
    assert (profile.name, profile.platform, profile.allowed_domains) == ("测试站", "trs", ("example.gov.cn",))


# --- commands: newsspider sites, newsspider check-site ------------------------------------------------------

LISTINGS = Path(__file__).resolve().parent / "listings"


class _Handler(SimpleHTTPRequestHandler):
    """Serves tests/listings/generic as a site root; /challenge/ answers like a 瑞数-guarded host."""

    def do_GET(self) -> None:
        if self.path.startswith("/challenge/"):
            body = b"<html><script>$_ts=window['$_ts'];</script><script src='/x.js'></script></html>"
            self.send_response(412)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output clean."""


@pytest.fixture
def local_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(LISTINGS / "generic")))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_sites_command_lists_every_profile_with_platform_and_columns(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["sites"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["key", "name", "province", "platform", "verified", "columns"]
    shanxi = next(line for line in out if line.startswith("shanxi-gov "))
    assert shanxi.split()[1:5] == ["山西省人民政府", "山西", "trs", "no"]
    assert "省政府常务会议" in shanxi
    assert len(out) == 1 + len(list_keys())


def test_sites_command_reports_a_broken_profile_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path, "mine", GOOD)
    _write(tmp_path, "broken", GOOD.replace('platform = "trs"', 'platform = "drupal"'))
    assert main(["sites", "--sites-dir", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert any(line.startswith("mine ") for line in captured.out.splitlines())
    assert "broken.toml: platform: 'drupal'" in captured.err


def test_sites_command_names_a_gbk_profile_and_still_lists_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path, "mine", GOOD)
    (tmp_path / "gbk.toml").write_bytes(GOOD.encode("gbk"))
    assert main(["sites", "--sites-dir", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert any(line.startswith("mine ") for line in captured.out.splitlines())
    assert len(captured.out.splitlines()) == 2 + len(list_keys())  # header, every bundled profile, mine
    assert captured.err.startswith(f"invalid profile: {tmp_path / 'gbk.toml'}: (file): not UTF-8: ")
    assert "GBK" in captured.err
    assert len(captured.err.splitlines()) == 1


def test_check_site_reads_listing_and_article_from_a_local_server(
    local_site: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check-site", "zqsxnews", "--url", f"{local_site}/tingzhengce/index.html", "--timeout", "5"])
    out = capsys.readouterr().out
    assert code == 0, out
    fields = dict(
        line.split(None, 1)
        for line in out.splitlines()
        if line.startswith("  ") and not line.startswith("    ")
    )
    assert fields["rows"] == "3"
    assert f"next page      GET {local_site}/tingzhengce/list_2.html" in out
    assert fields["title"] == "省政府召开常务会议 研究部署防汛和安全生产工作"
    assert fields["source"] == "太原日报"
    assert fields["published"].startswith("2020-07-20T17:24:16+08:00")
    assert "verdict  ok" in out


def test_check_site_next_reads_the_second_listing_page(
    local_site: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check-site", "zqsxnews", "--next", "--url", f"{local_site}/tingzhengce/index.html"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"listing  GET {local_site}/tingzhengce/list_2.html" in out
    assert "全省防汛工作视频会议召开" in out


def test_check_site_reports_a_listing_without_article_links_as_a_failure(
    local_site: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # An article page given as the listing: no article links on it, so nothing to check further.
    code = main(["check-site", "zqsxnews", "--url", f"{local_site}/tingzhengce/2020-07-20/11540.html"])
    out = capsys.readouterr().out
    assert code == 1
    assert "rows           0" in out


def test_check_site_stops_on_a_challenge_page(local_site: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check-site", "zqsxnews", "--url", f"{local_site}/challenge/index.html"])
    out = capsys.readouterr().out
    assert code == 4
    assert "rs-412" in out
    assert "article" not in out


def test_check_site_unknown_key_or_column_is_a_config_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-site", "no-such-site"]) == 2
    assert main(["check-site", "shanxi-gov", "--column", "体育"]) == 2
    assert "体育" in capsys.readouterr().err


def test_check_site_connection_refused_is_reported_not_raised(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert main(["check-site", "zqsxnews", "--url", f"http://127.0.0.1:{port}/x.html", "--timeout", "2"]) == 1
    assert "check-site:" in capsys.readouterr().err
