"""Spiders: the crawl graph only (listing pages, pagination, article requests)."""
