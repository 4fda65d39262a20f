"""URL identity: the canonical form under which an article is stored, deduplicated and versioned."""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import tldextract
from w3lib.url import safe_url_string

__all__ = ["TRACKING_PARAMS", "canonical_url", "host_of", "site_domain"]

TRACKING_PARAMS = frozenset(
    {
        "spm", "from", "wfr", "for", "share_token", "sharetype", "isappinstalled", "scene", "clicktime",
        "enterid", "timestamp", "_t", "t", "ref", "source", "fbclid", "gclid",
    }
)  # fmt: skip
_DEFAULT_PORTS = {"http": 80, "https": 443}
# People-platform sites mirror every /GB/ page under /BIG5/ (traditional characters): same article.
_BIG5 = re.compile(r"^/BIG5/", re.IGNORECASE)


def _keep_param(name: str) -> bool:
    lowered = name.lower()
    return not (lowered.startswith("utm_") or lowered in TRACKING_PARAMS)


# Bounded memo: in the crawl process an article URL is canonicalized when its listing yields it, when its
# response comes back and again in the pipelines, while it is among the requests queued or in flight
# (usually a few dozen, far fewer than the 4,096 kept).
@functools.lru_cache(maxsize=4096)
def canonical_url(url: str) -> str:
    """The identity of ``url``: lower-case scheme and host, no default port, no fragment, no tracking
    parameters, sorted query, percent-encoding made safe, ``/BIG5/`` mirrors folded onto ``/GB/``.

    Never raises: a string that is not a URL comes back stripped.
    """
    text = url.strip()
    try:
        parts = urlsplit(safe_url_string(text))
        port = parts.port
    except ValueError:
        return text
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    path = _BIG5.sub("/GB/", parts.path or "/")
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if _keep_param(k))
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def host_of(url: str) -> str:
    """The lower-case host name of ``url`` ('' when it has none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


@functools.cache
def _public_suffixes() -> tldextract.TLDExtract:
    # The public-suffix list bundled with tldextract, never fetched: a crawl must not depend on its site.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def site_domain(host: str) -> str:
    """The domain a site's pages share: ``news.sxrb.com`` → ``sxrb.com``, ``www.shanxi.gov.cn`` →
    ``shanxi.gov.cn`` (``gov.cn`` is a public suffix, like ``com.cn``), ``www.gov.cn`` stays itself; an IP
    address or a name under no public suffix (``localhost``) is returned as it is."""
    return _public_suffixes()(host).top_domain_under_public_suffix or host
