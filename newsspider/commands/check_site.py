"""``newsspider check-site KEY``: fetch one listing page and one article LIVE and say which fields were found.

For a user with internet who wants to verify or repair a profile (``verified = false`` until then). It sends
the platform's first listing request, parses it as the crawl would, then fetches the first row's article and
runs the article parser on it; ``--next`` also reads the second listing page. ``--url`` reads another listing URL (also one on 127.0.0.1, which is how the
tests run it) as the profile's column.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse
from scrapy.responsetypes import responsetypes

from newsspider import settings
from newsspider.exitcodes import EXIT_CHALLENGE, EXIT_CONFIG, EXIT_FAILURES, EXIT_OK
from newsspider.middlewares.challenge import challenge_kind
from newsspider.parsers.article import ListingContext, parse_response, plain_headers
from newsspider.platforms import get_platform
from newsspider.sites import Column, ProfileError, SiteProfile, load_profile
from newsspider.urls import host_of

if TYPE_CHECKING:
    import argparse

HELP = "fetch one listing page and one article of a profile live and report the fields found"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("key", help="the profile key, e.g. shanxi-gov")
    parser.add_argument("--sites-dir", type=Path, help="extra folder of <key>.toml profiles (searched first)")
    parser.add_argument("--column", help="the column name to check (default: the first)")
    parser.add_argument("--url", help="check this listing URL instead of the column's (its host is allowed)")
    parser.add_argument("--next", action="store_true", help="also fetch and parse the next listing page")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per request (default 20)")


def _fetch(request: Request, timeout: float) -> TextResponse:
    """One request with the project's User-Agent; HTTP errors come back as responses, not exceptions."""
    headers = plain_headers(request.headers)
    headers["User-Agent"] = settings.USER_AGENT
    if urlsplit(request.url).scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {request.url}")
    raw = urllib.request.Request(  # noqa: S310 (scheme checked above)
        request.url, data=request.body or None, headers=headers, method=request.method
    )
    try:
        with urllib.request.urlopen(raw, timeout=timeout) as answer:  # noqa: S310 (scheme checked above)
            status, url, got, body = answer.status, answer.url, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        status, url, got, body = error.code, request.url, error.headers, error.read()
    reply_headers = dict(got.items())
    cls = responsetypes.from_args(headers=reply_headers, url=url, body=body)
    if not issubclass(cls, TextResponse):
        cls = HtmlResponse
    response = cls(url=url, status=status, headers=reply_headers, body=body, request=request)
    assert isinstance(response, TextResponse)
    return response


def _show(label: str, value: object) -> None:
    shown = "—" if value in (None, "", [], ()) else value
    print(f"  {label:<14} {shown}")


def _check_listing(
    site: SiteProfile, column: Column, request: Request, timeout: float
) -> tuple[int, str | None, Request | None]:
    print(f"listing  {request.method} {request.url}")
    response = _fetch(request, timeout)
    _show("status", response.status)
    kind = challenge_kind(response)
    if kind is not None:
        _show("challenge", f"{kind}: the site needs a browser; not retried")
        return EXIT_CHALLENGE, None, None
    page = get_platform(site.platform).parse_listing(response, site, column)
    _show("rows", len(page.rows))
    _show("with title", sum(1 for row in page.rows if row.title))
    _show("with date", sum(1 for row in page.rows if row.date_raw))
    for row in page.rows[:3]:
        print(f"    {row.date_raw or '?':<20} {row.title or '?'}  {row.url}")
    _show("total pages", page.total_pages)
    _show("total records", page.total_records)
    _show("next page", " ".join(f"{r.method} {r.url}" for r in page.next_requests[:1]))
    follow = page.next_requests[0] if page.next_requests else None
    if not page.rows:
        return EXIT_FAILURES, None, follow
    return EXIT_OK, page.rows[0].url, follow


def _check_article(site: SiteProfile, url: str, column: Column, timeout: float) -> int:
    print(f"article  GET {url}")
    response = _fetch(Request(url), timeout)
    _show("status", response.status)
    if response.status >= 400:
        return EXIT_FAILURES
    record = parse_response(response, site=site, listing=ListingContext(column=column.name))
    _show("encoding", record.encoding)
    _show("title", record.title)
    _show("published", f"{record.published_at} ({record.published_raw!r} from {record.published_from})"
          if record.published_at else None)  # fmt: skip
    _show("source", record.source)
    _show("authors", "、".join(record.authors))
    _show("editors", "、".join(record.editors))
    _show(
        "body", f"{len(record.text)} characters, {len(record.paragraphs)} paragraphs" if record.text else None
    )
    _show("images", len(record.images))
    _show("warnings", ", ".join(record.warnings))
    return EXIT_OK if record.title and record.text else EXIT_FAILURES


def run(args: argparse.Namespace) -> int:
    try:
        site = load_profile(args.key, args.sites_dir)
    except ProfileError as exc:
        print(f"newsspider check-site: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    columns = [c for c in site.columns if args.column in (None, c.name)]
    if not columns:
        names = "、".join(c.name for c in site.columns)
        print(
            f"newsspider check-site: {site.key} has no column {args.column!r} (has: {names})", file=sys.stderr
        )
        return EXIT_CONFIG
    column = columns[0]
    if args.url:
        if not args.url.startswith(("http://", "https://")):
            print(f"newsspider check-site: --url {args.url!r} is not an http(s) URL", file=sys.stderr)
            return EXIT_CONFIG
        column = replace(column, url=args.url)
        site = replace(site, allowed_domains=(*site.allowed_domains, host_of(args.url)))
        request = Request(args.url, meta={"ns_page": 1})
    else:
        request = get_platform(site.platform).first_requests(site, column)[0]
    print(f"{site.key}: {site.name} ({site.platform}), column {column.name}")
    try:
        code, article_url, follow = _check_listing(site, column, request, args.timeout)
        if args.next and follow is not None and code == EXIT_OK:
            # The second page proves the pagination parameters (Hanweb unitid, UCAP channel) are right.
            code, _, _ = _check_listing(site, column, follow, args.timeout)
        if article_url is not None:
            code = max(code, _check_article(site, article_url, column, args.timeout))
    except (OSError, ValueError) as exc:  # DNS failure, refused connection, timeout, malformed URL
        print(f"newsspider check-site: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILURES
    print("verdict  ok" if code == EXIT_OK else "verdict  needs attention (see the fields marked —)")
    return code
