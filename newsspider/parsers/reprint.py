"""Placeholder: reprint provenance (issue 3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml.html import HtmlElement

    from newsspider.items import Reprint


def extract_reprint(tree: HtmlElement, paragraphs: list[str], base_url: str) -> Reprint | None:
    """Reprint provenance (原标题, 据…, 转载自…, 本文来源于…) or None."""
    return None
