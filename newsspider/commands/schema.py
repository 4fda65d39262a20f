"""``newsspider schema``: print the record's JSON Schema, or rewrite ``data/schema.json``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from newsspider.schema import SCHEMA_PATH, schema_text

if TYPE_CHECKING:
    import argparse

HELP = "print the record JSON Schema (or --write it to data/schema.json)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--write", action="store_true", help=f"rewrite {SCHEMA_PATH}")


def run(args: argparse.Namespace) -> int:
    text = schema_text()
    if args.write:
        SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
        SCHEMA_PATH.write_text(text, encoding="utf-8")
        print(f"wrote {SCHEMA_PATH}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
