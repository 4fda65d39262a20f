"""``newsspider sites``: list the site profiles (bundled and ``--sites-dir``) with platform and columns."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from newsspider.exitcodes import EXIT_CONFIG, EXIT_OK
from newsspider.sites import ProfileError, list_keys, load_profile

if TYPE_CHECKING:
    import argparse

HELP = "list the site profiles: key, name, province, platform, columns, verified"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sites-dir", type=Path, help="extra folder of <key>.toml profiles (searched first)")
    parser.add_argument("--urls", action="store_true", help="also print each column's URL")


def run(args: argparse.Namespace) -> int:
    sites_dir: Path | None = args.sites_dir
    if sites_dir is not None and not sites_dir.is_dir():
        print(f"newsspider sites: --sites-dir {sites_dir} is not a folder", file=sys.stderr)
        return EXIT_CONFIG
    code = EXIT_OK
    header = ("key", "name", "province", "platform", "verified", "columns")
    lines: list[tuple[str, ...]] = []
    for key in list_keys(sites_dir):
        try:
            site = load_profile(key, sites_dir)
        except ProfileError as exc:
            print(f"invalid profile: {exc}", file=sys.stderr)
            code = EXIT_CONFIG
            continue
        columns = "、".join(column.name for column in site.columns)
        verified = "yes" if site.verified else "no"
        lines.append((key, site.name, site.province or "-", site.platform, verified, columns))
        if args.urls:
            lines.extend(("", "", "", "", "", f"  {c.name}: {c.url}") for c in site.columns)
    widths = [max(_width(row[i]) for row in [header, *lines]) for i in range(len(header) - 1)]
    for row in [header, *lines]:
        cells = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row[:-1])]
        print("  ".join([*cells, row[-1]]).rstrip())
    return code


def _width(text: str) -> int:
    # CJK characters take two terminal columns; str.ljust would misalign the table.
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)
