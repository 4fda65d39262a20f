"""Article parsing in worker processes (``NEWSSPIDER_PARSE_PROCESSES`` > 0), surviving a worker's death.

Each worker is ``python -m newsspider.spiders.parseworker`` with pipes to it, read and written by the crawl's
own event loop. ``concurrent.futures.ProcessPoolExecutor`` was used first and is not, for two reasons:

- its manager thread pickles and unpickles in the crawl process and fights the reactor for the GIL: about
  0.23 ms of the crawl process's CPU per page against 0.05 ms for frames on a pipe (a round trip of a
  replica page and its record, 16 in flight); benchmarks/crawl.py with one worker went from 386 to about
  440 pages/s;
- one dead worker (a segfault in a C extension on a hostile page, the OOM killer) breaks the whole pool for
  good.

A dead worker is replaced and the pages it held are tried again; a page that keeps killing workers fails on
its own after ``attempts`` tries (the pages queued behind it are not charged a try), and so does a worker
whose answer cannot be read back. A page whose parse runs longer than ``timeout`` seconds (a pathological
page) gets its worker killed and fails with that reason, so one page can never stall the crawl. A failed
page is reported, not marked seen: the next run tries it again.

The workers run ``nice`` steps below the crawl process (``NEWSSPIDER_PARSE_NICE``). The crawl process is
the one that must not wait for a core: everything goes through it, and a page it is late to hand over keeps
a worker idle, while a worker that waits only lets a few pages queue (never more than are in flight). On
two cores with the replica, a niceness of 10 took the crawl from 0.68 to 0.72 of the bare spider's rate
(benchmarks/crawl.py, four runs each, interleaved; noisy). ``timeout`` is wall-clock time: where other
processes keep every core busy, a worker at +10 gets a small share, so only a page needing a good part of
the timeout in CPU time alone could be failed for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import subprocess
import sys
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsspider.spiders.parseworker import HEADER, frame

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from scrapy.http import TextResponse
    from scrapy.settings import BaseSettings

    from newsspider.items import NewsArticle
    from newsspider.parsers import ListingContext
    from newsspider.sites import SiteProfile

__all__ = ["ParsePool", "ParseTimeout", "WorkerDied"]

logger = logging.getLogger(__name__)
_WORK = "newsspider.parsers.article:parse_job"
_SITE_ARG = 4
"""Where :meth:`ParsePool.parse` puts the site profile in ``_WORK``'s arguments: kept by each worker."""
_EXIT_GRACE = 5.0


class WorkerDied(RuntimeError):
    """The worker process parsing a page died every time it was tried."""

    def __init__(self, message: str, *, started: bool = True) -> None:
        super().__init__(message)
        self.started = started
        """Whether the worker was on this page when it died (False: queued behind the page that was)."""


class ParseTimeout(RuntimeError):
    """A page took longer than the pool's timeout to parse; its worker was killed."""


class _Worker:
    """One worker process, its pipes and the jobs it holds."""

    def __init__(
        self,
        popen: subprocess.Popen[bytes],
        writer: asyncio.WriteTransport,
        timeout: float,
        on_death: Callable[[], None],
    ) -> None:
        self.popen = popen
        self.writer = writer
        self.pending: dict[int, asyncio.Future[Any]] = {}
        """Jobs sent and not answered, oldest first: the worker runs them in that order."""
        self.alive = True
        self.stopped = False
        """Shut down on purpose (:meth:`stop`): the end of its output is not a death."""
        self.reader: asyncio.ReadTransport | None = None
        self._timeout = timeout
        self._timer: asyncio.TimerHandle | None = None
        self._running_since = 0.0
        self._on_death = on_death
        self._shared: dict[int, tuple[Any, int]] = {}
        """id() of each object the worker keeps (``parseworker.Kept``) → (the object, kept here so its id stays
        its own; its number). A handful: one site profile per site."""

    def job(self, job_id: int, args: tuple[Any, ...], shared: int) -> bytes:
        """The frame of a job; ``args[shared]`` is sent whole only the first time this worker gets it."""
        value = args[shared]
        if value is None:
            return frame((job_id, args, None))
        rest = (*args[:shared], None, *args[shared + 1 :])
        known = self._shared.get(id(value))
        if known is None:
            number = len(self._shared)
            self._shared[id(value)] = (value, number)
            return frame((job_id, rest, (shared, number, value)))
        return frame((job_id, rest, (shared, known[1], None)))

    def submit(self, job_id: int, future: asyncio.Future[Any], job: bytes) -> None:
        if not self.alive:  # died since it was chosen: the page goes to another worker, no try charged
            future.set_exception(WorkerDied("the parse worker died", started=False))
            return
        self.pending[job_id] = future
        self.writer.write(job)
        if len(self.pending) == 1:
            self._job_started()

    def _job_started(self) -> None:
        """The worker is on the oldest pending job from now: its clock starts when it starts, not when the
        page was queued behind others. One timer per worker, moved on only when it fires: re-arming it for
        every page was a heap push and a cancelled handle per page in the crawl process."""
        loop = asyncio.get_running_loop()
        self._running_since = loop.time()
        if self._timer is None and self.alive:
            self._timer = loop.call_later(self._timeout, self._check_time)

    def _check_time(self) -> None:
        self._timer = None
        if not self.pending or not self.alive:
            return
        loop = asyncio.get_running_loop()
        left = self._running_since + self._timeout - loop.time()
        if left > 0:
            self._timer = loop.call_later(left, self._check_time)
            return
        # Failed here but left in ``pending`` until die(), so the page queued behind it is not taken for
        # the one the worker was on.
        future = next(iter(self.pending.values()))
        if not future.done():
            future.set_exception(
                ParseTimeout(f"parsing took longer than {self._timeout:g} s; the worker was killed")
            )
        self.die()  # the pages queued behind it are retried in a new worker

    def answered(self, answer: bytes) -> None:
        """One answer frame's payload: the job's result or exception goes to its future."""
        job_id, ok, result = pickle.loads(answer)  # noqa: S301  (our own child's answer)
        future = self.pending.pop(job_id, None)
        if self.pending:
            self._job_started()
        if future is not None and not future.done():
            if ok:
                future.set_result(result)
            else:
                future.set_exception(result if isinstance(result, BaseException) else RuntimeError(result))

    def die(self) -> None:
        """Forget the process; every job it held fails with WorkerDied (retried by the pool)."""
        if self._timer is not None:
            self._timer.cancel()
        if self.alive:
            self.alive = False
            self._on_death()
            self.writer.close()
            if self.popen.poll() is None:
                self.popen.kill()
                # Reaped now (a killed process exits at once; deaths are rare), not left a zombie.
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.popen.wait(timeout=_EXIT_GRACE)
        # The worker runs its jobs in order: only the oldest was under way when it died.
        for position, future in enumerate(self.pending.values()):
            if not future.done():
                future.set_exception(WorkerDied("the parse worker died", started=position == 0))
        self.pending.clear()

    def stop(self) -> None:
        """Close stdin so the worker exits after its current page; kill it if it does not."""
        self.alive = False
        self.stopped = True
        if self._timer is not None:
            self._timer.cancel()
        if not self.writer.is_closing():
            with contextlib.suppress(RuntimeError):  # the event loop is already closed
                self.writer.abort()
        # The transport would close the pipe on the loop's next turn; the worker sees EOF now instead.
        if self.popen.stdin is not None:
            self.popen.stdin.close()
        try:
            self.popen.wait(timeout=_EXIT_GRACE)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
        if self.reader is not None:
            with contextlib.suppress(RuntimeError):  # the event loop is already closed
                self.reader.close()


class _Answers(asyncio.Protocol):
    """A worker's stdout, cut into answer frames as bytes arrive: no task, and no await per answer, in the
    crawl process (a StreamReader with two ``readexactly`` per answer cost about as much as the answer)."""

    def __init__(self, worker: _Worker) -> None:
        self.worker = worker
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= HEADER.size:
            end = HEADER.size + HEADER.unpack_from(self.buffer)[0]
            if len(self.buffer) < end:
                return
            answer = bytes(self.buffer[HEADER.size : end])
            del self.buffer[:end]
            try:
                self.worker.answered(answer)
            except Exception:  # a frame that does not unpickle: the rest of the stream is not to be trusted
                logger.exception("unreadable answer from a parse worker; replacing it")
                self.worker.die()
                return

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.worker.stopped:
            self.worker.die()


class ParsePool:
    """``processes`` worker processes running ``work`` (a ``module:function`` reference) on article pages."""

    def __init__(
        self,
        processes: int,
        *,
        attempts: int = 3,
        timeout: float = 120.0,
        work: str = _WORK,
        on_death: Callable[[], None] | None = None,
        nice: int = 0,
    ) -> None:
        self.processes = processes
        self.attempts = attempts
        self.timeout = timeout
        self.nice = nice
        self.restarts = 0
        """How many workers died (each is replaced when the next page comes)."""
        self._work = work
        self._workers: list[_Worker] = []
        self._ids = count()
        self._starting: asyncio.Lock | None = None
        self._on_death = on_death

    @classmethod
    def from_settings(
        cls, processes: int, settings: BaseSettings, on_death: Callable[[], None] | None = None
    ) -> ParsePool:
        """A pool with ``NEWSSPIDER_PARSE_TIMEOUT`` and ``NEWSSPIDER_PARSE_NICE`` from ``settings``."""
        nice = settings.getint("NEWSSPIDER_PARSE_NICE", 10)
        if not 0 <= nice <= 19:
            # Negative would need privileges, and would put parsing before the crawl process.
            logger.warning("NEWSSPIDER_PARSE_NICE is 0 to 19, got %d: using %d", nice, min(max(nice, 0), 19))
            nice = min(max(nice, 0), 19)
        return cls(
            processes,
            timeout=settings.getfloat("NEWSSPIDER_PARSE_TIMEOUT", 120),
            on_death=on_death,
            nice=nice,
        )

    def _died(self) -> None:
        self.restarts += 1
        if self._on_death is not None:
            self._on_death()

    async def _start(self) -> _Worker:
        loop = asyncio.get_running_loop()
        # The worker imports the same code as this process, from the same places.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p and Path(p).is_dir())}
        # A blocking Popen (a fork and exec, once per worker), not asyncio's subprocess API: close() runs in
        # a synchronous signal handler at the end of the crawl and must wait for the workers itself.
        popen = subprocess.Popen(  # noqa: ASYNC220
            [sys.executable, "-m", "newsspider.spiders.parseworker", self._work, str(self.nice)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env,
        )  # fmt: skip
        assert popen.stdin is not None
        assert popen.stdout is not None
        writer, _ = await loop.connect_write_pipe(asyncio.Protocol, popen.stdin)
        worker = _Worker(popen, writer, self.timeout, self._died)
        worker.reader, _ = await loop.connect_read_pipe(lambda: _Answers(worker), popen.stdout)
        return worker

    async def _worker(self) -> _Worker:
        """The live worker holding the fewest pages; missing or dead workers are started first."""
        self._starting = self._starting or asyncio.Lock()
        async with self._starting:  # the first pages arrive together: start each worker once
            # Until one is alive when the awaits are done: a worker may die while another starts.
            while len(live := [w for w in self._workers if w.alive]) < self.processes:
                self._workers = live
                self._workers.append(await self._start())
        return min(live, key=lambda w: len(w.pending))

    async def _once(self, args: tuple[Any, ...]) -> NewsArticle:
        worker = await self._worker()
        job_id = next(self._ids)
        future: asyncio.Future[NewsArticle] = asyncio.get_running_loop().create_future()
        worker.submit(job_id, future, worker.job(job_id, args, _SITE_ARG))
        return await future

    async def parse(
        self, response: TextResponse, site: SiteProfile, fetched_at: datetime, listing: ListingContext
    ) -> NewsArticle:
        # As plain_headers gives it to the parser in this process: repeated values joined.
        content_types = response.headers.getlist(b"Content-Type")
        args = (
            response.body,
            response.url,
            response.status,
            b", ".join(content_types).decode("latin-1") if content_types else None,
            site,
            fetched_at.isoformat(),
            (listing.title, listing.date_raw, listing.column),
        )
        tries = 0
        while True:
            try:
                return await self._once(args)
            except WorkerDied as death:
                if not death.started:
                    continue  # queued behind the page that killed the worker: not a try of this one
                tries += 1
                logger.warning("a parse worker died while parsing %s (try %d of %d)", response.url, tries,
                               self.attempts)  # fmt: skip
                if tries >= self.attempts:
                    raise WorkerDied(f"the parse worker died on each of {self.attempts} tries") from None

    def close(self) -> None:
        for worker in self._workers:
            worker.stop()
        self._workers = []
        self._starting = None
