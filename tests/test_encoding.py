"""Bytes to text: declared, mislabelled and undeclared Chinese pages decode without mojibake."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsspider.parsers.encoding import decode_html

TEXT = "硚口区召开疫情防控工作会议，要求各街道压实责任。"  # 硚 is in GBK but not in GB2312


def _page(charset: str | None) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    return f"<html><head>{meta}<title>测试</title></head><body><p>{TEXT}</p></body></html>"


@pytest.mark.parametrize("label", ["gb2312", "GB2312", "gbk", "GBK"])
def test_gb_labels_decode_as_gb18030(label: str) -> None:
    decoded = decode_html(_page(label).encode("gbk"))
    assert decoded.encoding == "gb18030"
    assert TEXT in decoded.text
    assert decoded.warnings == []


def test_utf8_bytes_that_declare_gb2312_decode_as_utf8() -> None:
    decoded = decode_html(_page("gb2312").encode("utf-8"))
    assert decoded.encoding == "utf-8"
    assert TEXT in decoded.text


def test_utf8_bytes_with_gb2312_http_header_decode_as_utf8() -> None:
    decoded = decode_html(_page(None).encode("utf-8"), "text/html; charset=GB2312")
    assert decoded.encoding == "utf-8"
    assert TEXT in decoded.text


def test_undeclared_gbk_is_sniffed() -> None:
    decoded = decode_html(_page(None).encode("gbk"), "text/html")
    assert decoded.encoding == "gb18030"
    assert TEXT in decoded.text


def test_gbk_bytes_mislabelled_utf8_are_sniffed() -> None:
    decoded = decode_html(_page("utf-8").encode("gbk"))
    assert decoded.encoding == "gb18030"
    assert TEXT in decoded.text


def test_one_corrupt_byte_in_a_long_gbk_page_does_not_flip_the_encoding() -> None:
    body = (_page(None) * 20).encode("gbk")
    middle = len(body) // 2
    corrupt = body[:middle] + b"\xc7" + body[middle:]
    decoded = decode_html(corrupt)
    assert decoded.encoding == "gb18030"
    assert decoded.text.count(TEXT) >= 19


def test_http_header_wins_over_meta() -> None:
    decoded = decode_html(_page("iso-8859-1").encode("gbk"), "text/html; charset=GBK")
    assert decoded.encoding == "gb18030"
    assert TEXT in decoded.text


def test_bom_wins() -> None:
    decoded = decode_html(b"\xef\xbb\xbf" + _page("gb2312").encode("utf-8"))
    assert decoded.encoding == "utf-8"
    assert decoded.text.startswith("<html>")


def test_forced_encoding_from_profile() -> None:
    decoded = decode_html(_page("utf-8").encode("gbk"), forced="gb2312")
    assert decoded.encoding == "gb18030"
    assert TEXT in decoded.text


def test_undecodable_bytes_are_replaced_with_a_warning() -> None:
    decoded = decode_html(b"<p>" + bytes(range(128, 256)) * 3 + b"</p>", "text/html; charset=utf-8")
    assert "encoding_replaced" in decoded.warnings


def test_ascii_page() -> None:
    decoded = decode_html(b"<html><body>hello</body></html>")
    assert decoded.text == "<html><body>hello</body></html>"
    assert decoded.warnings == []


@settings(max_examples=200, deadline=None)
@given(
    st.binary(max_size=512), st.one_of(st.none(), st.sampled_from(["text/html", "text/html; charset=gbk"]))
)
def test_never_raises(body: bytes, content_type: str | None) -> None:
    decoded = decode_html(body, content_type)
    assert isinstance(decoded.text, str)
    assert decoded.encoding


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=4, max_size=200))
def test_chinese_text_round_trips_in_utf8_and_gbk(text: str) -> None:
    for encoding in ("utf-8", "gb18030"):
        page = f"<html><body><p>{text}</p></body></html>".encode(encoding)
        assert text in decode_html(page).text
