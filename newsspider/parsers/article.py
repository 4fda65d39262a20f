"""Placeholder article parser: decodes and reads <title>. Replaced by the real parser (issue 2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import html as lxml_html
from w3lib.encoding import html_to_unicode

from newsspider.items import NewsArticle

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from scrapy.http import Response

    from newsspider.sites import SiteProfile


def parse_article(
    body: bytes,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    site: SiteProfile | None = None,
    fetched_at: datetime | None = None,
) -> NewsArticle:
    content_type = (headers or {}).get("Content-Type")
    encoding, text = html_to_unicode(content_type, body)
    tree = lxml_html.fromstring(text or "<html></html>")
    title = (tree.findtext(".//title") or "").strip()
    return NewsArticle(url=url, title=title, encoding=encoding, site=site.key if site else None)


def parse_response(
    response: Response, *, site: SiteProfile | None = None, fetched_at: datetime | None = None
) -> NewsArticle:
    headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
    record = parse_article(response.body, response.url, headers=headers, site=site, fetched_at=fetched_at)
    record.http_status = response.status
    return record
