"""The article parser: bytes (or a Scrapy response) and a URL in, a :class:`~newsspider.items.NewsArticle` out.

Assembly only: each field is found by its own module (encoding, meta, title, locate, container, body, info,
and the issue-3 modules directives/govdoc/reprint). One lxml parse per page. Pure: no network, no clock, no
settings; it never raises on bad bytes, it returns a record with warnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from lxml import etree
from lxml import html as lxml_html

from newsspider.items import Attachment, NewsArticle
from newsspider.parsers.body import Body, extract_body
from newsspider.parsers.breadcrumb import find_breadcrumb
from newsspider.parsers.bylines import split_names
from newsspider.parsers.container import find_container, mark_zjeg
from newsspider.parsers.directives import extract_directives
from newsspider.parsers.edges import trim_edges
from newsspider.parsers.encoding import decode_html
from newsspider.parsers.families import compile_selector, select
from newsspider.parsers.govdoc import extract_govdoc
from newsspider.parsers.info import posted_by, resolve_attribution
from newsspider.parsers.locate import (
    InfoLine,
    blog_owner,
    date_texts,
    find_info,
    find_summary_box,
    is_summary_line,
    short_node_text,
)
from newsspider.parsers.meta import KEYWORD_KEYS, SUMMARY_KEYS, PageMeta, read_meta
from newsspider.parsers.pageindex import PageIndex, build_index
from newsspider.parsers.published import resolve_published
from newsspider.parsers.reprint import extract_reprint
from newsspider.parsers.title import clean_headline, doc_title_suffix, find_title, is_cut
from newsspider.textnorm import content_hash
from newsspider.urls import canonical_url

if TYPE_CHECKING:
    from collections.abc import Mapping

    from lxml.html import HtmlElement
    from scrapy.http import Headers, Response

    from newsspider.sites import SiteProfile

__all__ = ["ListingContext", "parse_article", "parse_fetched", "parse_job", "parse_response", "plain_headers"]

_KEYWORD_SPLIT = re.compile(r"[,，;；、|\s]+")
_LEAD_END = re.compile(r"(?<=[。！？!?])")
_MAX_LEAD = 150
_COLUMN_NOISE = frozenset({"正文", "详情", "详细内容", "内容", "正文内容", "文章", "阅读正文"})
_MIN_TITLE = 3  # a 2-character "title" (显示, 正文) is a template word, not a headline
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_STRIP_TAGS = ("script", "style", "noscript", "template", "svg")
_HTML_CLASSES = etree.ElementDefaultClassLookup(
    element=lxml_html.HtmlElement,
    comment=lxml_html.HtmlComment,
    pi=lxml_html.HtmlProcessingInstruction,
    entity=lxml_html.HtmlEntity,
)


@dataclass(frozen=True)
class ListingContext:
    """The listing row an article link came from; its values are fallbacks for the page's own."""

    title: str | None = None
    date_raw: str | None = None
    column: str | None = None


def _parse_tree(text: str) -> HtmlElement | None:
    try:
        # huge_tree: past 256 levels of nesting (unclosed <font>/<div> soup) libxml2 otherwise drops the rest
        # of the page silently; every walk over the tree here is iterative, so depth costs nothing.
        parser = etree.HTMLParser(remove_comments=False, remove_pis=True, collect_ids=False, huge_tree=True)
        # Every element an HtmlElement, picked in C: lxml.html's own lookup is a Python call per element proxy
        # (~5% of a parse), only to give form/input/select/textarea/label classes nothing here uses.
        parser.set_element_class_lookup(_HTML_CLASSES)
        # lxml refuses a str that still carries an XML declaration naming an encoding (XHTML pages).
        tree = lxml_html.document_fromstring(
            _XML_DECLARATION.sub("", text.replace("\x00", ""), 1), parser=parser
        )
    except (etree.ParserError, ValueError, etree.XMLSyntaxError):
        return None
    return tree


def _lead(paragraphs: list[str]) -> str | None:
    if not paragraphs:
        return None
    first = paragraphs[0]
    if len(first) <= _MAX_LEAD:
        return first
    taken = ""
    for sentence in _LEAD_END.split(first):
        if taken and len(taken) + len(sentence) > _MAX_LEAD:
            break
        taken += sentence
    return taken[: _MAX_LEAD * 2] or None


def _column(meta: PageMeta, breadcrumb: list[str], title: str, listing: ListingContext | None) -> str | None:
    column = meta.get("columnname")
    if column:
        return column
    for item in reversed(breadcrumb[1:] if len(breadcrumb) > 1 else []):
        if item not in _COLUMN_NOISE and item != title and not title.startswith(item[:10] or "\0"):
            return item
    return listing.column if listing and listing.column else None


def _merge_attachments(first: list[Attachment], more: list[Attachment]) -> list[Attachment]:
    merged: dict[str, Attachment] = {}
    for attachment in [*first, *more]:
        known = merged.get(attachment.url)
        if known is None:
            merged[attachment.url] = attachment
        elif not known.name and attachment.name:
            known.name = attachment.name
    return list(merged.values())


def parse_article(
    body: bytes,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    site: SiteProfile | None = None,
    fetched_at: datetime | None = None,
    listing: ListingContext | None = None,
) -> NewsArticle:
    """Parse one article page into a record. Never raises on malformed input."""
    content_type = None
    for key, value in (headers or {}).items():
        if key.lower() == "content-type":
            content_type = value
    decoded = decode_html(
        body if isinstance(body, bytes) else bytes(body), content_type, site.encoding if site else None
    )
    record = NewsArticle(url=url, canonical_url=canonical_url(url), encoding=decoded.encoding)
    record.warnings.extend(decoded.warnings)
    if fetched_at is not None:
        moment = fetched_at if fetched_at.tzinfo else fetched_at.replace(tzinfo=UTC)
        record.fetched_at = moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if site is not None:
        record.site, record.site_name, record.province = site.key, site.name, site.province
    tree = _parse_tree(decoded.text) if decoded.text.strip() else None
    if tree is None:
        record.warnings.extend(["no_body", "no_title"])
        record.content_hash = content_hash("")
        return record
    _fill(record, tree, site, fetched_at, listing)
    return record


def _fill(
    record: NewsArticle,
    tree: HtmlElement,
    site: SiteProfile | None,
    fetched_at: datetime | None,
    listing: ListingContext | None,
) -> None:
    url = record.url
    selectors = site.selectors if site is not None else None
    meta = read_meta(tree)
    zjeg = mark_zjeg(tree)
    etree.strip_elements(tree, etree.Comment, *_STRIP_TAGS, with_tail=False)
    for selector in selectors.noise if selectors else ():
        _remove_noise(tree, selector)
    record.site_name = record.site_name or meta.get("sitename")

    index = build_index(tree)
    container, _how = find_container(tree, selectors.body if selectors else None, zjeg, index)
    headline = find_title(tree, meta, index, selectors.title if selectors else None, container)
    record.title, record.kicker, record.subtitle = headline.title, headline.kicker, headline.subtitle
    if (not record.title and listing and listing.title) or (
        listing and listing.title and not is_cut(listing.title) and not record.title
    ):
        record.title = listing.title
    if not record.title:
        record.warnings.append("no_title")

    extracted = extract_body(container, url) if container is not None else Body()
    info_selectors = (
        (selectors.published, selectors.source, selectors.authors, selectors.editors) if selectors else ()
    )
    blocks = find_info(tree, headline.element, container, index, info_selectors)
    edges = trim_edges(extracted.paragraphs, record.title, extracted.link_shares, extracted.bold_shares)
    if edges.headline and (not headline.confident or len(record.title) < _MIN_TITLE):
        record.title = clean_headline(edges.headline)[0]
    blocks.head.extend(InfoLine(line, line) for line in edges.head)
    blocks.tail.extend(edges.tail)
    extracted.paragraphs = edges.paragraphs

    brand = " ".join(x for x in (doc_title_suffix(tree, index), meta.get("og:site_name", "sitename")) if x)
    attribution = resolve_attribution(
        meta,
        blocks,
        extracted.credits,
        extracted.paragraphs,
        record.site_name,
        brand,
        [*edges.head, *edges.lead_in],
    )
    paragraphs = [
        p
        for i, p in enumerate(extracted.paragraphs)
        if i not in attribution.drop_paragraphs and not (i < 2 and is_summary_line(p))
    ]
    record.source, record.source_raw = attribution.source, attribution.source_raw
    record.authors, record.editors = attribution.authors, attribution.editors
    if not record.authors:
        record.authors = _poster_or_owner(tree, headline.element, index)
    published = resolve_published(
        meta,
        blocks,
        extracted.credits,
        url,
        listing.date_raw if listing else None,
        fetched_at,
        lambda: date_texts(tree, headline.element),
    )
    record.published_at, record.published_raw, record.published_from = (
        published.value,
        published.raw,
        published.origin,
    )
    if published.origin == "url":
        record.warnings.append("date_from_url_only")
    elif published.origin is None:
        record.warnings.append("no_date")

    record.paragraphs = paragraphs
    record.text = "\n".join(paragraphs)
    record.content_hash = content_hash(record.text)
    record.images = extracted.images
    if not paragraphs:
        record.warnings.append("no_body")
    if record.source is None:
        record.warnings.append("source_missing")

    summary_selector = selectors.summary if selectors else None
    page_summary = find_summary_box(tree, index, summary_selector) or extracted.summary
    meta_summary = meta.get(*SUMMARY_KEYS)
    if page_summary:
        record.summary, record.summary_from = page_summary, "page"
    elif meta_summary:
        record.summary, record.summary_from = meta_summary, "meta"
    else:
        lead = _lead(paragraphs)
        record.summary, record.summary_from = lead, "lead" if lead else None

    keywords = meta.get(*KEYWORD_KEYS)
    if keywords:
        record.keywords = list(dict.fromkeys(k for k in _KEYWORD_SPLIT.split(keywords) if k))
    record.breadcrumb = find_breadcrumb(tree, index, selectors.breadcrumb if selectors else None)
    record.column = _column(meta, record.breadcrumb, record.title, listing)
    _issue3(record, tree, extracted, paragraphs, index)


def _issue3(
    record: NewsArticle, tree: HtmlElement, extracted: Body, paragraphs: list[str], index: PageIndex
) -> None:
    """Directives, 政府信息公开 header and reprint provenance (their own modules; a bug there costs a warning,
    never the record)."""
    try:
        record.directives, warnings = extract_directives(paragraphs)
        record.warnings.extend(warnings)
    except Exception:  # noqa: BLE001 -- see docstring
        record.warnings.append("directives_failed")
    page_text = index.all_text()
    try:
        record.doc, doc_attachments = extract_govdoc(tree, record.url, page_text)
    except Exception:  # noqa: BLE001
        record.warnings.append("govdoc_failed")
        doc_attachments = []
    record.attachments = _merge_attachments(extracted.attachments, doc_attachments)
    try:
        lines = [c for c in extracted.credits if c.startswith("原标题")] + paragraphs
        record.reprint = extract_reprint(tree, lines, record.url, page_text)
    except Exception:  # noqa: BLE001
        record.warnings.append("reprint_failed")


_POSTER_LEVELS = 4
_MAX_POSTER_BLOCK = 160


def _poster_or_owner(tree: HtmlElement, heading: HtmlElement | None, index: PageIndex) -> list[str]:
    """A blog heading shares a small block with ``ggjjzhzz 发表于 2005-9-15`` (no info block was found for
    it); else the blog owner's profile link."""
    for ancestor in list(heading.iterancestors())[:_POSTER_LEVELS] if heading is not None else []:
        text = short_node_text(ancestor, _MAX_POSTER_BLOCK, index)
        if text is None:
            break
        poster = posted_by(text)
        if poster:
            return list(split_names(poster))
    owner = blog_owner(tree)
    return list(split_names(owner)) if owner else []


def _remove_noise(tree: HtmlElement, selector: str) -> None:
    xpath = compile_selector(selector)
    for element in select(xpath, tree):
        element.drop_tree()


def parse_response(
    response: Response,
    *,
    site: SiteProfile | None = None,
    fetched_at: datetime | None = None,
    listing: ListingContext | None = None,
) -> NewsArticle:
    """:func:`parse_article` on a Scrapy response (its body bytes, headers and status)."""
    headers = plain_headers(response.headers)
    return parse_fetched(response.body, response.url, response.status, headers, site, fetched_at, listing)


def plain_headers(headers: Headers) -> dict[str, str]:
    """Scrapy headers (a response's or a request's) as plain strings, repeated ones joined with ``, ``."""
    return {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in headers.items()}


def parse_fetched(
    body: bytes, url: str, status: int, headers: dict[str, str], site: SiteProfile | None,
    fetched_at: datetime | None, listing: ListingContext | None,
) -> NewsArticle:  # fmt: skip
    """:func:`parse_article` on the parts of a fetched response, its HTTP status kept. Plain, picklable
    arguments: a parse worker process runs this."""
    record = parse_article(body, url, headers=headers, site=site, fetched_at=fetched_at, listing=listing)
    record.http_status = status
    return record


def parse_job(
    body: bytes, url: str, status: int, content_type: str | None, site: SiteProfile | None,
    fetched_at: str | None, listed: tuple[str | None, str | None, str | None] | None,
) -> NewsArticle:  # fmt: skip
    """:func:`parse_fetched` on what a parse worker is sent: the one header the parser reads, the fetch time as
    ISO 8601 and the listing row's title, date and column. A datetime with its time zone pickles in 5 us and
    a ListingContext in 1.6: together most of a page's job in the crawl process."""
    headers = {"Content-Type": content_type} if content_type is not None else {}
    when = datetime.fromisoformat(fetched_at) if fetched_at is not None else None
    listing = ListingContext(*listed) if listed is not None else None
    return parse_fetched(body, url, status, headers, site, when, listing)
