"""Pure extraction: bytes (or a Scrapy response) and a URL in, a :class:`~newsspider.items.NewsArticle` out.

No network, no clock, no settings. See :func:`parse_article`.
"""

from newsspider.parsers.article import ListingContext, parse_article, parse_response

__all__ = ["ListingContext", "parse_article", "parse_response"]
