"""Crash safety of the store: torn lines, recovery of written-but-unmarked records, and SIGKILL at random
moments of a process running the pipelines. Nothing lost, nothing written twice."""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from pipelines.normalize import NormalizePipeline
from pipelines.state import open_state
from pipelines.store import JsonLinesStorePipeline, recover, repair_tail
from pipelines.validate import ValidatePipeline
from pipelines.version import VersionPipeline
from tests.records import read_records

if TYPE_CHECKING:
    from newsspider.replica import Replica

REPO = Path(__file__).resolve().parent.parent


def generated_item(n: int) -> dict[str, Any]:
    """Article ``n`` of a generated site: a long enough body that a write can be cut in the middle."""
    paragraphs = [f"第{n}篇稿件第{k}段：省政府常务会议研究部署春耕生产和安全生产工作。" * 8 for k in range(6)]
    return {
        "url": f"http://www.shanxi.gov.cn/yw/sxyw/202002/t20200218_{n}.shtml",
        "site": "shanxi-gov",
        "column": "山西要闻",
        "title": f"第{n}篇　山西要闻",
        "published_at": "2020-02-18T19:58:03+08:00",
        "paragraphs": paragraphs,
        "text": "\n".join(paragraphs),
    }


def run_pipelines(data_dir: str, count: int, fsync_every: int) -> None:
    """What the crawl does to every article not yet seen: the subprocess body of the kill test."""
    crawler = get_crawler(
        settings_dict={
            "NEWSSPIDER_DATA_DIR": data_dir,
            "NEWSSPIDER_RUN_ID": f"crash-{os.getpid()}",
            "NEWSSPIDER_FSYNC_EVERY": fsync_every,
        }
    )
    pipes = [
        build_from_crawler(cls, crawler)
        for cls in (NormalizePipeline, ValidatePipeline, VersionPipeline, JsonLinesStorePipeline)
    ]
    store = pipes[-1]
    store.open_spider()
    print("ready", flush=True)
    for n in range(count):
        item: Any = generated_item(n)
        if store.state.resolve(item["url"]) is not None:  # the incremental middleware's check
            continue
        for pipe in pipes:
            item = pipe.process_item(item)
    store.close_spider()
    store.state.close()


# -- units ----------------------------------------------------------------------------------------------


def test_repair_cuts_a_torn_last_line_and_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "2020-02-19.jsonl"
    whole = b'{"url":"http://a/1","title":"\xe5\xb1\xb1\xe8\xa5\xbf"}\n'
    path.write_bytes(whole + whole + b'{"url":"http://a/3","ti')
    with caplog.at_level(logging.WARNING):
        assert repair_tail(path) == 2 * len(whole)
    assert path.read_bytes() == whole + whole
    assert "torn last line" in caplog.text
    assert repair_tail(path) == 2 * len(whole)  # idempotent on a sound file


def test_repair_cuts_a_complete_but_unreadable_last_line(tmp_path: Path) -> None:
    path = tmp_path / "2020-02-19.jsonl"
    # What a power cut can leave: the size grew but the block is zeros.
    path.write_bytes(b'{"url":"http://a/1"}\n' + b"\x00" * 40 + b"\n")
    assert repair_tail(path) == len(b'{"url":"http://a/1"}\n')


def test_recover_marks_records_written_but_not_yet_marked(tmp_path: Path) -> None:
    state = open_state("", tmp_path)
    day = tmp_path / "shanxi-gov" / "2020-02-19.jsonl"
    day.parent.mkdir()
    state.journal_begin("shanxi-gov/2020-02-19.jsonl", 0)
    records = [
        {**generated_item(n), "canonical_url": generated_item(n)["url"], "content_hash": f"{n:064d}",
         "version": 1, "fetched_at": "2020-02-19T01:00:00+00:00"}
        for n in range(3)
    ]  # fmt: skip
    day.write_bytes(b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records) + b'{"url"')
    # Another worker's shard is not ours to recover.
    state.journal_begin("shanxi-gov/2020-02-19.w2.jsonl", 0)
    assert recover(state, tmp_path) == 3
    assert state.count() == 3
    assert state.get(records[2]["url"]).content_hash == f"{2:064d}"
    assert state.journal_pending() == {"shanxi-gov/2020-02-19.w2.jsonl": 0}
    assert day.read_bytes().endswith(b"}\n")


def test_a_record_written_before_a_kill_is_not_written_again(tmp_path: Path) -> None:
    crawler = get_crawler(settings_dict={"NEWSSPIDER_DATA_DIR": str(tmp_path), "NEWSSPIDER_FSYNC_EVERY": 100})
    pipes = [
        build_from_crawler(c, crawler) for c in (NormalizePipeline, VersionPipeline, JsonLinesStorePipeline)
    ]
    pipes[-1].open_spider()
    for n in range(5):
        item: Any = generated_item(n)
        for pipe in pipes:
            item = pipe.process_item(item)
    # "Killed" here: lines are in the file, no mark was committed (batch of 100 not reached).
    assert open_state("", tmp_path).count() == 0
    run_pipelines(str(tmp_path), 8, fsync_every=1)
    urls = [r["canonical_url"] for r in read_records(tmp_path, skip_torn=True)]
    assert len(urls) == len(set(urls)) == 8


# -- SIGKILL at random moments ---------------------------------------------------------------------------


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing_and_writes_nothing_twice(tmp_path: Path) -> None:
    count, kills = 1500, 5
    rng = random.Random(int(os.environ.get("CRASH_SEED", "5")))
    cmd = [
        sys.executable,
        "-c",
        f"from tests.test_crash import run_pipelines; run_pipelines({str(tmp_path)!r}, {count}, 8)",
    ]
    killed = 0
    progress = []
    for _ in range(kills):
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.25))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait(timeout=60)
        records = read_records(tmp_path, skip_torn=True)  # every file loads after every kill
        urls = [r["canonical_url"] for r in records]
        assert len(urls) == len(set(urls)), "a record was written twice"
        progress.append(len(urls))
    assert any(0 < n < count for n in progress), f"no kill landed mid-run: {progress}"
    assert killed >= 3, "the process finished before most kills: make it slower or bigger"
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, timeout=120, check=True)
    assert done.returncode == 0
    records = read_records(tmp_path, skip_torn=True)
    urls = sorted(r["canonical_url"] for r in records)
    assert urls == sorted(generated_item(n)["url"] for n in range(count))
    assert {r["version"] for r in records} == {1}
    assert open_state("", tmp_path).count() == count


# -- SIGKILL during a real crawl of the replica ----------------------------------------------------------

REPLICA_SITES = "replica-trs,replica-people"


def crawl_command(replica: Replica, data_dir: Path, run_id: str, *settings: str) -> list[str]:
    """``scrapy crawl provincial`` over the replica, politeness delays off, into ``data_dir``."""
    pairs = {
        "NEWSSPIDER_SITES_DIR": str(replica.sites_dir),
        "NEWSSPIDER_DATA_DIR": str(data_dir),
        "NEWSSPIDER_ALLOW_PRIVATE_HOSTS": ",".join(replica.private_hosts),
        "NEWSSPIDER_RUN_ID": run_id,
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "LOG_LEVEL": "WARNING",
    }
    argv = [sys.executable, "-m", "scrapy", "crawl", "provincial", "-a", f"site={REPLICA_SITES}"]
    for key, value in pairs.items():
        argv += ["-s", f"{key}={value}"]
    for setting in settings:
        argv += ["-s", setting]
    return argv


def crawl(replica: Replica, data_dir: Path, run_id: str, *settings: str) -> dict[str, Any]:
    """One clean crawl; its run report."""
    cmd = crawl_command(replica, data_dir, run_id, *settings)
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads((data_dir / "runs" / f"{run_id}.json").read_text(encoding="utf-8"))
    return report


@pytest.mark.e2e
@pytest.mark.slow
def test_sigkill_during_a_replica_crawl_then_a_clean_run_has_every_article_once(
    replica: Replica, tmp_path: Path
) -> None:
    replica.reset()
    reference = {r["canonical_url"] for r in lines_of_after(crawl, replica, tmp_path / "reference")}
    assert len(reference) > 40
    data = tmp_path / "killed"
    rng = random.Random(int(os.environ.get("CRASH_SEED", "7")))
    written_counts = []
    for attempt in range(3):
        cmd = crawl_command(replica, data, f"kill-{attempt}", "NEWSSPIDER_FSYNC_EVERY=4")
        before = len(read_records(data, skip_torn=True))
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Start-up time varies with the machine's load: wait for the first new record, then a random while.
        deadline = time.monotonic() + 60
        while (
            len(read_records(data, skip_torn=True)) <= before
            and proc.poll() is None
            and time.monotonic() < deadline
        ):
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.8))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        records = read_records(data, skip_torn=True)  # loads after every kill
        urls = [r["canonical_url"] for r in records]
        assert len(urls) == len(set(urls)), "a record was written twice"
        written_counts.append(len(urls))
    assert any(0 < n < len(reference) for n in written_counts), f"no kill landed mid-crawl: {written_counts}"
    print("records after each kill:", written_counts, "of", len(reference))
    report = crawl(replica, data, "final")
    urls = [r["canonical_url"] for r in read_records(data, skip_torn=True)]
    assert sorted(urls) == sorted(reference), "an article is missing or written twice"
    assert report["totals"]["new"] == len(reference) - written_counts[-1]


def lines_of_after(run: Any, replica: Replica, data_dir: Path) -> list[dict[str, Any]]:
    run(replica, data_dir, "clean")
    return read_records(data_dir, skip_torn=True)


def test_an_empty_state_is_rebuilt_from_the_data_folder(tmp_path: Path) -> None:
    run_pipelines(str(tmp_path), 6, fsync_every=1)
    # A corrupt state.sqlite moved away: the next run starts with an empty store.
    for path in tmp_path.glob("state.sqlite*"):
        path.rename(path.with_name(path.name + ".corrupt"))
    run_pipelines(str(tmp_path), 8, fsync_every=1)
    urls = [r["canonical_url"] for r in read_records(tmp_path, skip_torn=True)]
    assert len(urls) == len(set(urls)) == 8  # the first six were not written again
    assert open_state("", tmp_path).count() == 8


def test_a_corrupt_state_database_is_named_in_a_plain_error(tmp_path: Path) -> None:
    from pipelines.state import StateError

    (tmp_path / "state.sqlite").write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 64)
    with pytest.raises(StateError, match=r"state\.sqlite: not a usable state database"):
        open_state("", tmp_path)


def test_a_rebuild_cut_short_by_a_kill_starts_over(tmp_path: Path) -> None:
    from pipelines.record_json import entry_of
    from pipelines.store import REBUILD_MARK

    run_pipelines(str(tmp_path), 6, fsync_every=1)
    for path in tmp_path.glob("state.sqlite*"):
        path.unlink()
    state = open_state("", tmp_path)
    # Killed during the rebuild: the marker is there, one record of six is back in the store.
    state.journal_begin(REBUILD_MARK, 0)
    state.commit([entry_of(read_records(tmp_path, skip_torn=True)[0])], {})
    state.close()
    run_pipelines(str(tmp_path), 6, fsync_every=1)
    urls = [r["canonical_url"] for r in read_records(tmp_path, skip_torn=True)]
    assert len(urls) == len(set(urls)) == 6
    assert open_state("", tmp_path).journal_pending() == {}
