"""Incremental crawling: skip articles already stored, stop paginating at the first page with nothing new.

Placeholder: passes everything through until the state store exists (issue 5).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from scrapy import Spider
    from scrapy.http import Response


class IncrementalMiddleware:
    def process_spider_output(
        self, response: Response, result: Iterable[Any], spider: Spider
    ) -> Iterable[Any]:
        yield from result
