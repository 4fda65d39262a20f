"""The store's fsync batches during a crawl (a running reactor): the fsync runs off the crawl's thread, the
marks are committed only after it, in order, and a failed fsync stops the output without marking its batch.

Each case runs the pipelines under Scrapy's asyncio reactor in a subprocess (a reactor cannot be restarted
in the test process), with ``os.fsync`` slowed down to what a busy disk takes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from scrapy.exceptions import DropItem
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from newsspider.urls import canonical_url
from pipelines.normalize import NormalizePipeline
from pipelines.state import open_state
from pipelines.store import JsonLinesStorePipeline
from pipelines.version import VersionPipeline
from tests.records import read_records
from tests.test_crash import generated_item

REPO = Path(__file__).resolve().parent.parent
SLOW_FSYNC = 0.03


def run_under_reactor(data_dir: str, count: int, fail_from: int) -> None:
    """The subprocess body: ``count`` records through the pipelines, the reactor turning between them as in
    a crawl; fsyncs from the ``fail_from``-th on (1-based, 0: none) fail. Prints what happened as JSON."""
    from scrapy.utils.reactor import install_reactor

    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from twisted.internet import reactor, task

    real_fsync = os.fsync
    fsyncs: list[bool] = []  # per fsync: whether it ran on the main thread

    def slow_fsync(fd: int) -> None:
        fsyncs.append(threading.current_thread() is threading.main_thread())
        time.sleep(SLOW_FSYNC)
        if fail_from and len(fsyncs) >= fail_from:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    os.fsync = slow_fsync
    crawler = get_crawler(settings_dict={"NEWSSPIDER_DATA_DIR": data_dir, "NEWSSPIDER_FSYNC_EVERY": 4})
    pipes = [
        build_from_crawler(cls, crawler)
        for cls in (NormalizePipeline, VersionPipeline, JsonLinesStorePipeline)
    ]
    store = pipes[-1]
    report: dict[str, Any] = {"stored": 0, "dropped": 0, "waited": 0.0}

    async def crawl(_: Any) -> None:
        store.open_spider()
        for n in range(count):
            item: Any = generated_item(n)
            started = time.monotonic()
            try:
                for pipe in pipes:
                    item = pipe.process_item(item)
                report["stored"] += 1
            except DropItem:
                report["dropped"] += 1
            report["waited"] += time.monotonic() - started
            await task.deferLater(reactor, 0.002, lambda: None)  # downloads, parsing: the reactor turns
        report["committed_before_close"] = store.state.count()
        store.close_spider()
        report["committed"] = store.state.count()
        report["pending_journal"] = store.state.journal_pending()
        report["fsyncs_on_main_thread"] = sum(fsyncs)
        report["fsyncs_in_threads"] = len(fsyncs) - sum(fsyncs)
        print(json.dumps(report), flush=True)

    task.react(lambda _reactor: task.ensureDeferred(crawl(None)))


def run(tmp_path: Path, count: int, fail_from: int = 0) -> dict[str, Any]:
    code = f"from tests.test_durable import run_under_reactor; run_under_reactor({str(tmp_path)!r}, {count}, {fail_from})"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_the_crawl_does_not_wait_for_the_disk_and_every_record_is_marked_after_its_fsync(
    tmp_path: Path,
) -> None:
    count = 80
    result = run(tmp_path, count)
    assert result["stored"] == count
    assert result["fsyncs_in_threads"] >= 3
    # Synchronous, each fsync would have stopped the crawl for SLOW_FSYNC: together far more than it waited.
    assert result["waited"] < result["fsyncs_in_threads"] * SLOW_FSYNC / 2
    # Marks came in as the fsyncs returned, not all at the end...
    assert 0 < result["committed_before_close"] < count
    # ...and at the end every record is marked once and the journal is closed.
    assert result["committed"] == count
    assert result["pending_journal"] == {}
    urls = [r["canonical_url"] for r in read_records(tmp_path)]
    assert sorted(urls) == sorted(set(urls))
    assert len(urls) == count


def test_a_failed_fsync_stops_the_output_and_leaves_its_records_unmarked(tmp_path: Path) -> None:
    count = 80
    result = run(tmp_path, count, fail_from=2)
    assert result["dropped"] > 0, "records went on being written after the disk failed"
    state = open_state("", tmp_path)
    # The batches synced before the failure are marked, in the order written; the failed one is not.
    urls = [canonical_url(generated_item(n)["url"]) for n in range(count)]
    marked = [url for url in urls if state.get(url) is not None]
    assert 0 < len(marked) < result["stored"]
    assert marked == urls[: len(marked)]
    # The journal still holds the file, so the next run's recovery marks what reached the disk.
    assert state.journal_pending()
