"""Recognise anti-bot challenge pages and stop asking their host, instead of retrying in a loop.

Recognised (``reference/sites.md`` §3.5):

- ``rs-412``: 瑞数 (RiverSecurity): HTTP 412 (or 202) whose body carries the ``$_ts`` bootstrap script;
- ``jsl-521``: 加速乐: HTTP 521 with the ``__jsluid`` cookie script (in the body or a Set-Cookie);
- ``js-only``: a tiny HTML answer (under ``NEWSSPIDER_CHALLENGE_MAX_BYTES``, 2 KB) made of script and no
  text, unless the script only sends the browser elsewhere (a JavaScript redirect is not a wall).

A plain HTTP client cannot pass any of them (the cookie is computed by obfuscated JavaScript), so asking
again only hammers the site. Each one is counted in the stats (``newsspider/challenge/<host>``), reported with
the ``challenge_detected`` signal, and turned into
:class:`~newsspider.middlewares.refusals.ChallengeRefused` (an ``IgnoreRequest``); every later request to that
host is dropped before download (``newsspider/challenge_dropped/<host>``): here, and again at the moment of
sending by :mod:`newsspider.middlewares.sendgate` for the requests already waiting in the host's download
queue. The middleware sits at 560, above RetryMiddleware (550), so it sees a challenge answer before Retry
could re-schedule it, and IgnoreRequest is not an exception Retry retries.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from scrapy.http import TextResponse
from scrapy.utils.httpobj import urlparse_cached

from newsspider import signals
from newsspider.middlewares.refusals import ChallengeRefused

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

__all__ = ["ChallengeMiddleware", "challenge_kind"]

logger = logging.getLogger(__name__)

MAX_JS_ONLY_BYTES = 2048
_SCRIPT = re.compile(rb"<script\b.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_STYLE_OR_COMMENT = re.compile(rb"<style\b.*?</style\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(rb"<[^>]*>")
_ENTITY_SPACE = re.compile(rb"&(?:nbsp|#160|#xa0);|\s+", re.IGNORECASE)
_REDIRECT = re.compile(
    rb"location\s*(?:\.\s*href\s*)?=|location\s*\.\s*(?:replace|assign)\s*\(", re.IGNORECASE
)
_COOKIE = re.compile(rb"document\s*\.\s*cookie", re.IGNORECASE)


def _visible_text(body: bytes) -> bytes:
    without = _STYLE_OR_COMMENT.sub(b" ", _SCRIPT.sub(b" ", body))
    return _ENTITY_SPACE.sub(b"", _TAG.sub(b" ", without))


def challenge_kind(response: Response, max_js_only: int = MAX_JS_ONLY_BYTES) -> str | None:
    """``rs-412``, ``jsl-521`` or ``js-only`` when ``response`` is a challenge page, else None."""
    body = response.body
    if response.status in (412, 202) and b"$_ts" in body:
        return "rs-412"
    if response.status == 521:
        cookies = b" ".join(response.headers.getlist(b"Set-Cookie"))
        if b"__jsluid" in body or b"__jsluid" in cookies:
            return "jsl-521"
    is_html = isinstance(response, TextResponse) and b"html" in (
        response.headers.get(b"Content-Type") or b"html"
    )
    if not is_html or len(body) >= max_js_only or not _SCRIPT.search(body) or _visible_text(body):
        return None
    # A bare JavaScript redirect (to the new home of a moved page) is not a wall; one that sets a
    # cookie first is how the walls work.
    if _REDIRECT.search(body) and not _COOKIE.search(body):
        return None
    return "js-only"


class ChallengeMiddleware:
    """Downloader middleware; settings: ``NEWSSPIDER_CHALLENGE_MAX_BYTES`` (the js-only size limit)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_js_only = crawler.settings.getint("NEWSSPIDER_CHALLENGE_MAX_BYTES", MAX_JS_ONLY_BYTES)
        self.blocked: dict[str, str] = {}
        """host → kind of the challenge it answered with."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _inc(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)

    def _site_of(self, host: str) -> str | None:
        """The profile key whose domains cover ``host`` (robots.txt requests carry no ``ns_site``)."""
        profiles: dict[str, Any] = getattr(self.crawler.spider, "profiles", None) or {}
        for key, profile in profiles.items():
            domains = getattr(profile, "allowed_domains", ())
            if any(host == d or host.endswith("." + d) for d in domains):
                return key
        return None

    def refusal(self, request: Request) -> ChallengeRefused | None:
        """The error that drops ``request`` (counted) when its host answered with a challenge, else None.

        Also asked by :class:`~newsspider.middlewares.sendgate.SendGate` at the moment of sending, for the
        requests that passed :meth:`process_request` before the challenge and waited in the host's queue.
        """
        host = (urlparse_cached(request).hostname or "").lower()
        kind = self.blocked.get(host)
        if kind is None:
            return None
        self._inc(f"newsspider/challenge_dropped/{host}")
        return ChallengeRefused(kind, host)

    def process_request(self, request: Request) -> None:
        refused = self.refusal(request)
        if refused is not None:
            raise refused

    def process_response(self, request: Request, response: Response) -> Response:
        kind = challenge_kind(response, self.max_js_only)
        if kind is None:
            return response
        host = (urlparse_cached(request).hostname or "").lower()
        first = host not in self.blocked
        self.blocked.setdefault(host, kind)
        self._inc("newsspider/challenge")
        self._inc(f"newsspider/challenge/{host}")
        if first:
            logger.warning(
                "Anti-bot challenge (%s, HTTP %s) from %s at %s: dropping further requests to this host",
                kind, response.status, host, request.url,
            )  # fmt: skip
        self.crawler.signals.send_catch_log(
            signal=signals.challenge_detected, url=request.url, host=host, kind=kind,
            site=request.meta.get("ns_site") or self._site_of(host),
        )  # fmt: skip
        raise ChallengeRefused(kind, host, sent=True)
