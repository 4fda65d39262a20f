"""Durable JSON Lines output: ``DATA/<site>/<YYYY-MM-DD>[.<shard>].jsonl``, then the seen-mark.

Why not Scrapy's FEEDS: a feed exporter buffers and writes on its own schedule and gives no hook after a
record is on disk, so the state store could not tie an article's seen-mark to a durable write; a crash
would either lose records that were marked seen or write them twice on the next run. Here each record is
one ``os.write`` of a complete line; every N records or T ms the files are fsync'ed and only then are the
marks of exactly those records committed, together with each file's marked-up-to offset (the journal).
On the next start, :func:`recover` repairs a torn last line and marks the lines written after the journal
offset (written, not yet marked), so they are neither lost nor fetched and written again.
"""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DropItem

from newsspider import signals as ns_signals
from newsspider.items import fields_of
from newsspider.safepath import UnsafePathError
from pipelines.durable import SyncBatches
from pipelines.record_json import ENTRY_FIELDS, dump_line, entry_of
from pipelines.state import STORAGE_ERRORS, SeenEntry, SharedState, stop_crawl

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from pipelines.state import RemovedEvent, StateStore

__all__ = [
    "REBUILD_MARK",
    "RESERVED_SITES",
    "SITE_KEY",
    "JsonLinesStorePipeline",
    "append_durable",
    "check_shard",
    "check_site",
    "events_path",
    "rebuild",
    "record_path",
    "record_removal",
    "recover",
    "repair_tail",
    "write_event",
]

logger = logging.getLogger(__name__)

_CHUNK = 1 << 16


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _last_line_start(fd: int, end: int) -> int:
    """Offset where the last line of ``[0, end)`` starts (a final ``\\n`` belongs to that line)."""
    pos = end - 1
    while pos > 0:
        start = max(0, pos - _CHUNK)
        cut = os.pread(fd, pos - start, start).rfind(b"\n")
        if cut >= 0:
            return start + cut + 1
        pos = start
    return 0


def repair_tail(path: Path) -> int:
    """Cut a torn or unreadable last line off ``path`` (left by a kill or a power cut); return the size.

    Every line before it was written whole by one ``os.write``, so only the tail needs checking.
    """
    fd = os.open(path, os.O_RDWR)
    try:
        size = os.fstat(fd).st_size
        while size > 0:
            start = _last_line_start(fd, size)
            tail = os.pread(fd, size - start, start)
            if tail.endswith(b"\n"):
                try:
                    json.loads(tail)
                except ValueError:
                    pass
                else:
                    break
            logger.warning("%s: cutting a torn last line (%d bytes) at offset %d", path, len(tail), start)
            os.ftruncate(fd, start)
            os.fsync(fd)
            size = start
        return size
    finally:
        os.close(fd)


def append_durable(path: Path, lines: list[bytes]) -> None:
    """Append complete lines to ``path`` and fsync (events, quarantine: rare, so no batching)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        repair_tail(path)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        for line in lines:
            _write_all(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def _utc_date(fetched_at: str | None) -> str:
    when = datetime.fromisoformat(fetched_at) if fetched_at else datetime.now(UTC)
    return when.astimezone(UTC).date().isoformat()


SITE_KEY = re.compile(r"[a-z0-9][a-z0-9-]*")
RESERVED_SITES = frozenset({"runs", "logs", "quarantine"})
_SHARD = re.compile(r"[A-Za-z0-9_-]+")
REBUILD_MARK = "(rebuild)"
"""Journal key present while the state is being rebuilt from the data folder."""


def check_site(site: Any) -> str:
    """``site`` if it is a usable site key; ValueError otherwise (it becomes a folder name)."""
    if not isinstance(site, str) or not SITE_KEY.fullmatch(site) or site in RESERVED_SITES:
        raise UnsafePathError(f"site key {site!r} is not [a-z0-9-]+ (or is runs/logs/quarantine)")
    return site


def check_shard(shard: str) -> str:
    """``shard`` if it is usable in a file name ("" for none); ValueError otherwise."""
    if shard and not _SHARD.fullmatch(shard):
        raise UnsafePathError(f"NEWSSPIDER_SHARD {shard!r} is not [A-Za-z0-9_-]+")
    return shard


def _suffix(shard: str) -> str:
    return f".{check_shard(shard)}.jsonl" if shard else ".jsonl"


def record_path(data_dir: Path, site: str, fetched_at: str | None, shard: str = "") -> Path:
    """Where a record goes: its site folder, its UTC fetch date, this writer's shard."""
    return data_dir / check_site(site) / f"{_utc_date(fetched_at)}{_suffix(shard)}"


def events_path(data_dir: Path, site: str, at: str, shard: str = "") -> Path:
    return data_dir / check_site(site) / "events" / f"{_utc_date(at)}{_suffix(shard)}"


def _shard_of(rel: str) -> str:
    parts = Path(rel).name.split(".")
    return parts[1] if len(parts) == 3 else ""


def recover(state: StateStore, data_dir: Path, shard: str = "") -> int:
    """Finish what a killed run left: repair journalled files of this shard and mark the lines written
    after their journal offset. Returns how many records were marked."""
    marked = 0
    for rel, offset in state.journal_pending().items():
        if rel == REBUILD_MARK or _shard_of(rel) != shard:
            continue  # another worker's file: it may be writing it right now
        path = data_dir / rel
        if not path.exists():
            state.journal_clear(rel)
            continue
        size = repair_tail(path)
        entries: list[SeenEntry] = []
        if offset < size:
            with path.open("rb") as f:
                f.seek(offset)
                entries = [entry_of(json.loads(line)) for line in f if line.strip()]
        state.commit(entries, {rel: size})
        state.journal_clear(rel)
        marked += len(entries)
        if entries:
            logger.warning("%s: marked %d records written by an interrupted run", rel, len(entries))
    return marked


def rebuild(state: StateStore, data_dir: Path) -> int:
    """Mark every record in the data folder seen (the newest version of each URL wins): what an empty
    state store needs when the data folder is not, e.g. after a corrupt state.sqlite was moved away, so
    the next run does not write every article a second time. Returns how many records were read."""
    read = 0
    for path in sorted(data_dir.glob("*/*.jsonl")):
        if path.parent.name in RESERVED_SITES:
            continue
        newest: dict[str, SeenEntry] = {}
        with path.open("rb") as f:
            for line in f:
                try:
                    entry = entry_of(json.loads(line))
                except (ValueError, KeyError, TypeError):
                    continue  # a torn last line: the dataset loader skips it too
                read += 1
                if entry.url not in newest or entry.version >= newest[entry.url].version:
                    newest[entry.url] = entry
        keep = [e for e in newest.values() if (old := state.get(e.url)) is None or old.version <= e.version]
        state.commit(keep, {})
    if read:
        logger.warning("empty state store: rebuilt from %d records under %s", read, data_dir)
    return read


class JsonLinesStorePipeline:
    """Append each record to its day file; commit seen-marks only for fsync'ed lines
    (:class:`~pipelines.durable.SyncBatches`).

    Settings: ``NEWSSPIDER_DATA_DIR``, ``NEWSSPIDER_SHARD``, ``NEWSSPIDER_FSYNC_EVERY`` (records, default
    32) and ``NEWSSPIDER_FSYNC_MS`` (default 1000). Batching loses nothing: a kill leaves written lines in
    the page cache and :func:`recover` marks them; a power cut loses unsynced lines and their marks alike.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.data_dir = Path(settings.get("NEWSSPIDER_DATA_DIR", "data"))
        self.shard = check_shard(settings.get("NEWSSPIDER_SHARD", "") or "")
        self.fsync_every = max(1, settings.getint("NEWSSPIDER_FSYNC_EVERY", 32))
        self.fsync_seconds = settings.getint("NEWSSPIDER_FSYNC_MS", 1000) / 1000
        self._fds: dict[str, int] = {}
        self._paths: dict[tuple[str, str], tuple[Path, str]] = {}
        self._offsets: dict[str, int] = {}
        self._broken: str | None = None
        self._batches = SyncBatches(
            lambda: self.state, every=self.fsync_every, seconds=self.fsync_seconds, failed=self._stop
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonLinesStorePipeline:
        return cls(crawler)

    state = SharedState()

    def open_spider(self) -> None:
        try:
            recover(self.state, self.data_dir, self.shard)
            # The marker makes a rebuild cut short by a kill start over, instead of leaving a half-filled
            # store that would no longer look empty.
            if REBUILD_MARK in self.state.journal_pending() or self.state.count() == 0:
                self.state.journal_begin(REBUILD_MARK, 0)
                rebuild(self.state, self.data_dir)
                self.state.journal_clear(REBUILD_MARK)
        except STORAGE_ERRORS as exc:
            # A full disk before the first record: said in one line, the crawl stopped once it is open
            # (an error raised here would end the run in engine tracebacks). Nothing is written meanwhile.
            self._broken = f"{type(exc).__name__}: {exc}"

            def stop(failure: BaseException = exc, **_: Any) -> None:
                stop_crawl(self.crawler, failure)

            self.crawler.signals.connect(stop, signal=signals.spider_opened, weak=False)

    def process_item(self, item: Any) -> Any:
        if self._broken is not None:
            raise DropItem(f"not written: the output failed earlier ({self._broken})")
        fields = fields_of(item)
        record: dict[str, Any] = {key: fields.get(key) for key in ENTRY_FIELDS}
        path, rel = self._where(record["site"], record["fetched_at"])
        try:
            fd = self._open(path, rel)
            line = dump_line(item)
            _write_all(fd, line)
            self._offsets[rel] += len(line)
            self._batches.written(rel, fd, self._offsets[rel], entry_of(record))
        except STORAGE_ERRORS as exc:
            self._stop(exc)
            raise DropItem(f"not written: {exc}") from exc
        return item

    def _stop(self, exc: BaseException) -> None:
        self._broken = stop_crawl(self.crawler, exc)

    def sync(self) -> None:
        """fsync every file written and not yet synced, then commit the marks of those records."""
        self._batches.sync()

    def close_spider(self) -> None:
        if self._broken is None:
            try:
                self.sync()
            except STORAGE_ERRORS as exc:
                self._stop(exc)
        for rel, fd in self._fds.items():
            os.close(fd)
            if self._broken is None:
                self.state.journal_clear(rel)
        self._fds = {}

    def _where(self, site: str, fetched_at: str | None) -> tuple[Path, str]:
        """The record's file and its path relative to the data folder (the journal's key)."""
        key = (site, _utc_date(fetched_at))
        found = self._paths.get(key)
        if found is None:
            path = record_path(self.data_dir, site, fetched_at, self.shard)
            found = self._paths[key] = (path, path.relative_to(self.data_dir).as_posix())
        return found

    def _open(self, path: Path, rel: str) -> int:
        fd = self._fds.get(rel)
        if fd is not None:
            return fd
        path.parent.mkdir(parents=True, exist_ok=True)
        size = repair_tail(path) if path.exists() else 0
        # Journal first: from now on, lines past ``size`` may exist that are not marked yet.
        self.state.journal_begin(rel, size)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._fds[rel] = fd
        self._offsets[rel] = size
        return fd


def write_event(data_dir: Path, event: RemovedEvent, shard: str = "") -> Path:
    """Append a ``removed`` event to ``DATA/<site>/events/<date>[.<shard>].jsonl``."""
    path = events_path(data_dir, event.site or "unknown", event.at, shard)
    append_durable(path, [dump_line({"event": "removed", **event.__dict__})])
    return path


def record_removal(
    crawler: Crawler, state: StateStore, event: RemovedEvent, data_dir: Path, shard: str = ""
) -> None:
    """A takedown, recorded once everywhere it is read: the state's list (:func:`pipelines.state.taken_down`),
    the site's events file, and the run report (the ``article_removed`` signal)."""
    state.record_removed(event)
    write_event(data_dir, event, shard)
    crawler.signals.send_catch_log(
        signal=ns_signals.article_removed, url=event.url, site=event.site, column=event.column,
        status=event.status, reason=event.reason,
    )  # fmt: skip
