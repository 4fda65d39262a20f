"""One run per output folder: an exclusive ``flock`` on ``DATA/.lock``.

Cron starts a crawl every few hours; a slow run must not overlap the next one, or two writers would
append to the same files and race on the state store. ``flock`` is held by the open file, so the kernel
releases it when the process dies, however it dies (``kill -9``, OOM, power loss): a stale lock file
from a dead run never blocks the next one, and nobody has to delete it. The file's content is only a
note for humans (and for the error message): who holds the lock, since when.

``flock`` locks are advisory and local: on NFS they may not be enforced between machines (see
docs/operations.md; distributed runs give each worker its own shard instead).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["LOCK_NAME", "LockedError", "output_lock"]

LOCK_NAME = ".lock"


class LockedError(RuntimeError):
    """Another run holds the lock on the output folder (``newsspider crawl`` exits with code 3)."""

    def __init__(self, path: Path, holder: dict[str, Any]) -> None:
        self.path = path
        self.holder = holder
        who = ", ".join(f"{k} {v}" for k, v in holder.items() if k in {"pid", "host", "run_id", "started_at"})
        super().__init__(
            f"{path.parent} is in use by another newsspider run ({who or 'holder unknown'}); "
            f"not starting a second run on the same folder. Lock file: {path}"
        )


def _holder(fd: int) -> dict[str, Any]:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = os.read(fd, 4096)
    try:
        note = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        # The holder may be between truncate and write, or the file was written by hand.
        return {}
    return note if isinstance(note, dict) else {}


@contextlib.contextmanager
def output_lock(data_dir: Path | str, run_id: str | None = None) -> Iterator[Path]:
    """Hold the exclusive lock on ``data_dir`` for the ``with`` block; yields the lock file's path.

    Raises :class:`LockedError` at once (no waiting) when another process holds it.
    """
    path = Path(data_dir) / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_CLOEXEC (Python's default): a child process (a browser, a helper) must not inherit and keep it.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(path, _holder(fd)) from None
        note = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "run_id": run_id,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(note) + "\n").encode(), 0)
        try:
            yield path
        finally:
            # Empty the note before letting go, so a reader never names a finished run as the holder.
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
