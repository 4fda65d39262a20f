"""The record contract (schema version 1).

Every attribute docstring states the field's format; ``data/schema.json`` is generated from this module
(``ItemAdapter.get_json_schema(NewsArticle)``) and a test keeps the two equal. Field names never change
without a schema version bump: add fields freely, never rename or drop one.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "SCHEMA_VERSION",
    "Attachment",
    "DirectiveBlock",
    "DirectiveItem",
    "GovDoc",
    "Image",
    "NewsArticle",
    "Reprint",
    "declared_types",
    "fields_of",
]

SCHEMA_VERSION = 1


@dataclass(kw_only=True)
class Image:
    """An image of the article body."""

    url: str
    """Absolute URL (``oldsrc``/``data-original`` preferred over ``src`` where present)."""
    alt: str | None = None
    """The ``alt`` text, or null."""
    caption: str | None = None
    """The caption shown next to the image, or null."""


@dataclass(kw_only=True)
class Attachment:
    """A linked document: pdf, doc, docx, wps, xls, xlsx, ofd, zip, rar."""

    url: str
    """Absolute URL of the document."""
    name: str | None = None
    """The link text (the document's name as shown), or null."""


@dataclass(kw_only=True)
class DirectiveItem:
    """One point of an enumeration (一要…, 一是…, （一）…, ● …)."""

    marker: str
    """The literal marker token: 一要, 一是, 一、, （一）, 1．, 第一，, 首先, ●, ——…"""
    ordinal: int | None
    """The 1-based number the marker expresses; null for bullets."""
    heading: str | None
    """The short phrase heading the point (e.g. 丝毫不松抓防控), or null."""
    text: str
    """The full text of the point, marker included."""
    children: list[DirectiveItem] = field(default_factory=list)
    """Nested points (bullets under an ordinal section, （一） under 一、, 1． under （一））."""


@dataclass(kw_only=True)
class DirectiveBlock:
    """An enumerated list of points in the body, usually after a speaker attribution."""

    speaker: str | None
    """The named person or 会议 of the nearest preceding attribution; pronouns resolved; or null."""
    verb: str | None
    """The attribution verb: 强调, 指出, 要求, 表示, 提出…; or null."""
    declared_count: int | None
    """The count the text announces (提出三点要求 → 3), or null."""
    items: list[DirectiveItem] = field(default_factory=list)
    """The top-level points, in document order."""


@dataclass(kw_only=True)
class GovDoc:
    """政府信息公开 header fields."""

    index_no: str | None = None
    """索引号."""
    doc_no: str | None = None
    """文号 / 发文字号."""
    issuer: str | None = None
    """发文机关 / 发布机构."""
    written_at: str | None = None
    """成文日期, ISO 8601 date (``2020-02-18``)."""
    published_at: str | None = None
    """发布日期 as shown in the header table, ISO 8601 (kept when it differs from 成文日期)."""
    topic: str | None = None
    """主题分类."""
    validity: str | None = None
    """有效性 (有效, 失效, 废止…)."""


@dataclass(kw_only=True)
class Reprint:
    """Where a reprinted article came from."""

    original_title: str | None = None
    """原标题, or null."""
    original_url: str | None = None
    """Absolute URL of the original, or null."""
    original_source: str | None = None
    """The outlet it was reprinted from (据…, 转载自…, 本文来源于…), or null."""


@dataclass(kw_only=True)
class NewsArticle:
    """One article page: the record newsspider writes, one JSON object per line."""

    url: str
    """The article URL as fetched (after redirects)."""
    canonical_url: str | None = None
    """Normalized URL used for identity: scheme/host case, default ports, tracking params, /BIG5/ folded."""
    site: str | None = None
    """The site profile key, e.g. ``shanxi-gov``."""
    site_name: str | None = None
    """e.g. 山西省人民政府 (profile, or meta SiteName)."""
    province: str | None = None
    """e.g. 山西 (from the profile)."""
    column: str | None = None
    """栏目: meta ColumnName, the breadcrumb's last item, or the listing the link came from."""
    breadcrumb: list[str] = field(default_factory=list)
    """e.g. ["首页", "听政策"]."""
    title: str = ""
    """The headline as displayed, without the site suffix of ``<title>``."""
    kicker: str | None = None
    """引题, where the page has one."""
    subtitle: str | None = None
    """副题, where the page has one."""
    published_at: str | None = None
    """ISO 8601, Beijing time: ``2020-02-18T19:58:03+08:00``; a date-only value is ``2020-02-18``."""
    published_raw: str | None = None
    """The exact string published_at was parsed from."""
    published_from: str | None = None
    """Where published_at came from: meta, jsonld, info, listing, url, body."""
    source: str | None = None
    """来源 outlet as shown (山西日报, 新华社); never the author; 本网/本站 map to the site name."""
    source_raw: str | None = None
    """The raw 来源 text."""
    authors: list[str] = field(default_factory=list)
    """作者/记者 names; never editors, never the source."""
    editors: list[str] = field(default_factory=list)
    """责任编辑/责编/编辑 names."""
    summary: str | None = None
    """The page's own 摘要, else meta description, else the lead (first sentences)."""
    summary_from: str | None = None
    """Where summary came from: page, meta, lead."""
    keywords: list[str] = field(default_factory=list)
    """Meta keywords, split."""
    paragraphs: list[str] = field(default_factory=list)
    """Body paragraphs in order, cleaned (no widgets, no related news)."""
    text: str = ""
    """Paragraphs joined with a newline."""
    images: list[Image] = field(default_factory=list)
    """Body images, absolute URLs; decorations dropped."""
    attachments: list[Attachment] = field(default_factory=list)
    """Linked documents (pdf, doc, docx, wps, xls, ofd, zip)."""
    directives: list[DirectiveBlock] = field(default_factory=list)
    """Enumerated directive blocks found in the body."""
    doc: GovDoc | None = None
    """政府信息公开 fields where the page has them, else null."""
    reprint: Reprint | None = None
    """Reprint provenance when the page marks itself a reprint, else null."""
    content_hash: str = ""
    """sha256 (hex) of the normalized text: identity of the content, for dedupe and versioning."""
    fetched_at: str | None = None
    """ISO 8601 UTC time of the fetch (set by a pipeline or given to the parser, never read from a clock there)."""
    http_status: int | None = None
    """HTTP status as fetched."""
    encoding: str | None = None
    """The encoding the body was decoded with (e.g. utf-8, gb18030)."""
    warnings: list[str] = field(default_factory=list)
    """What the parser was unsure of: date_from_url_only, no_body, source_missing, …"""
    version: int = 1
    """Version of this article's content under its canonical URL: 1, then +1 for each changed fetch."""
    previous_hash: str | None = None
    """content_hash of the version this one replaces, or null for version 1."""
    changed: list[str] = field(default_factory=list)
    """What differs from the previous version: title, text, published_at."""
    duplicate_of: str | None = None
    """canonical_url of an earlier record with the same content (a reprint elsewhere), or null."""
    schema_version: int = SCHEMA_VERSION
    """The record schema version (1)."""


def fields_of(item: Any) -> MutableMapping[str, Any]:
    """The item's fields, to read and set by name: our records' own ``vars()``, any other item through
    ItemAdapter.

    Pipelines and extensions read (and set) a few fields of every record. Building an ItemAdapter (it asks
    each adapter class in turn whether it takes the item) and going through it cost each of them a few
    microseconds a record. A dataclass record keeps its fields in its ``__dict__``, so reading and setting
    them there is what ItemAdapter does in the end; a frozen dataclass is left to ItemAdapter, which refuses
    to set its fields as the dataclass does.
    """
    item_class: type = type(item)
    if _plain_dataclass(item_class):
        fields: dict[str, Any] = vars(item)
        return fields
    # Imported here: the parse workers import this module for the record classes, and itemadapter imports
    # Scrapy, a fifth of a second of every worker's start for nothing.
    from itemadapter import ItemAdapter

    return ItemAdapter(item)


@functools.cache
def _plain_dataclass(cls: type) -> bool:
    """A dataclass whose instances keep their fields in ``__dict__`` (no class of it has ``__slots__``) and
    may be changed (not frozen)."""
    params = getattr(cls, "__dataclass_params__", None)
    slots = any("__slots__" in vars(base) for base in cls.__mro__)
    return dataclasses.is_dataclass(cls) and not slots and not getattr(params, "frozen", True)


@functools.cache
def declared_types(cls: type) -> dict[str, Any] | None:
    """The declared type of each field of a record class (``str | None``, ``list[str]``…), resolved once, or
    None when an annotation does not resolve. Read only: the dict is shared."""
    try:
        return typing.get_type_hints(cls)
    except (NameError, TypeError):
        return None
