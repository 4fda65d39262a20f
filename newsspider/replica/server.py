"""The replica's HTTP server: every site on its own loopback address, all on one port, with a request log.

Stdlib ``ThreadingHTTPServer`` per address, each in a daemon thread. Port 0 picks a free port for
127.0.0.1; the other addresses bind the same port (retried with a new port on a clash), so a site's base
URL differs from another's only by address, and Scrapy's per-host slots and robots.txt work as on the web.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from newsspider.replica.catalog import OFFSITE_HOST, SITES, Article, SiteSpec, build_catalog
from newsspider.replica.templates import Ctx, Reply, founder, generic, hanweb, people, trs, ucap

if TYPE_CHECKING:
    from types import ModuleType
    from typing import Self

__all__ = ["CHALLENGE_PAGE", "LogEntry", "Replica"]

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
CONTROL = "/__replica__/"
_RENDERERS: dict[str, ModuleType] = {
    "trs": trs, "hanweb": hanweb, "ucap": ucap, "founder": founder, "people": people, "generic": generic,
}  # fmt: skip
ROBOTS = "User-agent: *\nDisallow: /private/\nDisallow: /__replica__/\n"
# A 瑞数-style first answer: an inline $_ts bootstrap, an external script, no text.
CHALLENGE_PAGE = (
    '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
    "<script type=\"text/javascript\" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts=window['$_ts']={};"
    '$_ts.nsd=41597;$_ts.cd="qnbcrAlqEGqrrr0qqsqrqsqkqqHjqqqqqqqqqqqWqGVkqqqGqqq";</script>'
    '<script type="text/javascript" charset="utf-8" src="/4QbVtADbnLVIc/d.FxJzG50F.dfe1675.js" r=\'m\'>'
    "</script></head><body></body></html>"
)


@dataclass(frozen=True, kw_only=True)
class LogEntry:
    """One request the replica answered."""

    host: str
    site: str | None
    method: str
    path: str
    """Path and query as requested."""
    status: int
    kind: str
    """article, listing, robots, challenge, offsite, control or other."""
    at: float = 0.0
    """When the answer was sent (``time.time()``)."""


class Replica:
    """The replica sites, served on 127.0.0.N:PORT. Use as a context manager or ``start()``/``stop()``."""

    def __init__(self, *, generated: int = 0, slow: float | None = None, port: int = 0) -> None:
        self.catalog = build_catalog(generated=generated)
        if slow is not None:
            for key, art in list(self.catalog.articles.items()):
                if art.slow:
                    self.catalog.articles[key] = replace(art, slow=slow)
        self.generated = generated
        self.preferred_port = port
        """Try this port first (0: any free one). The demo wants the same URLs run after run."""
        self.port = 0
        self.sites_dir: Path | None = None
        """Where ``write_profiles`` last wrote the profiles."""
        self._servers: list[ThreadingHTTPServer] = []
        self._lock = threading.Lock()
        self._log: list[LogEntry] = []
        self._hits: dict[tuple[str, str], int] = {}
        self._changed: dict[tuple[str, str], Article | None] = {}
        self._by_host = {f"127.0.0.{s.host}": s for s in SITES}

    # -- life cycle -------------------------------------------------------------------------------------

    def start(self) -> Self:
        hosts = [*self._by_host, f"127.0.0.{OFFSITE_HOST}"]
        for attempt in range(20):
            servers: list[ThreadingHTTPServer] = []
            try:
                port = self.preferred_port if attempt == 0 else 0
                for host in hosts:
                    server = ThreadingHTTPServer((host, port), self._handler_class())
                    server.daemon_threads = True
                    port = server.server_address[1]
                    servers.append(server)
            except OSError:
                for server in servers:
                    server.server_close()
                continue
            self._servers, self.port = servers, port
            break
        else:
            raise OSError("could not bind one free port on every replica address")
        for server in self._servers:
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers = []

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses and profiles -------------------------------------------------------------------------

    def base(self, site: str) -> str:
        spec = next(s for s in SITES if s.key == site)
        return f"http://127.0.0.{spec.host}:{self.port}"

    @property
    def offsite_base(self) -> str:
        return f"http://127.0.0.{OFFSITE_HOST}:{self.port}"

    @property
    def site_keys(self) -> list[str]:
        keys = [s.key for s in SITES]
        return [*keys, "replica-gen"] if self.generated else keys

    @property
    def private_hosts(self) -> list[str]:
        """The addresses a crawl of the replica must be allowed to reach (NEWSSPIDER_ALLOW_PRIVATE_HOSTS)."""
        return list(self._by_host)

    def write_profiles(self, folder: Path) -> list[str]:
        """Write one ``<key>.toml`` per replica site into ``folder``, with this run's base URLs."""
        folder.mkdir(parents=True, exist_ok=True)
        bases = {s.key.replace("-", "_"): self.base(s.key) for s in SITES}
        hosts = {k + "_host": v.split("//", 1)[1].split(":", 1)[0] for k, v in bases.items()}
        for key in self.site_keys:
            text = (PROFILES_DIR / f"{key}.toml").read_text(encoding="utf-8")
            (folder / f"{key}.toml").write_text(Template(text).substitute(bases, **hosts), encoding="utf-8")
        self.sites_dir = folder
        return self.site_keys

    # -- request log and mutation -----------------------------------------------------------------------

    def log(self, since: int = 0) -> list[LogEntry]:
        with self._lock:
            return self._log[since:]

    def mark(self) -> int:
        """A position in the log; ``log(since=mark)`` returns what came after it."""
        with self._lock:
            return len(self._log)

    def article(self, site: str, path: str) -> Article | None:
        with self._lock:
            if (site, path) in self._changed:
                return self._changed[(site, path)]
        return self.catalog.articles.get((site, path))

    def mutate(self, site: str, path: str, *, text: str) -> None:
        """Replace an article's body with ``text`` (paragraphs split on newlines): a new version."""
        art = self.catalog.articles[(site, path)]
        with self._lock:
            self._changed[(site, path)] = replace(art, paragraphs=tuple(text.split("\n")))

    def remove(self, site: str, path: str) -> None:
        """Take an article down: it answers 404 from now on."""
        with self._lock:
            self._changed[(site, path)] = None

    def reset(self) -> None:
        """Undo mutations and re-arm the 500-once page."""
        with self._lock:
            self._changed.clear()
            self._hits.clear()

    # -- answering --------------------------------------------------------------------------------------

    def _record(self, entry: LogEntry) -> None:
        with self._lock:
            self._log.append(entry)

    def answer(self, host: str, method: str, target: str, form: dict[str, str]) -> tuple[Reply, str]:
        """The reply to one request and its kind (for the log)."""
        split = urlsplit(target)
        path, query = split.path, dict(parse_qsl(split.query, keep_blank_values=True))
        spec = self._by_host.get(host)
        if path.startswith(CONTROL):
            return self._control(path[len(CONTROL) :], query, form), "control"
        if spec is None:
            return Reply(body="<html><body><p>中国政府网</p></body></html>"), "offsite"
        if spec.key == "replica-guarded":
            headers = {"Set-Cookie": "FSSBBIl1UgzbN7N80S=abc; Path=/; HttpOnly"}
            return Reply(status=412, body=CHALLENGE_PAGE, headers=headers), "challenge"
        if path == "/robots.txt":
            return Reply(body=ROBOTS, content_type="text/plain"), "robots"
        if (spec.key, path) in self.catalog.moved:
            moved = self.offsite_base + self.catalog.moved[(spec.key, path)]
            return Reply(status=301, headers={"Location": moved}), "listing"
        if (spec.key, path) in self.catalog.redirects:
            moved = self.catalog.redirects[(spec.key, path)]
            return Reply(status=301, headers={"Location": moved}), "article"
        if spec.platform == "people" and path.startswith("/BIG5/"):
            path = "/GB/" + path[len("/BIG5/") :]  # the traditional mirror serves the same article
        known = (spec.key, path) in self.catalog.articles
        art = self.article(spec.key, path)
        if art is not None:
            return self._article(spec, art), "article"
        ctx = Ctx(site=spec, catalog=self.catalog, base=self.base(spec.key), offsite=self.offsite_base)
        reply = _RENDERERS[spec.platform].listing(ctx, path, query, form)
        if reply is not None:
            return reply, "listing"
        kind = "article" if known or path.endswith((".html", ".htm", ".shtml")) else "other"
        return Reply(status=404, body="<html><body><h1>404 页面不存在</h1></body></html>"), kind

    def _article(self, spec: SiteSpec, art: Article) -> Reply:
        with self._lock:
            hits = self._hits[(spec.key, art.path)] = self._hits.get((spec.key, art.path), 0) + 1
        if art.flaky and hits == 1:
            return Reply(status=500, body="<html><body>500 Internal Server Error</body></html>")
        if art.slow:
            time.sleep(art.slow)
        ctx = Ctx(site=spec, catalog=self.catalog, base=self.base(spec.key), offsite=self.offsite_base)
        renderer = generic if art.template == "reference" else _RENDERERS[spec.platform]
        return Reply(body=renderer.article(ctx, art))

    def _control(self, action: str, query: dict[str, str], form: dict[str, str]) -> Reply:
        if action == "log":
            entries = [vars(e) for e in self.log(int(query.get("since") or 0))]
            return Reply(body=json.dumps(entries, ensure_ascii=False), content_type="application/json")
        if action == "mutate":
            self.mutate(form["site"], form["path"], text=form["text"])
        elif action == "remove":
            self.remove(form["site"], form["path"])
        elif action == "reset":
            self.reset()
        else:
            return Reply(status=404, body="unknown control action")
        return Reply(body="ok", content_type="text/plain")

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        replica = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "nginx"
            sys_version = ""
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle on, the second waits for the client's
            # delayed ACK (40 ms on Linux), which capped every crawl of the replica at ~300 pages/s.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                """Silence the per-request stderr line; the replica keeps its own log."""

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
                host = str(self.connection.getsockname()[0])
                reply, kind = replica.answer(host, method, self.path, form)
                spec = replica._by_host.get(host)
                body = reply.body
                if isinstance(body, str):
                    body = body.encode(spec.encoding if spec and kind != "control" else "utf-8")
                # Logged before the answer goes out: a client that reads the log right after its answer
                # (tests do) must find it there, and the handler thread may not have run on yet.
                replica._record(LogEntry(host=host, site=spec.key if spec else None, method=method,
                                         path=self.path, status=reply.status, kind=kind, at=time.time()))  # fmt: skip
                self.send_response(reply.status)
                charset = (spec.charset if spec else "utf-8") if kind != "control" else "utf-8"
                ctype = reply.content_type
                self.send_header("Content-Type", f"{ctype}; charset={charset}" if charset else ctype)
                self.send_header("Content-Length", str(len(body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if method != "HEAD":
                    self.wfile.write(body)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_HEAD(self) -> None:
                self._serve("HEAD")

        return Handler
