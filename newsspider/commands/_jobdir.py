"""``newsspider crawl``'s claim on a Scrapy job folder (``-s JOBDIR``): whose it is, whether it may be resumed,
and what is left in it when the run ends (docs/operations.md, "Pause and resume").

Scrapy resumes whatever queue it finds in ``JOBDIR``. ``newsspider-job.json`` beside it says which command
the folder belongs to (sites, ``--url``, ``--out``), whether its run paused cleanly, and how many requests
failed before the pause.
"""

from __future__ import annotations

import json
import shutil
import sys
from typing import TYPE_CHECKING, Any

from pipelines.state import open_state

if TYPE_CHECKING:
    from pathlib import Path

    from newsspider.commands.crawl import CrawlOutcome

__all__ = ["close_job", "open_job"]

_JOB_NOTE = "newsspider-job.json"
_SCRAPY_JOB_FILES = ("requests.seen", "requests.queue", "spider.state")


def open_job(job_dir: Path, identity: dict[str, Any], run_id: str) -> str | None:
    """Claim ``JOBDIR`` for this run (new, or a paused crawl of the same job), else say why not: Scrapy resumes
    any queue it finds, another site's (tracebacks) or one a killed run left half-written (lost requests)."""
    note = job_dir / _JOB_NOTE
    if note.is_file():
        try:
            job = json.loads(note.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            return f"JOBDIR {job_dir}: {note.name} is unreadable ({exc}): remove it"
        if job.get("status") != "paused":
            return (f"JOBDIR {job_dir} was left by run {job.get('run_id')}, which is still running or ended without "
                    "closing it (killed, or a second Ctrl-C during its stop): its queue may have lost requests; "
                    "remove the folder and crawl again (articles already stored are not fetched again)")  # fmt: skip
        if {key: job.get(key) for key in identity} != identity:
            url = [f"--url {job['url']}"] if job.get("url") else []
            other = " ".join([*(f"--site {k}" for k in job.get("sites") or []), *url, f"--out {job.get('out')}"])  # fmt: skip
            return (f"JOBDIR {job_dir} holds a paused crawl of another job ({other}): resume it with that "
                    "command, or give this crawl another JOBDIR folder")  # fmt: skip
    elif any((job_dir / name).exists() for name in _SCRAPY_JOB_FILES):
        return (f"JOBDIR {job_dir} holds a job that newsspider crawl did not start (scrapy crawl?): resume it "
                "with the command that made it, or give this crawl another JOBDIR folder")  # fmt: skip
    failed = job.get("failed", 0) if note.is_file() else 0  # before a pause: see close_job
    job_dir.mkdir(parents=True, exist_ok=True)
    note.write_text(json.dumps({**identity, "status": "running", "run_id": run_id, "failed": failed}), "utf-8")  # fmt: skip
    return None


def close_job(job_dir: Path, outcome: CrawlOutcome, state: str) -> None:
    """A finished job's folder is emptied, or the next run with the same ``JOBDIR`` (a cron job's) would find
    every listing page in its dupefilter and fetch nothing. A stopped one is marked paused; one killed
    before Scrapy closed the queue stays 'running' (refused)."""
    reason, note = outcome.stats.get("finish_reason"), job_dir / _JOB_NOTE
    job = json.loads(note.read_text(encoding="utf-8"))
    if reason == "finished":
        for path in (job_dir / name for name in (*_SCRAPY_JOB_FILES, _JOB_NOTE)):
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    elif reason is not None:
        # A record a storage error kept off the disk counts as failed too (its request is in the dupefilter).
        failed = ((outcome.report or {}).get("totals") or {}).get("failed", 0) + job.get("failed", 0)
        failed += outcome.stats.get("newsspider/listing_failed", 0)
        note.write_text(json.dumps({**job, "status": "paused", "failed": failed}), encoding="utf-8")
        print(f"newsspider crawl: paused: the same command resumes it from JOBDIR {job_dir}", file=sys.stderr)
    if reason == "finished" and job.get("failed"):
        # Requests that failed before a pause were in none of this run's, which may have marked their
        # columns read to the end: the next run reads them to the end once, and so retries those.
        store = open_state(state, outcome.data_dir)
        for site, data in (outcome.report or {}).get("sites", {}).items():
            for column in data.get("columns", {}):
                store.set_pagination_complete(site, column, False)
        store.close()
