"""The last check before a request leaves the machine: none to a challenged host, none once a shutdown began.

Downloader middlewares see a request before it waits in its host's download slot, the per-host queue where
Scrapy applies ``DOWNLOAD_DELAY`` and the per-host concurrency; up to ``CONCURRENT_REQUESTS`` requests can
wait there. So two things a middleware cannot stop:

- a host answers with an anti-bot challenge: the requests already queued for it passed
  :class:`~newsspider.middlewares.challenge.ChallengeMiddleware` before, and would each get the challenge
  again (against a 瑞数 site, the way to an IP ban);
- Ctrl-C or SIGTERM: Scrapy's graceful stop downloads every request already in the slots before it closes,
  one delay apart, which with AutoThrottle can mean minutes of requests past a service manager's timeout.

:class:`SendGate` is the download handler for ``http`` and ``https`` (``DOWNLOAD_HANDLERS``). It asks the
challenge middleware (the one set of challenged hosts, through ``Crawler.get_downloader_middleware``) and the
engine's state right before handing the request to Scrapy's own HTTP handler, and raises ``IgnoreRequest``
instead: dropped on purpose, so the spider reports it as skipped (``challenge`` / ``shutdown``), not failed,
and nothing is marked seen. It also empties the download queues at once, instead of refusing their
requests one download delay apart: a challenged host's requests when the challenge comes (they would hold
places of ``CONCURRENT_REQUESTS`` that other sites' requests wait for), and every request once a shutdown
began, so the process exits as soon as the answers already in flight and the pipelines are done. With
``JOBDIR``, the spider's requests a shutdown drops go back in the scheduler's queue, which Scrapy writes to
the job folder for the resumed run (:meth:`SendGate._keep_for_resume`).

Settings: ``NEWSSPIDER_SEND_HANDLERS`` (scheme → handler class that really sends; default Scrapy's
``DOWNLOAD_HANDLERS_BASE``, the HTTP/1.1 handler; ``{"https": "scrapy.core.downloader.handlers.http2.
H2DownloadHandler"}`` for HTTP/2).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.core.scheduler import Scheduler
from scrapy.exceptions import IgnoreRequest, NotSupported
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet.task import LoopingCall

from newsspider import signals as ns_signals
from newsspider.middlewares.challenge import ChallengeMiddleware
from newsspider.middlewares.refusals import SHUTDOWN_MESSAGE, NotSent

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Self

    from scrapy import Request
    from scrapy.core.downloader.handlers import DownloadHandlerProtocol
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.internet.defer import Deferred

__all__ = ["SHUTDOWN_MESSAGE", "SendGate"]

logger = logging.getLogger(__name__)

WATCH_SECONDS = 0.2
"""How often the gate looks whether a shutdown began (an attribute read; see :meth:`SendGate._watch`)."""
_CRAWLER_ATTR = "_newsspider_send_gate"


def _keeps_job_queue(crawler: Crawler) -> bool:
    """Whether the scheduler keeps its queue in a job folder: Scrapy's own scheduler with ``JOBDIR`` (the
    distributed one keeps it in Redis and takes back unsent requests itself, by their ``ns_not_sent``)."""
    scheduler = load_object(crawler.settings.get("SCHEDULER"))
    return bool(crawler.settings.get("JOBDIR")) and issubclass(scheduler, Scheduler)


class SendGate(BaseDownloadHandler):
    """Download handler for http/https that refuses challenged hosts and, during a shutdown, everything."""

    lazy = False  # built with the downloader, so the shutdown watch starts with the engine

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._senders: dict[str, DownloadHandlerProtocol] = {}
        self._challenge: ChallengeMiddleware | None = None
        self._looked_up = False
        self._dropped = 0
        self._watcher = LoopingCall(self._watch)
        self._closed = False
        self._stopping = False
        self._kept = 0
        self._job_queue = _keeps_job_queue(crawler)
        crawler.signals.connect(self._engine_started, signal=signals.engine_started)
        crawler.signals.connect(self._challenged, signal=ns_signals.challenge_detected)
        crawler.signals.connect(self._stop_sending, signal=ns_signals.stopping)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        # Scrapy builds one handler per scheme: http and https share one gate per crawler (one watch, one
        # count), kept on the crawler like the state store, never in a module global.
        gate = getattr(crawler, _CRAWLER_ATTR, None)
        if not isinstance(gate, cls):
            gate = cls(crawler)
            setattr(crawler, _CRAWLER_ATTR, gate)
        return gate

    # -- the check --------------------------------------------------------------------------------------

    def shutting_down(self) -> bool:
        """Whether a graceful stop (Ctrl-C, SIGTERM, ``Crawler.stop``) has begun, or the crawl said it is
        closing on an error of its own (``newsspider.signals.stopping``).

        Scrapy sends no signal when a stop begins: ``spider_closed`` and ``engine_stopped`` come only after
        every queued request was downloaded, which is what must not happen. ``ExecutionEngine.stop_async``
        sets the engine's public ``running`` attribute to False first thing (not in Scrapy's documented API;
        no documented equivalent exists). The crawler's ``crawling`` would do for a crawl, but it is never
        set in ``scrapy shell``, whose engine runs all the same.
        """
        return self._stopping or not self.crawler.engine.running

    def _stop_sending(self, reason: str = "", **_: Any) -> None:
        self._stopping = True
        self._watch()  # empty the queues now, not at the next look

    def _challenge_middleware(self) -> ChallengeMiddleware | None:
        if not self._looked_up:
            # Only callable once the engine exists; the first download is after that.
            self._challenge = self.crawler.get_downloader_middleware(ChallengeMiddleware)
            self._looked_up = True
        return self._challenge

    def refusal(self, request: Request) -> IgnoreRequest | None:
        """Why ``request`` must not be sent now (counted as the challenge middleware counts), else None."""
        if self.shutting_down():
            return self._shutdown_refusal(request)
        middleware = self._challenge_middleware()
        return middleware.refusal(request) if middleware is not None else None

    def _shutdown_refusal(self, request: Request) -> NotSent:
        if not self._dropped:
            logger.info(
                "Shutting down: requests not sent yet are %s",
                "kept in the job folder (JOBDIR) for the resumed run"
                if self._job_queue
                else "dropped (the next run fetches them)",
            )
        self._keep_for_resume(request)
        self._dropped += 1
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("newsspider/shutdown_dropped")
        # For a scheduler that hands requests out (the distributed one): this one was never handled.
        refused = NotSent()
        request.meta["ns_not_sent"] = refused.reason
        return refused

    def _keep_for_resume(self, request: Request) -> None:
        """With ``JOBDIR``, put a spider request the shutdown stopped back in the scheduler, which writes its
        queue to the job folder when it closes (after the downloader is empty, so after this).

        Dropped, it would be lost to the resumed run: the scheduler's dupefilter marked it seen when it was
        queued, so nothing asks for it again. A dropped listing page ended its column there (the rest of a
        backfill never fetched, and the resumed run exited 0); a dropped article was skipped by every later
        run once the resumed one had read its column to the end. It goes back with ``dont_filter``, past the
        dupefilter that saw it. Only the spider's own requests (``ns_kind``): robots.txt and the other
        requests middlewares send themselves are asked again by whoever needs them, and their callbacks are
        no spider methods, so they cannot be written to the job folder anyway.
        """
        if not self._job_queue or not request.meta.get("ns_kind"):
            return
        meta = {key: value for key, value in request.meta.items() if key != "ns_not_sent"}
        # engine.crawl is Scrapy's public way in; the engine sends nothing more once its stop began.
        self.crawler.engine.crawl(request.replace(dont_filter=True, meta=meta))
        self._kept += 1

    # -- the download handler API ------------------------------------------------------------------------

    async def download_request(self, request: Request) -> Response:
        refused = self.refusal(request)
        if refused is not None:
            raise refused
        return await self._sender(urlparse_cached(request).scheme).download_request(request)

    def _sender(self, scheme: str) -> DownloadHandlerProtocol:
        sender = self._senders.get(scheme)
        if sender is None:
            settings = self.crawler.settings
            path = settings.getdict("NEWSSPIDER_SEND_HANDLERS").get(scheme) or settings.getdict(
                "DOWNLOAD_HANDLERS_BASE"
            ).get(scheme)
            cls: Any = load_object(path) if path else None
            if cls is None or issubclass(cls, SendGate):
                raise NotSupported(f"no handler to send {scheme}:// requests (NEWSSPIDER_SEND_HANDLERS)")
            sender = build_from_crawler(cls, self.crawler)
            self._senders[scheme] = sender
        return sender

    async def close(self) -> None:
        # Called once per scheme Scrapy built the gate for: the shared gate closes its senders once.
        if self._closed:
            return
        self._closed = True
        if self._watcher.running:
            self._watcher.stop()
        if self._dropped:
            kept = f" ({self._kept} kept in the job folder)" if self._job_queue else ""
            logger.info("%d requests not sent because of the shutdown%s", self._dropped, kept)
        for sender in self._senders.values():
            await sender.close()

    # -- the shutdown watch ------------------------------------------------------------------------------

    def _engine_started(self) -> None:
        if not self._watcher.running and not self._closed:
            self._watcher.start(WATCH_SECONDS, now=False).addErrback(
                lambda failure: logger.error("shutdown watch stopped: %s", failure.getTraceback())
            )

    def _watch(self) -> None:
        """Once a shutdown began, fail every request waiting in a download slot at once (and the ones that
        reach a slot later, from a middleware that was still waiting for robots.txt).

        Refusing them one by one in :meth:`download_request` would still take one download delay each
        (the slot paces its queue, not the network). ``Downloader.slots`` and ``Slot.queue`` (pairs of a
        request and the Deferred its download waits on) are public names of Scrapy's downloader, though not
        in its documented API; the retry-after middleware reads the same slots.
        """
        if self.shutting_down():
            self._empty_queues(self._shutdown_refusal)

    def _challenged(self, **_: Any) -> None:
        # The requests queued for the host would be refused one download delay apart, each holding a place
        # of CONCURRENT_REQUESTS meanwhile, so other sites' requests would wait behind them: refuse them now.
        middleware = self._challenge_middleware()
        if middleware is not None:
            self._empty_queues(middleware.refusal)

    def _empty_queues(self, refusal: Callable[[Request], IgnoreRequest | None]) -> None:
        """Fail every request waiting in a download slot that ``refusal`` refuses; keep the others in order."""
        refused: list[tuple[Deferred[Response], IgnoreRequest]] = []
        for slot in list(self.crawler.engine.downloader.slots.values()):
            waiting = list(slot.queue)
            slot.queue.clear()
            for request, download in waiting:
                error = refusal(request)
                if error is None:
                    slot.queue.append((request, download))
                else:
                    refused.append((download, error))
        # After the queues are consistent again: a failed download runs the request's errback chain.
        for download, error in refused:
            download.errback(error)
