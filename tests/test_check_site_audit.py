"""check-site tells the truth about what the crawl would get: redirects, robots.txt and selector overrides.

One small server on 127.0.0.1 serves tests/listings/generic (a zqsxnews-style column and its article) plus
the ugly answers of real sites: a column that moved to another host (301, or a ``<meta http-equiv=refresh>``
as TRS front pages do), an in-site redirect (``/tingzhengce`` → ``/tingzhengce/``), a robots.txt chosen per
test, and one that hangs up without answering.
"""

from __future__ import annotations

import datetime
import gzip
import re
import ssl
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from scrapy.http import HtmlResponse

from newsspider.cli import main
from newsspider.commands._selector_check import check_listing_selector

if TYPE_CHECKING:
    from collections.abc import Iterator

LISTINGS = Path(__file__).resolve().parent / "listings" / "generic"
COLUMN = "/tingzhengce/index.html"
ARTICLE = "/tingzhengce/2020-07-20/11540.html"


class _Server(ThreadingHTTPServer):
    robots: bytes | None = None  # None: 404 like most government sites; b"": hang up without an answer
    walled = False  # True: every page but the column answers a 瑞数-style 412 challenge
    paths: list[str]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(SimpleHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.paths.append(self.path)
        port = self.server.server_address[1]
        if self.path == "/robots.txt" and self.server.robots is not None:
            if not self.server.robots:
                self.close_connection = True  # the client sees the connection closed, no status line
                return
            self._answer(200, "text/plain", self.server.robots)
        elif self.server.walled and self.path not in (COLUMN, "/robots.txt"):
            body = b"<html><script>$_ts=window['$_ts'];</script><script src='/x.js'></script></html>"
            self._answer(412, "text/html", body)
        elif self.path == "/moved/":
            self.send_response(301)
            self.send_header("Location", f"http://localhost:{port}{COLUMN}")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/gz/":
            # Compressed although the client never sent Accept-Encoding (the crawl's middleware decodes it).
            self._answer(
                200, "text/html; charset=utf-8", gzip.compress((LISTINGS / COLUMN[1:]).read_bytes()), "gzip"
            )
        elif self.path == "/refresh/":
            page = f'<html><head><meta http-equiv="refresh" content="0; url=http://localhost:{port}{COLUMN}">'
            self._answer(
                200, "text/html; charset=utf-8", (page + "</head><body>正在跳转</body></html>").encode()
            )
        else:
            super().do_GET()

    def _answer(self, status: int, content_type: str, body: bytes, coding: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if coding:
            self.send_header("Content-Encoding", coding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output clean."""


@pytest.fixture
def server() -> Iterator[_Server]:
    served = _Server(("127.0.0.1", 0), partial(_Handler, directory=str(LISTINGS)))
    served.paths = []
    thread = threading.Thread(target=served.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield served
    served.shutdown()
    served.server_close()


def _check(*argv: str) -> int:
    return main(["check-site", *argv, "--timeout", "5"])


def _profile(folder: Path, base: str, selectors: str) -> Path:
    """A profile of the local column with the given ``[selectors]`` lines (its host is the allowed domain)."""
    (folder / "localnews.toml").write_text(
        f'name = "本地资讯"\nplatform = "generic"\nallowed_domains = ["127.0.0.1"]\n\n'
        f'[[columns]]\nname = "听政策"\nurl = "{base}{COLUMN}"\n\n[selectors]\n{selectors}\n',
        encoding="utf-8",
    )
    return folder


# --- redirects -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "how"), [("/moved/", "301"), ("/refresh/", "meta refresh")])
def test_a_column_that_moved_to_another_host_needs_attention_and_is_not_fetched(
    server: _Server, path: str, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _check("zqsxnews", "--url", server.base + path)
    out = capsys.readouterr().out
    port = server.server_address[1]
    assert code == 1, out
    assert f"  redirect       {how} {server.base}{path} → http://localhost:{port}{COLUMN}\n" in out
    assert "redirected to localhost, outside allowed_domains (zqsxnews.com, 127.0.0.1): " in out
    assert "add localhost to allowed_domains or update the column URL" in out
    assert "verdict  needs attention: redirected to localhost, outside allowed_domains" in out
    # The crawl refuses the redirect, so the page behind it is neither fetched nor reported as rows.
    assert "rows" not in out
    assert COLUMN not in server.paths


def test_a_redirect_within_the_site_is_shown_and_followed(
    server: _Server, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _check("zqsxnews", "--url", f"{server.base}/tingzhengce")
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"  redirect       301 {server.base}/tingzhengce → {server.base}/tingzhengce/\n" in out
    assert f"  final URL      {server.base}/tingzhengce/\n" in out
    assert "  rows           3\n" in out
    assert "verdict  ok" in out


def test_a_listing_that_answers_404_says_so_in_the_verdict(
    server: _Server, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _check("zqsxnews", "--url", f"{server.base}/yaowen/index.html") == 1
    out = capsys.readouterr().out
    assert "  status         404\n" in out
    assert "verdict  needs attention: the listing answered 404" in out


def test_a_compressed_listing_is_read(server: _Server, capsys: pytest.CaptureFixture[str]) -> None:
    assert _check("zqsxnews", "--url", f"{server.base}/gz/") == 0
    assert "  rows           3\n" in capsys.readouterr().out


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that nobody vouches for, like the expired or self-made ones of some
    provincial sites."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "www.example.gov.cn")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=400))
        .not_valid_after(now - datetime.timedelta(days=30))  # expired, too
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


def test_an_https_site_with_a_bad_certificate_is_checked_as_the_crawl_fetches_it(
    server: _Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Scrapy does not verify certificates by default, so the crawl gets these pages: check-site must too.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*_self_signed(tmp_path))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    https = server.base.replace("http://", "https://")
    code = _check("zqsxnews", "--url", https + COLUMN)
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"article  GET {https}{ARTICLE}" in out
    assert "verdict  ok" in out


# --- robots.txt ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("robots", "forbidden"),
    [
        # Scrapy's Protego matches the product token of the full User-Agent string.
        (b"User-agent: newsspider\nDisallow: /tingzhengce/2020-07-20/\n", ARTICLE),
        (b"User-agent: *\nDisallow: /\n", COLUMN),
        (b"User-agent: *\nDisallow: /tingzhengce/\n\nUser-agent: newsspider\nDisallow: /kanshijie/\n", None),
        (b"User-agent: Baiduspider\nDisallow: /\n", None),
    ],
)
def test_robots_txt_is_read_as_the_crawl_reads_it(
    server: _Server, robots: bytes, forbidden: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    server.robots = robots
    code = _check("zqsxnews", "--url", server.base + COLUMN)
    out = capsys.readouterr().out
    if forbidden is None:
        assert code == 0, out
        assert f"  robots.txt     allowed ({server.base}/robots.txt)\n" in out
        assert "verdict  ok" in out
        return
    assert code == 1, out
    assert f"  robots.txt     forbids {server.base}{forbidden} for newsspider" in out
    assert f"verdict  needs attention: robots.txt forbids {server.base}{forbidden}" in out
    assert forbidden not in server.paths  # a page robots.txt forbids is not fetched by check-site either


def test_a_missing_robots_txt_allows_everything(server: _Server, capsys: pytest.CaptureFixture[str]) -> None:
    assert _check("zqsxnews", "--url", server.base + COLUMN) == 0
    out = capsys.readouterr().out
    assert f"  robots.txt     allowed ({server.base}/robots.txt answered 404: no robots.txt)\n" in out
    assert server.paths[0] == "/robots.txt"  # asked before the listing, as the crawl does


def test_an_unreachable_robots_txt_is_reported_but_not_fatal(
    server: _Server, capsys: pytest.CaptureFixture[str]
) -> None:
    server.robots = b""
    code = _check("zqsxnews", "--url", server.base + COLUMN)
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"  robots.txt     not checked: {server.base}/robots.txt unreachable (" in out
    assert "the crawl goes on without it" in out
    assert "verdict  ok" in out


# --- selector overrides --------------------------------------------------------------------------------------


def test_a_selector_override_that_matches_nothing_needs_attention(
    server: _Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sites = _profile(tmp_path, server.base, 'title = "h1"\nsource = "h1.nope"\nnoise = ["div.nav"]')
    code = _check("localnews", "--sites-dir", str(sites))
    out = capsys.readouterr().out
    assert code == 1, out
    assert "  selector       title 'h1': matched 1: 省政府召开常务会议 研究部署防汛和安全生产工作\n" in out
    assert "  selector       source 'h1.nope': matched nothing (the default applied)\n" in out
    assert "  selector       noise[0] 'div.nav': matched 1 (removed before extraction)\n" in out
    assert "verdict  needs attention: selector source 'h1.nope' matched nothing" in out
    # The field itself was still found by the default extractor: only the override is dead.
    assert "  source         太原日报\n" in out


def test_selector_overrides_that_all_match_keep_the_verdict_ok(
    server: _Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    selectors = 'listing = "div.list li"\nbody = "div.content"\npublished = "//div[@class=\'info\']"'
    code = _check("localnews", "--sites-dir", str(_profile(tmp_path, server.base, selectors)))
    out = capsys.readouterr().out
    assert code == 0, out
    # The rows the platform read with it settle it (a Hanweb page's links are inside its <datastore>).
    assert re.search(r"  selector       listing 'div.list li': [1-9]\d* rows read with it\n", out), out
    assert "  selector       body 'div.content': matched 1: 7月20日，省政府召开常务会议" in out
    assert (
        "  selector       published \"//div[@class='info']\": matched 1: 2020-07-20 17:24:16 来源: 太原日报 作者:\n"
        in out
    )
    assert "verdict  ok" in out


@pytest.mark.parametrize(
    ("query", "found"), [("div.nope a", "matched nothing"), ("span.date", "matched 4, none")]
)
def test_a_listing_selector_without_links_needs_attention(
    server: _Server, tmp_path: Path, query: str, found: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _check("localnews", "--sites-dir", str(_profile(tmp_path, server.base, f'listing = "{query}"')))
    out = capsys.readouterr().out
    assert code == 1, out
    assert f"  selector       listing {query!r}: {found}" in out
    assert f"selector listing {query!r} matched no link" in out
    assert "article  GET" not in out


def test_a_field_selector_inside_a_noise_element_matches_nothing_as_in_the_parser(
    server: _Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The parser removes noise before it applies the field selectors: this title override never applies.
    sites = _profile(tmp_path, server.base, 'title = "div.nav a"\nnoise = ["div.nav"]')
    code = _check("localnews", "--sites-dir", str(sites))
    out = capsys.readouterr().out
    assert code == 1, out
    assert "  selector       title 'div.nav a': matched nothing (the default applied)\n" in out
    assert "  title          省政府召开常务会议 研究部署防汛和安全生产工作\n" in out


def test_a_listing_selector_is_judged_by_the_rows_the_platform_read_with_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A Hanweb column page: its links sit in the <datastore> records (CDATA), which the platform applies the
    # selector to. Asked of the page as a whole, the selector finds nothing.
    body = (
        "<html><body><div id='list'><script type='text/xml'><datastore><recordset><record><![CDATA["
        "<li><a href='/art/2020/2/18/art_46143_1.html'>全省春耕生产工作会议召开</a><span>2020-02-18</span></li>"
        "]]></record></recordset></datastore></script></div></body></html>"
    ).encode()
    response = HtmlResponse("http://www.example.gov.cn/col/col46143/index.html", body=body, encoding="utf-8")
    assert check_listing_selector(response, "li a", rows=1) == []
    assert "listing 'li a': 1 rows read with it" in capsys.readouterr().out
    assert check_listing_selector(response, "li a", rows=0) == ["selector listing 'li a' matched no link"]


def test_a_challenge_in_front_of_the_articles_is_a_challenge_not_a_broken_profile(
    server: _Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server.walled = True
    code = _check("localnews", "--sites-dir", str(_profile(tmp_path, server.base, "")))
    out = capsys.readouterr().out
    assert code == 4, out
    assert "challenge      rs-412" in out
    assert "verdict  needs attention: challenge (rs-412)" in out


def test_a_listing_selector_is_not_judged_on_a_json_listing_api(capsys: pytest.CaptureFixture[str]) -> None:
    # UCAP's /common/search answers JSON: the platform reads its rows from the JSON, not from links.
    response = HtmlResponse(
        "https://www.hainan.gov.cn/common/search/f826c8ecd9586b34902ea56d538d1c06?page=1",
        body=b'{"data": {"total": 0, "results": []}}',
        encoding="utf-8",
    )
    assert check_listing_selector(response, "ul.list a", rows=0) == []
    assert "listing 'ul.list a': not used (the listing is a JSON API)" in capsys.readouterr().out
