"""When the store's records become durable: batches of lines fsync'ed, then exactly their marks committed.

Every ``NEWSSPIDER_FSYNC_EVERY`` records or ``NEWSSPIDER_FSYNC_MS`` the files written since the last batch are
fsync'ed, and only then are the seen-marks of those records committed to the state store, with each file's
marked-up-to offset (the journal that :func:`pipelines.store.recover` reads after a kill).

During a crawl (a running reactor) the fsync runs in a thread: the crawl's one thread downloads, parses and
stores everything, and an fsync stopped all of it (about 1 ms, 20 times a second on the benchmark's SSD, 2%
of the crawl; a disk taking 20 ms would stop the crawl for half of every second). The marks are still
committed on the crawl's thread, when the fsync has returned, one batch after the other in the order they
were written. One fsync is in flight at a time; the lines written meanwhile wait for the next, which makes
batches larger when the disk is slow. Should the disk fall far behind (``backlog`` records waiting), the
crawl waits for it, as it always did. Without a running reactor (tests, tools) every batch is synchronous.

What a kill or power cut leaves is the same either way: lines are only ever marked after their fsync.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scrapy.utils.reactor import is_reactor_installed
from twisted.internet.threads import deferToThread

if TYPE_CHECKING:
    from collections.abc import Callable

    from twisted.python.failure import Failure

    from pipelines.state import SeenEntry, StateStore

__all__ = ["SyncBatches"]


@dataclass
class _Batch:
    entries: list[SeenEntry] = field(default_factory=list)
    offsets: dict[str, int] = field(default_factory=dict)
    """Each file written in the batch (path relative to the data folder) and its size after it."""
    fds: dict[str, int] = field(default_factory=dict)
    committed: bool = False


def _fsync_and_close(fds: list[int]) -> None:
    # Our own duplicates of the store's descriptors: the store may close its own (a day's file at the end
    # of the crawl) while this runs, and a closed number may be given to another file.
    try:
        for fd in fds:
            os.fsync(fd)
    finally:
        for fd in fds:
            os.close(fd)


def _reactor_running() -> bool:
    if not is_reactor_installed():  # importing the reactor would install one: tests choose their own
        return False
    from twisted.internet import reactor

    return bool(getattr(reactor, "running", False))


class SyncBatches:
    """The batches of one store. ``written`` after each line; ``sync`` to make everything durable now;
    ``failed`` is called (on the crawl's thread) with what an fsync or a commit raised."""

    def __init__(
        self,
        state: Callable[[], StateStore],
        *,
        every: int,
        seconds: float,
        failed: Callable[[BaseException], None],
    ) -> None:
        self._state = state
        self.every = every
        self.seconds = seconds
        # Records waiting for an fsync in flight before the crawl waits for the disk: with the batch in
        # flight, at most twice this many are uncommitted, well within what the version pipeline remembers
        # of this run (10,000 records or more).
        self.backlog = max(4 * every, 1024)
        self._failed = failed
        self._current = _Batch()
        self._in_flight: _Batch | None = None
        self._last = time.monotonic()
        self._stopped = False

    def written(self, rel: str, fd: int, offset: int, entry: SeenEntry) -> None:
        """One record's line is written to the file ``rel`` (open as ``fd``), which is now ``offset`` long."""
        batch = self._current
        batch.entries.append(entry)
        batch.offsets[rel] = offset
        batch.fds[rel] = fd
        if self._current_is_due():
            self._due()

    def _current_is_due(self) -> bool:
        """The lines written since the last batch are ``every`` records, or ``seconds`` old."""
        return len(self._current.entries) >= self.every or time.monotonic() - self._last >= self.seconds

    def _due(self) -> None:
        if not _reactor_running():
            self.sync()
        elif self._in_flight is None:
            self._start()
        elif len(self._current.entries) >= self.backlog:
            self.sync()  # the disk is far behind: wait for it, so what is uncommitted stays bounded

    def _start(self) -> None:
        batch, self._current = self._current, _Batch()
        self._in_flight = batch
        self._last = time.monotonic()
        fds = [os.dup(fd) for fd in batch.fds.values()]
        done = deferToThread(_fsync_and_close, fds)
        done.addCallbacks(self._synced, self._sync_failed, callbackArgs=(batch,), errbackArgs=(batch,))

    def _synced(self, _: object, batch: _Batch) -> None:
        if self._in_flight is batch:
            self._in_flight = None
        try:
            self._commit(batch)
        except Exception as exc:  # noqa: BLE001  (on the reactor's thread: say it, stop the crawl)
            self._stop(exc)
            return
        # None started since by a sync() that waited for the disk, and lines are waiting for the next one.
        if self._in_flight is None and self._current.entries and self._current_is_due():
            self._start()

    def _sync_failed(self, failure: Failure, batch: _Batch) -> None:
        if self._in_flight is batch:
            self._in_flight = None
        if not batch.committed:
            self._stop(failure.value or RuntimeError(failure.getErrorMessage()))

    def _stop(self, exc: BaseException) -> None:
        if not self._stopped:
            self._stopped = True
            self._failed(exc)

    def _commit(self, batch: _Batch) -> None:
        if batch.committed or self._stopped:
            return
        if batch.entries or batch.offsets:
            self._state().commit(batch.entries, batch.offsets)
        batch.committed = True

    def sync(self) -> None:
        """fsync every file written and not yet synced, then commit the marks: the batch in flight first,
        then the current one. Raises what the fsync or the commit raised."""
        waiting = [batch for batch in (self._in_flight, self._current) if batch is not None]
        for fd in {fd for batch in waiting for fd in batch.fds.values()}:
            os.fsync(fd)  # the same open files as the thread's duplicates: their lines are on disk now
        for batch in waiting:
            self._commit(batch)
        self._in_flight = None
        self._current = _Batch()
        self._last = time.monotonic()
