"""Storage faults: the disk fills up, the output folder is read-only, the state database is corrupt or
locked, the Redis state server goes away mid-run.

What a user relies on: the run stops (or waits) with a clear message, no Python traceback, and a non-zero
exit code; and once the fault is fixed, a re-run leaves every article in the data folder exactly once
(nothing lost, nothing written twice). Each scenario is one module fixture: the faulty run, the fix, the
re-run; the tests read what they left.

Disk full and read-only use real tmpfs mounts (root and ``mount`` available, as in CI's container); without
them, disk full falls back to ``RLIMIT_FSIZE`` in the child and read-only to an output path under a
regular file. Redis needs a ``redis-server`` binary (skipped without one unless NEWSSPIDER_REQUIRE_REDIS=1).
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any

import pytest

from newsspider.exitcodes import EXIT_OK
from tests.faultserver import FaultServer, crawl, finish, start_crawl
from tests.net import free_port
from tests.records import read_records

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

pytestmark = pytest.mark.e2e

ARTICLES = 60
"""Enough records (~3 KB each) to fill a 160 KB disk part-way through the run."""


def _mount(*args: str) -> bool:
    try:
        done = subprocess.run(["mount", *args], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=10, check=False)


@pytest.fixture(scope="module")
def can_mount(tmp_path_factory: pytest.TempPathFactory) -> bool:
    probe = tmp_path_factory.mktemp("mount-probe")
    if os.geteuid() != 0 or not _mount("-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)):
        return False
    _umount(probe)
    return True


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with FaultServer(faults=(), good=ARTICLES) as served:
        yield served


def _urls(out: Path) -> Counter[str]:
    return Counter(r["url"] for r in read_records(out))


def _complete_urls(out: Path) -> Counter[str]:
    """Like _urls, skipping a torn last line (what a full disk leaves; the next run repairs it)."""
    return Counter(r["url"] for r in read_records(out, skip_torn=True))


def _said(done: subprocess.CompletedProcess[str]) -> str:
    return done.stdout + done.stderr


def _assert_everything_once(server: FaultServer, out: Path) -> None:
    urls = _urls(out)
    assert {u for u, n in urls.items() if n > 1} == set(), "written twice"
    assert set(urls) == {server.url(n) for n in server.good}, "lost"


# -- disk full ------------------------------------------------------------------------------------------------


def _fsize_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _disk_full(server: FaultServer, tmp: Path, can_mount: bool) -> dict[str, Any]:
    sites, out = tmp / "sites", tmp / "out"
    server.profile(sites)
    out.mkdir()
    if not can_mount:
        faulty = crawl(sites, out, preexec=_fsize_limit(64 * 1024))
        partial = _complete_urls(out)
        rerun = crawl(sites, out)
        return {"faulty": faulty, "partial": partial, "rerun": rerun, "out": out, "how": "RLIMIT_FSIZE 64k"}
    # The state store takes about 120k before the first record (its WAL and shared-memory files); 200k
    # leaves room for about 26 of the 60 records, so the disk fills part-way through the crawl.
    assert _mount("-t", "tmpfs", "-o", "size=200k", "tmpfs", str(out))
    try:
        faulty = crawl(sites, out)
        partial = _complete_urls(out)
        assert _mount("-o", "remount,size=64m", str(out))  # the fix: more room
        rerun = crawl(sites, out)
        shutil.copytree(out, tmp / "kept")  # the evidence, kept past the unmount
    finally:
        _umount(out)
    return {"faulty": faulty, "partial": partial, "rerun": rerun, "out": tmp / "kept", "how": "tmpfs 160k"}


@pytest.fixture
def disk_full(scenarios: dict[str, Any]) -> dict[str, Any]:
    return _pick(scenarios, "disk_full")


def test_disk_full_stops_the_run_with_a_non_zero_exit_code(disk_full: dict[str, Any]) -> None:
    assert disk_full["faulty"].returncode != EXIT_OK
    assert 0 < sum(disk_full["partial"].values()) < ARTICLES, "the disk did not fill part-way"


def test_disk_full_is_said_plainly_without_a_traceback(disk_full: dict[str, Any]) -> None:
    said = _said(disk_full["faulty"])
    assert "No space left on device" in said or "File too large" in said
    assert "Traceback" not in said


def test_after_disk_full_a_rerun_has_every_article_once(
    server: FaultServer, disk_full: dict[str, Any]
) -> None:
    assert disk_full["rerun"].returncode == EXIT_OK, _said(disk_full["rerun"])[-3000:]
    _assert_everything_once(server, disk_full["out"])


def test_a_disk_full_before_the_first_record_is_said_plainly(server: FaultServer, tmp_path: Path) -> None:
    # The state store cannot even open its journal: the store pipeline fails while the spider opens, where
    # an error ends the run in engine tracebacks. 16k is less than the state store's first write.
    sites, out = tmp_path / "sites", tmp_path / "out"
    server.profile(sites)
    done = crawl(sites, out, preexec=_fsize_limit(16 * 1024))
    said = _said(done)
    assert done.returncode != EXIT_OK, said[-3000:]
    assert "is the disk full?" in said or "File too large" in said or "No space left" in said, said[-3000:]
    assert "Move it away" not in said  # the database is fine: the disk is not
    assert "Traceback" not in said, said[-3000:]
    assert "Unhandled error" not in said, said[-3000:]


# -- read-only output folder ------------------------------------------------------------------------------------


def _read_only(server: FaultServer, tmp: Path, can_mount: bool) -> dict[str, Any]:
    sites = tmp / "sites"
    server.profile(sites)
    if not can_mount:
        blocker = tmp / "blocker"
        blocker.write_text("a regular file where a folder should be", encoding="utf-8")
        out = blocker / "out"
        faulty = crawl(sites, out)
        blocker.unlink()  # the fix
        rerun = crawl(sites, out)
        return {"faulty": faulty, "rerun": rerun, "out": out, "how": "parent is a regular file"}
    out = tmp / "out"
    out.mkdir()
    assert _mount("-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(out))
    try:
        faulty = crawl(sites, out)
        assert _mount("-o", "remount,rw", str(out))  # the fix
        rerun = crawl(sites, out)
        shutil.copytree(out, tmp / "kept")
    finally:
        _umount(out)
    return {"faulty": faulty, "rerun": rerun, "out": tmp / "kept", "how": "read-only tmpfs"}


@pytest.fixture
def read_only(scenarios: dict[str, Any]) -> dict[str, Any]:
    return _pick(scenarios, "read_only")


def test_a_read_only_output_folder_stops_the_run_with_a_non_zero_exit_code(read_only: dict[str, Any]) -> None:
    assert read_only["faulty"].returncode != EXIT_OK


def test_a_read_only_output_folder_is_said_plainly(read_only: dict[str, Any]) -> None:
    said = _said(read_only["faulty"])
    assert "Read-only file system" in said or "Not a directory" in said
    assert "Traceback" not in said


def test_after_the_folder_is_writable_a_rerun_has_every_article_once(
    server: FaultServer, read_only: dict[str, Any]
) -> None:
    assert read_only["rerun"].returncode == EXIT_OK, _said(read_only["rerun"])[-3000:]
    _assert_everything_once(server, read_only["out"])


# -- corrupt state database -------------------------------------------------------------------------------------


def _corrupt(server: FaultServer, tmp: Path, can_mount: bool) -> dict[str, Any]:
    sites, out = tmp / "sites", tmp / "out"
    server.profile(sites)
    first = crawl(sites, out)
    before = _urls(out)
    state = out / "state.sqlite"
    for extra in out.glob("state.sqlite-*"):
        extra.unlink()
    state.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 64)  # a header, then garbage
    faulty = crawl(sites, out)
    after_fault = _urls(out)
    state.rename(out / "state.sqlite.corrupt")  # the fix a user would make: move it away
    rerun = crawl(sites, out)
    return {"first": first, "before": before, "faulty": faulty, "after_fault": after_fault, "rerun": rerun,
            "out": out}  # fmt: skip


@pytest.fixture
def corrupt(scenarios: dict[str, Any]) -> dict[str, Any]:
    return _pick(scenarios, "corrupt")


def test_a_corrupt_state_database_stops_the_run_before_it_writes(corrupt: dict[str, Any]) -> None:
    assert corrupt["first"].returncode == EXIT_OK
    assert corrupt["after_fault"] == corrupt["before"], "records written while the state was unreadable"


def test_a_corrupt_state_database_gives_a_non_zero_exit_code(corrupt: dict[str, Any]) -> None:
    assert corrupt["faulty"].returncode != EXIT_OK


def test_a_corrupt_state_database_is_said_plainly(corrupt: dict[str, Any]) -> None:
    said = _said(corrupt["faulty"])
    assert "state.sqlite" in said
    assert "Traceback" not in said


def test_after_the_corrupt_state_is_moved_away_a_rerun_writes_nothing_twice(
    server: FaultServer, corrupt: dict[str, Any]
) -> None:
    assert corrupt["rerun"].returncode == EXIT_OK
    _assert_everything_once(server, corrupt["out"])


# -- locked state database --------------------------------------------------------------------------------------

_LOCKER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
"""


def _locked(server: FaultServer, tmp: Path, can_mount: bool) -> dict[str, Any]:
    """Another process holds an exclusive lock on state.sqlite for the first 5 s of the run."""
    sites, out = tmp / "sites", tmp / "out"
    server.profile(sites)
    out.mkdir()
    locker = subprocess.Popen(
        [sys.executable, "-c", _LOCKER, str(out / "state.sqlite"), "5"], stdout=subprocess.PIPE, text=True
    )
    assert locker.stdout is not None
    assert locker.stdout.readline().strip() == "locked"
    started = time.monotonic()
    done = crawl(sites, out)
    elapsed = time.monotonic() - started
    locker.wait(timeout=10)
    return {"done": done, "elapsed": elapsed, "out": out, "locker": locker.returncode}


@pytest.fixture
def locked(scenarios: dict[str, Any]) -> dict[str, Any]:
    return _pick(scenarios, "locked")


def test_a_state_database_locked_by_another_process_is_waited_for(
    server: FaultServer, locked: dict[str, Any]
) -> None:
    assert locked["locker"] == 0
    assert locked["done"].returncode == EXIT_OK, _said(locked["done"])[-3000:]
    assert locked["elapsed"] >= 4  # it did wait for the lock
    _assert_everything_once(server, locked["out"])


# -- Redis goes away mid-run ------------------------------------------------------------------------------------


class RedisDidNotStartError(RuntimeError):
    pass


def _redis(binary: str, port: int, workdir: Path) -> subprocess.Popen[bytes]:
    # Append-only with fsync per write: a killed Redis comes back with every committed mark.
    proc = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "yes",
         "--appendfsync", "always", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError as exc:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RedisDidNotStartError(f"redis-server did not start on port {port}") from exc
            time.sleep(0.05)


def _redis_gone(binary: str, tmp: Path) -> dict[str, Any]:
    sites, out, workdir = tmp / "sites", tmp / "out", tmp / "redis"
    workdir.mkdir()
    port = free_port()
    state = ("--state", f"redis://127.0.0.1:{port}/0")
    redis = _redis(binary, port, workdir)
    try:
        # Slow articles, one at a time: the kill lands with part of the column written and part not.
        with FaultServer(faults=(), good=24, delay=0.15) as slow:
            slow.profile(sites)
            proc = start_crawl(sites, out, *state, settings=("CONCURRENT_REQUESTS_PER_DOMAIN=1",))
            deadline = time.monotonic() + 30
            while len([h for h in slow.log() if "good-" in h.path]) < 8 and time.monotonic() < deadline:
                time.sleep(0.05)
            redis.kill()
            redis.wait(timeout=10)
            faulty = finish(proc)
            partial = _urls(out)
            redis = _redis(binary, port, workdir)  # the fix: Redis is back, with its append-only file
            rerun = crawl(sites, out, *state)
            return {"faulty": faulty, "partial": partial, "rerun": rerun, "out": out, "server": slow}
    finally:
        redis.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            redis.wait(timeout=10)


@pytest.fixture
def redis_gone(scenarios: dict[str, Any]) -> dict[str, Any]:
    return _pick(scenarios, "redis_gone")


# -- all scenarios at once --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scenarios(
    server: FaultServer, can_mount: bool, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """Every scenario in its own thread: the crawls mostly wait (on locks, timeouts, subprocess start-up),
    so running them side by side keeps the file near the length of the longest one."""
    jobs: dict[str, Callable[[], dict[str, Any]]] = {
        name: partial(run, server, tmp_path_factory.mktemp(name), can_mount)
        for name, run in {"disk_full": _disk_full, "read_only": _read_only, "corrupt": _corrupt,
                          "locked": _locked}.items()
    }  # fmt: skip
    results: dict[str, Any] = {}
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server not installed (apt-get install -y redis-server); Redis fault untested"
        if os.environ.get("NEWSSPIDER_REQUIRE_REDIS") == "1":
            pytest.fail(message + " but NEWSSPIDER_REQUIRE_REDIS=1")
        results["redis_gone"] = message
    else:
        jobs["redis_gone"] = partial(_redis_gone, binary, tmp_path_factory.mktemp("redis_gone"))
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
    for name, future in futures.items():
        error = future.exception()
        results[name] = error if error is not None else future.result()
    return results


def _pick(scenarios: dict[str, Any], name: str) -> dict[str, Any]:
    result = scenarios[name]
    if isinstance(result, str):
        pytest.skip(result)
    if isinstance(result, BaseException):
        raise result
    picked: dict[str, Any] = result
    return picked


def test_redis_going_away_stops_or_fails_the_run_with_a_non_zero_exit_code(
    redis_gone: dict[str, Any],
) -> None:
    assert redis_gone["faulty"].returncode != EXIT_OK
    assert sum(redis_gone["partial"].values()) < len(redis_gone["server"].good)


def test_redis_going_away_stops_the_crawl_and_is_said_plainly(redis_gone: dict[str, Any]) -> None:
    # One line says the crawl stopped and why; the summary names the articles in flight that were dropped.
    said = _said(redis_gone["faulty"])
    assert "newsspider crawl: stopped: cannot write records" in said
    assert "Connection refused" in redis_gone["faulty"].stdout
    assert "Traceback" not in said


def test_after_redis_is_back_a_rerun_has_every_article_once(redis_gone: dict[str, Any]) -> None:
    assert redis_gone["rerun"].returncode == EXIT_OK, _said(redis_gone["rerun"])[-3000:]
    _assert_everything_once(redis_gone["server"], redis_gone["out"])
