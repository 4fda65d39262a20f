"""Pause and resume with ``-s JOBDIR=DIR``: the real ``newsspider crawl`` in a subprocess against the replica.

A backfill is stopped with one SIGINT part-way, then the same command resumes it from the job folder; the
two runs together must store exactly the column's articles, once each. The folder of a finished job must not
make the next run with the same ``JOBDIR`` (a cron job's) fetch nothing, and a folder this run must not
resume (another job's, or one a killed run left) is refused in one plain line.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from newsspider.exitcodes import EXIT_CONFIG, EXIT_FAILURES, EXIT_LOCKED, EXIT_OK
from newsspider.replica import Replica
from newsspider.runlock import LOCK_NAME, output_lock
from tests.records import read_records

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parent.parent
GENERATED = 240  # 16 listing pages of 15 rows
# Several requests at a time to the one host, so the run is short; the delay, so requests wait in the download
# slot for the shutdown to stop (with none, parsing is the bottleneck and the slot is often empty).
FAST = ["DOWNLOAD_DELAY=0.01", "AUTOTHROTTLE_ENABLED=False", "CONCURRENT_REQUESTS_PER_DOMAIN=4",
        "NEWSSPIDER_PROGRESS=False", "LOG_LEVEL=INFO"]  # fmt: skip


@pytest.fixture(scope="module")
def gen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replica]:
    """The replica with its generated TRS column (site ``replica-gen``), for this module only."""
    with Replica(generated=GENERATED) as served:
        served.write_profiles(tmp_path_factory.mktemp("gen-sites"))
        yield served


def command(replica: Replica, out: Path, job: Path, *args: str) -> list[str]:
    assert replica.sites_dir is not None
    pairs = [*FAST, f"NEWSSPIDER_ALLOW_PRIVATE_HOSTS={','.join(replica.private_hosts)}", f"JOBDIR={job}"]
    return [sys.executable, "-m", "newsspider.cli", "crawl", "--sites-dir", str(replica.sites_dir),
            "--out", str(out), *args, *(a for pair in pairs for a in ("-s", pair))]  # fmt: skip


def crawl(replica: Replica, out: Path, job: Path, *args: str) -> subprocess.CompletedProcess[str]:
    run = command(replica, out, job, *args)
    return subprocess.run(run, cwd=REPO, capture_output=True, text=True, timeout=90, check=False)


def interrupted(
    replica: Replica, out: Path, job: Path, *args: str, after: int, sig: int, asked: str = ""
) -> tuple[int, str]:
    """The crawl, sent ``sig`` once the server answered ``after`` more requests (and one for ``asked``); its
    exit code and stderr."""
    mark = replica.mark()
    proc = subprocess.Popen(command(replica, out, job, *args), cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 60

    def waiting() -> bool:
        log = replica.log(mark)
        return len(log) < after or bool(asked and asked not in {e.path for e in log})

    while waiting() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, sig)
    _, stderr = proc.communicate(timeout=60)
    return proc.returncode, stderr


def generated_urls(replica: Replica) -> set[str]:
    return {
        replica.base(site) + path for (site, path) in replica.catalog.articles if path.startswith("/gen/")
    }


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    (line,) = stderr.strip().splitlines()
    return line


def test_a_stopped_backfill_resumes_where_it_stopped_and_stores_every_article_once(
    gen: Replica, tmp_path: Path
) -> None:
    out, job = tmp_path / "data", tmp_path / "job"
    code, stderr = interrupted(gen, out, job, "--site", "replica-gen", after=40, sig=signal.SIGINT)
    assert code == EXIT_FAILURES, stderr  # stopped before the end: not a clean finish
    first = {r["url"] for r in read_records(out)}
    assert 0 < len(first) < GENERATED
    (run,) = (out / "runs").glob("*.json")
    report = json.loads(run.read_text(encoding="utf-8"))
    # Requests were waiting in the download slot when the stop came: those are the ones a resume needs back.
    assert report["stats"].get("newsspider/shutdown_dropped", 0) > 0
    assert f"the same command resumes it from JOBDIR {job}" in stderr

    # Another job cannot take the paused folder over (its requests name a site this crawl has no profile
    # of); the folder is left for the right command.
    other = crawl(gen, out, job, "--site", "replica-zqsx")
    assert other.returncode == EXIT_CONFIG
    assert f"JOBDIR {job} holds a paused crawl of another job (--site replica-gen" in one_line(other.stderr)

    mark = gen.mark()
    resumed = crawl(gen, out, job, "--site", "replica-gen")
    assert resumed.returncode == EXIT_OK, resumed.stderr + resumed.stdout
    urls = [r["url"] for r in read_records(out)]
    assert set(urls) == generated_urls(gen)  # nothing lost to the stop
    assert not [u for u, n in Counter(urls).items() if n > 1]
    # It went on from the queue: the listing pages read before the stop were not read again.
    assert "/gen/index.html" not in {e.path for e in gen.log(mark)}
    assert [p.name for p in job.iterdir()] == [
        LOCK_NAME
    ]  # a finished job leaves nothing to resume, only its lock

    # Nothing failed before the pause: the next run stops at the first page with nothing new.
    mark = gen.mark()
    assert crawl(gen, out, job, "--site", "replica-gen").returncode == EXIT_OK
    assert [e.path for e in gen.log(mark) if e.kind == "listing"] == ["/gen/index.html"]


def test_an_article_that_failed_before_the_pause_is_fetched_by_the_run_after_the_resumed_one(
    gen: Replica, tmp_path: Path
) -> None:
    # The resumed run sent none of the first run's failed requests, so it must not mark the column read to
    # its end: the next run would stop at page 1 (nothing new there) and never ask for the article again.
    out = tmp_path / "data"
    row = gen.catalog.listings[("replica-trs", "生成")][20]  # on listing page 2
    url = gen.base("replica-trs") + row.href
    gen.reset()
    gen.remove("replica-trs", row.href)  # 404 while the first run asks
    try:
        interrupted(gen, out, tmp_path / "job", "--site", "replica-gen", after=30, sig=signal.SIGINT,
                    asked=row.href)  # fmt: skip
        resumed = crawl(gen, out, tmp_path / "job", "--site", "replica-gen")
        assert resumed.returncode == EXIT_OK, resumed.stderr
    finally:
        gen.reset()
    assert url not in {r["url"] for r in read_records(out)}
    # Back online; a plain run, with dead links retried at once.
    later = crawl(gen, out, tmp_path / "job2", "--site", "replica-gen", "-s", "NEWSSPIDER_RETRY_GONE_HOURS=0")
    assert later.returncode == EXIT_OK, later.stderr
    assert url in {r["url"] for r in read_records(out)}


def test_a_finished_job_folder_does_not_make_the_next_run_fetch_nothing(
    replica: Replica, tmp_path: Path
) -> None:
    # A cron job that always sets JOBDIR: Scrapy keeps the finished job's dupefilter, which holds every
    # listing page, so each later run used to fetch nothing and exit 0.
    out, job = tmp_path / "data", tmp_path / "job"
    first = crawl(replica, out, job, "--site", "replica-zqsx")
    assert first.returncode == EXIT_OK, first.stderr
    mark = replica.mark()
    second = crawl(replica, out, job, "--site", "replica-zqsx")
    assert second.returncode == EXIT_OK, second.stderr
    assert "/tingzhengce/index.html" in {e.path for e in replica.log(mark)}


def test_a_job_folder_a_killed_run_left_is_refused_in_one_line(gen: Replica, tmp_path: Path) -> None:
    out, job = tmp_path / "data", tmp_path / "job"
    interrupted(gen, out, job, "--site", "replica-gen", after=20, sig=signal.SIGKILL)
    again = crawl(gen, out, job, "--site", "replica-gen")
    assert again.returncode == EXIT_CONFIG
    line = one_line(again.stderr)
    assert f"JOBDIR {job} was left by run" in line
    assert "remove the folder" in line


@pytest.mark.parametrize(
    ("args", "said"),
    [
        # A distributed crawl keeps its queue in Redis; Scrapy would ignore the folder.
        (["--site", "replica-zqsx", "--redis", "redis://127.0.0.1:1/0"], "drop -s JOBDIR"),
        # The platform detected from an unprofiled listing is known to the first run only: resumed, a TRS
        # column was read as a generic site and ended after one page.
        (["--url", "http://127.0.0.1:1/gen/index.html"], "-s JOBDIR needs --site with --url"),
    ],
)
def test_jobdir_where_it_cannot_resume_is_refused(
    replica: Replica, tmp_path: Path, args: list[str], said: str
) -> None:
    done = crawl(replica, tmp_path / "data", tmp_path / "job", *args)
    assert done.returncode == EXIT_CONFIG
    assert said in one_line(done.stderr)
    assert not (tmp_path / "job").exists()


def test_a_second_run_on_a_job_folder_in_use_is_refused_as_locked(gen: Replica, tmp_path: Path) -> None:
    """Another --out does not make it another job's folder: the queue is the folder's, and so is the lock. The
    refusal is not "remove the folder", which would destroy the live run's queue."""
    job = tmp_path / "job"
    with output_lock(job, "the-live-run"):
        second = crawl(gen, tmp_path / "other-data", job, "--site", "replica-gen")
    assert second.returncode == EXIT_LOCKED
    assert "the-live-run" in one_line(second.stderr)
    assert not (job / "newsspider-job.json").exists()


def test_a_jobdir_that_is_a_file_is_named_as_the_problem(gen: Replica, tmp_path: Path) -> None:
    job = tmp_path / "job"
    job.write_text("not a folder", encoding="utf-8")
    done = crawl(gen, tmp_path / "data", job, "--site", "replica-gen")
    assert done.returncode == EXIT_CONFIG
    assert one_line(done.stderr).startswith(f"newsspider crawl: cannot use JOBDIR {job}:")
