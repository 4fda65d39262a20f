"""What a crawl stored, read the way the dataset tools read it: one helper for every test.

Record files are found by :func:`newsspider.dataset.record_files` and their lines parsed by
:func:`newsspider.dataset.iter_records`, so a test sees exactly the files ``load()`` and ``export`` see
(``DATA/<site>/*.jsonl``; never ``runs/``, ``logs/``, ``quarantine/`` or ``<site>/events/``). Unlike
``load()``, an unreadable line fails the test instead of warning, unless it is the torn last line a kill
may leave and the caller said so.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from newsspider.dataset import RESERVED_DIRS, iter_records, record_files

if TYPE_CHECKING:
    from newsspider.dataset import BadLine

__all__ = ["read_records"]


def read_records(
    data_dir: Path | str, kind: Literal["records", "events"] = "records", *, skip_torn: bool = False
) -> list[dict[str, Any]]:
    """Every stored record (or, with ``kind="events"``, every ``<site>/events/`` entry) under
    ``data_dir``, sites in name order, then files in name (date, then shard) order, then line order.

    ``skip_torn`` leaves out a file's torn last line (a kill or a full disk mid-write), as ``load()``
    does; any other unreadable line fails with its file and line. A missing folder holds no records.
    """
    root = Path(data_dir)
    if not root.is_dir():
        return []
    if kind == "records":
        paths = record_files(root)
    else:
        paths = sorted(p for p in root.glob("*/events/*.jsonl") if p.parent.parent.name not in RESERVED_DIRS)

    def on_bad(bad: BadLine) -> None:
        if not (skip_torn and bad.torn):
            raise AssertionError(f"{bad.path}: line {bad.lineno}: {bad.reason}")

    return [record for path in paths for _, record in iter_records(path, on_bad)]
