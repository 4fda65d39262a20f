"""政府信息公开 header fields (索引号, 发文机关, 文号, 成文日期, 发布日期, 主题分类, 有效性) and the 附件 list.

The header comes as a table (label cell, value cell), a ``dl`` (dt/dd), ``li``/``span`` pairs, or one cell
holding ``索引号：…`` with its value. All layouts flatten to the same stream of text chunks in document order,
so one reader handles them: a chunk that is (or starts with) a known label takes the text up to the next label.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree

from newsspider.items import Attachment, GovDoc
from newsspider.parsers.dates import parse_date
from newsspider.parsers.pageindex import all_text
from newsspider.textnorm import clean_whitespace

if TYPE_CHECKING:
    from collections.abc import Iterator

    from lxml.html import HtmlElement

__all__ = ["extract_govdoc"]

# Longest first, so 发文字号 is not read as 文号 with 发 left over.
_LABELS: dict[str, str] = {
    "索引号": "index_no",
    "发文字号": "doc_no",
    "文件编号": "doc_no",
    "文号": "doc_no",
    "发文机关": "issuer",
    "发布机构": "issuer",
    "发文单位": "issuer",
    "发布单位": "issuer",
    "发文机构": "issuer",
    "制发机关": "issuer",
    "成文日期": "written_at",
    "成文时间": "written_at",
    "发布日期": "published_at",
    "发布时间": "published_at",
    "公开日期": "published_at",
    "主题分类": "topic",
    "所属主题": "topic",
    "主题类别": "topic",
    "有效性": "validity",
    "时效性": "validity",
    "效力状态": "validity",
    "有效状态": "validity",
}
# Other labels of the same tables: they end the previous value and are not kept.
_OTHER_LABELS = (
    "标题",
    "名称",
    "文件名称",
    "关键词",
    "主题词",
    "公文种类",
    "体裁分类",
    "组配分类",
    "服务对象",
    "信息来源",
    "来源",
    "生成日期",
    "实施日期",
    "失效日期",
    "废止日期",
    "信息分类",
    "文种",
    "分类",
)
_ALL_LABELS = sorted([*_LABELS, *_OTHER_LABELS], key=len, reverse=True)
# Templates pad short labels to the width of long ones: 索 引 号, 标　　题.
_LABEL_RE = re.compile(
    r"(?<![\u4e00-\u9fff])(" + "|".join(r"\s*".join(label) for label in _ALL_LABELS) + r")\s*[：:]?\s*"
)
# Fields that only a 信息公开 header has; 发布日期 or 发布机构 alone is an ordinary info line.
_DOC_ONLY = frozenset({"index_no", "doc_no", "written_at", "topic", "validity"})
_HEADER_HINT = re.compile(r"索\s*引\s*号|文\s*号|成\s*文\s*日\s*期")
_CONTAINERS = ("table", "tbody", "dl", "ul", "ol", "div", "section")
_HINT_NODES = etree.XPath("//text()[contains(., '号') or contains(., '期')]")
_ATTACHMENT_NODES = etree.XPath("//text()[contains(., '附件')]")

_DOC_EXTENSIONS = frozenset(
    {"pdf", "doc", "docx", "wps", "xls", "xlsx", "et", "ofd", "zip", "rar", "7z", "ppt", "pptx"}
)
_ATTACHMENT_LABEL_MAX = 30
_PROSE_MIN = 80
_DOWNLOAD_HINT = re.compile(r"downfile|download|filename=", re.IGNORECASE)
# Download servlets (Hanweb /module/download/downfile.jsp?filename=…) carry the file name in the query.
_QUERY_DOCUMENT = re.compile(
    r"[=/][^=&/]+\.(" + "|".join(sorted(_DOC_EXTENSIONS)) + r")(?:$|[&#])", re.IGNORECASE
)


def _chunks(element: HtmlElement) -> Iterator[str]:
    """The element's text pieces in document order, comments and scripts excluded."""
    if isinstance(element.tag, str) and element.tag not in ("script", "style"):
        if element.text:
            yield element.text
        for child in element:
            yield from _chunks(child)
    if element.tail:
        yield element.tail


def _text(element: HtmlElement) -> str:
    pieces = [element.text or ""] if isinstance(element.tag, str) else []
    for child in element:
        pieces.extend(_chunks(child))
    return clean_whitespace(" ".join(pieces))


def _label_count(text: str) -> int:
    return len({_LABELS[label] for label in map(_label, _LABEL_RE.finditer(text)) if label in _LABELS})


def _label(match: re.Match[str]) -> str:
    return re.sub(r"\s+", "", match.group(1))


def _find_header(tree: HtmlElement) -> HtmlElement | None:
    """The smallest table/list/div holding the most distinct header labels (at least two)."""
    # Only the containers around a 索引号/文号/成文日期 text are measured; most pages have none.
    candidates: dict[HtmlElement, None] = {}
    found = _HINT_NODES(tree)
    nodes: list[Any] = found if isinstance(found, list) else []  # smart strings: each knows its parent
    for node in nodes:
        if not _HEADER_HINT.search(node):
            continue
        element = node.getparent()
        while element is not None:
            if element.tag in _CONTAINERS:
                candidates[element] = None
            element = element.getparent()
    best: HtmlElement | None = None
    best_key: tuple[int, int] = (1, 0)
    for element in candidates:
        text = _text(element)
        count = _label_count(text)
        key = (count, -len(text))
        if count >= 2 and key > best_key:
            best, best_key = element, key
    return best


def _fields(header: HtmlElement) -> dict[str, str]:
    tokens: list[tuple[str, str]] = []
    for chunk in _chunks(header):
        chunk = clean_whitespace(chunk)
        position = 0
        for match in _LABEL_RE.finditer(chunk):
            before = chunk[position : match.start()].strip()
            if before:
                tokens.append(("text", before))
            tokens.append(("label", _label(match)))
            position = match.end()
        rest = chunk[position:].strip()
        if rest:
            tokens.append(("text", rest))
    values: dict[str, str] = {}
    for index, (kind, label) in enumerate(tokens):
        if kind != "label" or label not in _LABELS:
            continue
        parts: list[str] = []
        for next_kind, next_text in tokens[index + 1 :]:
            if next_kind == "label":
                break
            parts.append(next_text)
        value = clean_whitespace(" ".join(parts)).strip("：: ")
        if value and _LABELS[label] not in values:
            values[_LABELS[label]] = value
    return values


def _iso(raw: str | None) -> str | None:
    if not raw:
        return None
    parsed = parse_date(raw)
    return parsed.value if parsed is not None else None


def _stream(element: HtmlElement) -> Iterator[HtmlElement | str]:
    """Text chunks and links in document order (a link's own text stays with the link)."""
    if element.text and isinstance(element.tag, str) and element.tag not in ("script", "style"):
        yield element.text
    for child in element:
        if child.tag == "a":
            yield child
        elif isinstance(child.tag, str):
            yield from _stream(child)
        if child.tail:
            yield child.tail


def _attachments(tree: HtmlElement, base_url: str) -> list[Attachment]:
    """Document links that follow a 附件 label (附件：, 相关附件, 附件下载) or are named 附件…; prose ends the list.

    Pages also link PDFs in ads and e-paper strips, so a document link alone is not an attachment.
    """
    found: list[Attachment] = []
    seen: set[str] = set()
    armed = False
    if not _ATTACHMENT_NODES(tree):
        return found
    for payload in _stream(tree):
        if isinstance(payload, str):
            chunk = clean_whitespace(payload)
            if "附件" in chunk and len(chunk) <= _ATTACHMENT_LABEL_MAX:
                armed = True
            elif len(chunk) > _PROSE_MIN:
                armed = False
            continue
        link = payload
        href = (link.get("href") or "").strip()
        name = _text(link) or (link.get("title") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")) or not (armed or "附件" in name):
            continue
        url = urljoin(base_url, href)
        path = unquote(urlsplit(url).path)
        extension = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
        is_document = extension in _DOC_EXTENSIONS or (
            bool(_DOWNLOAD_HINT.search(url)) and bool(_QUERY_DOCUMENT.search(url))
        )
        if is_document and url not in seen:
            seen.add(url)
            found.append(Attachment(url=url, name=name or path.rsplit("/", 1)[-1] or None))
    return found


def extract_govdoc(
    tree: HtmlElement, base_url: str, page_text: str | None = None
) -> tuple[GovDoc | None, list[Attachment]]:
    """The header table's fields (or None) and the attachments listed under 附件.

    ``page_text``: :func:`~newsspider.parsers.pageindex.all_text` of the tree, when the caller has it."""
    text = all_text(tree) if page_text is None else page_text
    # Most pages hold neither 附件 nor a header label anywhere: then no text node can, and the scans are skipped.
    attachments = _attachments(tree, base_url) if "附件" in text else []
    header = _find_header(tree) if _HEADER_HINT.search(text) else None
    if header is None:
        return None, attachments
    values = _fields(header)
    if not _DOC_ONLY & set(values):
        return None, attachments
    doc = GovDoc(
        index_no=values.get("index_no"),
        doc_no=values.get("doc_no"),
        issuer=values.get("issuer"),
        written_at=_iso(values.get("written_at")),
        published_at=_iso(values.get("published_at")),
        topic=values.get("topic"),
        validity=values.get("validity"),
    )
    return doc, attachments
