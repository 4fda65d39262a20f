"""``newsspider export DATA_DIR --format parquet|csv|jsonl --out PATH``: one file for a whole data folder.

Two passes over the files keep memory flat for years of records: the first picks which line of which file
is in the view (latest version of each article, or every version), the second streams those records out
in batches. The output is written to ``PATH.tmp`` and renamed, so a killed export never leaves a
half-written file under the real name.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from newsspider.arrow_records import arrow_schema, to_arrow_records
from newsspider.dataset import (
    BadLine,
    iter_records,
    latest_positions,
    missing_sites,
    no_records_message,
    record_files,
)
from newsspider.exitcodes import EXIT_CONFIG, EXIT_FAILURES, EXIT_OK

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterator

HELP = "export a data folder (latest versions, or --versions) to one Parquet, CSV or JSON Lines file"

FORMATS = ("parquet", "csv", "jsonl")
BATCH = 2000
PROGRESS_EVERY = 2.0
"""Seconds between progress lines on stderr; an export shorter than this prints only its summary."""

Located = tuple[Path, int, dict[str, Any]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data_dir", type=Path, metavar="DATA_DIR", help="the data folder (e.g. data)")
    parser.add_argument("--out", type=Path, required=True, metavar="PATH", help="the file to write")
    parser.add_argument(
        "--format", choices=FORMATS, help="output format (default: from the --out suffix, else parquet)"
    )
    parser.add_argument("--versions", action="store_true", help="every version, not only the latest")
    parser.add_argument(
        "--site", action="append", dest="sites", metavar="KEY", help="only this site (repeatable)"
    )


class Writer(Protocol):
    def write(self, batch: list[Located]) -> list[BadLine]: ...

    def close(self) -> None: ...


class ParquetOut:
    """Nested fields as Arrow structs and lists, typed by :func:`newsspider.arrow_records.arrow_schema`."""

    def __init__(self, path: Path) -> None:
        self.schema = arrow_schema()
        self.writer = pq.ParquetWriter(path, self.schema, compression="zstd")

    def write(self, batch: list[Located]) -> list[BadLine]:
        table, bad = _to_table(batch, self.schema, to_arrow_records)
        self.writer.write_table(table)
        return bad

    def close(self) -> None:
        self.writer.close()


class CsvOut:
    """Flat columns; lists and objects become JSON text (Chinese unescaped) in their cell."""

    def __init__(self, path: Path) -> None:
        full = arrow_schema()
        self.nested = {f.name for f in full if _is_nested(f.type)}
        self.schema = pa.schema([pa.field(f.name, pa.string()) if f.name in self.nested else f for f in full])
        self.writer = pa_csv.CSVWriter(path, self.schema)

    def _flatten(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                k: json.dumps(v, ensure_ascii=False) if k in self.nested and v is not None else v
                for k, v in r.items()
            }
            for r in records
        ]

    def write(self, batch: list[Located]) -> list[BadLine]:
        table, bad = _to_table(batch, self.schema, self._flatten)
        self.writer.write_table(table)
        return bad

    def close(self) -> None:
        self.writer.close()


class JsonLinesOut:
    """The records as read: one JSON object per line, UTF-8, Chinese unescaped."""

    def __init__(self, path: Path) -> None:
        self.file = path.open("w", encoding="utf-8")

    def write(self, batch: list[Located]) -> list[BadLine]:
        self.file.writelines(json.dumps(r, ensure_ascii=False) + "\n" for _, _, r in batch)
        return []

    def close(self) -> None:
        self.file.close()


def _is_nested(dtype: pa.DataType) -> bool:
    return bool(pa.types.is_list(dtype) or pa.types.is_struct(dtype))


def _to_table(batch: list[Located], schema: pa.Schema, prepare: Any) -> tuple[pa.Table, list[BadLine]]:
    try:
        return pa.Table.from_pylist(prepare([r for _, _, r in batch]), schema=schema), []
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    # Some record in the batch does not fit the schema: find it (them) one by one and keep the rest.
    good: list[dict[str, Any]] = []
    bad: list[BadLine] = []
    for path, lineno, record in batch:
        try:
            pa.Table.from_pylist(prepare([record]), schema=schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            bad.append(BadLine(path, lineno, f"does not fit the record schema: {exc}"))
        else:
            good.append(record)
    return pa.Table.from_pylist(prepare(good), schema=schema), bad


def _open(fmt: str, path: Path) -> Writer:
    if fmt == "parquet":
        return ParquetOut(path)
    if fmt == "csv":
        return CsvOut(path)
    return JsonLinesOut(path)


def _format_of(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    suffix = args.out.suffix.lstrip(".").lower()
    return {"parquet": "parquet", "pq": "parquet", "csv": "csv", "jsonl": "jsonl", "ndjson": "jsonl"}.get(
        suffix, "parquet"
    )


class Progress:
    """Progress lines on stderr for exports that take a while (large folders)."""

    def __init__(self, total_files: int) -> None:
        self.total = total_files
        self.start = self.last = time.monotonic()

    def tick(self, stage: str, files_done: int, records: int) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY:
            self.last = now
            print(
                f"export: {stage} {files_done}/{self.total} files, {records:,} records, {now - self.start:.0f}s",
                file=sys.stderr,
            )

    def elapsed(self) -> float:
        return time.monotonic() - self.start


def _positions(files: list[Path], progress: Progress) -> Iterator[tuple[tuple[int, int], dict[str, Any]]]:
    seen = 0
    for index, path in enumerate(files):
        for lineno, record in iter_records(path, lambda _bad: None):
            seen += 1
            yield (index, lineno), record
        progress.tick("reading", index + 1, seen)


def run(args: argparse.Namespace) -> int:
    fmt = _format_of(args)
    try:
        files = record_files(args.data_dir, args.sites)
    except FileNotFoundError as exc:
        print(f"newsspider export: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    missing = missing_sites(files, args.sites)
    if not files or missing:
        # An empty output file for a wrong folder would pass for an export of nothing new.
        print(
            f"newsspider export: {no_records_message(args.data_dir, missing or args.sites)}", file=sys.stderr
        )
        return EXIT_CONFIG
    progress = Progress(len(files))
    keep = latest_positions(_positions(files, progress), versions=args.versions)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".tmp")
    writer = _open(fmt, tmp)
    unreadable: list[BadLine] = []
    unfit: list[BadLine] = []
    written = 0
    try:
        batch: list[Located] = []
        for index, path in enumerate(files):
            for lineno, record in iter_records(path, unreadable.append):
                if (index, lineno) in keep:
                    batch.append((path, lineno, record))
                if len(batch) >= BATCH:
                    unfit += writer.write(batch)
                    written += len(batch)
                    batch = []
            progress.tick("writing", index + 1, written)
        unfit += writer.write(batch)
        written += len(batch)
    except BaseException:
        writer.close()
        tmp.unlink(missing_ok=True)
        raise
    writer.close()
    tmp.replace(args.out)

    skipped = [*unreadable, *unfit]
    for bad in skipped:
        print(f"{bad.path}:{bad.lineno}: {bad.reason} (skipped)", file=sys.stderr)
    view = "all versions" if args.versions else "latest versions"
    print(
        f"exported {written - len(unfit):,} records ({view}) from {len(files)} files to {args.out} "
        f"as {fmt} in {progress.elapsed():.1f}s; {len(skipped)} lines skipped",
        file=sys.stderr,
    )
    # A torn last line is what a crash leaves behind and is expected; any other skipped line is damage
    # or a record that does not fit the schema, which the caller's script should notice.
    return EXIT_FAILURES if any(not bad.torn for bad in skipped) else EXIT_OK
