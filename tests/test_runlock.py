"""``output_lock``: a second run on the same output folder stops at once; a dead run's lock never sticks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from newsspider.runlock import LockedError, output_lock

REPO = Path(__file__).resolve().parent.parent

HOLDER = """
import sys, time
from newsspider.runlock import output_lock
with output_lock(sys.argv[1], run_id="20261128T020000Z-cron"):
    print("locked", flush=True)
    time.sleep(60)
"""


def test_lock_note_names_this_run(tmp_path: Path) -> None:
    data = tmp_path / "data"  # created on demand
    with output_lock(data, run_id="run-a") as lock:
        note = json.loads(lock.read_text(encoding="utf-8"))
        assert note["pid"] == os.getpid()
        assert note["run_id"] == "run-a"
        assert note["started_at"].endswith("+00:00")
    assert lock.read_text(encoding="utf-8") == ""  # released: nobody is named as holder


def test_second_run_is_refused_with_the_holder_named(tmp_path: Path) -> None:
    with (
        output_lock(tmp_path, run_id="run-a"),
        pytest.raises(LockedError) as caught,
        output_lock(tmp_path, run_id="run-b"),
    ):
        pytest.fail("a second holder got the lock")
    message = str(caught.value)
    assert f"pid {os.getpid()}" in message
    assert "run_id run-a" in message
    assert caught.value.holder["run_id"] == "run-a"
    # Released after the first block: the next run goes ahead.
    with output_lock(tmp_path, run_id="run-c"):
        pass


def test_lock_is_released_when_the_block_raises(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="boom"), output_lock(tmp_path):
        raise ValueError("boom")
    with output_lock(tmp_path):
        pass


def test_other_process_holds_then_dies_by_sigkill(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "locked"
        holder = rf"pid {child.pid}.*run_id 20261128T020000Z-cron"
        with pytest.raises(LockedError, match=holder), output_lock(tmp_path):
            pass
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    # The dead run's note is still in the file, but the kernel dropped its flock: no stale-lock problem.
    assert "20261128T020000Z-cron" in (tmp_path / ".lock").read_text(encoding="utf-8")
    with output_lock(tmp_path, run_id="next") as lock:
        assert json.loads(lock.read_text(encoding="utf-8"))["run_id"] == "next"
