"""Distributed crawling: several worker processes share one crawl through Redis (docs/distributed.md).

Shared: the request queue and dupefilter (scrapy-redis, keys scoped by the crawl id) and the state store
(seen URLs and versions, across runs). Per worker: the output shard, the log, the run report.
:func:`newsspider.distributed_config.redis_settings` turns a crawl into a worker; :class:`DistributedScheduler` adds what a cluster needs
on top of scrapy-redis: leased requests (:mod:`newsspider.distributed_queue`) acked once handled,
heartbeats and recovery of dead workers' leases and unmarked records, and a finish shared by all workers
(queue empty, no leases, for the idle time), after which the crawl's queue and dupefilter are deleted so
the next run reads its listing pages again; seen articles are skipped by the state store, not the dupefilter.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from newsspider import signals as ns_signals
from newsspider.distributed_config import clean_name, default_shard
from pipelines.state import shared_state
from pipelines.store import recover

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

    from newsspider.distributed_queue import LeasedQueue

__all__ = ["DistributedScheduler"]

logger = logging.getLogger(__name__)


def _inprogress(crawler: Crawler) -> set[Request] | None:
    """The engine's set of requests between download start and the end of their callback's output.

    Scrapy has no signal for "this request is fully handled"; its engine keeps exactly that set (requests
    leave it only after the scraper has run the callback and every record went through the pipelines).
    """
    slot = getattr(crawler.engine, "_slot", None) or getattr(crawler.engine, "slot", None)
    found = getattr(slot, "inprogress", None)
    return found if isinstance(found, set) else None


def _not_sent(request: Request) -> bool:
    """Dropped before it was sent (``ns_not_sent``, set by the send gate at shutdown): not handled."""
    return bool(request.meta.get("ns_not_sent"))


class DistributedScheduler(Scheduler):  # type: ignore[misc]  # scrapy-redis ships no type hints
    """scrapy-redis's scheduler plus leases, heartbeats, recovery of dead workers and a shared finish.

    Settings: ``NEWSSPIDER_DIST_IDLE_SECONDS``, ``NEWSSPIDER_DIST_HEARTBEAT_SECONDS`` (default 2),
    ``NEWSSPIDER_DIST_LEASE_SECONDS`` (default 30: a worker silent this long is taken for dead; keep it well
    above the longest pause of a busy worker) and ``NEWSSPIDER_DIST_TICK_SECONDS`` (default 0.5: how often
    finished requests are acked and an idle worker looks at the queue) and ``NEWSSPIDER_DIST_PREFETCH``
    (default 1: requests a worker takes for a host beyond that host's concurrency, to wait for its delay).
    """

    queue: LeasedQueue

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        instance: Self = super().from_crawler(crawler)
        instance.setup(crawler)
        return instance

    def setup(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.idle_seconds = settings.getfloat("NEWSSPIDER_DIST_IDLE_SECONDS", 30.0)
        self.heartbeat_seconds = settings.getfloat("NEWSSPIDER_DIST_HEARTBEAT_SECONDS", 2.0)
        self.lease_seconds = settings.getfloat("NEWSSPIDER_DIST_LEASE_SECONDS", 30.0)
        self.tick_seconds = settings.getfloat("NEWSSPIDER_DIST_TICK_SECONDS", 0.5)
        self.prefetch = settings.getint("NEWSSPIDER_DIST_PREFETCH", 1)
        self.shard = settings.get("NEWSSPIDER_SHARD", "") or default_shard()
        self.data_dir = Path(settings.get("NEWSSPIDER_DATA_DIR", "data")).resolve()
        self.host = socket.gethostname()
        self.worker = f"{self.shard}@{clean_name(self.host)}:{os.getpid()}"
        self._leased: dict[str, Request] = {}
        self._to_ack: list[str] = []
        self._down_since: float | None = None
        self._stopping = False
        self._per_host: Counter[str] = Counter()
        self._started = False
        self._idle_since: float | None = None
        self._cluster_finished = False
        self._loops: list[LoopingCall] = []
        crawler.signals.connect(self._spider_idle, signal=signals.spider_idle)

    # -- Scrapy's scheduler interface ---------------------------------------------------------------------

    def open(self, spider: Spider) -> None:
        super().open(spider)
        if _inprogress(self.crawler) is None:
            # Without it no lease would ever be acked and the cluster would wait forever: refuse to start.
            raise RuntimeError(
                "this Scrapy version's engine has no slot.inprogress: distributed mode unusable"
            )
        self.queue.bind(self.worker)
        now = self._server_time()
        for name, info in self._workers().items():
            if info.get("shard") == self.shard and now - float(info.get("beat", 0)) < self.lease_seconds:
                raise RuntimeError(f"shard {self.shard!r} is in use by worker {name}; give each its own")
        self._beat()
        logger.info("distributed worker %s joined crawl %s (%d requests queued)", self.worker,
                    self.queue.namespace, len(self.queue))  # fmt: skip
        for action, every in ((self._tick, self.tick_seconds), (self._heartbeat, self.heartbeat_seconds)):
            loop = LoopingCall(self._guarded, action)
            loop.start(every, now=False).addErrback(
                lambda f: logger.error("distributed loop stopped: %s", f.getTraceback())
            )
            self._loops.append(loop)

    def enqueue_request(self, request: Request) -> bool:
        # scrapy-redis's own passes ``spider=`` to the stats, which Scrapy 2.13+ warns about on every call.
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        self.queue.push(request)
        self._inc("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        try:
            self.ack_finished()  # the engine asks right after a request finished: free its host's room now
            leased = self.queue.pop_leased_if(self._has_room)
        except redis.RedisError as exc:
            self._redis_failed(exc)
            return None
        if leased is None:
            return None
        token, request = leased
        self._leased[token] = request
        self._per_host[self.crawler.engine.downloader.get_slot_key(request)] += 1
        self._inc("scheduler/dequeued/redis")
        return request

    def _has_room(self, request: Request) -> bool:
        """Whether this worker could start ``request`` soon: it does not already hold enough for its host.

        Counted from our own leases, not the download slot: a popped request spends a while in the
        downloader middlewares (robots.txt) before the slot sees it.
        """
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        limit = (
            slot.concurrency
            if slot is not None
            else (downloader.ip_concurrency or downloader.domain_concurrency)
        )
        return self._per_host[key] < limit + self.prefetch

    def has_pending_requests(self) -> bool:
        try:
            return len(self.queue) > 0
        except redis.RedisError:
            return True  # unknown is not empty: never close as "finished" on a lost connection

    def close(self, reason: str) -> None:
        for loop in self._loops:
            if loop.running:
                loop.stop()
        # The engine closes the scheduler after its in-progress requests drained and the pipelines closed:
        # everything this worker still leases was handled and its records written, except requests the
        # send gate dropped unsent at shutdown. Those stay leased, and requeue_worker below puts them back.
        handled = [token for token, request in self._leased.items() if not _not_sent(request)]
        self.queue.ack([*self._to_ack, *handled])
        self._leased.clear()
        self._per_host.clear()
        back = self.queue.requeue_worker(self.worker)
        if back:
            logger.warning("%d requests of this worker went back to the shared queue", back)
        if reason == "finished" and self._cluster_finished:
            logger.info("crawl %s finished: deleting its queue and dupefilter", self.queue.namespace)
            self.flush()

    # -- the cluster ------------------------------------------------------------------------------------

    def _guarded(self, action: Callable[[], None]) -> None:
        """Run a periodic action; a Redis outage longer than the lease time stops this worker.

        Not forever: the others take a silent worker for dead and fetch its requests anyway, and a worker
        left running without its queue would never finish.
        """
        try:
            action()
        except redis.RedisError as exc:
            self._redis_failed(exc)
        else:
            if self._down_since is not None:
                logger.warning("Redis is back after %.0f s", time.monotonic() - self._down_since)
                self._down_since = None

    def _redis_failed(self, exc: Exception) -> None:
        now = time.monotonic()
        if self._down_since is None:
            self._down_since = now
            logger.error("Redis unreachable (%s); stopping in %.0f s unless it comes back", exc,
                         self.lease_seconds)  # fmt: skip
        elif now - self._down_since > self.lease_seconds and not self._stopping:
            self._stopping = True
            logger.error("Redis unreachable for %.0f s: stopping this worker", now - self._down_since)
            self.crawler.signals.send_catch_log(signal=ns_signals.stopping, reason="redis_unavailable")
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="redis_unavailable"))

    def _tick(self) -> None:
        self.ack_finished()
        slot = getattr(self.crawler.engine, "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            # An idle engine looks at its scheduler only every 5 s; other workers may have queued work since.
            nextcall.schedule()

    def ack_finished(self) -> int:
        """Ack the leases whose requests the engine no longer holds; how many."""
        running = _inprogress(self.crawler)
        if running is None:
            return 0
        done = [token for token, request in self._leased.items() if request not in running]
        downloader = self.crawler.engine.downloader
        unsent: list[str] = []
        for token in done:
            request = self._leased.pop(token)
            self._per_host[downloader.get_slot_key(request)] -= 1
            if _not_sent(request):
                unsent.append(token)  # not acked: this worker's close puts it back in the shared queue
        # Kept until Redis took them: a lost ack would leave a lease that keeps the whole cluster waiting.
        self._to_ack += [token for token in done if token not in unsent]
        if self._to_ack:
            self.queue.ack(self._to_ack)
            self._to_ack = []
        return len(done)

    def _heartbeat(self) -> None:
        self._beat()
        self.reap()

    def _beat(self) -> None:
        info = {
            "beat": self._server_time(), "shard": self.shard, "data_dir": str(self.data_dir),
            "host": self.host, "pid": os.getpid(), "started": self._started,
        }  # fmt: skip
        self.server.hset(self.queue.workers_key, self.worker, json.dumps(info))

    def _server_time(self) -> float:
        # Redis's clock, not ours: workers on machines with skewed clocks still agree on who is stale.
        seconds, micros = self.server.time()
        return float(seconds) + float(micros) / 1e6

    def _workers(self) -> dict[str, dict[str, Any]]:
        raw: dict[bytes, bytes] = self.server.hgetall(self.queue.workers_key)
        return {k.decode(): json.loads(v) for k, v in raw.items()}

    def reap(self) -> int:
        """Recover every worker whose heartbeat is older than the lease time; how many requests came back."""
        now = self._server_time()
        back = 0
        for name, info in self._workers().items():
            if name == self.worker or now - float(info.get("beat", 0)) < self.lease_seconds:
                continue
            lock = f"{self.queue.namespace}:reaping:{name}"
            if not self.server.set(lock, self.worker, nx=True, ex=max(1, int(self.lease_seconds))):
                continue  # another survivor is on it
            marked = self._recover_shard(info)
            count = self.queue.requeue_worker(name)
            back += count
            logger.warning(
                "worker %s silent for %.0f s: %d leased requests back in the queue, %d records of its "
                "shard marked seen", name, now - float(info.get("beat", 0)), count, marked,
            )  # fmt: skip
            self._inc("newsspider/distributed/workers_lost")
            self._inc("newsspider/distributed/requeued", count)
        return back

    def _recover_shard(self, info: dict[str, Any]) -> int:
        """Mark the lines a dead worker wrote but had not marked, before its requests are fetched again.

        Only for a shard on this machine in our data folder (another machine's files are not ours to
        see: that worker recovers its shard when it starts again under the same name), and only when its
        process is really gone, not just slow: recovery repairs the files' tails.
        """
        if info.get("host") != self.host or info.get("data_dir") != str(self.data_dir):
            return 0
        try:
            os.kill(int(info.get("pid", 0)), 0)
        except ProcessLookupError:
            pass
        except (PermissionError, ValueError):
            return 0
        else:
            return 0  # alive, only stalled: leave its files alone
        return recover(shared_state(self.crawler), self.data_dir, str(info.get("shard", "")))

    def _cluster_busy(self) -> bool:
        if len(self.queue) > 0:
            return True
        workers = self._workers()
        if any(not info.get("started") for info in workers.values()):
            return True  # a worker still sending its start requests
        pipe = self.server.pipeline(transaction=False)
        for name in workers:
            pipe.hlen(f"{self.queue.namespace}:leases:{name}")
        return any(int(n) for n in pipe.execute())

    def _spider_idle(self, spider: Spider | None = None) -> None:
        """Keep this worker open until the whole cluster has had nothing to do for the idle time."""
        try:
            self.ack_finished()
            if not self._started:
                self._started = True  # the engine is idle only once every start request was scheduled
                self._beat()
            busy = self._cluster_busy()
        except redis.RedisError as exc:
            self._redis_failed(exc)
            raise DontCloseSpider from exc
        if busy:
            self._idle_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self._idle_since is None:
            self._idle_since = now
            self._sync_pipelines()
        if now - self._idle_since < self.idle_seconds:
            raise DontCloseSpider
        self._cluster_finished = True

    def _sync_pipelines(self) -> None:
        # Commit the store's pending seen-marks now rather than at close: the crawl may be declared finished
        # by another worker, and the next run must not find an article written but not yet marked.
        scraper = getattr(self.crawler.engine, "scraper", None)
        for pipeline in getattr(getattr(scraper, "itemproc", None), "middlewares", ()):
            sync = getattr(pipeline, "sync", None)
            if callable(sync):
                sync()

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(key, count)
