"""Downloader and spider middlewares of newsspider."""
