"""Why a request of the spider failed or was not sent, in words for the log line and the run report.

The short reasons (``http 404``, ``robots.txt``) key the stats and the report's skipped counts; the plain
text of a refused listing tells the user what to fix (``redirected to other.example.cn, outside
allowed_domains (site moved? fix the profile)``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from scrapy.spidermiddlewares.httperror import HttpError

from newsspider.middlewares.sendgate import SHUTDOWN_MESSAGE
from newsspider.urls import host_of

if TYPE_CHECKING:
    from twisted.python.failure import Failure

__all__ = ["failure_reason", "ignore_reason", "refusal_text"]


# By how the message starts (our middlewares' and Scrapy's own): a word anywhere in it could be the URL's,
# as in "refused (offsite): redirect to http://other.cn/zt/challenge/index.html".
_IGNORE_PREFIXES = (
    (SHUTDOWN_MESSAGE, "shutdown"),  # the send gate, once a graceful stop began
    ("forbidden by robots.txt", "robots.txt"),
    ("challenge (", "challenge"),
    ("refused (redirect-loop)", "redirect-loop"),
    ("refused (", "refused"),
    ("max redirections", "redirect-loop"),
)
# Scrapy's size limit says so mid-sentence ("Cancelling download of <url>: … larger than download max size").
_IGNORE_ANYWHERE = (("download max size", "too-large"), ("download_maxsize", "too-large"))


def ignore_reason(failure: Failure) -> str:
    """Why a request was dropped: ``robots.txt``, ``challenge``, ``refused``, ``redirect-loop``,
    ``too-large`` (DOWNLOAD_MAXSIZE, also while decompressing), ``shutdown`` or ``ignored``."""
    text = str(failure.value).lower()
    for prefix, reason in _IGNORE_PREFIXES:
        if text.startswith(prefix):
            return reason
    for marker, reason in _IGNORE_ANYWHERE:
        if marker in text:
            return reason
    return "ignored"


_REFUSED = re.compile(r"refused \((?P<why>[\w-]+)\): (?P<redirect>redirect to )?(?P<url>\S*)")
_REFUSED_TEXT = {
    "offsite": "{to}, outside allowed_domains (site moved? fix the profile)",
    "private-address": "{to}, a private address (only NEWSSPIDER_ALLOW_PRIVATE_HOSTS may be fetched)",
    "scheme": "{to}, not an http(s) URL",
    "no-host": "{to}, a URL without a host",
    "redirect-loop": "{to} again: a redirect loop",
    "url-too-long": "{to}: the URL is longer than URLLENGTH_LIMIT",
}


def refusal_text(failure: Failure) -> str:
    """Why a request was not sent, in plain words: ``robots.txt forbids it``, ``redirected to
    other.example.cn, outside allowed_domains (site moved? fix the profile)``, …"""
    reason = ignore_reason(failure)
    if reason == "robots.txt":
        return "robots.txt forbids it"
    if reason == "too-large":
        return "the page is larger than DOWNLOAD_MAXSIZE"
    refused = _REFUSED.search(str(failure.value))
    if refused is None or refused["why"] not in _REFUSED_TEXT:
        return f"not fetched: {failure.value}"
    target = host_of(refused["url"]) or refused["url"]
    to = f"redirected to {target}" if refused["redirect"] else f"refused: {target}"
    return _REFUSED_TEXT[refused["why"]].format(to=to)


def failure_reason(failure: Failure) -> str:
    """A short reason for a failed request: ``http 404``, ``TimeoutError``, ``DNSLookupError: …``."""
    error = failure.value
    if isinstance(error, HttpError):
        response = error.response
        return f"http {response.status}" if response is not None else "http error"
    text = str(error).strip()
    return f"{type(error).__name__}: {text[:200]}" if text else type(error).__name__
