"""How a distributed crawl is named and configured: its crawl id, a worker's shard, the Redis keys of one
crawl, and the Scrapy settings that make a crawl a worker (docs/distributed.md). The cluster itself is
:mod:`newsspider.distributed`."""

from __future__ import annotations

import hashlib
import os
import re
import socket
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["clean_name", "crawl_namespace", "default_crawl_id", "default_shard", "redis_settings"]

_NAME = re.compile(r"[^A-Za-z0-9_+-]+")


def clean_name(text: str) -> str:
    """``text`` with every run of other characters than letters, digits, ``_``, ``+`` and ``-`` made one ``-``."""
    return _NAME.sub("-", text).strip("-")


def default_crawl_id(sites: Iterable[str], url: str | None = None, day: str | None = None) -> str:
    """``<UTC date>-<what>``: workers started the same day for the same sites agree without being told."""
    what = sorted({s.strip() for s in sites if s.strip()}) or ([url] if url else [])
    text = "+".join(what)
    label = clean_name(text) if len(text) <= 40 else hashlib.sha1(text.encode()).hexdigest()[:12]  # noqa: S324
    return f"{day or datetime.now(UTC).date().isoformat()}-{label or 'crawl'}"


def default_shard() -> str:
    """``<host>-<pid>``: unique per worker. No dots: the shard is the middle part of ``<date>.<shard>.jsonl``."""
    return f"{clean_name(socket.gethostname().split('.')[0]) or 'host'}-{os.getpid()}"


def _split_url(redis_url: str) -> tuple[str, str]:
    """The connection URL without our ``?prefix=`` (redis-py rejects unknown options) and the key prefix."""
    parts = urlsplit(redis_url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = next((v for k, v in query if k == "prefix"), "newsspider")
    rest = urlencode([(k, v) for k, v in query if k != "prefix"])
    return urlunsplit(parts._replace(query=rest)), prefix


def crawl_namespace(redis_url: str, crawl_id: str) -> str:
    """The key prefix of one crawl's shared queue, dupefilter, leases and workers."""
    return f"{_split_url(redis_url)[1]}:crawl:{clean_name(crawl_id)}"


def redis_settings(redis_url: str, *, run_id: str, shard: str, idle_seconds: float) -> dict[str, object]:
    """Scrapy settings overrides that make this crawl a worker of the shared crawl ``run_id``.

    ``run_id`` is the crawl id every worker of the crawl shares (``--crawl-id``), not ``NEWSSPIDER_RUN_ID``
    (which names this worker's own log and run report). ``shard`` names this worker's output files.
    """
    if not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"--redis wants redis://HOST:PORT/DB, got {redis_url!r}")
    if not shard or clean_name(shard) != shard:
        raise ValueError(f"a shard name is letters, digits, '_', '+' and '-', got {shard!r}")
    if not clean_name(run_id):
        raise ValueError(f"a crawl id needs letters or digits, got {run_id!r}")
    if idle_seconds < 0:
        raise ValueError("the idle time cannot be negative")
    connect, _ = _split_url(redis_url)
    namespace = crawl_namespace(redis_url, run_id)
    return {
        "SCHEDULER": "newsspider.distributed.DistributedScheduler",
        "SCHEDULER_QUEUE_CLASS": "newsspider.distributed_queue.LeasedQueue",
        "SCHEDULER_QUEUE_KEY": f"{namespace}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{namespace}:dupefilter",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        # Never let scrapy-redis flush the shared queue when one worker stops: the scheduler below deletes
        # the crawl's keys only once the whole cluster has finished.
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": connect,
        "NEWSSPIDER_STATE": redis_url,
        "NEWSSPIDER_SHARD": shard,
        "NEWSSPIDER_CRAWL_ID": clean_name(run_id),
        "NEWSSPIDER_DIST_IDLE_SECONDS": float(idle_seconds),
        # A worker only sees the answers to the requests it happened to take, so it cannot tell that a
        # column was crawled to its end; stopping early on that guess could skip an article another
        # worker failed to fetch. Workers read every listing page (seen articles are still skipped).
        "NEWSSPIDER_STOP_ON_SEEN": False,
    }
