"""``newsspider parse FILE... [--url URL] [--site KEY]``: parse saved pages, one JSON line per file.

A file that cannot be read or parsed prints ``{"file", "url", "error"}`` instead and the command goes on;
the exit code is 1 at the end if any file failed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from itemadapter import ItemAdapter

from newsspider.exitcodes import EXIT_CONFIG, EXIT_FAILURES, EXIT_OK
from newsspider.parsers import parse_article

if TYPE_CHECKING:
    import argparse

    from newsspider.sites import SiteProfile

HELP = "parse saved article pages and print one JSON record per file"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="saved HTML files (raw bytes as served)")
    parser.add_argument("--url", help="the URL the page was fetched from (default: the file's file:// URL)")
    parser.add_argument(
        "--site", metavar="KEY", help="apply the site profile KEY (its selectors and encoding)"
    )
    parser.add_argument("--sites-dir", type=Path, default=None, help="where site profiles live")


def _load_site(key: str, sites_dir: Path | None) -> SiteProfile:
    from newsspider.sites import load_profile

    return load_profile(key, sites_dir)


def _emit(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False


def _usage_error(args: argparse.Namespace) -> str | None:
    """Why the arguments cannot work, before any file is read."""
    if args.url is not None and not _is_http_url(args.url):
        # The URL resolves the page's relative links and becomes the record's url: anything else gives
        # relative image and attachment links and a record the validate pipeline quarantines (bad_url).
        return f"--url must be an absolute http(s) URL, got {args.url!r}"
    for name in args.files:
        if "://" in name and not Path(name).exists():
            return f"{name} is a URL: parse reads saved files; to fetch a page live use check-site or crawl --url"
    return None


def run(args: argparse.Namespace) -> int:
    if (problem := _usage_error(args)) is not None:
        print(f"newsspider parse: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    site: SiteProfile | None = None
    if args.site:
        try:
            site = _load_site(args.site, args.sites_dir)
        except Exception as exc:  # noqa: BLE001 -- ProfileError, OSError, TOMLDecodeError: all a usage error here
            print(f"newsspider parse: cannot load site profile {args.site!r}: {exc}", file=sys.stderr)
            return EXIT_CONFIG
    failed = 0
    for name in args.files:
        path = Path(name)
        url = args.url or path.resolve().as_uri()
        try:
            body = path.read_bytes()
        except OSError as exc:
            _emit({"file": name, "url": url, "error": f"cannot read: {exc.strerror or exc}"})
            failed += 1
            continue
        try:
            record = parse_article(body, url, site=site)
        except Exception as exc:  # noqa: BLE001 -- one bad page must not stop the batch; the error is reported
            _emit({"file": name, "url": url, "error": f"{type(exc).__name__}: {exc}"})
            failed += 1
            continue
        _emit(ItemAdapter(record).asdict())
    return EXIT_FAILURES if failed else EXIT_OK
