"""The CPU figures benchmarks/crawl.py reports beside its rates: read over the span of the pages only, and the
ceilings they imply."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from benchmarks.crawl import ceilings
from benchmarks.procstat import CpuSampler, cpu_seconds


def _sampler(rows: list[tuple[float, float]]) -> CpuSampler:
    sampler = CpuSampler({"crawl": 0})
    sampler.samples = [(at, {"crawl": used}) for at, used in rows]
    return sampler


def test_cpu_used_between_two_instants_leaves_out_start_up_and_shut_down() -> None:
    # 1.0 s of start-up CPU before t=10, 0.5 s while pages were fetched (t=10..12), 0.3 s shutting down.
    sampler = _sampler([(9.0, 0.2), (9.98, 1.0), (10.5, 1.2), (11.99, 1.5), (12.02, 1.5), (13.0, 1.8)])
    assert sampler.used("crawl", 10.0, 12.0) == pytest.approx(0.5)
    assert sampler.used("crawl", 9.0, 13.0) == pytest.approx(1.6)
    assert sampler.used("missing", 10.0, 12.0) is None


def test_a_busy_child_process_is_seen_as_its_parents_children() -> None:
    burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"
    parent = subprocess.Popen(
        [sys.executable, "-c", f"import subprocess, sys; subprocess.run([sys.executable, '-c', {burn!r}])"]
    )
    with CpuSampler({"crawl": parent.pid}, with_children=True) as sampler:
        parent.wait(timeout=60)
    started, ended = sampler.samples[0][0], time.time()
    assert sampler.used("crawl children", started, ended) == pytest.approx(0.3, abs=0.1)
    assert cpu_seconds(os.getpid()) is not None
    assert cpu_seconds(parent.pid) is None  # reaped: gone


def test_ceilings_from_cpu_per_page() -> None:
    cpu_ms = {
        "full crawl process": 1.4,
        "full parse workers": 1.0,
        "full replica": 0.2,
        "bare crawl process": 1.0,
    }
    found = ceilings(cpu_ms, bare_rate=1000.0)
    assert found["crawl_process"] == pytest.approx(1.0 / 1.4, abs=0.001)
    cores = os.cpu_count() or 1
    assert found["these_cores"] == pytest.approx(cores * 1000 / 2.6 / 1000, abs=0.001)


def test_the_full_crawls_rate_runs_to_its_last_record_written() -> None:
    from benchmarks.crawl import rate

    served = [{"at": 10.0 + n / 100} for n in range(101)]  # 101 pages answered over 1 s
    assert rate(served) == (101, pytest.approx(100.0))
    # Pages still waiting for a parse worker when the last one was served are not done: 2 s in all.
    assert rate(served, done_at=12.0) == (101, pytest.approx(50.0))
    assert rate(served, done_at=10.5) == (101, pytest.approx(100.0))  # written before the last page
