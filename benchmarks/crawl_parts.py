"""Where a crawl's time goes, measured in this process on the replica's generated pages, outside the reactor:
the article parser per page, each item pipeline per record, the spider's listing callback per listing page
(``benchmarks/crawl.py`` prints it first)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

PER_PAGE = 15  # TRS rows per listing page in the replica


def breakdown(pages: int = 300) -> dict[str, float]:
    """Milliseconds per page (or record) of each stage, outside the reactor."""
    import importlib
    from datetime import UTC, datetime

    from scrapy import Request
    from scrapy.http import HtmlResponse
    from scrapy.utils.misc import build_from_crawler
    from scrapy.utils.test import get_crawler

    from newsspider import settings as project
    from newsspider.parsers import ListingContext, parse_response
    from newsspider.replica import Replica
    from newsspider.spiders.provincial import ProvincialSpider

    def ms(start: float, n: int) -> float:
        return round((time.perf_counter() - start) / n * 1000, 2)

    replica = Replica(generated=pages)
    with tempfile.TemporaryDirectory(prefix="bench-parts-") as tmp:
        replica.write_profiles(Path(tmp) / "sites")
        crawler = get_crawler(ProvincialSpider, settings_dict={
            "NEWSSPIDER_SITES_DIR": str(Path(tmp) / "sites"), "NEWSSPIDER_DATA_DIR": str(Path(tmp) / "out"),
            "NEWSSPIDER_RUN_ID": "bench"})  # fmt: skip
        spider = ProvincialSpider.from_crawler(crawler, site="replica-gen")
        crawler.spider = spider
        assert crawler.stats is not None
        crawler.stats.open_spider()

        def served(path: str, meta: dict[str, Any]) -> HtmlResponse:
            reply, _ = replica.answer("127.0.0.1", "GET", path, {})
            url = "http://127.0.0.1:1" + path
            body = reply.body.encode("utf-8") if isinstance(reply.body, str) else reply.body
            return HtmlResponse(url, body=body, headers={"Content-Type": "text/html; charset=utf-8"},
                                request=Request(url, meta=meta))  # fmt: skip

        listing_meta = {"ns_kind": "listing", "ns_site": "replica-gen", "ns_column": "生成", "ns_page": 1}
        listings = [
            served(f"/gen/index{f'_{i}' if i else ''}.html", listing_meta) for i in range(pages // PER_PAGE)
        ]
        start = time.perf_counter()
        for response in listings:
            list(spider.parse_listing(response))
        out = {"spider_listing_ms_per_listing_page": ms(start, len(listings))}
        article_meta = {"ns_kind": "article", "ns_site": "replica-gen", "ns_column": "生成"}
        arts = [a for (_, path), a in replica.catalog.articles.items() if path.startswith("/gen/")][:pages]
        responses = [served(a.path, article_meta) for a in arts]
        profile = spider.profiles["replica-gen"]
        start = time.perf_counter()
        records = [parse_response(r, site=profile, fetched_at=datetime.now(UTC), listing=ListingContext())
                   for r in responses]  # fmt: skip
        out["parser_ms_per_page"] = ms(start, len(responses))
        for path in project.ITEM_PIPELINES:
            module, name = path.rsplit(".", 1)
            pipeline = build_from_crawler(getattr(importlib.import_module(module), name), crawler)
            if hasattr(pipeline, "open_spider"):
                pipeline.open_spider()
            start = time.perf_counter()
            for record in records:
                try:
                    pipeline.process_item(record)
                except Exception:  # noqa: BLE001  (a dropped record still cost its time)
                    continue
            out[f"{name}_ms_per_record"] = ms(start, len(records))
            if hasattr(pipeline, "close_spider"):
                pipeline.close_spider()
    return out
