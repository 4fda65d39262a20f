"""``newsspider validate DATA_DIR``: check every line of every record file against the record schema.

Prints ``file:line: reason`` for each bad line and a summary; exits 1 when any line is bad, so a cron job
or a CI step can gate on a data folder before it is published.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from newsspider.dataset import BadLine, iter_records, missing_sites, no_records_message, record_files
from newsspider.exitcodes import EXIT_CONFIG, EXIT_FAILURES, EXIT_OK
from newsspider.schema import SCHEMA_PATH, record_schema

if TYPE_CHECKING:
    import argparse

HELP = "check every line of every record file in a data folder against data/schema.json"

MAX_REASONS = 3
"""Schema errors named per bad line; a record that is wrong everywhere would otherwise flood the output."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data_dir", type=Path, metavar="DATA_DIR", help="the data folder (e.g. data)")
    parser.add_argument(
        "--schema",
        type=Path,
        metavar="PATH",
        help=f"the JSON Schema to check against (default: {SCHEMA_PATH.name} of this newsspider)",
    )
    parser.add_argument(
        "--site", action="append", dest="sites", metavar="KEY", help="only this site (repeatable)"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=min(4, os.cpu_count() or 1),
        metavar="N",
        help="files checked in parallel processes (default: CPUs, at most 4)",
    )


def _load_schema(path: Path | None) -> dict[str, Any]:
    if path is not None:
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return loaded
    if SCHEMA_PATH.is_file():
        on_disk: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
        return on_disk
    # An installed wheel has no data/ folder; the schema is generated from the same dataclasses.
    return record_schema()


def _where(error: Any) -> str:
    path = "/".join(str(p) for p in error.absolute_path)
    return f"{path}: " if path else ""


def check_record(validator: Draft202012Validator, record: dict[str, Any]) -> str | None:
    """Why a record fails the schema (the most relevant errors first), or None when it passes."""
    errors = list(validator.iter_errors(record))
    if not errors:
        return None
    first = best_match(errors)
    rest = [e for e in errors if e is not first][: MAX_REASONS - 1]
    reasons = [f"{_where(e)}{e.message}" for e in [first, *rest]]
    more = len(errors) - len(reasons)
    return "; ".join(reasons) + (f" (and {more} more)" if more > 0 else "")


def check_file(path: Path, schema: dict[str, Any]) -> tuple[int, list[BadLine]]:
    """Lines read and bad lines (in line order) of one record file."""
    validator = Draft202012Validator(schema)
    unreadable: list[BadLine] = []
    invalid: list[BadLine] = []
    lines = 0
    for lineno, record in iter_records(path, unreadable.append):
        lines += 1
        reason = check_record(validator, record)
        if reason is not None:
            invalid.append(BadLine(path, lineno, reason))
    return lines + len(unreadable), sorted(unreadable + invalid, key=lambda b: b.lineno)


def run(args: argparse.Namespace) -> int:
    try:
        files = record_files(args.data_dir, args.sites)
        schema = _load_schema(args.schema)
    except (FileNotFoundError, json.JSONDecodeError) as exc:
        print(f"newsspider validate: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    missing = missing_sites(files, args.sites)
    if not files or missing:
        # "0 lines: all valid" for a wrong folder would let a cron job publish nothing as checked.
        print(
            f"newsspider validate: {no_records_message(args.data_dir, missing or args.sites)}",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    lines = bad_count = 0
    # jsonschema checks about 2,000 records a second on one core: spread the files over processes.
    with contextlib.ExitStack() as stack:
        if args.jobs > 1 and len(files) > 1:
            pool = stack.enter_context(ProcessPoolExecutor(max_workers=args.jobs))
            results = pool.map(check_file, files, itertools.repeat(schema))
        else:
            results = map(check_file, files, itertools.repeat(schema))
        for count, bad in results:
            lines += count
            bad_count += len(bad)
            for line in bad:
                print(f"{line.path}:{line.lineno}: {line.reason}")
    verdict = "all valid" if not bad_count else f"{bad_count} bad"
    print(f"checked {lines:,} lines in {len(files)} files under {args.data_dir}: {verdict}")
    return EXIT_FAILURES if bad_count else EXIT_OK
