"""Scrapy extensions of newsspider (run report, progress)."""
