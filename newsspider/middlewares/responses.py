"""What the incremental middleware reads off a response or request: its meta, the URL it was asked for
before redirects, the key that tells pagination requests apart, and whether a URL is an index page."""

from __future__ import annotations

import hashlib
import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from newsspider.urls import canonical_url

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response

__all__ = ["alias_source", "is_index_url", "meta_of", "original_url", "request_key", "response_key"]

_INDEX_PAGE = re.compile(r"(index|default|main|list)(_\d+)?\.(s?html?|jsp|php|aspx?)", re.IGNORECASE)


def is_index_url(url: str) -> bool:
    """Whether ``url`` looks like a site or column index rather than an article: a folder (``/``,
    ``/xwzx/``) or an index file (``index.html``, ``default.htm``). Takedowns on these CMSs redirect a
    deleted article there instead of answering 404."""
    path = urlsplit(url).path or "/"
    return path.endswith("/") or bool(_INDEX_PAGE.fullmatch(PurePosixPath(path).name))


def meta_of(response: Response) -> dict[str, Any]:
    try:
        return dict(response.meta)
    except AttributeError:  # a response not tied to a request
        return {}


def alias_source(response: Response) -> str | None:
    redirects = meta_of(response).get("redirect_urls")
    return canonical_url(redirects[0]) if redirects else None


def request_key(request: Request) -> str:
    # Listing APIs page by POST body on one URL (Hanweb's dataproxy.jsp): the body tells pages apart.
    url = canonical_url(request.url)
    return f"{url} {hashlib.sha1(request.body, usedforsecurity=False).hexdigest()}" if request.body else url


def response_key(response: Response) -> str:
    redirects = meta_of(response).get("redirect_urls")
    if redirects:
        return canonical_url(redirects[0])
    request = getattr(response, "request", None)
    return request_key(request) if request is not None else canonical_url(response.url)


def original_url(response: Response) -> str:
    redirects = meta_of(response).get("redirect_urls")
    return str(redirects[0]) if redirects else response.url
