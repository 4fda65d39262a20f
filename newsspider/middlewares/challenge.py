"""Recognise anti-bot challenge pages (瑞数 412 ``$_ts``, 加速乐 521 ``__jsluid``, JS-only bodies).

Placeholder: passes responses through until the spider work lands (issue 4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.http import Response


class ChallengeMiddleware:
    def process_response(self, request: Request, response: Response, spider: Spider) -> Response:
        return response
