"""Why a request of the spider failed or was not sent, in words for the log line and the run report.

The short reasons (``http 404``, ``robots.txt``) key the stats and the report's skipped counts; the plain
text of a refused listing tells the user what to fix (``redirected to other.example.cn, outside
allowed_domains (site moved? fix the profile)``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from newsspider.middlewares.refusals import ChallengeRefused, NotSent, Refused
from newsspider.urls import host_of

if TYPE_CHECKING:
    from twisted.python.failure import Failure

    from newsspider.middlewares.refusals import RefusalReason

__all__ = ["failure_reason", "ignore_reason", "not_sent_on_purpose", "refusal_text"]


# Scrapy's own refusals have no type of their own, only a message: robots.txt and the redirect limit say so
# first thing, the size limit mid-sentence ("Cancelling download of <url>: … larger than download max size").
# By how the message starts where possible: a word anywhere in it could be the URL's.
_SCRAPY_PREFIXES = (("forbidden by robots.txt", "robots.txt"), ("max redirections", "redirect-loop"))
_SCRAPY_ANYWHERE = (("download max size", "too-large"), ("download_maxsize", "too-large"))


def _scrapy_reason(error: object) -> str:
    text = str(error).lower()
    for prefix, reason in _SCRAPY_PREFIXES:
        if text.startswith(prefix):
            return reason
    for marker, reason in _SCRAPY_ANYWHERE:
        if marker in text:
            return reason
    return "ignored"


def not_sent_on_purpose(failure: Failure) -> bool:
    """Whether the request was dropped on purpose (robots.txt, a challenge wall, the request guard, the size
    limit, a shutdown), not failed: it is reported skipped with its :func:`ignore_reason`.

    Scrapy's HTTP handler refuses a response whose Content-Length is over ``DOWNLOAD_MAXSIZE`` with a
    ``DownloadCancelledError``, not an ``IgnoreRequest``: read as the size limit it is. (A body without a
    Content-Length cut at the limit comes as one without a message, as any cancelled download does: failed.)
    """
    error = failure.value
    if isinstance(error, HttpError):
        return False
    if isinstance(error, DownloadCancelledError):
        return _scrapy_reason(error) == "too-large"
    return isinstance(error, IgnoreRequest)


def ignore_reason(failure: Failure) -> str:
    """Why a request was dropped: ``robots.txt``, ``challenge``, ``refused``, ``redirect-loop``,
    ``too-large`` (DOWNLOAD_MAXSIZE, also while decompressing), ``shutdown`` or ``ignored``."""
    error = failure.value
    if isinstance(error, Refused):
        return "redirect-loop" if error.reason == "redirect-loop" else "refused"
    if isinstance(error, ChallengeRefused):
        return "challenge"
    if isinstance(error, NotSent):
        return error.reason
    return _scrapy_reason(error)


_REFUSED_TEXT: dict[RefusalReason, str] = {
    "offsite": "{to}, outside allowed_domains (site moved? fix the profile)",
    "private-address": "{to}, a private address (only NEWSSPIDER_ALLOW_PRIVATE_HOSTS may be fetched)",
    "scheme": "{to}, not an http(s) URL",
    "no-host": "{to}, a URL without a host",
    "redirect-loop": "{to} again: a redirect loop",
    "url-too-long": "{to}: the URL is longer than URLLENGTH_LIMIT",
}
"""The plain words for each :data:`~newsspider.middlewares.refusals.RefusalReason`."""


def refusal_text(failure: Failure) -> str:
    """Why a request was not sent, in plain words: ``robots.txt forbids it``, ``redirected to
    other.example.cn, outside allowed_domains (site moved? fix the profile)``, …"""
    error = failure.value
    if isinstance(error, Refused):
        target = host_of(error.url) or error.url[:200]
        to = f"redirected to {target}" if error.via is not None else f"refused: {target}"
        return _REFUSED_TEXT[error.reason].format(to=to)
    reason = ignore_reason(failure)
    if reason == "robots.txt":
        return "robots.txt forbids it"
    if reason == "too-large":
        return "the page is larger than DOWNLOAD_MAXSIZE"
    return f"not fetched: {failure.value}"


def failure_reason(failure: Failure) -> str:
    """A short reason for a failed request: ``http 404``, ``TimeoutError``, ``DNSLookupError: …``."""
    error = failure.value
    if isinstance(error, HttpError):
        response = error.response
        return f"http {response.status}" if response is not None else "http error"
    text = str(error).strip()
    return f"{type(error).__name__}: {text[:200]}" if text else type(error).__name__
