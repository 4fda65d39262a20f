"""The site profile: everything that differs between two sites, as data (loaded from ``<key>.toml``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["PLATFORMS", "Column", "Selectors", "SiteProfile"]

PLATFORMS = ("trs", "hanweb", "ucap", "founder", "people", "generic")


@dataclass(frozen=True, kw_only=True)
class Column:
    """One listing (栏目) to crawl."""

    name: str
    """The column's name as the site shows it, e.g. 山西要闻."""
    url: str
    """The first listing page (absolute URL)."""
    platform_options: Mapping[str, str] = field(default_factory=dict)
    """Platform parameters of this column (Hanweb ``columnid``/``unitid``, UCAP ``channel``); they win over
    the site-wide ``SiteProfile.platform_options``."""


@dataclass(frozen=True, kw_only=True)
class Selectors:
    """Optional per-field overrides. A value starting with ``/`` or ``(`` is XPath, anything else CSS."""

    title: str | None = None
    published: str | None = None
    source: str | None = None
    authors: str | None = None
    editors: str | None = None
    summary: str | None = None
    body: str | None = None
    breadcrumb: str | None = None
    noise: tuple[str, ...] = ()
    """Elements removed from the body before extraction."""
    listing: str | None = None
    """On listing pages: the article links (or the rows holding them). Default: the platform's URL patterns."""


@dataclass(frozen=True, kw_only=True)
class SiteProfile:
    """A site: its identity, its listings, its platform, and the selectors that override the defaults."""

    key: str
    """The file stem, e.g. ``shanxi-gov``."""
    name: str
    """The site's name, e.g. 山西省人民政府."""
    province: str | None = None
    """e.g. 山西."""
    platform: str = "generic"
    """The CMS family: trs, hanweb, ucap, founder, people or generic."""
    allowed_domains: tuple[str, ...] = ()
    columns: tuple[Column, ...] = ()
    selectors: Selectors = field(default_factory=Selectors)
    platform_options: Mapping[str, str] = field(default_factory=dict)
    """Site-wide platform parameters, e.g. Hanweb ``webid``/``webname``/``dataproxy``; values are strings."""
    encoding: str | None = None
    """Force this encoding for the site's pages (only where header and meta lie)."""
    verified: bool = False
    """True once someone checked the profile against the live site (``newsspider check-site``)."""
    documented: str | None = None
    """The date (YYYY-MM-DD) of the documentation the profile follows (``reference/sites.md``)."""
    notes: str = ""
    """What is evidenced, what is inferred and needs a live check."""
