"""VersionPipeline: identity is the canonical URL; same content again is dropped, changed content is a new
version, and the same content under another URL is linked with ``duplicate_of``, never dropped.

A re-fetch with no body of an article whose stored version had one (a soft-404 "页面不存在" page served
with HTTP 200, a page emptied by its site) is not a new version: the stored version stays the latest, the
empty fetch goes to quarantine as ``emptied`` and a ``removed`` event with reason "emptied" is written, as
for a 404 takedown. When the text comes back, it is compared with the kept version as usual."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem

from newsspider.items import fields_of
from newsspider.textnorm import content_hash as hash_text
from pipelines.record_json import ENTRY_FIELDS, as_record, entry_of
from pipelines.state import (
    STORAGE_ERRORS,
    RemovedEvent,
    SeenEntry,
    SharedState,
    stop_crawl,
    taken_down,
    title_hash,
)
from pipelines.store import record_removal
from pipelines.validate import Quarantined, quarantine

if TYPE_CHECKING:
    from collections.abc import Mapping

    from scrapy.crawler import Crawler

__all__ = ["EMPTIED", "Unchanged", "VersionPipeline", "compare"]

EMPTIED = "emptied"
"""The quarantine code and takedown-event reason of a re-fetch that lost the stored version's text."""

# The hash of an empty body: title-only records would otherwise all be "duplicates" of each other.
_EMPTY_HASH = hash_text("")


class Unchanged(DropItem):
    """The article was fetched again and nothing that matters changed."""

    def __init__(self, url: str) -> None:
        # Fetching an article again and finding it unchanged is the normal case of a --refresh-days run:
        # at WARNING, Scrapy's default for a drop, the nightly cron mail listed every unchanged article.
        super().__init__(f"unchanged: {url}", log_level="DEBUG")
        self.url = url


def compare(previous: SeenEntry, record: dict[str, Any]) -> list[str]:
    """Which of title, text and published_at differ from the stored version."""
    changed = []
    if title_hash(record.get("title") or "") != previous.title_hash:
        changed.append("title")
    if record.get("content_hash") != previous.content_hash:
        changed.append("text")
    if record.get("published_at") != previous.published_at:
        changed.append("published_at")
    return changed


def _trim(remembered: dict[str, Any], size: int) -> None:
    while len(remembered) > size:
        del remembered[next(iter(remembered))]  # dicts keep insertion order: the oldest goes


class VersionPipeline:
    """Set ``version``, ``previous_hash``, ``changed`` and ``duplicate_of`` from the state store.

    Records of this run that are not committed yet (the store batches its fsyncs) are looked up in
    ``self._run``, so a second fetch of the same URL within one run is versioned against the first.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._run: dict[str, SeenEntry] = {}
        self._run_hashes: dict[str, str] = {}
        # Only records the store has not committed yet need remembering here: the store commits at
        # least every NEWSSPIDER_FSYNC_EVERY records, so a window well above that keeps memory flat
        # over a run of any length.
        self._window = max(10_000, 4 * crawler.settings.getint("NEWSSPIDER_FSYNC_EVERY", 32))
        self.data_dir = Path(crawler.settings.get("NEWSSPIDER_DATA_DIR", "data"))
        self.shard: str = crawler.settings.get("NEWSSPIDER_SHARD", "") or ""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> VersionPipeline:
        return cls(crawler)

    state = SharedState()

    def process_item(self, item: Any) -> Any:
        try:
            return self._version(item)
        except STORAGE_ERRORS as exc:
            raise DropItem(f"not versioned: {stop_crawl(self.crawler, exc)}") from exc

    def _version(self, item: Any) -> Any:
        adapter = fields_of(item)
        # The fields a version is decided on, read one by one: converting the whole record (paragraphs,
        # directives) to a dict only to read these cost more than the rest of this pipeline.
        record: dict[str, Any] = {key: adapter.get(key) for key in ENTRY_FIELDS}
        url: str = record["canonical_url"] or record["url"]
        chash = record.get("content_hash") or ""
        previous = self._run.get(url)
        stored_owner: str | None = None  # the stored URL of chash, looked up with the entry
        if looked_up := previous is None:
            previous, stored_owner = self.state.version_basis(url, chash)
        if previous is not None:
            if previous.content_hash != _EMPTY_HASH and not _has_body(adapter, record):
                raise self._emptied(item, previous)
            changed = compare(previous, record)
            if not changed:
                self.state.touch(url, record.get("fetched_at") or datetime.now(UTC).isoformat())
                self._inc("newsspider/unchanged")
                raise Unchanged(url)
            adapter["version"] = previous.version + 1
            adapter["previous_hash"] = previous.content_hash
            adapter["changed"] = changed
        else:
            adapter["version"] = 1
            adapter["previous_hash"] = None
            adapter["changed"] = []
        if chash and chash != _EMPTY_HASH:
            first = self._run_hashes.get(chash) or (
                stored_owner if looked_up else self.state.url_for_hash(chash)
            )
            adapter["duplicate_of"] = first if first and first != url else None
            self._run_hashes.setdefault(chash, url)
            _trim(self._run_hashes, self._window)
        self._run[url] = entry_of({**record, "version": adapter["version"]})
        _trim(self._run, self._window)
        return item

    def _emptied(self, item: Any, previous: SeenEntry) -> Quarantined:
        """Keep ``previous`` as the latest version of an article that now comes back without its text.

        Storing the empty page as a new version would replace the article in every latest-version view
        (``dataset.load``) with a "提示信息" page. The site most likely took the article down behind an
        HTTP 200: a ``removed`` event with reason "emptied" says so, once per emptying (recorded in the state's
        takedown list, as a 404 is), and the empty page goes to quarantine. The seen entry is not touched, and
        a takedown on record does not stop --refresh-days runs from fetching the article again: if its text is
        back, it is compared with the kept version as usual (unchanged, or a new version); if still empty, it
        is quarantined again at INFO.
        """
        adapter = fields_of(item)
        site = adapter.get("site") or previous.site or "unknown"
        # The fetch time, as the kept version's last_seen is: the two are compared by taken_down.
        at = adapter.get("fetched_at") or datetime.now(UTC).isoformat(timespec="seconds")
        repeat = taken_down(self.state, previous)
        if not repeat:
            event = RemovedEvent(
                url=previous.url,
                site=site,
                column=adapter.get("column"),
                status=int(adapter.get("http_status") or 200),
                reason=EMPTIED,
                at=at,
            )
            # As a 404 takedown is: the run report counts it removed (and, its empty page quarantined, also
            # quarantined).
            record_removal(self.crawler, self.state, event, self.data_dir, self.shard)
            self._inc("newsspider/emptied")
        still = "still " if repeat else ""
        detail = (
            f"{still}an empty page where version {previous.version} had text:"
            f" kept version {previous.version} ({previous.url})"
        )
        return quarantine(
            self.crawler, self.data_dir, as_record(item), EMPTIED, detail, "INFO" if repeat else None
        )

    def _inc(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)


def _has_body(adapter: Mapping[str, Any], record: dict[str, Any]) -> bool:
    # The parser's no_body warning, or an empty text: a page whose body could not be found at all.
    return record.get("content_hash") != _EMPTY_HASH and "no_body" not in (adapter.get("warnings") or ())
