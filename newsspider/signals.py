"""Project signals: how spiders and middlewares tell the run report what happened.

Components send them with ``crawler.signals.send_catch_log(signal=..., **kwargs)``; the run-report
extension (``newsspider.extensions.report``) listens. Keyword arguments are listed with each signal.
"""

from __future__ import annotations

__all__ = [
    "article_failed",
    "article_removed",
    "article_skipped",
    "challenge_detected",
    "listing_failed",
    "listing_fetched",
    "stopping",
]

listing_fetched = object()
"""A listing page was parsed. kwargs: ``url, site, column, rows (int), new (int), oldest (str | None)``."""

listing_failed = object()
"""A listing page could not be fetched or read (after retries). kwargs: ``url, site, column, reason``."""

article_failed = object()
"""An article could not be fetched or parsed. kwargs: ``url, site, column, reason (str)``."""

article_skipped = object()
"""An article request was not sent (seen before, outside the date window, off-site). kwargs: ``url, site,
column, reason``."""

article_removed = object()
"""A previously seen article now answers 404/410 or redirects to an index. kwargs: ``url, site, column,
status (int), reason``."""

challenge_detected = object()
"""An anti-bot challenge page was recognised. kwargs: ``url, host, kind ("rs-412", "jsl-521", "js-only"),
site`` (the profile key, or None when the request carried none, e.g. robots.txt)."""

stopping = object()
"""The crawl is about to close on an error of its own (the output or the state store failed, Redis is gone),
not on Ctrl-C: requests not sent yet are dropped unsent, as at a shutdown (``middlewares/sendgate.py``).
kwargs: ``reason``."""
