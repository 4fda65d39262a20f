"""check-site's network side: fetch a page the way the crawl would get it, and say what happened on the way.

urllib follows redirects silently, so check-site once said "verdict ok" for a listing that moved to another
host while the crawl refused the redirect as off-site. Here every hop is taken one at a time, printed, and
judged by the crawl's own guard (:func:`~newsspider.middlewares.guard.refusal_reason`); robots.txt is read
with the parser Scrapy's RobotsTxtMiddleware is configured with (``ROBOTSTXT_PARSER``, Protego by default)
and the same User-Agent, before each URL is fetched. A page the crawl would not get is not fetched either.
"""

from __future__ import annotations

import gzip
import ssl
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass, field
from http.client import HTTPException
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, TextResponse
from scrapy.responsetypes import responsetypes
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.response import get_meta_refresh
from w3lib.url import safe_url_string

from newsspider.middlewares.guard import refusal_reason
from newsspider.parsers.article import plain_headers
from newsspider.urls import host_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy.robotstxt import RobotParser
    from scrapy.settings import Settings

    from newsspider.sites import SiteProfile

__all__ = ["Fetched", "Probe", "show"]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def show(label: str, value: object) -> None:
    """One indented ``label  value`` line of check-site's report (``—`` for nothing found)."""
    shown = "—" if value in (None, "", [], ()) else value
    print(f"  {label:<14} {shown}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hands every 3xx back to the caller (as an HTTPError) instead of following it unseen."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass
class Fetched:
    """A page as the crawl would get it: ``response`` is None when the crawl would not get it at all."""

    response: TextResponse | None
    problems: list[str] = field(default_factory=list)
    """One short phrase per failed check (robots.txt, a refused redirect), for the verdict line."""


@dataclass
class _Hop:
    url: str
    method: str
    body: bytes | None


class Probe:
    """Fetches with the crawl's User-Agent, redirect rules, off-site guard and robots.txt, printing each step."""

    def __init__(
        self, site: SiteProfile, crawl_settings: Settings, timeout: float, allowed_private: frozenset[str]
    ) -> None:
        self.site = site
        self.settings = crawl_settings
        self.timeout = timeout
        # The profile's own hosts may be private (the replica, an intranet mirror); redirects elsewhere may not.
        self.allowed_private = allowed_private | frozenset(site.allowed_domains)
        self.user_agent: str = crawl_settings["USER_AGENT"]
        self.robots_agent: str = crawl_settings["ROBOTSTXT_USER_AGENT"] or self.user_agent
        self._crawler = Crawler(Spider, crawl_settings)
        self._robots: dict[str, RobotParser | None] = {}

    def fetch(self, request: Request, *, column_url: bool) -> Fetched:
        """``request`` and the redirects it leads to, each hop checked as the crawl checks it."""
        headers = plain_headers(request.headers)
        headers["User-Agent"] = self.user_agent
        hop = _Hop(request.url, request.method, request.body or None)
        visited: list[str] = []
        for _ in range(self.settings.getint("REDIRECT_MAX_TIMES") + 1):
            refused = self._robots_refusal(hop.url, quiet=bool(visited))
            if refused:
                return Fetched(None, [refused])
            response = self._exchange(hop, headers, request)
            target, how = self._redirect_of(hop, response)
            if target is None:
                if visited:
                    show("final URL", hop.url)
                return Fetched(response)
            show("redirect", f"{how} {hop.url} → {target}")
            visited.append(hop.url)
            refused = self._guard(target, visited, column_url=column_url)
            if refused:
                return Fetched(None, [refused])
            hop = _next_hop(hop, target, how)
        show("redirects", f"more than {self.settings.getint('REDIRECT_MAX_TIMES')}: the crawl gives up")
        return Fetched(None, ["too many redirects"])

    def _exchange(self, hop: _Hop, headers: dict[str, str], request: Request) -> TextResponse:
        if urlsplit(hop.url).scheme not in ("http", "https"):
            raise ValueError(f"not an http(s) URL: {hop.url}")
        status, reply_headers, body = _send(hop, headers, self.timeout)
        cls = responsetypes.from_args(headers=reply_headers, url=hop.url, body=body)
        if not issubclass(cls, TextResponse):
            cls = HtmlResponse
        response = cls(url=hop.url, status=status, headers=reply_headers, body=body, request=request)
        assert isinstance(response, TextResponse)
        return response

    def _redirect_of(self, hop: _Hop, response: TextResponse) -> tuple[str | None, str]:
        """Where Scrapy's RedirectMiddleware or MetaRefreshMiddleware would go next, and why."""
        location = response.headers.get(b"Location")
        if response.status in _REDIRECTS and location and self.settings.getbool("REDIRECT_ENABLED"):
            text = location.decode("latin-1").strip()
            target = safe_url_string(text)
            if text.startswith("//"):
                target = f"{urlsplit(hop.url).scheme}:{target}"
            return urljoin(hop.url, target), str(response.status)
        if (
            self.settings.getbool("METAREFRESH_ENABLED")
            and hop.method != "HEAD"
            and isinstance(response, HtmlResponse)
        ):
            delay, refresh = get_meta_refresh(response, self.settings.getlist("METAREFRESH_IGNORE_TAGS"))
            if refresh and delay is not None and delay < self.settings.getfloat("METAREFRESH_MAXDELAY"):
                return refresh, "meta refresh"
        return None, ""

    def _guard(self, target: str, visited: list[str], *, column_url: bool) -> str | None:
        """A one-line refusal (printed) when the crawl's guard would refuse the redirect to ``target``."""
        host = host_of(target)
        scheme = urlsplit(target).scheme.lower()
        domains = list(self.site.allowed_domains)
        offsite = refusal_reason(scheme, host, allowed_domains=domains, allowed_private=frozenset({host}))
        if offsite == "offsite":
            fix = f"add {host} to allowed_domains" + (" or update the column URL" if column_url else "")
            show(
                "off-site",
                f"redirected to {host}, outside allowed_domains ({', '.join(domains)}): {fix}; "
                "the crawl refuses this redirect",
            )
            return f"redirected to {host}, outside allowed_domains"
        reason = "redirect-loop" if target in visited else None
        reason = reason or refusal_reason(
            scheme, host, allowed_domains=domains, allowed_private=self.allowed_private
        )
        if reason is None:
            return None
        show("refused", f"redirect to {target} ({reason}): the crawl does not follow it")
        return f"redirect refused ({reason})"

    def _robots_refusal(self, url: str, *, quiet: bool) -> str | None:
        """Print robots.txt's answer for ``url`` (``quiet``: only when it is news, a new host or a refusal);
        a phrase for the verdict when it forbids the URL."""
        if not self.settings.getbool("ROBOTSTXT_OBEY"):
            return None
        parts = urlsplit(url)
        fetched_now = parts.netloc not in self._robots
        detail = self._load_robots(parts.scheme, parts.netloc) if fetched_now else ""
        parser = self._robots[parts.netloc]
        if parser is None:
            if fetched_now:
                show("robots.txt", f"not checked: {detail}; the crawl goes on without it")
            return None
        agent = self.robots_agent.split("/", 1)[0].split()[0] if self.robots_agent.strip() else "*"
        if not parser.allowed(url, self.robots_agent):
            show("robots.txt", f"forbids {url} for {agent}{f' ({detail})' if detail else ''}")
            return f"robots.txt forbids {url}"
        if fetched_now or not quiet:
            show("robots.txt", f"allowed{f' ({detail})' if detail else ''}")
        return None

    def _load_robots(self, scheme: str, netloc: str) -> str:
        """Fetch and parse ``netloc``'s robots.txt as the crawl does; what was found, in a few words."""
        robots_url = f"{scheme}://{netloc}/robots.txt"
        hop = _Hop(robots_url, "GET", None)
        try:
            # Redirects of robots.txt are followed by the crawl too, unless its guard refuses them.
            for _ in range(self.settings.getint("REDIRECT_MAX_TIMES") + 1):
                response = self._exchange(hop, {"User-Agent": self.user_agent}, Request(robots_url))
                target, how = self._redirect_of(hop, response)
                if target is None or how == "meta refresh":
                    break
                domains = list(self.site.allowed_domains)
                reason = refusal_reason(
                    urlsplit(target).scheme, host_of(target), allowed_domains=domains,
                    allowed_private=self.allowed_private,
                )  # fmt: skip
                if reason is not None:
                    self._robots[netloc] = None
                    return f"{robots_url} redirects to {target} ({reason})"
                hop = _next_hop(hop, target, how)
        except (OSError, ValueError, HTTPException) as exc:
            self._robots[netloc] = None
            return f"{robots_url} unreachable ({type(exc).__name__}: {exc})"
        # The crawl parses whatever body came back (a 404 page has no rules: everything is allowed).
        self._robots[netloc] = build_from_crawler(
            load_object(self.settings["ROBOTSTXT_PARSER"]), self._crawler, response.body
        )
        if response.status == 200:
            return robots_url
        return f"{robots_url} answered {response.status}" + (
            ": no robots.txt" if response.status == 404 else ""
        )


def _send(hop: _Hop, headers: dict[str, str], timeout: float) -> tuple[int, dict[bytes, bytes], bytes]:
    """One HTTP exchange; error statuses and 3xx come back as answers, not exceptions."""
    raw = urllib.request.Request(hop.url, data=hop.body, headers=headers, method=hop.method)  # noqa: S310
    # Scrapy's default TLS context does not verify certificates, and provincial sites with an expired or
    # incomplete chain are crawled fine: check-site must not fail where the crawl succeeds.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPSHandler(context=context))
    try:
        with opener.open(raw, timeout=timeout) as answer:
            status, got, body = answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        status, got, body = error.code, error.headers, error.read()
    reply = {name.encode("latin-1"): str(value).encode("latin-1") for name, value in got.items()}
    coding = str(got.get("Content-Encoding", "")).strip().lower()
    if coding in _DECODERS:
        # Some servers compress although urllib never asks them to; the crawl's HttpCompressionMiddleware
        # decodes such bodies, so check-site does too.
        try:
            body = _DECODERS[coding](body)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"{hop.url}: bad {coding} body ({exc})") from None
        reply = {name: value for name, value in reply.items() if name.lower() != b"content-encoding"}
    return status, reply, body


def _inflate(body: bytes) -> bytes:
    """``deflate`` as servers send it: zlib-wrapped or, against the standard, raw."""
    try:
        return zlib.decompress(body)
    except zlib.error:
        return zlib.decompress(body, -zlib.MAX_WBITS)


_DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.decompress,
    "x-gzip": gzip.decompress,
    "deflate": _inflate,
}


def _next_hop(hop: _Hop, target: str, how: str) -> _Hop:
    """The request a redirect leads to: Scrapy's rules (a meta refresh is a GET; POST becomes GET on 301/302,
    anything but GET/HEAD on 303; 307/308 keep method and body)."""
    to_get = (
        how == "meta refresh"
        or (how in ("301", "302") and hop.method == "POST")
        or (how == "303" and hop.method not in ("GET", "HEAD"))
    )
    return _Hop(target, "GET", None) if to_get else _Hop(target, hop.method, hop.body)
