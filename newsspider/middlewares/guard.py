"""Requests go only where they were sent: the profile's domains, over HTTP(S), never to private addresses.

Scrapy's own OffsiteMiddleware filters hosts outside ``allowed_domains``, but it lets every request with
``dont_filter=True`` through (and redirects inherit that flag), and it does not look at the address a host
name is written as. A crawler run unattended against pages it does not control must also refuse redirects to
``file:``/``ftp:``/``data:`` URLs and to loopback, private and link-local addresses (SSRF through a redirect),
unless a setting allows a host explicitly (the tests' replica on 127.0.0.1 is the one such case). URLs longer
than ``URLLENGTH_LIMIT`` (a link that grows on every page of a broken site) are refused here too.
Each refusal is counted in the stats (``newsspider/refused/<reason>``) and logged once per host.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from newsspider.middlewares.refusals import Refused

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

    from newsspider.middlewares.refusals import RefusalReason

__all__ = ["GuardRules", "RedirectGuardMiddleware", "RequestGuardMiddleware", "refusal_reason"]

logger = logging.getLogger(__name__)

_SCHEMES = frozenset({"http", "https"})
_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


def _is_private_host(host: str) -> bool:
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not address.is_global


def _within(host: str, domains: list[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def refusal_reason(
    url_scheme: str, host: str, *, allowed_domains: list[str], allowed_private: frozenset[str]
) -> RefusalReason | None:
    """Why a request to (scheme, host) must not be sent, or None when it may.

    ``allowed_domains`` empty means any public host; ``allowed_private`` lists hosts that may be private.
    """
    if url_scheme not in _SCHEMES:
        return "scheme"
    if not host:
        return "no-host"
    if host not in allowed_private and _is_private_host(host):
        return "private-address"
    if allowed_domains and not _within(host, allowed_domains):
        return "offsite"
    return None


def _follows_redirects(request: Request, response: Response) -> bool:
    meta = request.meta
    return not (
        meta.get("dont_redirect")
        or meta.get("handle_httpstatus_all")
        or response.status in meta.get("handle_httpstatus_list", ())
    )


class GuardRules:
    """What the two guards share: :func:`refusal_reason` with this crawl's settings, and the refusal counted,
    logged once per reason and host, and raised as :class:`~newsspider.middlewares.refusals.Refused`."""

    def __init__(
        self,
        crawler: Crawler,
        stats: StatsCollector,
        allowed_private: frozenset[str],
        max_url_length: int = 0,
    ) -> None:
        self.crawler = crawler
        self.stats = stats
        self.allowed_private = allowed_private
        self.max_url_length = max_url_length
        self._logged: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        hosts = settings.getlist("NEWSSPIDER_ALLOW_PRIVATE_HOSTS")
        assert crawler.stats is not None
        # Scrapy's UrlLengthMiddleware is off (settings.py): its limit is kept here, with 0 still meaning none.
        max_length = settings.getint("URLLENGTH_LIMIT", 2083)
        return cls(crawler, crawler.stats, frozenset(h.lower() for h in hosts), max_length)

    def reason_for(self, url: str) -> RefusalReason | None:
        if 0 < self.max_url_length < len(url):
            return "url-too-long"
        parsed = urlsplit(url)
        try:
            host = (parsed.hostname or "").lower()
        except ValueError:
            return "no-host"
        domains = [d.lower() for d in getattr(self.crawler.spider, "allowed_domains", None) or []]
        return refusal_reason(
            parsed.scheme.lower(), host, allowed_domains=domains, allowed_private=self.allowed_private
        )

    def refuse(self, reason: RefusalReason, url: str, *, via: str | None = None) -> Refused:
        self.stats.inc_value(f"newsspider/refused/{reason}")
        host = urlsplit(url).netloc
        if (reason, host) not in self._logged:
            self._logged.add((reason, host))
            logger.warning(
                "Refused request (%s) to %s%s", reason, url[:200], f" (redirected from {via})" if via else ""
            )
        return Refused(reason, url, via)


class RequestGuardMiddleware(GuardRules):
    """Refuses requests (new ones, and the ones redirects create) that :func:`refusal_reason` rejects."""

    def process_request(self, request: Request) -> None:
        reason = self.reason_for(request.url)
        if reason is not None:
            via = request.meta.get("redirect_urls")
            raise self.refuse(reason, request.url, via=via[0] if via else None)


class RedirectGuardMiddleware(GuardRules):
    """Refuses a 3xx whose target is refused, or already visited (a loop), before Scrapy follows it.

    Without it the refused target is dropped later by Scrapy's OffsiteMiddleware at scheduling time, with no
    errback: the page that redirected would vanish from the run report. Here the original request fails
    with :class:`~newsspider.middlewares.refusals.Refused` (``refused (…): redirect to …``), which its errback
    reports. It has no ``process_request``: the request a redirect creates goes through
    :class:`RequestGuardMiddleware` like any other (it was a subclass, and checked every request twice).
    """

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if not 300 <= response.status < 400 or not location or not _follows_redirects(request, response):
            return response
        target = urljoin(request.url, location.decode("latin-1").strip())
        visited = [*request.meta.get("redirect_urls", []), request.url]
        reason: RefusalReason | None = "redirect-loop" if target in visited else self.reason_for(target)
        if reason is not None:
            raise self.refuse(reason, target, via=request.url)
        return response
