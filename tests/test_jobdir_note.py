"""newsspider crawl's claim on a JOBDIR, outside a crawl: what the note says after each way a run can end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from newsspider.commands._jobdir import Job
from newsspider.commands.crawl import CrawlOutcome

IDENTITY = {"sites": ["replica-gen"], "url": None, "out": "/data"}


def outcome(tmp_path: Path, **stats: Any) -> CrawlOutcome:
    return CrawlOutcome(stats=stats, report=None, data_dir=tmp_path / "data", run_id="run-2")


def paused(folder: Path, **extra: Any) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps({**IDENTITY, "status": "paused", "run_id": "run-1", "failed": 0, **extra})
    (folder / "newsspider-job.json").write_text(text, encoding="utf-8")
    (folder / "requests.queue").mkdir()
    return text


def note(folder: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((folder / "newsspider-job.json").read_text(encoding="utf-8"))
    return found


def test_a_resume_that_never_opened_leaves_the_paused_job_resumable(tmp_path: Path) -> None:
    """A bad setting (-s CONCURRENT_REQUESTS=abc) ends the run before Scrapy opens the queue: the note must not
    stay "running", or every correct resume afterwards is refused and the paused queue is lost."""
    folder = tmp_path / "job"
    before = paused(folder)
    job = Job(folder, IDENTITY, "run-2")
    assert job.claim() is None
    assert note(folder)["status"] == "running"
    assert job.release(None, "") is None  # run_crawl raised
    assert (folder / "newsspider-job.json").read_text(encoding="utf-8") == before
    assert Job(folder, IDENTITY, "run-3").claim() is None
    assert job.release(outcome(tmp_path), "") is None  # returned without ever starting
    assert (folder / "newsspider-job.json").read_text(encoding="utf-8") == before


def test_a_new_folder_whose_run_never_opened_is_left_unclaimed(tmp_path: Path) -> None:
    folder = tmp_path / "job"
    folder.mkdir()
    job = Job(folder, IDENTITY, "run-2")
    assert job.claim() is None
    job.release(None, "")
    assert not (folder / "newsspider-job.json").exists()


def test_a_stop_cut_short_says_the_folder_will_be_refused(tmp_path: Path) -> None:
    folder = tmp_path / "job"
    folder.mkdir()
    job = Job(folder, IDENTITY, "run-2")
    job.claim()
    said = job.release(outcome(tmp_path, start_time="t"), "")  # a second Ctrl-C: no finish reason
    assert said is not None
    assert said.startswith(f"JOBDIR {folder} was not closed")
    assert note(folder)["status"] == "running"
    assert "ended without closing it" in (Job(folder, IDENTITY, "run-3").claim() or "")


def test_a_note_that_is_not_a_job_note_is_refused_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "job"
    folder.mkdir()
    (folder / "newsspider-job.json").write_text("[1, 2]", encoding="utf-8")
    assert Job(folder, IDENTITY, "run-2").claim() == (
        f"JOBDIR {folder}: newsspider-job.json is not a job note: remove it"
    )


def test_the_failures_before_a_pause_outlive_a_state_store_that_cannot_be_opened(tmp_path: Path) -> None:
    """The note is the only record of them: it goes only once the columns are marked to be read again."""
    folder = tmp_path / "job"
    paused(folder, failed=3)
    job = Job(folder, IDENTITY, "run-2")
    assert job.claim() is None
    blocked = tmp_path / "state-is-a-folder"
    (blocked / "state.sqlite").mkdir(parents=True)
    said = job.release(
        outcome(tmp_path, start_time="t", finish_reason="finished"), str(blocked / "state.sqlite")
    )
    assert said is not None
    assert said.startswith(f"cannot close JOBDIR {folder}:")
    assert note(folder)["failed"] == 3
