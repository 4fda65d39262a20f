"""Page templates of the replica, one module per CMS family, after ``reference/sites.md``.

Each module exposes ``article(ctx, art) -> str`` (the article page) and ``listing(ctx, path, query, form)
-> Reply | None`` (a listing page or listing API answer for ``path``, or None when ``path`` is not one).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from newsspider.replica.catalog import OFFSITE

if TYPE_CHECKING:
    from newsspider.replica.catalog import Article, Catalog, Row, SiteSpec

__all__ = ["Ctx", "Reply", "esc", "href_for", "paras", "short"]


@dataclass(kw_only=True)
class Reply:
    """What the server sends: a status, a body (text, encoded with the site's codec) and headers."""

    status: int = 200
    body: str | bytes = ""
    content_type: str = "text/html"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(kw_only=True)
class Ctx:
    """What a template needs to render one site's pages."""

    site: SiteSpec
    catalog: Catalog
    base: str
    """This site's base URL, ``http://127.0.0.N:PORT``."""
    offsite: str
    """The off-site host's base URL."""

    def rows(self, column: str) -> list[Row]:
        return self.catalog.listings[(self.site.key, column)]

    def column_for(self, listing_dir: str) -> str | None:
        for name, path in self.site.columns:
            if path.rsplit("/", 1)[0] == listing_dir:
                return name
        if listing_dir == "/gen" and (self.site.key, "生成") in self.catalog.listings:
            return "生成"
        return None


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def short(title: str, limit: int = 18) -> str:
    """The visible listing text: long titles cut with …, as the real templates do."""
    return title if len(title) <= limit else title[:limit] + "…"


def href_for(ctx: Ctx, row: Row, listing_dir: str, *, relative: bool = True) -> str:
    if row.href.startswith(OFFSITE):
        return ctx.offsite + row.href[len(OFFSITE) :]
    if relative and row.href.startswith(listing_dir + "/"):
        return "." + row.href[len(listing_dir) :]
    return row.href


def paras(art: Article) -> str:
    return "\n".join(f"<p>{esc(p)}</p>" for p in art.paragraphs)
