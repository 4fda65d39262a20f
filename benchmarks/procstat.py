"""Memory of a running process tree, from /proc (Linux): what the crawl benchmarks sample while a crawl runs."""

from __future__ import annotations

from pathlib import Path

__all__ = ["children", "rss_mb", "tree_rss_mb"]


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
