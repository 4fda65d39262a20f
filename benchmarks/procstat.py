"""Memory and CPU time of running processes, from /proc (Linux): what the crawl benchmarks sample while a
crawl runs."""

from __future__ import annotations

import bisect
import os
import threading
import time
from pathlib import Path
from typing import Self

__all__ = ["CpuSampler", "children", "cpu_seconds", "rss_mb", "tree_rss_mb"]

_TICKS = os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float | None:
    """Resident set size of ``pid`` now, in MB; None once the process is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), None)
    return kb / 1024 if kb is not None else None


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(c) for c in task.read_text(encoding="ascii").split()]
        except OSError:
            continue
    return found


def tree_rss_mb(pid: int) -> float | None:
    """RSS of ``pid`` and all its descendants (parse worker processes count too); None once ``pid`` is gone."""
    own = rss_mb(pid)
    if own is None:
        return None
    return own + sum(tree_rss_mb(child) or 0.0 for child in children(pid))


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time ``pid`` has used so far; None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # the command name may hold spaces
    return (int(fields[11]) + int(fields[12])) / _TICKS


class CpuSampler:
    """CPU time of processes, sampled every ``interval`` s in a thread, so the CPU used between two wall-clock
    instants (a benchmark's first and last page) can be read afterwards, start-up and shut-down left out.

    ``watch`` names what to sample: ``{"crawl": pid}``; with ``with_children`` a key also gets ``key
    children``, the summed CPU of the pid's child processes (the parse workers).
    """

    def __init__(self, watch: dict[str, int], with_children: bool = False, interval: float = 0.02) -> None:
        self.watch = watch
        self.with_children = with_children
        self.interval = interval
        self.samples: list[tuple[float, dict[str, float]]] = []
        self._children: dict[str, dict[int, float]] = {key: {} for key in watch}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            now, row = time.time(), {}
            for key, pid in self.watch.items():
                if (own := cpu_seconds(pid)) is not None:
                    row[key] = own
                if self.with_children:
                    mine = self._children[key]  # each watched process's own children, never another's
                    for child in children(pid):
                        if (used := cpu_seconds(child)) is not None:
                            mine[child] = used  # a worker that exits keeps its last reading
                    row[f"{key} children"] = sum(mine.values())
            self.samples.append((now, row))
            self._stop.wait(self.interval)

    def used(self, key: str, start: float, end: float) -> float | None:
        """CPU seconds ``key`` used from ``start`` to ``end`` (time.time()), read off the samples on either side."""
        times = [t for t, row in self.samples if key in row]
        values = [row[key] for _, row in self.samples if key in row]
        if len(times) < 2:
            return None
        first = max(0, bisect.bisect_right(times, start) - 1)
        last = min(len(times) - 1, bisect.bisect_left(times, end))
        return values[last] - values[first]
