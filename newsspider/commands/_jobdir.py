"""``newsspider crawl``'s claim on a Scrapy job folder (``-s JOBDIR``): whose it is, whether it may be resumed,
and what is left in it when the run ends (docs/operations.md, "Pause and resume").

Scrapy resumes whatever queue it finds in ``JOBDIR``. ``newsspider-job.json`` beside it says which command
the folder belongs to (sites, ``--url``, ``--out``), whether its run paused cleanly, and how many requests
failed before the pause. The folder is also locked for the run (``.lock``, as the output folder is), so two
runs with different ``--out`` cannot share a queue, and a note left "running" can only be a dead run's.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from typing import TYPE_CHECKING, Any

from pipelines.state import StateError, open_state

if TYPE_CHECKING:
    from pathlib import Path

    from newsspider.commands.crawl import CrawlOutcome

__all__ = ["Job"]

_JOB_NOTE = "newsspider-job.json"
_SCRAPY_JOB_FILES = ("requests.seen", "requests.queue", "spider.state")


class Job:
    """One run's claim on ``folder``: :meth:`claim` before the crawl, :meth:`release` after it, whatever
    happened in between."""

    def __init__(self, folder: Path, identity: dict[str, Any], run_id: str) -> None:
        self.folder = folder
        self.identity = identity
        self.run_id = run_id
        self._note = folder / _JOB_NOTE
        self._previous: str | None = None
        """The note as this run found it: put back when the crawl never opened (a bad setting)."""

    def claim(self) -> str | None:
        """Take the folder for this run (new, or a paused crawl of the same job), else say why not: Scrapy
        resumes any queue it finds, another site's (tracebacks) or one a killed run left half-written (lost
        requests). Raises OSError when the folder cannot be used at all."""
        job: dict[str, Any] = {}
        if self._note.is_file():
            self._previous = self._note.read_text(encoding="utf-8")
            try:
                job = json.loads(self._previous)
            except ValueError as exc:
                return f"JOBDIR {self.folder}: {_JOB_NOTE} is unreadable ({exc}): remove it"
            if not isinstance(job, dict):
                return f"JOBDIR {self.folder}: {_JOB_NOTE} is not a job note: remove it"
            if job.get("status") != "paused":
                # The folder's lock is ours, so the run that wrote "running" is gone.
                return (f"JOBDIR {self.folder} was left by run {job.get('run_id')}, which ended without closing it "
                        "(killed, or a second Ctrl-C during its stop): its queue may have lost requests; remove the "
                        "folder and crawl again (articles already stored are not fetched again)")  # fmt: skip
            if {key: job.get(key) for key in self.identity} != self.identity:
                return (f"JOBDIR {self.folder} holds a paused crawl of another job ({_command_of(job)}): resume "
                        "it with that command, or give this crawl another JOBDIR folder")  # fmt: skip
        elif any((self.folder / name).exists() for name in _SCRAPY_JOB_FILES):
            return (f"JOBDIR {self.folder} holds a job that newsspider crawl did not start (scrapy crawl?): "
                    "resume it with the command that made it, or give this crawl another JOBDIR folder")  # fmt: skip
        running = {
            **self.identity,
            "status": "running",
            "run_id": self.run_id,
            "failed": job.get("failed", 0),
        }
        self._note.write_text(json.dumps(running), encoding="utf-8")
        return None

    def release(self, outcome: CrawlOutcome | None, state: str) -> str | None:
        """Leave the folder for the next run, and say what the user must know (None: nothing).

        - The crawl never opened (``outcome`` None, or no start in its stats): the note goes back as it was.
        - Finished: the folder is emptied, or the next run with the same ``JOBDIR`` (a cron job's) would find
          every listing page in its dupefilter and fetch nothing.
        - Stopped (Ctrl-C, SIGTERM, a full disk): marked paused, with the failures so far.
        - No finish reason (a second Ctrl-C during the stop): left "running", which the next run refuses.
        """
        try:
            return self._release(outcome, state)
        except (OSError, StateError, sqlite3.Error) as exc:
            return f"cannot close JOBDIR {self.folder}: {exc}; remove it before the next run"

    def _release(self, outcome: CrawlOutcome | None, state: str) -> str | None:
        if outcome is None or "start_time" not in outcome.stats:
            if self._previous is None:
                self._note.unlink(missing_ok=True)
            else:
                self._note.write_text(self._previous, encoding="utf-8")
            return None
        reason = outcome.stats.get("finish_reason")
        job = json.loads(self._note.read_text(encoding="utf-8"))
        if reason is None:
            return f"JOBDIR {self.folder} was not closed (the stop was cut short): the next run refuses it; remove it"
        if reason != "finished":
            # A record a storage error kept off the disk counts as failed too (its request is in the dupefilter).
            failed = ((outcome.report or {}).get("totals") or {}).get("failed", 0) + job.get("failed", 0)
            failed += outcome.stats.get("newsspider/listing_failed", 0)
            self._note.write_text(json.dumps({**job, "status": "paused", "failed": failed}), encoding="utf-8")
            return f"paused: the same command resumes it from JOBDIR {self.folder}"
        if job.get("failed"):
            # Requests that failed before a pause were in none of this run's, which may have marked their
            # columns read to the end: the next run reads them to the end once, and so retries those. Done
            # before the note goes, which is the only record of those failures.
            store = open_state(state, outcome.data_dir)
            try:
                for site, data in (outcome.report or {}).get("sites", {}).items():
                    for column in data.get("columns", {}):
                        store.set_pagination_complete(site, column, False)
            finally:
                store.close()
        for path in (self.folder / name for name in (*_SCRAPY_JOB_FILES, _JOB_NOTE)):
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        return None


def _command_of(job: dict[str, Any]) -> str:
    url = [f"--url {job['url']}"] if job.get("url") else []
    out = [f"--out {job['out']}"] if job.get("out") else []
    return " ".join([*(f"--site {key}" for key in job.get("sites") or []), *url, *out]) or "unknown"
