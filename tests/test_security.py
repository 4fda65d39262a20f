"""Security: the crawl goes only where it was sent, reads no more than it can hold, expands no entity,
writes only under its output folder, and treats a profile as data.

The redirect and size cases run the real ``newsspider crawl`` against tests/faultserver.py (one crawl,
module fixture); the parser, listing, path and profile cases call the code directly.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from lxml import etree
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from newsspider import settings
from newsspider.extensions.report import write_report
from newsspider.logsetup import configure_run_logging, remove_run_logging
from newsspider.parsers import parse_article
from newsspider.platforms import get_platform
from newsspider.sites import Column, ProfileError, SiteProfile, load_profile
from pipelines.state import RemovedEvent
from pipelines.store import JsonLinesStorePipeline, write_event
from pipelines.validate import check_record, quarantine_path
from tests.faultserver import FaultServer, crawl, reports
from tests.records import read_records

if TYPE_CHECKING:
    from collections.abc import Iterator

MB = 1024 * 1024
SECURITY_FAULTS = ("to-file", "to-metadata", "to-offsite", "to-loopback", "huge", "huge-chunked", "gzip-bomb")
REDIRECTS = ("to-metadata", "to-offsite", "to-loopback")
HOSTILE_COLUMN = "../../../../escape/CON\u0000. "
"""The crawl's column name: path separators, a Windows device name, a NUL, a trailing dot and space."""


# -- the crawl: redirects and sizes -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("security")
    out = tmp / "deep" / "out"
    with FaultServer(faults=SECURITY_FAULTS, good=2) as server:
        profile = server.profile(tmp / "sites")
        text = profile.read_text(encoding="utf-8").replace(
            'name = "要闻"', 'name = "../../../../escape/CON\\u0000. "'
        )
        profile.write_text(text, encoding="utf-8")
        # A listener where the redirect to another loopback address points: it must never be called.
        with socket.socket() as canary:
            canary.bind(("127.0.0.2", server.port))
            canary.listen(8)
            canary.setblocking(False)
            done = crawl(tmp / "sites", out)
            try:
                canary.accept()[0].close()
                canary_called = True
            except BlockingIOError:
                canary_called = False
        (report,) = reports(out)
        log = next((out / "logs").glob("*.log")).read_text(encoding="utf-8")
        yield {"server": server, "done": done, "out": out, "tmp": tmp, "report": report,
               "records": read_records(out), "log": log, "canary_called": canary_called}  # fmt: skip


def _site(run: dict[str, Any]) -> dict[str, Any]:
    site: dict[str, Any] = run["report"]["sites"]["faulty"]
    return site


def _reported(run: dict[str, Any]) -> dict[str, str]:
    named = {f["url"]: f["reason"] for f in _site(run)["skipped_urls"]}
    named.update({f["url"]: f["reason"] for f in _site(run)["failures"]})
    return named


def test_the_run_goes_on_and_stores_the_good_articles(run: dict[str, Any]) -> None:
    server: FaultServer = run["server"]
    assert run["report"]["finish_reason"] == "finished", run["done"].stderr[-3000:]
    assert {r["url"] for r in run["records"]} == {server.url(n) for n in server.good}
    assert "Traceback" not in run["done"].stderr


def test_redirects_off_site_to_metadata_or_loopback_are_never_followed(run: dict[str, Any]) -> None:
    assert not run["canary_called"]
    # No connection was even tried: neither a DNS lookup for evil.example.com nor a connect to
    # 169.254.169.254 (either would show as a download exception).
    stats = run["report"]["stats"]
    assert not [k for k in stats if k.startswith("downloader/exception_type_count/") and "DNS" in k]
    attempts = [
        line for line in run["log"].splitlines() if "169.254.169.254" in line and "Refused" not in line
    ]
    assert not attempts
    for name in REDIRECTS:
        assert run["server"].url(name) not in {r["url"] for r in run["records"]}


def test_refused_redirects_are_counted_and_named_in_the_report(run: dict[str, Any]) -> None:
    stats = run["report"]["stats"]
    assert sum(v for k, v in stats.items() if k.startswith("newsspider/refused/")) >= len(REDIRECTS)
    for name in REDIRECTS:
        assert run["server"].url(name) in _reported(run)


def test_a_redirect_to_a_file_url_is_not_followed_and_is_reported(run: dict[str, Any]) -> None:
    assert "root:x:0:0" not in json.dumps(run["records"])
    assert _reported(run)[run["server"].url("to-file")] == "refused"


def test_download_size_limits_are_set() -> None:
    assert 0 < settings.DOWNLOAD_WARNSIZE < settings.DOWNLOAD_MAXSIZE <= 32 * MB


def test_a_30mb_page_is_refused_by_its_content_length(run: dict[str, Any]) -> None:
    # Skipped on purpose (too large), as a gzip bomb is, not failed: the next run would only refuse it again.
    skipped = {f["url"]: f["reason"] for f in _site(run)["skipped_urls"]}
    assert skipped[run["server"].url("huge")] == "too-large"
    assert run["server"].url("huge") not in {f["url"] for f in _site(run)["failures"]}
    assert re.search(r"Expected to receive \d+ bytes which is larger than download max size", run["log"])


def test_a_30mb_page_without_content_length_is_cut_at_the_limit(run: dict[str, Any]) -> None:
    assert run["server"].url("huge-chunked") in _reported(run)
    said = re.search(r"Received (\d+) bytes which is larger than download max size", run["log"])
    assert said is not None
    assert int(said.group(1)) < settings.DOWNLOAD_MAXSIZE + 2 * MB


def test_a_gzip_bomb_is_cut_at_the_limit_while_inflating(run: dict[str, Any]) -> None:
    said = re.search(
        r"\((\d+) B compressed, (\d+) B decompressed so far\) exceeded DOWNLOAD_MAXSIZE", run["log"]
    )
    assert said is not None, "HttpCompressionMiddleware did not stop the bomb"
    compressed, inflated = int(said.group(1)), int(said.group(2))
    assert compressed < MB
    assert inflated < settings.DOWNLOAD_MAXSIZE + MB  # stopped at the cap, not at the bomb's 48 MB
    assert run["server"].url("gzip-bomb") in _reported(run)


def test_a_gzip_bomb_is_reported_as_too_large(run: dict[str, Any]) -> None:
    assert re.search(r"size|large", _reported(run)[run["server"].url("gzip-bomb")])


def test_hostile_column_names_do_not_decide_where_files_go(run: dict[str, Any]) -> None:
    written = {p for p in run["tmp"].rglob("*") if p.is_file()}
    outside = {p for p in written if run["out"] not in p.parents and p.parent.name != "sites"}
    assert not outside
    assert not (run["tmp"] / "escape").exists()
    assert HOSTILE_COLUMN.strip() in _site(run)["columns"]  # the crawl did use the hostile name


# -- parsers: no entity expansion, no network -----------------------------------------------------------

_LAUGHS = '<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{"&lol;" * 10 if i == 1 else f"&lol{i - 1};" * 10}">' for i in range(1, 10)
)


def _doctype(root: str, canary: str, *, external_dtd: bool) -> str:
    dtd = f'<!ENTITY % dtd SYSTEM "{canary}/xxe-dtd"> %dtd;' if external_dtd else ""
    return (
        f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
        f'<!ENTITY remote SYSTEM "{canary}/xxe-entity">{dtd}{_LAUGHS}]>'
    )


@pytest.fixture(scope="module")
def canary() -> Iterator[FaultServer]:
    """A server whose log must stay empty: external entities and DTDs would be fetched from it."""
    with FaultServer(faults=()) as server:
        yield server


@pytest.mark.parametrize("external_dtd", [False, True], ids=["entities", "external DTD"])
def test_an_article_page_with_xxe_and_billion_laughs_expands_nothing(
    canary: FaultServer, external_dtd: bool
) -> None:
    page = (
        f'<?xml version="1.0"?>{_doctype("html", canary.base, external_dtd=external_dtd)}\n'
        '<html><head><meta charset="utf-8"><title>山西召开安全生产工作推进会&xxe;</title></head><body>'
        '<h1>山西召开安全生产工作推进会&remote;&lol9;</h1><div class="info">2026-11-20 09:00 来源: 山西日报</div>'
        '<div class="content"><p>会议要求，各级各部门要进一步压实责任&xxe;&lol9;，确保各项任务落到实处。</p>'
        "<p>全市共完成重点项目三十个，完成投资十二亿元，同比增长百分之三。</p></div></body></html>"
    )
    started = time.monotonic()
    record = parse_article(page.encode(), "http://127.0.0.1/news/2026-11-20/xxe.html")
    assert time.monotonic() - started < 2
    dumped = json.dumps(record.__dict__, ensure_ascii=False, default=str)
    assert "root:x:0:0" not in dumped
    assert "lollollol" not in dumped
    assert len(dumped) < 20_000
    assert canary.log() == []
    if external_dtd:
        # libxml2 gives up on the document: no text, and the record says so (fail closed).
        assert record.text or "no_body" in record.warnings
    else:
        assert "压实责任" in record.text


def test_an_xhtml_page_with_an_xml_declaration_is_parsed() -> None:
    page = (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml">'
        '<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8" /><title>山西召开安全生产工作推进会'
        '</title></head><body><h1>山西召开安全生产工作推进会</h1><div class="info">2026-11-20 09:00 来源: 山西日报</div>'
        '<div class="content"><p>会议要求，各级各部门要进一步压实责任，确保各项任务落到实处。</p>'
        "<p>全市共完成重点项目三十个，完成投资十二亿元，同比增长百分之三。</p></div></body></html>"
    )
    record = parse_article(page.encode(), "http://127.0.0.1/news/2026-11-20/xhtml.html")
    assert "压实责任" in record.text


def _hanweb() -> tuple[SiteProfile, Column]:
    column = Column(name="浙江要闻", url="http://127.0.0.1/col/col1229001/index.html")
    site = SiteProfile(key="zj", name="浙江省人民政府", platform="hanweb", allowed_domains=("127.0.0.1",),
                       columns=(column,), platform_options={"webid": "1", "unitid": "3"})  # fmt: skip
    return site, column


def _datastore(canary: str, payload: str) -> str:
    laughs = payload == "billion laughs"
    return (
        f'<?xml version="1.0" encoding="utf-8"?>'
        f"{_doctype('datastore', canary, external_dtd=payload == 'external DTD')}<datastore>"
        '<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1"></a>]]></nextgroup>'
        f"<totalrecord>{'&lol9;' if laughs else '1'}</totalrecord><recordset>"
        '<record><![CDATA[<li><a href="http://127.0.0.1/art/2026/11/20/art_1229001_1.html" target="_blank">'
        "浙江召开营商环境工作推进会</a><span>2026-11-20</span></li>]]></record>"
        f"<record>&xxe;</record><record>&remote;</record>{'<record>&lol9;</record>' if laughs else ''}"
        "</recordset></datastore>"
    )


@pytest.mark.parametrize("payload", ["xxe", "billion laughs", "external DTD"])
@pytest.mark.parametrize("where", ["inline island", "dataproxy answer"])
def test_a_hanweb_datastore_with_xxe_and_billion_laughs_expands_nothing(
    canary: FaultServer, where: str, payload: str
) -> None:
    site, column = _hanweb()
    xml = _datastore(canary.base, payload)
    body = (
        '<html><head><meta charset="utf-8"></head><body><div id="jpageform_3"></div>'
        f'<script type="text/xml">{xml}</script></body></html>'
        if where == "inline island"
        else xml
    )
    url = (
        column.url
        if where == "inline island"
        else "http://127.0.0.1/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15"
    )
    response = HtmlResponse(url, body=body.encode(), encoding="utf-8", request=Request(url))
    started = time.monotonic()
    page = get_platform("hanweb").parse_listing(response, site, column)
    assert time.monotonic() - started < 2
    expected = ["http://127.0.0.1/art/2026/11/20/art_1229001_1.html"]
    if payload == "xxe":
        assert [r.url for r in page.rows] == expected
    else:
        # libxml2 stops at the amplification limit or the unloadable DTD: fewer rows, never more.
        assert {r.url for r in page.rows} <= set(expected)
    assert "root:" not in repr(page)
    assert "lollollol" not in repr(page)
    assert canary.log() == []


# -- output paths --------------------------------------------------------------------------------------------

ESCAPES = ["../../escape", "/tmp/escape-abs", "..", "a/../../../escape"]


def _outside(root: Path, base: Path) -> list[Path]:
    return [p for p in base.rglob("*") if p.is_file() and root not in p.parents]


@pytest.mark.parametrize("site", ["../../escape", "..", "a/../../../escape", "quarantine", "CON"])
def test_validation_refuses_a_site_key_that_is_not_a_plain_folder_name(site: str) -> None:
    from jsonschema import Draft202012Validator

    from newsspider.schema import SCHEMA_PATH

    record = {"url": "http://example.gov.cn/a.html", "site": site, "title": "标题", "text": "正文"}
    problem = check_record(record, Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))))
    assert problem is not None


def _store(data_dir: Path, shard: str = "") -> JsonLinesStorePipeline:
    crawler = get_crawler(settings_dict={"NEWSSPIDER_DATA_DIR": str(data_dir), "NEWSSPIDER_SHARD": shard})
    return JsonLinesStorePipeline(crawler)


@pytest.mark.parametrize(("site", "shard"), [("../../escape", ""), ("ok-site", "../../../../escape")])
def test_the_store_itself_never_writes_outside_the_data_folder(tmp_path: Path, site: str, shard: str) -> None:
    data = tmp_path / "a" / "b" / "data"
    record = {"url": "http://example.gov.cn/a.html", "canonical_url": "http://example.gov.cn/a.html",
              "site": site, "title": "标题", "text": "正文", "content_hash": "0" * 64,
              "fetched_at": "2026-11-20T01:02:03Z"}  # fmt: skip
    with contextlib.suppress(ValueError):  # refusing (UnsafePathError) is fine; writing outside is not
        store = _store(data, shard)
        store.open_spider()
        store.process_item(record)
        store.close_spider()
    assert _outside(data, tmp_path) == []


def test_a_removed_event_never_lands_outside_the_data_folder(tmp_path: Path) -> None:
    data = tmp_path / "a" / "b" / "data"
    event = RemovedEvent(url="http://example.gov.cn/a.html", site="../../../escape", column=None, status=404,
                         reason="gone", at="2026-11-20T01:02:03+00:00")  # fmt: skip
    with contextlib.suppress(ValueError):
        write_event(data, event)
    assert _outside(data, tmp_path) == []


@pytest.mark.parametrize("writer", ["report", "quarantine"])
def test_a_run_id_never_puts_the_report_or_quarantine_outside(tmp_path: Path, writer: str) -> None:
    data = tmp_path / "a" / "b" / "data"
    with contextlib.suppress(ValueError):
        if writer == "report":
            write_report(data, {"run_id": "../../../escape", "sites": {}, "started_at": "", "challenges": []})
        else:
            path = quarantine_path(data, "../../../escape")
            assert path.resolve().is_relative_to(data.resolve())
    assert _outside(data, tmp_path) == []


@pytest.mark.parametrize("run_id", ["../../escape", "/tmp/escape", "a/b", "", "x\u0000y"])
def test_the_run_log_refuses_a_run_id_that_is_not_a_file_name(tmp_path: Path, run_id: str) -> None:
    try:
        with pytest.raises(ValueError, match="not usable as a file name"):
            configure_run_logging(tmp_path / "data", run_id, quiet=True)
    finally:
        remove_run_logging()
    assert _outside(tmp_path / "data", tmp_path) == []


# -- profiles are data ---------------------------------------------------------------------------------------

MARKER_NAME = "pwned"

BASE = """name = "测试站"
platform = "trs"
allowed_domains = ["example.gov.cn"]
{extra}
[[columns]]
name = "要闻"
url = "https://www.example.gov.cn/yw/"
"""


def _hostile(marker: Path) -> dict[str, tuple[str, str]]:
    """case → (profile text, the TOML key the ProfileError must name)."""
    shell = f"__import__('os').system('touch {marker}')"
    plain = BASE.format(extra="")

    def top(line: str) -> str:
        return BASE.format(extra=line + "\n")

    return {
        "dunder key": (top(f'__class__ = "{shell}"'), "__class__"),
        "code as platform": (plain.replace('platform = "trs"', f'platform = "{shell}"'), "platform"),
        "template as name": (plain.replace('name = "测试站"', 'name = {a = "{{7*7}}"}'), "name"),
        "code in encoding": (top(f'encoding = "{shell}"'), "encoding"),
        "javascript column": (plain.replace("https://www.example.gov.cn/yw/", "javascript:alert(1)"), "columns[0].url"),
        "file column": (plain.replace("https://www.example.gov.cn/yw/", "file:///etc/passwd"), "columns[0].url"),
        "wildcard domain": (plain.replace('["example.gov.cn"]', '["*"]'), "allowed_domains[0]"),
        "domain with path": (plain.replace('["example.gov.cn"]', '["example.gov.cn/../../"]'), "allowed_domains[0]"),
        "nested option": (top('platform_options = { webid = { "$ne" = 1 } }'), "platform_options.webid"),
        "selector of wrong type": (top("[selectors]\ntitle = 7"), "selectors.title"),
        "unknown selector": (top(f'[selectors]\n__init__ = "{shell}"'), "selectors.__init__"),
        "broken TOML": (top('notes = """'), "(file)"),
        "deep nesting": (top("notes = " + "[" * 3000 + "]" * 3000), "(file)"),
        "deep tables": (top("notes = " + "{a=" * 3000 + "1" + "}" * 3000), "(file)"),
    }  # fmt: skip


@pytest.fixture
def marker(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / MARKER_NAME
    yield path
    assert not path.exists(), "loading a profile ran code"


@pytest.mark.parametrize("case", list(_hostile(Path("/x"))))
def test_a_hostile_profile_raises_profile_error_and_runs_nothing(
    tmp_path: Path, marker: Path, case: str
) -> None:
    text, key = _hostile(marker)[case]
    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "hostile.toml").write_text(text, encoding="utf-8")
    events = _audited(lambda: _load_expecting_error(sites, key))
    assert not [e for e in events if e[0] in {"os.system", "subprocess.Popen", "os.exec", "os.posix_spawn",
                                              "exec", "compile", "pickle.find_class", "socket.connect"}]  # fmt: skip


def _load_expecting_error(sites: Path, key: str) -> None:
    with pytest.raises(ProfileError) as raised:
        load_profile("hostile", sites)
    assert raised.value.key == key


@pytest.mark.parametrize(
    "key", ["../sites2/x", "/etc/passwd", "a\u0000b", "CON", "runs", "logs", "quarantine"]
)
def test_a_profile_key_that_is_not_a_plain_name_is_refused(tmp_path: Path, key: str) -> None:
    (tmp_path / "sites").mkdir()  # exists, so ../sites2/x.toml would resolve
    (tmp_path / "sites2").mkdir()
    (tmp_path / "sites2" / "x.toml").write_text(BASE.format(extra=""), encoding="utf-8")
    with pytest.raises((ProfileError, ValueError)):
        load_profile(key, tmp_path / "sites")


@pytest.mark.parametrize("codec", ["zlib", "base64", "rot13"])
def test_a_profile_encoding_must_be_a_text_encoding(tmp_path: Path, codec: str) -> None:
    (tmp_path / "hostile.toml").write_text(BASE.format(extra=f'encoding = "{codec}"\n'), encoding="utf-8")
    with pytest.raises(ProfileError):
        load_profile("hostile", tmp_path)


def test_a_non_text_codec_in_a_profile_cannot_inflate_a_page() -> None:
    import zlib

    site = SiteProfile(key="x", name="测试站", allowed_domains=("example.gov.cn",), encoding="zlib")
    bomb = zlib.compress(b"<p>" + b"a" * (64 * MB) + b"</p>", 9)
    record = parse_article(bomb, "http://example.gov.cn/2026-11-20/a.html", site=site)
    assert len(record.text or "") < 2 * len(bomb)


def _php_selector_profile(folder: Path, marker: Path) -> Path:
    selector = f"//h1[php:function('system', 'touch {marker}')]"
    body = BASE.format(extra="") + f'\n[selectors]\ntitle = "{selector}"\n'
    (folder / "hostile.toml").write_text(body, encoding="utf-8")
    return folder


def test_an_xpath_selector_calling_php_function_runs_nothing(tmp_path: Path, marker: Path) -> None:
    try:
        site = load_profile("hostile", _php_selector_profile(tmp_path, marker))
    except ProfileError:
        return  # refused at load: nothing can run
    page = "<html><head><meta charset='utf-8'><title>标题</title></head><body><h1>标题</h1><p>正文。</p></body></html>"

    def parse() -> None:
        with contextlib.suppress(etree.XPathEvalError):
            parse_article(page.encode(), "http://example.gov.cn/2026-11-20/a.html", site=site)

    events = _audited(parse)
    assert not [e for e in events if e[0] in {"os.system", "subprocess.Popen", "exec"}]


def test_an_xpath_selector_with_an_undefined_function_is_refused_at_load(
    tmp_path: Path, marker: Path
) -> None:
    with pytest.raises(ProfileError):
        load_profile("hostile", _php_selector_profile(tmp_path, marker))


# -- audit hook ----------------------------------------------------------------------------------------------


class _Recorder:
    def __init__(self) -> None:
        self.on = False
        self.events: list[tuple[str, tuple[Any, ...]]] = []

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if self.on and not event.startswith(("object.", "sys._getframe", "open", "os.listdir", "os.scandir")):
            self.events.append((event, args))


_RECORDER = _Recorder()
sys.addaudithook(_RECORDER)


def _audited(action: Any) -> list[tuple[str, tuple[Any, ...]]]:
    """Run ``action`` and return the audit events (sys.audit) it raised: exec, compile, os.system …"""
    # A first, unwatched call does the imports and fills the caches; only the second call is judged.
    with contextlib.suppress(BaseException):
        action()
    _RECORDER.events = []
    _RECORDER.on = True
    try:
        action()
    finally:
        _RECORDER.on = False
    return list(_RECORDER.events)
