"""The run report: ``DATA/runs/<run-id>.json`` per run, and the summary table the crawl command prints.

Fed by the project signals (:mod:`newsspider.signals`), Scrapy's item_scraped / item_dropped / item_error
and the stats; counted per site and per column (栏目).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import subprocess
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy import signals as scrapy_signals

from newsspider import __version__
from newsspider import signals as ns_signals
from newsspider.extensions.summary import format_summary
from newsspider.items import SCHEMA_VERSION, fields_of
from newsspider.safepath import UnsafePathError, safe_component
from newsspider.urls import host_of

if TYPE_CHECKING:
    from collections.abc import Mapping

    from scrapy.crawler import Crawler
    from scrapy.http import Response

__all__ = [
    "COUNTS",
    "FILL_FIELDS",
    "RunReportExtension",
    "check_run_id",
    "format_summary",
    "load_report",
    "run_id_of",
]

logger = logging.getLogger(__name__)

COUNTS = (
    "listing_pages",
    "listing_failed",
    "new",
    "updated",
    "unchanged",
    "skipped",
    "failed",
    "duplicates",
    "quarantined",
    "removed",
)
FILL_FIELDS = ("published_at", "source", "authors", "summary", "directives")
_MAX_URLS = 500  # per site and list: a report must stay readable when a whole site fails
_NO_COLUMN = "(none)"
_RUN_ID_STAT = "newsspider/run_id"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def check_run_id(run_id: str) -> str:
    """``run_id`` if it can name a file as it is (it names the report and the quarantine file)."""
    if not run_id or safe_component(run_id) != run_id or run_id in (".", ".."):
        raise UnsafePathError(f"run id {run_id!r} is not usable as a file name")
    return run_id


def run_id_of(crawler: Crawler) -> str:
    """The run id: ``NEWSSPIDER_RUN_ID``, else one generated per crawler and kept in its stats, so the
    report and the quarantine file of one crawl share it."""
    configured: str = crawler.settings.get("NEWSSPIDER_RUN_ID", "") or ""
    if configured:
        return configured
    assert crawler.stats is not None, "the crawler's stats are created before its components"
    existing = crawler.stats.get_value(_RUN_ID_STAT)
    if existing:
        return str(existing)
    generated = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
    crawler.stats.set_value(_RUN_ID_STAT, generated)
    return generated


def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


class _Column:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.fill: Counter[str] = Counter()

    def as_dict(self) -> dict[str, Any]:
        records = self.counts["new"] + self.counts["updated"]
        out: dict[str, Any] = {key: self.counts[key] for key in COUNTS}
        out["fill"] = {f: round(self.fill[f] / records, 3) if records else None for f in FILL_FIELDS}
        return out


class _Site:
    def __init__(self) -> None:
        self.columns: defaultdict[str, _Column] = defaultdict(_Column)
        self.failures: list[dict[str, Any]] = []
        self.skipped: Counter[str] = Counter()
        self.skipped_urls: list[dict[str, Any]] = []
        self.quarantine: Counter[str] = Counter()
        self.removed: list[dict[str, Any]] = []
        self.challenge_hosts: set[str] = set()


class RunReportExtension:
    """Collects the run's events and writes ``DATA/runs/<run-id>.json`` atomically when the spider closes."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.data_dir = Path(crawler.settings.get("NEWSSPIDER_DATA_DIR", "data"))
        self.run_id = run_id_of(crawler)
        self.started_at = _now()
        self.sites: defaultdict[str, _Site] = defaultdict(_Site)
        self.hosts: dict[str, str] = {}
        self.challenges: list[dict[str, Any]] = []
        self.failed_urls: dict[str, tuple[str, str | None]] = {}
        self.removed_urls: set[str] = set()
        self.path: Path | None = None
        connect = crawler.signals.connect
        connect(self.spider_opened, signal=scrapy_signals.spider_opened)
        connect(self.spider_closed, signal=scrapy_signals.spider_closed)
        connect(self.item_scraped, signal=scrapy_signals.item_scraped)
        connect(self.item_dropped, signal=scrapy_signals.item_dropped)
        connect(self.item_error, signal=scrapy_signals.item_error)
        connect(self.listing_fetched, signal=ns_signals.listing_fetched)
        connect(self.article_failed, signal=ns_signals.article_failed)
        connect(self.listing_failed, signal=ns_signals.listing_failed)
        connect(self.article_skipped, signal=ns_signals.article_skipped)
        connect(self.article_removed, signal=ns_signals.article_removed)
        connect(self.challenge_detected, signal=ns_signals.challenge_detected)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunReportExtension:
        return cls(crawler)

    # -- listeners ---------------------------------------------------------------------------------

    def spider_opened(self) -> None:
        self.started_at = _now()

    def listing_fetched(self, url: str, site: str, column: str | None, **_: Any) -> None:
        self.hosts.setdefault(host_of(url), site)
        self._column(site, column).counts["listing_pages"] += 1

    def article_failed(self, url: str, site: str, column: str | None, reason: str, **_: Any) -> None:
        if url in self.removed_urls:
            return  # a takedown also fails the spider's request (404/410): report it once, as removed
        self._column(site, column).counts["failed"] += 1
        self.failed_urls[url] = (site, column)
        self._keep(self.sites[site].failures, {"url": url, "column": column, "reason": reason})

    def listing_failed(self, url: str, site: str, column: str | None, reason: str, **_: Any) -> None:
        self._column(site, column).counts["listing_failed"] += 1
        self._keep(
            self.sites[site].failures, {"url": url, "column": column, "reason": reason, "kind": "listing"}
        )

    def article_skipped(self, url: str, site: str, column: str | None, reason: str, **_: Any) -> None:
        self._column(site, column).counts["skipped"] += 1
        self.sites[site].skipped[reason] += 1
        if reason != "seen":  # the normal case of an incremental run: counted, not listed
            self._keep(self.sites[site].skipped_urls, {"url": url, "column": column, "reason": reason})

    def article_removed(
        self, url: str, site: str, column: str | None, status: int, reason: str, **_: Any
    ) -> None:
        self._column(site, column).counts["removed"] += 1
        self.removed_urls.add(url)
        if url in self.failed_urls:
            failed_site, failed_column = self.failed_urls.pop(url)
            self._column(failed_site, failed_column).counts["failed"] -= 1
            failures = self.sites[failed_site].failures
            failures[:] = [f for f in failures if f["url"] != url]
        self._keep(
            self.sites[site].removed, {"url": url, "column": column, "status": status, "reason": reason}
        )

    def challenge_detected(self, url: str, host: str, kind: str, **_: Any) -> None:
        self.challenges.append({"url": url, "host": host, "kind": kind})

    def item_scraped(self, item: Any, response: Response | None = None, **_: Any) -> None:
        record = fields_of(item)
        site = str(record.get("site") or "unknown")
        self.hosts.setdefault(host_of(str(record.get("url") or "")), site)
        column = self._column(site, _column_of(record, response))
        column.counts["updated" if (record.get("version") or 1) > 1 else "new"] += 1
        if record.get("duplicate_of"):
            column.counts["duplicates"] += 1
        for name in FILL_FIELDS:
            if record.get(name):
                column.fill[name] += 1

    def item_dropped(
        self, item: Any, exception: BaseException, response: Response | None = None, **_: Any
    ) -> None:
        record = ItemAdapter(item)
        site = str(record.get("site") or "unknown")
        column = self._column(site, _column_of(record, response))
        code = getattr(exception, "code", None)
        if code is not None:
            column.counts["quarantined"] += 1
            self.sites[site].quarantine[code] += 1
        elif str(exception).startswith("unchanged"):
            column.counts["unchanged"] += 1
        else:
            column.counts["failed"] += 1
            self._keep(
                self.sites[site].failures, {"url": record.get("url"), "reason": f"dropped: {exception}"}
            )

    def item_error(self, item: Any, failure: Any, response: Response | None = None, **_: Any) -> None:
        record = ItemAdapter(item)
        site = str(record.get("site") or "unknown")
        self._column(site, _column_of(record, response)).counts["failed"] += 1
        reason = (
            f"pipeline error: {failure.getErrorMessage() if hasattr(failure, 'getErrorMessage') else failure}"
        )
        self._keep(self.sites[site].failures, {"url": record.get("url"), "reason": reason})

    def spider_closed(self, reason: str = "finished", **_: Any) -> None:
        report = self.build(reason)
        try:
            self.path = write_report(self.data_dir, report)
        except OSError as exc:  # a full or read-only disk: the crawl's own error says the rest
            logger.error("cannot write the run report under %s: %s", self.data_dir, exc)

    # -- building ----------------------------------------------------------------------------------

    def build(self, finish_reason: str) -> dict[str, Any]:
        self._add_profiled_sites()
        for challenge in self.challenges:
            site = self.hosts.get(challenge["host"]) or self._profile_site(challenge["host"])
            if site:
                self.sites[site].challenge_hosts.add(challenge["host"])
        sites = {key: self._site_dict(site) for key, site in sorted(self.sites.items())}
        stats = self.crawler.stats.get_stats() if self.crawler.stats is not None else {}
        settings = self.crawler.settings
        return {
            "run_id": self.run_id,
            "spider": getattr(self.crawler.spider, "name", None),
            "started_at": self.started_at,
            "finished_at": _now(),
            "finish_reason": finish_reason,
            "newsspider_version": __version__,
            "git_commit": _git_commit(),
            "schema_version": SCHEMA_VERSION,
            "settings": {
                "refresh_days": settings.getint("NEWSSPIDER_REFRESH_DAYS", 0),
                "stop_on_seen": settings.getbool("NEWSSPIDER_STOP_ON_SEEN", True),
                "shard": settings.get("NEWSSPIDER_SHARD", "") or None,
            },
            "totals": _sum_counts(site["totals"] for site in sites.values()),
            "sites": sites,
            "challenges": self.challenges[:_MAX_URLS],
            "stats": {k: v for k, v in stats.items() if isinstance(v, int | float | str) and "/" in k},
        }

    def _site_dict(self, site: _Site) -> dict[str, Any]:
        columns = {name: col.as_dict() for name, col in sorted(site.columns.items())}
        totals = _sum_counts(columns.values())
        records = totals["new"] + totals["updated"]
        fill = {
            f: round(
                sum((c["fill"][f] or 0) * (c["new"] + c["updated"]) for c in columns.values()) / records, 3
            )
            if records
            else None
            for f in FILL_FIELDS
        }
        return {
            "totals": totals,
            "fill": fill,
            "columns": columns,
            "failures": site.failures,
            "skipped": dict(site.skipped),
            "skipped_urls": site.skipped_urls,
            "quarantine": dict(site.quarantine),
            "removed": site.removed,
            "challenge_hosts": sorted(site.challenge_hosts),
        }

    def _add_profiled_sites(self) -> None:
        """Every site and column the spider was asked for, with zeros when it fetched nothing: a site that
        brought nothing must stand out in the table, not be missing from it. Not for a worker of a shared
        crawl (NEWSSPIDER_CRAWL_ID): another worker may have fetched all of a site."""
        if self.crawler.settings.get("NEWSSPIDER_CRAWL_ID"):
            return
        profiles = getattr(self.crawler.spider, "profiles", None) or {}
        for key, profile in profiles.items():
            for column in getattr(profile, "columns", ()):
                self._column(str(key), getattr(column, "name", None))

    def _profile_site(self, host: str) -> str | None:
        """The site whose profile names ``host`` (a challenged site never yields a page to learn it from)."""
        profiles = getattr(self.crawler.spider, "profiles", None) or {}
        for key, profile in profiles.items():
            hosts = {
                *getattr(profile, "allowed_domains", ()),
                *(host_of(c.url) for c in getattr(profile, "columns", ())),
            }
            if host in hosts or any(host.endswith("." + h) for h in hosts if h):
                return str(key)
        return None

    def _column(self, site: str, column: str | None) -> _Column:
        return self.sites[site].columns[column or _NO_COLUMN]

    @staticmethod
    def _keep(bucket: list[dict[str, Any]], entry: dict[str, Any]) -> None:
        if len(bucket) < _MAX_URLS:
            bucket.append(entry)


def _column_of(record: Mapping[str, Any], response: Response | None) -> str | None:
    # The listing's column (request meta) first: the page's own ColumnName may name it differently.
    request = getattr(response, "request", None)
    return (request.meta.get("ns_column") if request is not None else None) or record.get("column")


def _sum_counts(columns: Any) -> dict[str, int]:
    totals = dict.fromkeys(COUNTS, 0)
    for col in columns:
        for key in COUNTS:
            totals[key] += col[key]
    return totals


def write_report(data_dir: Path, report: dict[str, Any]) -> Path:
    """Write ``runs/<run-id>.json`` atomically (temp file, fsync, rename): a reader never sees half.

    When several crawlers of one run share the id, their sites are merged into the one file.
    """
    name = f"{check_run_id(str(report['run_id']))}.json"
    runs = data_dir / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    path = runs / name
    if path.exists():
        report = _merge(load_report(path), report)
    # Not mkstemp: it creates the file 0600 whatever the umask, while records and logs are 0644 (the umask
    # applied); an exclusive open of a random name is as safe and leaves the mode to the umask.
    tmp = runs / f".tmp-{secrets.token_hex(8)}.json"
    try:
        with tmp.open("x", encoding="utf-8") as f:
            json.dump(report, f, ensure_ascii=False, indent=2)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    merged = dict(new)
    # A site this crawler only listed as asked for (all zeros) keeps what another crawler reported.
    sites = dict(old.get("sites", {}))
    sites.update({key: site for key, site in new["sites"].items() if key not in sites or _did(site)})
    merged["sites"] = sites
    merged["totals"] = _sum_counts(site["totals"] for site in merged["sites"].values())
    merged["started_at"] = min(old.get("started_at") or new["started_at"], new["started_at"])
    merged["challenges"] = old.get("challenges", []) + new["challenges"]
    return merged


def _did(site: dict[str, Any]) -> bool:
    """Whether a site's report entry holds anything beyond zeros."""
    return any(site["totals"].values()) or bool(site["failures"] or site["challenge_hosts"])


def load_report(path: Path | str) -> dict[str, Any]:
    """Read a run report written by :class:`RunReportExtension`."""
    loaded: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return loaded
