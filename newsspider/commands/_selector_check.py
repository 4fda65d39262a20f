"""check-site: does each selector override of the profile still match the page it applies to?

The parser falls back to its defaults when an override matches nothing (``source = "h1.nope"`` costs no
error, only the field), so after a redesign a profile can look fine while every override is dead. Each one
is tried here the way its user applies it: ``listing`` on the listing response as the platforms do, the
article fields and ``noise`` with the parser's compiled selectors on the decoded article page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree
from lxml import html as lxml_html

from newsspider.commands._site_probe import show
from newsspider.parsers.encoding import decode_html
from newsspider.parsers.families import compile_selector, select
from newsspider.platforms.base import link_of, query_nodes

if TYPE_CHECKING:
    from scrapy.http import TextResponse

    from newsspider.sites import SiteProfile

__all__ = ["check_article_selectors", "check_listing_selector"]

_ARTICLE_FIELDS = (
    "title",
    "published",
    "source",
    "authors",
    "editors",
    "summary",
    "body",
    "breadcrumb",
)
_SHOWN_TEXT = 40


def check_listing_selector(response: TextResponse, query: str | None, rows: int) -> list[str]:
    """Print whether the profile's ``listing`` selector matched; the verdict's phrase when it did not.

    ``rows``: what the platform read with it. Rows found settle it: a Hanweb page's links sit in its
    ``<datastore>`` records, which the platform applies the selector to and the page as a whole does not
    show."""
    if not query:
        return []
    if response.text.lstrip()[:1] in ("{", "["):  # a JSON listing API (UCAP): its rows are not HTML links
        show("selector", f"listing {query!r}: not used (the listing is a JSON API)")
        return []
    if rows:
        show("selector", f"listing {query!r}: {rows} rows read with it")
        return []
    nodes = query_nodes(response, query)
    with_link = sum(1 for node in nodes if link_of(node) is not None)
    if not with_link:
        found = f"matched {len(nodes)}, none a link or holding one" if nodes else "matched nothing"
        show("selector", f"listing {query!r}: {found}")
        return [f"selector listing {query!r} matched no link"]
    show("selector", f"listing {query!r}: matched {len(nodes)} ({with_link} with a link)")
    return []


def check_article_selectors(response: TextResponse, site: SiteProfile) -> list[str]:
    """Print, for each article selector override and ``noise`` entry, what it matched on the page; the
    verdict's phrases for the ones that matched nothing."""
    selectors = site.selectors
    wanted = [(name, query) for name in _ARTICLE_FIELDS if (query := getattr(selectors, name))]
    wanted += [(f"noise[{i}]", query) for i, query in enumerate(selectors.noise)]
    if not wanted:
        return []
    content_type = response.headers.get(b"Content-Type")
    decoded = decode_html(
        response.body, content_type.decode("latin-1") if content_type else None, site.encoding
    )
    try:
        tree = (
            lxml_html.document_fromstring(decoded.text.replace("\x00", "")) if decoded.text.strip() else None
        )
    except (etree.ParserError, ValueError):
        tree = None
    problems: list[str] = []
    # In the parser's order: noise is removed first, so a field selector that only matches inside noise
    # matches nothing there either.
    for name, query in sorted(wanted, key=lambda item: not item[0].startswith("noise")):
        found = select(compile_selector(query), tree) if tree is not None else []
        noise = name.startswith("noise")
        text = " ".join(found[0].text_content().split()) if found else ""
        if not found:
            outcome = "matched nothing" + ("" if noise else " (the default applied)")
        elif noise:
            outcome = f"matched {len(found)} (removed before extraction)"
            for element in found:
                if element.getparent() is not None:
                    element.drop_tree()
        elif not text:
            outcome = f"matched {len(found)}, the first without text (the default applied)"
        else:
            shown = text if len(text) <= _SHOWN_TEXT else text[:_SHOWN_TEXT] + "…"
            outcome = f"matched {len(found)}: {shown}"
        show("selector", f"{name} {query!r}: {outcome}")
        if not found or (not text and not noise):
            problems.append(f"selector {name} {query!r} matched nothing")
    return problems
