"""A loopback HTTP server that misbehaves on purpose: the network faults a crawl must survive.

One small news site (a listing of dated article links, generic platform) on ``127.0.0.1``, port 0. The
listing links good articles and one article per fault; each fault path answers the way broken or hostile
servers do:

==========================  ========================================================================
path (under /news/…/)       answer
==========================  ========================================================================
``good-N.html``             a normal article (``GOOD`` of them)
``reset.html``              the connection is reset (RST) right after the request is read
``timeout.html``            nothing at all, until the client gives up
``trickle.html``            headers, then one byte every 0.2 s for ever (slow loris)
``truncated.html``          ``Content-Length: 20000`` but 600 bytes, then the connection closes
``gzip-bomb.html``          48 KB of gzip that inflates to 48 MB
``huge.html``               a 30 MB page with a Content-Length
``huge-chunked.html``       a 30 MB page without one (read until close)
``loop.html``               302 to ``loop.html?n=N+1`` for ever
``pingpong-a.html``         302 to ``pingpong-b.html``, which 302s back
``to-file.html``            302 to ``file:///etc/passwd``
``to-metadata.html``        302 to ``http://169.254.169.254/latest/meta-data/``
``to-offsite.html``         302 to ``http://evil.example.com/…``
``to-loopback.html``        302 to another loopback address (``127.0.0.2``)
``ratelimited.html``        429 with ``Retry-After: 1`` the first time, then the article
``ratelimited-always.html`` 429 with ``Retry-After: 1`` every time
``storm.html``              503 twice, then the article
==========================  ========================================================================

Every request is logged with its arrival time (``FaultServer.log``), so tests can tell retries and the
gaps between them. ``FaultServer.profile(folder, key)`` writes a site profile for it.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Self

__all__ = [
    "BROKEN_LISTING",
    "DAY",
    "FAULTS",
    "GOOD",
    "FaultServer",
    "Hit",
    "article_html",
    "crawl",
    "reports",
]

GOOD = 4
DAY = "2026-11-20"
PREFIX = f"/news/{DAY}/"
BROKEN_LISTING = "/broken/index.html"
"""A second column's listing, which resets the connection every time."""
MB = 1024 * 1024
FAULTS = (
    "reset",
    "timeout",
    "trickle",
    "truncated",
    "gzip-bomb",
    "huge",
    "huge-chunked",
    "loop",
    "pingpong-a",
    "to-file",
    "to-metadata",
    "to-offsite",
    "to-loopback",
    "ratelimited",
    "ratelimited-always",
    "storm",
)
_CITIES = ("太原", "大同", "朔州", "忻州", "吕梁", "晋中", "阳泉", "长治", "晋城", "临汾", "运城")
_TOPICS = ("安全生产", "乡村振兴", "营商环境", "生态保护", "春耕备耕", "能源革命", "科技创新")


@dataclass(frozen=True)
class Hit:
    """One request the server read."""

    path: str
    """Path and query."""
    at: float
    """time.monotonic() when the request line was read."""


def _title(name: str) -> str:
    n = sum(name.encode())
    return f"{_CITIES[n % len(_CITIES)]}召开{_TOPICS[n % len(_TOPICS)]}工作推进会（{name}）"


def article_html(name: str, *, extra: str = "") -> str:
    """A plain provincial-news article page: breadcrumb, title, info line, body paragraphs."""
    n = sum(name.encode())
    title = _title(name)
    city = _CITIES[n % len(_CITIES)]
    paragraphs = "".join(
        f"<p>　　{city}市第{n % 9 + i}季度{_TOPICS[(n + i) % len(_TOPICS)]}工作稳步推进，"
        f"全市共完成重点项目{n % 97 + i * 7}个，完成投资{n % 50 + i}.{i}亿元，同比增长{i + 3}.{n % 10}%。"
        f"会议要求，各级各部门要进一步压实责任，确保各项任务落到实处（{name}第{i}段）。</p>"
        for i in range(1, 6)
    )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}-山西资讯网</title></head><body>
<div class="weizhi">您当前的位置:<a href="/">首页</a> &gt; <a href="/news/">要闻</a></div>
<div class="article"><h1>{title}</h1>
<div class="info">{DAY} 09:{n % 60:02d}:00 来源: 山西日报 作者:张{_CITIES[n % 5][0]}</div>
<div class="content">{paragraphs}{extra}</div></div>
<div class="footer">主办：山西资讯网 晋ICP备00000000号</div>
</body></html>"""


def _listing_html(names: list[str]) -> str:
    rows = "\n".join(
        f'<li><span class="date">{DAY}</span><a href="{PREFIX}{name}.html">{_title(name)}</a></li>'
        for name in names
    )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>要闻_山西资讯网</title></head><body>
<div class="weizhi">您当前的位置:<a href="/">首页</a> &gt; <a href="/news/">要闻</a></div>
<ul class="newslist">
{rows}
</ul></body></html>"""


def _bomb() -> bytes:
    # Highly repetitive HTML-ish bytes: compresses ~1000:1, so 48 MB travel as ~48 KB.
    inflated = b"<html><body><p>" + b" " * (48 * MB) + b"</p></body></html>"
    return gzip.compress(inflated, compresslevel=9)


class FaultServer:
    """Serve the fault site on 127.0.0.1:PORT in a daemon thread. Use as a context manager."""

    def __init__(self, *, faults: tuple[str, ...] = FAULTS, good: int = GOOD, delay: float = 0.0) -> None:
        self.faults = faults
        self.delay = delay
        """Seconds each good article takes to answer (to make a crawl last long enough to break)."""
        self.good = [f"good-{i}" for i in range(1, good + 1)]
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._log: list[Hit] = []
        self._counts: dict[str, int] = {}
        self._bomb = _bomb() if "gzip-bomb" in faults else b""

    # -- life cycle -------------------------------------------------------------------------------------

    def __enter__(self) -> Self:
        server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        server.daemon_threads = True
        self._server, self.port = server, server.server_address[1]
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- addresses, profile, log ------------------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, name: str) -> str:
        return f"{self.base}{PREFIX}{name}.html"

    def profile(self, folder: Path, key: str = "faulty", *, broken_column: bool = False) -> Path:
        """Write ``<key>.toml``: a generic-platform site whose column 要闻 is this server's listing, and
        with ``broken_column`` a second column 通知 whose listing resets the connection."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{key}.toml"
        text = (
            'name = "山西资讯网"\nprovince = "山西"\nplatform = "generic"\nallowed_domains = ["127.0.0.1"]\n'
            f'\n[[columns]]\nname = "要闻"\nurl = "{self.base}/news/index.html"\n'
        )
        if broken_column:
            text += f'\n[[columns]]\nname = "通知"\nurl = "{self.base}{BROKEN_LISTING}"\n'
        path.write_text(text, encoding="utf-8")
        return path

    def log(self) -> list[Hit]:
        with self._lock:
            return list(self._log)

    def hits(self, name: str) -> list[Hit]:
        """Requests for one fault page (any query string)."""
        return [h for h in self.log() if urlsplit(h.path).path == f"{PREFIX}{name}.html"]

    def _count(self, name: str) -> int:
        with self._lock:
            self._counts[name] = self._counts.get(name, 0) + 1
            return self._counts[name]

    # -- answers ----------------------------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fault = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "nginx"
            sys_version = ""
            # As in the replica: headers and body are separate writes, which Nagle would hold 40 ms apart.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the server keeps its own log."""

            def do_GET(self) -> None:
                with fault._lock:
                    fault._log.append(Hit(self.path, time.monotonic()))
                path = urlsplit(self.path).path
                try:
                    if path == "/robots.txt":
                        self._send(200, b"User-agent: *\nDisallow:\n", "text/plain")
                    elif path == "/news/index.html":
                        self._html(_listing_html(fault.good + list(fault.faults)))
                    elif path == BROKEN_LISTING:
                        self._page("reset")
                    elif path.startswith(PREFIX) and path.endswith(".html"):
                        self._page(path[len(PREFIX) : -len(".html")])
                    else:
                        self._send(404, "<html><body><h1>404 页面不存在</h1></body></html>".encode())
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up on us: that is the point of most faults

            def _send(
                self,
                status: int,
                body: bytes,
                ctype: str = "text/html",
                headers: dict[str, str] | None = None,
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", f"{ctype}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _html(self, text: str) -> None:
                self._send(200, text.encode("utf-8"))

            def _redirect(self, location: str) -> None:
                self._send(302, b"", headers={"Location": location})

            def _page(self, name: str) -> None:
                if name in fault.good:
                    fault._stop.wait(fault.delay)
                    self._html(article_html(name))
                elif name == "reset":
                    # SO_LINGER 0: close() sends RST instead of FIN.
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.close_connection = True
                    self.connection.close()
                elif name == "timeout":
                    fault._stop.wait(30)
                    self.close_connection = True
                elif name == "trickle":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(10 * MB))
                    self.end_headers()
                    while not fault._stop.wait(0.2):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                elif name == "truncated":
                    body = article_html(name).encode("utf-8")[:600]
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", "20000")
                    self.end_headers()
                    self.wfile.write(body)
                    self.wfile.flush()
                    self.close_connection = True
                elif name == "gzip-bomb":
                    self._send(200, fault._bomb, headers={"Content-Encoding": "gzip"})
                elif name in ("huge", "huge-chunked"):
                    self._huge(chunked=name == "huge-chunked")
                elif name == "loop":
                    n = int((urlsplit(self.path).query.partition("=")[2]) or 0)
                    self._redirect(f"{PREFIX}loop.html?n={n + 1}")
                elif name == "pingpong-a":
                    self._redirect(f"{PREFIX}pingpong-b.html")
                elif name == "pingpong-b":
                    self._redirect(f"{PREFIX}pingpong-a.html")
                elif name == "to-file":
                    self._redirect("file:///etc/passwd")
                elif name == "to-metadata":
                    self._redirect("http://169.254.169.254/latest/meta-data/iam/security-credentials/")
                elif name == "to-offsite":
                    self._redirect(f"http://evil.example.com{PREFIX}stolen.html")
                elif name == "to-loopback":
                    self._redirect(f"http://127.0.0.2:{fault.port}/admin/")
                elif name == "ratelimited":
                    if fault._count(name) == 1:
                        self._send(429, b"Too Many Requests", "text/plain", {"Retry-After": "1"})
                    else:
                        self._html(article_html(name))
                elif name == "ratelimited-always":
                    self._send(429, b"Too Many Requests", "text/plain", {"Retry-After": "1"})
                elif name == "storm":
                    if fault._count(name) <= 2:
                        self._send(503, b"<html><body>503 Service Unavailable</body></html>")
                    else:
                        self._html(article_html(name))
                else:
                    self._send(404, "<html><body><h1>404 页面不存在</h1></body></html>".encode())

            def _huge(self, *, chunked: bool) -> None:
                # 30 MB of inline base64 "images" inside a real article: the 30 MB page of the issue.
                head, _, tail = article_html("huge").partition("</div></div>")
                filler = b'<img src="data:image/png;base64,' + b"QUFB" * (MB // 4) + b'">'
                count = 30
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                if chunked:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                else:
                    size = len(head.encode()) + count * len(filler) + len(tail.encode()) + 12
                    self.send_header("Content-Length", str(size))
                self.end_headers()
                self.wfile.write(head.encode())
                for _ in range(count):
                    self.wfile.write(filler)
                self.wfile.write(b"</div></div>" + tail.encode())

        return Handler


# -- running the real crawl against it -------------------------------------------------------------------

REPO = Path(__file__).resolve().parent.parent
FAST = (
    "DOWNLOAD_DELAY=0",
    "AUTOTHROTTLE_ENABLED=False",
    "NEWSSPIDER_PROGRESS=False",
    "DOWNLOAD_TIMEOUT=1",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "NEWSSPIDER_ALLOW_PRIVATE_HOSTS=127.0.0.1",
)
"""Politeness off and a short timeout: the faults, not the delays, decide how long a test takes."""


def downloader_middlewares() -> str:
    """The project's DOWNLOADER_MIDDLEWARES plus the Retry-After backoff, as a ``-s`` JSON value."""
    from newsspider import settings

    enabled = dict(settings.DOWNLOADER_MIDDLEWARES)
    enabled.setdefault("newsspider.middlewares.retry_after.RetryAfterMiddleware", 555)
    return json.dumps(enabled)


def crawl_command(
    sites_dir: Path, out: Path, *args: str, site: str = "faulty", settings: tuple[str, ...] = ()
) -> list[str]:
    """argv of ``newsspider crawl --site SITE`` with FAST settings and the Retry-After backoff enabled."""
    command = [sys.executable, "-m", "newsspider.cli", "crawl", "--sites-dir", str(sites_dir),
               "--out", str(out), "--site", site, *args]  # fmt: skip
    for pair in (*FAST, f"DOWNLOADER_MIDDLEWARES={downloader_middlewares()}", *settings):
        command += ["-s", pair]
    return command


def crawl(
    sites_dir: Path,
    out: Path,
    *args: str,
    site: str = "faulty",
    settings: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    preexec: Callable[[], None] | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run :func:`crawl_command` to the end and return what it printed and its exit code."""
    return subprocess.run(
        crawl_command(sites_dir, out, *args, site=site, settings=settings),
        cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False,
        env={**os.environ, **(env or {})}, preexec_fn=preexec,
    )  # fmt: skip


def start_crawl(
    sites_dir: Path, out: Path, *args: str, site: str = "faulty", settings: tuple[str, ...] = ()
) -> subprocess.Popen[str]:
    """Start :func:`crawl_command` in the background (stdout and stderr piped, text)."""
    return subprocess.Popen(
        crawl_command(sites_dir, out, *args, site=site, settings=settings),
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def finish(proc: subprocess.Popen[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Wait for a :func:`start_crawl` process (killed after ``timeout``) and collect its output."""
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def reports(out: Path) -> list[dict[str, Any]]:
    """The run reports under ``out``, oldest first."""
    paths = sorted((out / "runs").glob("*.json"))
    return [json.loads(p.read_text(encoding="utf-8")) for p in paths]


def main() -> None:
    """``python -m tests.faultserver``: serve until interrupted, print the listing URL."""
    with FaultServer() as server:
        print(f"{server.base}/news/index.html", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
