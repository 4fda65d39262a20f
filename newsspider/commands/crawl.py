"""``newsspider crawl``: crawl one, several or all profiled sites (or one listing URL) in one process.

Runs Scrapy in-process (``CrawlerProcess`` with the project settings plus the command's overrides), holds
the output folder's lock for the run, logs to ``DATA/logs/<run-id>.log`` and stderr, prints the run summary
and exits with a code from :mod:`newsspider.exitcodes` (0 ok, 1 failures, 2 configuration error, 3 locked,
4 a site answered with an anti-bot challenge).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from redis.exceptions import RedisError
from scrapy.crawler import CrawlerProcess
from scrapy.settings import default_settings
from scrapy.utils.project import get_project_settings

from newsspider import settings as project_settings
from newsspider.commands._jobdir import Job
from newsspider.dataset import record_files
from newsspider.exitcodes import EXIT_CHALLENGE, EXIT_CONFIG, EXIT_FAILURES, EXIT_LOCKED, EXIT_OK
from newsspider.extensions.report import format_summary
from newsspider.logsetup import configure_run_logging, match_scrapy_level, remove_run_logging
from newsspider.runlock import LockedError, output_lock
from newsspider.sites import ProfileError, list_keys
from newsspider.sites.loader import ProfileErrors, load_many
from newsspider.spiders.provincial import ProvincialSpider, parse_since
from pipelines.state import StateError, open_state

if TYPE_CHECKING:
    import argparse

__all__ = ["HELP", "CrawlOutcome", "add_arguments", "exit_code", "run", "run_crawl"]

HELP = "crawl sites from their profiles (or one listing URL) and write records under --out"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_argument_group("what to crawl")
    which.add_argument(
        "--site", action="append", default=[], metavar="KEY", help="a profile key (repeatable)"
    )
    which.add_argument("--all", action="store_true", help="every profile (bundled and --sites-dir)")
    which.add_argument(
        "--url", metavar="LISTING_URL", help="a listing page; without --site: detect its platform"
    )
    which.add_argument(
        "--since",
        metavar="DATE|Nd",
        help="only articles from this date (2020-02-01) or the last N days (7d): a column stops at the first "
        "listing page whose rows are all older (row dates, else dates in the article URLs)",
    )
    which.add_argument(
        "--max-pages", type=int, default=0, metavar="N", help="listing pages per column (0: all)"
    )
    where = parser.add_argument_group("where")
    where.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: data)")
    where.add_argument("--sites-dir", type=Path, metavar="DIR", help="extra profile folder, searched first")
    where.add_argument("--state", metavar="PATH|redis://…", help="state store (default: DIR/state.sqlite)")
    where.add_argument(
        "--refresh-days", type=int, metavar="N", help="re-fetch seen articles of the last N days"
    )
    parser.add_argument(
        "--parse-processes",
        type=int,
        metavar="N",
        help="parse articles in N worker processes (big backfills)",
    )
    dist = parser.add_argument_group("distributed crawl (docs/distributed.md)")
    dist.add_argument(
        "--redis", metavar="redis://HOST:PORT/DB", help="be a worker of a crawl shared on this Redis"
    )
    dist.add_argument("--crawl-id", metavar="NAME", help="the shared crawl (default: UTC date + sites)")
    dist.add_argument(
        "--idle", type=float, default=30.0, metavar="SECONDS", help="exit after the cluster idles this long"
    )
    dist.add_argument("--shard", metavar="NAME", help="this worker's output shard (default: HOST-PID)")
    parser.add_argument("--quiet", action="store_true", help="only warnings and errors (for cron)")
    parser.add_argument(
        "-s", "--set", action="append", default=[], metavar="NAME=VALUE", help="override a Scrapy setting"
    )


@dataclass(kw_only=True)
class CrawlOutcome:
    """What a finished crawl left behind."""

    run_id: str
    data_dir: Path
    stats: dict[str, Any] = field(default_factory=dict)
    report: dict[str, Any] | None = None
    """The run report (``DATA/runs/<run-id>.json``), when the report extension wrote one."""


def new_run_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def _overrides(args: argparse.Namespace, data_dir: Path, run_id: str) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "NEWSSPIDER_DATA_DIR": str(data_dir),
        "NEWSSPIDER_RUN_ID": run_id,
        "LOG_INSTALL_ROOT_HANDLER": False,
    }
    if args.sites_dir:
        settings["NEWSSPIDER_SITES_DIR"] = str(args.sites_dir)
    if args.state:
        settings["NEWSSPIDER_STATE"] = args.state
    if args.refresh_days is not None:
        settings["NEWSSPIDER_REFRESH_DAYS"] = args.refresh_days
    if args.parse_processes is not None:
        settings["NEWSSPIDER_PARSE_PROCESSES"] = args.parse_processes
    if args.quiet:
        settings["NEWSSPIDER_PROGRESS_LIVE"] = False
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ValueError(f"--set wants NAME=VALUE, got {item!r}")
        settings[name.strip()] = _checked_setting(name.strip(), value)
    return settings


def _checked_setting(name: str, value: str) -> str:
    """``value`` unchanged, once a dict setting's JSON is known to parse: Scrapy would only find out when
    the engine starts, with a traceback instead of the setting's name. (List settings also take
    ``a,b,c``, so they are left to Scrapy.)"""
    default = getattr(project_settings, name, getattr(default_settings, name, None))
    if isinstance(default, dict) and value.strip():
        try:
            json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"--set {name} wants a JSON object (null, not None), got {value!r}: {exc}"
            ) from None
    return value


def _check_arguments(args: argparse.Namespace) -> None:
    """Refuse what argparse lets through but the crawl would misread: ValueError with one plain line."""
    if args.all and (args.url or args.site):
        given = "--url" if args.url else "--site"
        raise ValueError(f"--all crawls every profile from its own columns: drop {given} (or drop --all)")
    if args.url is not None:
        try:
            parts = urlsplit(args.url.strip())
            absolute = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:  # a malformed [IPv6] host or port
            absolute = False
        if not absolute:
            raise ValueError(f"--url {args.url!r} is not an absolute http(s) URL (like https://host/path/)")
    for option, value in (
        ("--max-pages", args.max_pages), ("--refresh-days", args.refresh_days),
        ("--parse-processes", args.parse_processes),
    ):  # fmt: skip
        if value is not None and value < 0:
            raise ValueError(f"{option} must be 0 or more, got {value}")
    if args.sites_dir is not None and not args.sites_dir.is_dir():
        # Otherwise a mistyped folder quietly falls back to the bundled profile of the same key.
        raise ValueError(f"--sites-dir {args.sites_dir} is not a folder")


def _site_keys(args: argparse.Namespace) -> list[str]:
    """The profile keys to crawl, each loaded once here so a bad profile stops the run before it starts
    (ProfileErrors names every bad one)."""
    if args.all:
        keys = list_keys(args.sites_dir)
    else:
        keys = list(dict.fromkeys(k.strip() for item in args.site for k in item.split(",") if k.strip()))
    load_many(keys, args.sites_dir)
    if not keys and not args.url:
        raise ValueError("say what to crawl: --site KEY, --all or --url LISTING_URL")
    return keys


def run_crawl(
    keys: list[str], *, start_url: str | None, since: str | None, max_pages: int, data_dir: Path,
    run_id: str, settings_overrides: dict[str, Any], quiet: bool,
) -> CrawlOutcome:  # fmt: skip
    """Crawl ``keys`` in this process (the Twisted reactor runs once per process)."""
    # An installed newsspider has no scrapy.cfg next to the user: name the settings module ourselves.
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newsspider.settings")
    settings = get_project_settings()
    settings.setdict(settings_overrides, priority="cmdline")
    named = logging.getLevelName(settings.get("LOG_LEVEL", "INFO"))
    level = named if isinstance(named, int) else logging.INFO
    configure_run_logging(data_dir, run_id, quiet=quiet, level=level)
    try:
        process = CrawlerProcess(settings)
        match_scrapy_level(level)
        crawler = process.create_crawler(ProvincialSpider)
        kwargs: dict[str, Any] = {"site": ",".join(keys), "max_pages": max_pages}
        if start_url:
            kwargs["start_url"] = start_url
        if since:
            kwargs["since"] = since
        process.crawl(crawler, **kwargs)
        process.start()
    finally:
        remove_run_logging()
    stats = dict(crawler.stats.get_stats()) if crawler.stats is not None else {}
    report_path = data_dir / "runs" / f"{run_id}.json"
    report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.is_file() else None
    return CrawlOutcome(run_id=run_id, data_dir=data_dir, stats=stats, report=report)


def exit_code(outcome: CrawlOutcome) -> int:
    """4 when a site answered with a challenge, else 1 when pages failed or the crawl did not finish, else 0."""
    stats, report = outcome.stats, outcome.report or {}
    if report.get("challenges") or stats.get("newsspider/challenge"):
        return EXIT_CHALLENGE
    failed = (report.get("totals") or {}).get("failed", stats.get("newsspider/article_failed", 0))
    # No finish_reason: the crawler never opened (its error is in the log).
    if failed or stats.get("newsspider/listing_failed") or stats.get("finish_reason") != "finished":
        return EXIT_FAILURES
    return EXIT_OK


def summary_text(outcome: CrawlOutcome) -> str:
    """The run report's table (``format_summary``), plus challenge hosts no site claimed; basic stats
    when there is no report."""
    report = outcome.report
    if report is None:
        keys = ("item_scraped_count", "newsspider/article_failed", "newsspider/listing_failed",
                "newsspider/challenge", "downloader/request_count", "elapsed_time_seconds")  # fmt: skip
        lines = [f"run {outcome.run_id}"] + [f"  {k}: {outcome.stats[k]}" for k in keys if k in outcome.stats]
        return "\n".join(lines) + "\n"
    text = format_summary(report)
    claimed = {h for site in report.get("sites", {}).values() for h in site.get("challenge_hosts", [])}
    for challenge in report.get("challenges", []):
        if challenge.get("host") not in claimed:
            claimed.add(challenge.get("host"))
            text += f"challenge ({challenge.get('kind')}) from {challenge.get('host')}: not crawled\n"
    return text


_PASSWORD = re.compile(r"(://[^/@]*?:)[^/@]*@")


def _shown(spec: str) -> str:
    """A state store address fit for a log or a cron mail: a Redis URL's password replaced by ***. By
    pattern, not by urlsplit, which raises on the malformed URLs this is also asked to show."""
    return _PASSWORD.sub(r"\1***@", spec)


def _reach_state(spec: str, data_dir: Path, *, shared: bool = False) -> None:
    """Open the state store and read from it once before Scrapy does, so a corrupt, locked or unreachable
    store is one plain line and exit 2, not tracebacks from the engine's start (a Redis URL connects only
    on its first command). With ``--redis`` the state is in the queue's Redis: this reaches that too."""
    try:
        store = open_state(spec, data_dir)
    except ValueError as exc:  # a malformed Redis URL (redis://host:notaport/0)
        raise StateError(f"the state store {_shown(spec)} is not a usable address: {exc}") from exc
    try:
        known = store.count()
    except RedisError as exc:
        raise StateError(f"the state store {_shown(spec)} cannot be reached: {exc}") from exc
    finally:
        store.close()
    # A distributed worker's folder holds only its own shard: other workers' articles are elsewhere.
    if known and spec and not shared and not (data_dir.is_dir() and record_files(data_dir)):
        # Not refused: a folder emptied on purpose (records moved to an archive) is a valid choice.
        print(
            f"newsspider crawl: warning: the state store {_shown(spec)} already knows {known} articles but {data_dir} "
            "holds no records: those articles are not fetched again into it (a new data folder wants its own "
            "state: another ?prefix= or file)",
            file=sys.stderr,
        )


def _job_lock(job_dir: Path | None, lock_dir: Path, run_id: str) -> contextlib.AbstractContextManager[object]:
    """The job folder's own lock: two runs with different ``--out`` must not share a queue either."""
    if job_dir is None or job_dir.resolve() == lock_dir.resolve():
        return contextlib.nullcontext()
    return output_lock(job_dir, run_id)


def _within(filename: object, folder: Path | None) -> bool:
    if folder is None or not isinstance(filename, str):
        return False
    return Path(filename).resolve().is_relative_to(folder.resolve())


def run(args: argparse.Namespace) -> int:
    try:
        _check_arguments(args)
        keys = _site_keys(args)
        since = parse_since(args.since).isoformat() if args.since else None
        data_dir = args.out or Path("data")
        run_id = new_run_id()
        overrides = _overrides(args, data_dir, run_id)
        lock_dir = data_dir
        if overrides.get("JOBDIR") and args.url and not keys:
            # The platform detected from the first page is known to that run only: a resumed run would read
            # the queued pages as a generic site (a TRS column ended after one page).
            raise ValueError("-s JOBDIR needs --site with --url: a resumed run would not know the platform")
        if args.redis:
            from newsspider.distributed_config import default_crawl_id, default_shard, redis_settings

            if args.state or overrides.get("JOBDIR"):
                given = "--state" if args.state else "-s JOBDIR"
                raise ValueError(f"--redis keeps the state and the queue in the same Redis: drop {given}")
            shard = args.shard or default_shard()
            crawl_id = args.crawl_id or default_crawl_id(keys, args.url)
            worker = redis_settings(args.redis, run_id=crawl_id, shard=shard, idle_seconds=args.idle)
            overrides = {**worker, **overrides}  # -s NAME=VALUE still wins
            lock_dir = data_dir / ".workers" / shard  # workers share the folder; one process per shard
    except ProfileErrors as exc:
        for error in exc.errors:
            print(f"newsspider crawl: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except (ProfileError, ValueError) as exc:
        print(f"newsspider crawl: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    job_dir = Path(overrides["JOBDIR"]) if overrides.get("JOBDIR") else None
    identity = {"sites": sorted(keys), "url": args.url, "out": str(data_dir.resolve())}
    job = Job(job_dir, identity, run_id) if job_dir is not None else None
    job_note: str | None = None
    try:
        with output_lock(lock_dir, run_id), _job_lock(job_dir, lock_dir, run_id):
            state = str(overrides.get("NEWSSPIDER_STATE", ""))
            _reach_state(state, data_dir, shared=bool(args.redis))
            refused = job.claim() if job is not None else None
            if refused:
                print(f"newsspider crawl: {refused}", file=sys.stderr)
                return EXIT_CONFIG
            outcome = None
            try:
                outcome = run_crawl(
                    keys, start_url=args.url, since=since, max_pages=args.max_pages, data_dir=data_dir,
                    run_id=run_id, settings_overrides=overrides, quiet=args.quiet,
                )  # fmt: skip
            finally:
                job_note = job.release(outcome, state) if job is not None else None
    except LockedError as exc:
        print(f"newsspider crawl: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except StateError as exc:
        print(f"newsspider crawl: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except OSError as exc:
        # Read-only or missing output folder (or JOBDIR: its lock), disk full before the crawl could start.
        where = f"JOBDIR {job_dir}" if _within(exc.filename, job_dir) else f"the output folder {data_dir}"
        print(f"newsspider crawl: cannot use {where}: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if job_note:
        print(f"newsspider crawl: {job_note}", file=sys.stderr)
    code = exit_code(outcome)
    storage_error = outcome.stats.get("newsspider/storage_error")
    if storage_error:
        print(
            f"newsspider crawl: stopped: cannot write records under {data_dir}: {storage_error}; "
            "records not written are fetched again by the next run",
            file=sys.stderr,
        )
    if not args.quiet or code != EXIT_OK:
        sys.stdout.write(summary_text(outcome))
    return code
