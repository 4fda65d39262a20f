"""Bytes to text for Chinese pages: w3lib's header/BOM/meta logic, corrected where Chinese pages defeat it.

w3lib (what Scrapy uses) is right on declared pages and already decodes gb2312/gbk labels as gb18030. It is
wrong in two common cases, so this module checks its answer:

- a page saved from a browser as UTF-8 still declares ``charset=gb2312``: w3lib trusts the label and produces
  mojibake without any error, because UTF-8 Chinese bytes are mostly valid gb18030 too;
- an undeclared GBK page: w3lib falls back to UTF-8 with replacement characters.

Valid non-ASCII UTF-8 is almost never produced by accident by a GBK text of any length, so "strictly valid UTF-8"
is the test for the first case; for the second, the bytes must decode strictly as gb18030 into text that is
mostly Chinese.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from w3lib.encoding import html_to_unicode, resolve_encoding

__all__ = ["Decoded", "decode_html"]

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef\u2014\u2018-\u201d\u2026]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Invalid bytes tolerated: one per this many high bytes (truncated pages, one corrupt character).
_TOLERANCE = 500
_SAMPLE = 20000
_ASCII = bytes(range(128))
_UNICODE_FAMILY = ("utf-16", "utf-32")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def _codec_name(label: str) -> str:
    resolved = resolve_encoding(label) or label
    try:
        return codecs.lookup(resolved).name
    except LookupError:
        return resolved.lower()


def _decode(body: bytes, encoding: str) -> tuple[str, int] | None:
    """``body`` decoded with replacement, and how many bytes were invalid (None for an unknown codec)."""
    try:
        text = body.decode(encoding, errors="replace")
    except LookupError:
        return None
    return text, text.count("\ufffd")


def _fits(body: bytes, encoding: str, high_bytes: int) -> str | None:
    """The text when ``body`` is that encoding: no invalid byte, or a few in a long page (one corrupt
    character in a saved page should not send a GBK page to UTF-8 mojibake)."""
    decoded = _decode(body, encoding)
    if decoded is None:
        return None
    text, errors = decoded
    return text if errors <= high_bytes // _TOLERANCE else None


def _mostly_chinese(text: str) -> bool:
    text = text[:_SAMPLE]
    non_ascii = len(_NON_ASCII.findall(text))
    return non_ascii > 0 and len(_CJK.findall(text)) >= 0.9 * non_ascii


def _sniff_gb(body: bytes) -> str | None:
    text = _fits(body, "gb18030", _high_bytes(body))
    return "gb18030" if text is not None and _mostly_chinese(text) else None


def decode_html(body: bytes, content_type: str | None = None, forced: str | None = None) -> Decoded:
    """Decode an HTML page; ``forced`` (a site profile's encoding) wins over everything the page says."""
    if forced:
        name = _codec_name(forced)
        try:
            text = body.decode(name, errors="replace")
        except LookupError:
            name, text = "utf-8", body.decode("utf-8", errors="replace")
        return _result(text, name)

    high_bytes = _high_bytes(body)
    declared, text = html_to_unicode(content_type, body, auto_detect_fun=_sniff_gb)
    name = _codec_name(declared)
    if not high_bytes or name.startswith(_UNICODE_FAMILY):
        return Decoded(text, name, ["encoding_replaced"] if "\ufffd" in text else [])
    if name != "utf-8":
        as_utf8 = _fits(body, "utf-8", high_bytes)
        # Short GBK runs can be valid UTF-8 too (一 = D2 BB = Cyrillic һ): then the Chinese reading wins.
        if as_utf8 is not None and (_mostly_chinese(as_utf8) or not _mostly_chinese(text)):
            # Saved-as-UTF-8 page that kept its old gb2312 (or latin-1) label.
            return _result(_strip_bom(as_utf8), "utf-8")
    if _same_decode(body, declared, name):
        fits = text.count("\ufffd") <= high_bytes // _TOLERANCE
    else:
        fits = _fits(body, name, high_bytes) is not None
    if fits:
        return _result(text, name)
    if name == "utf-8" and _sniff_gb(body):
        # Declared (or defaulted to) UTF-8 but the bytes are GBK.
        as_gb = _decode(body, "gb18030")
        if as_gb is not None:
            return _result(as_gb[0], "gb18030")
    return Decoded(text, name, ["encoding_replaced"])


def _same_decode(body: bytes, declared: str, name: str) -> bool:
    """Whether w3lib's text has the \ufffd count of ``body.decode(name, "replace")``, so its invalid bytes can be
    counted on it instead of decoding the page again (~0.3 ms on a big page): the same codec, and not gb18030
    with a 0x80 byte (w3lib reads a lead 0x80 as €). A stripped UTF-8 BOM changes no count."""
    try:
        same = codecs.lookup(declared).name == name
    except LookupError:
        return False
    return same and (name != "gb18030" or b"\x80" not in body)


def _result(text: str, name: str) -> Decoded:
    return Decoded(text, name, ["encoding_replaced"] if "\ufffd" in text else [])


def _strip_bom(text: str) -> str:
    return text.removeprefix("\ufeff")


def _high_bytes(body: bytes) -> int:
    return len(body.translate(None, _ASCII))
