"""Placeholder: 政府信息公开 header fields (issue 3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml.html import HtmlElement

    from newsspider.items import Attachment, GovDoc


def extract_govdoc(tree: HtmlElement, base_url: str) -> tuple[GovDoc | None, list[Attachment]]:
    """The header table's fields (or None) and the attachments listed under 附件."""
    return None, []
