"""``newsspider check-site KEY``: fetch one listing page and one article LIVE and say which fields were found.

For a user with internet who wants to verify or repair a profile (``verified = false`` until then). It sends
the platform's first listing request, parses it as the crawl would, then fetches the first row's article and
runs the article parser on it; ``--next`` also reads the second listing page. ``--url`` reads another listing
URL (also one on 127.0.0.1, which is how the tests run it) as the profile's column.

Each page is fetched as the crawl would get it (:mod:`._site_probe`: robots.txt, every redirect and the
off-site guard) and each selector override of the profile is tried on the page it applies to
(:mod:`._selector_check`): "verdict ok" means the crawl would get these pages and the profile's selectors
still match them.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from http.client import HTTPException
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.settings import Settings

from newsspider import settings
from newsspider.commands._selector_check import check_article_selectors, check_listing_selector
from newsspider.commands._site_probe import Probe, show
from newsspider.exitcodes import EXIT_CHALLENGE, EXIT_CONFIG, EXIT_FAILURES, EXIT_OK
from newsspider.middlewares.challenge import challenge_kind
from newsspider.parsers.article import ListingContext, parse_response
from newsspider.platforms import get_platform
from newsspider.sites import Column, ProfileError, load_profile
from newsspider.urls import host_of

if TYPE_CHECKING:
    import argparse

    from scrapy.http import TextResponse

HELP = "fetch one listing page and one article of a profile live and report the fields found"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("key", help="the profile key, e.g. shanxi-gov")
    parser.add_argument("--sites-dir", type=Path, help="extra folder of <key>.toml profiles (searched first)")
    parser.add_argument("--column", help="the column name to check (default: the first)")
    parser.add_argument("--url", help="check this listing URL instead of the column's (its host is allowed)")
    parser.add_argument("--next", action="store_true", help="also fetch and parse the next listing page")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per request (default 20)")


def _check_listing(
    probe: Probe, column: Column, request: Request, problems: list[str]
) -> tuple[int, str | None, Request | None]:
    site = probe.site
    print(f"listing  {request.method} {request.url}")
    fetched = probe.fetch(request, column_url=True)
    problems.extend(fetched.problems)
    response = fetched.response
    if response is None:
        return EXIT_FAILURES, None, None
    show("status", response.status)
    if _challenged(response, problems):
        return EXIT_CHALLENGE, None, None
    page = get_platform(site.platform).parse_listing(response, site, column)
    show("rows", len(page.rows))
    show("with title", sum(1 for row in page.rows if row.title))
    show("with date", sum(1 for row in page.rows if row.date_raw))
    for row in page.rows[:3]:
        print(f"    {row.date_raw or '?':<20} {row.title or '?'}  {row.url}")
    show("total pages", page.total_pages)
    show("total records", page.total_records)
    show("next page", " ".join(f"{r.method} {r.url}" for r in page.next_requests[:1]))
    follow = page.next_requests[0] if page.next_requests else None
    failed = check_listing_selector(response, site.selectors.listing, len(page.rows))
    problems.extend(failed)
    if not page.rows:
        problems.append(
            f"the listing answered {response.status}"
            if response.status >= 400
            else "no article rows on the listing"
        )
        return EXIT_FAILURES, None, follow
    return EXIT_OK if not failed else EXIT_FAILURES, page.rows[0].url, follow


def _challenged(response: TextResponse, problems: list[str]) -> bool:
    """Whether ``response`` is an anti-bot challenge page (said, and added to the verdict's problems)."""
    kind = challenge_kind(response)
    if kind is None:
        return False
    show("challenge", f"{kind}: the site needs a browser; not retried")
    problems.append(f"challenge ({kind})")
    return True


def _check_article(probe: Probe, url: str, column: Column, problems: list[str]) -> int:
    site = probe.site
    print(f"article  GET {url}")
    fetched = probe.fetch(Request(url), column_url=False)
    problems.extend(fetched.problems)
    response = fetched.response
    if response is None:
        return EXIT_FAILURES
    show("status", response.status)
    if _challenged(response, problems):  # a wall in front of the articles is no broken profile either
        return EXIT_CHALLENGE
    if response.status >= 400:
        problems.append(f"the article answered {response.status}")
        return EXIT_FAILURES
    record = parse_response(response, site=site, listing=ListingContext(column=column.name))
    show("encoding", record.encoding)
    show("title", record.title)
    show("published", f"{record.published_at} ({record.published_raw!r} from {record.published_from})"
         if record.published_at else None)  # fmt: skip
    show("source", record.source)
    show("authors", "、".join(record.authors))
    show("editors", "、".join(record.editors))
    show(
        "body", f"{len(record.text)} characters, {len(record.paragraphs)} paragraphs" if record.text else None
    )
    show("images", len(record.images))
    show("warnings", ", ".join(record.warnings))
    failed = check_article_selectors(response, site)
    problems.extend(failed)
    missing = [name for name, value in (("title", record.title), ("body", record.text)) if not value]
    if missing:
        problems.append(f"no {' or '.join(missing)} found (see the fields marked —)")
    return EXIT_OK if not missing and not failed else EXIT_FAILURES


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
    private: frozenset[str] = frozenset()
    if args.url:
        if not args.url.startswith(("http://", "https://")):
            print(f"newsspider check-site: --url {args.url!r} is not an http(s) URL", file=sys.stderr)
            return EXIT_CONFIG
        column = replace(column, url=args.url)
        site = replace(site, allowed_domains=(*site.allowed_domains, host_of(args.url)))
        private = frozenset({host_of(args.url)})
        request = Request(args.url, meta={"ns_page": 1})
    else:
        request = get_platform(site.platform).first_requests(site, column)[0]
    crawl_settings = Settings()
    crawl_settings.setmodule(settings, priority="project")
    probe = Probe(site, crawl_settings, args.timeout, private)
    print(f"{site.key}: {site.name} ({site.platform}), column {column.name}")
    problems: list[str] = []
    try:
        code, article_url, follow = _check_listing(probe, column, request, problems)
        if args.next and follow is not None and code == EXIT_OK:
            # The second page proves the pagination parameters (Hanweb unitid, UCAP channel) are right.
            code, _, _ = _check_listing(probe, column, follow, problems)
        if article_url is not None:
            code = max(code, _check_article(probe, article_url, column, problems))
    except (OSError, ValueError, HTTPException) as exc:  # DNS failure, refused connection, timeout, bad URL
        print(f"newsspider check-site: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILURES
    if code == EXIT_OK:
        print("verdict  ok")
    else:
        print(f"verdict  needs attention: {'; '.join(dict.fromkeys(problems))}")
    return code
