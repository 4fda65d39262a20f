"""extract_reprint: 原标题 links after the body, (据… 10月24日) lines, 转载自 / 本文来源于 notes."""

from __future__ import annotations

from lxml import html

from newsspider.parsers.reprint import extract_reprint

PEOPLE = """<html><body><div class="rm_txt_con cf"><p>新华社北京10月23日电……</p>
<p align="right">新华社发</p><div class="zdfy clearfix"></div>
<div class="title_o"><a href="http://cpc.people.com.cn/n1/2022/1023/c64094-32550000.html">原标题：勇于“刀刃向内”的自我革命</a></div>
<div class="edit clearfix">(责编：温文、李琳)</div></div></body></html>"""


def test_original_title_link_on_people_platform() -> None:
    reprint = extract_reprint(
        html.document_fromstring(PEOPLE),
        ["新华社北京10月23日电……"],
        "http://news.sxrb.com/GB/314064/9947757.html",
    )
    assert reprint is not None
    assert reprint.original_title == "勇于“刀刃向内”的自我革命"
    assert reprint.original_url == "http://cpc.people.com.cn/n1/2022/1023/c64094-32550000.html"
    assert reprint.original_source is None


def test_according_to_line_gives_the_source() -> None:
    tree = html.document_fromstring(
        "<html><body><p>正文。</p><p>(据山西新闻网-山西日报 10月24日)</p></body></html>"
    )
    reprint = extract_reprint(
        tree, ["正文。", "(据山西新闻网-山西日报 10月24日)"], "http://jcgov.gov.cn/a.shtml"
    )
    assert reprint is not None
    assert (reprint.original_title, reprint.original_url, reprint.original_source) == (
        None,
        None,
        "山西新闻网-山西日报",
    )


def test_transferred_from_note_with_link() -> None:
    tree = html.document_fromstring(
        '<html><body><p>正文。</p><p>本文转载自<a href="/wx/123.html">学习强国</a>，版权归原作者所有。</p></body></html>'
    )
    reprint = extract_reprint(tree, ["正文。"], "http://www.example.gov.cn/news/1.html")
    assert reprint is not None
    assert reprint.original_source == "学习强国"
    assert reprint.original_url == "http://www.example.gov.cn/wx/123.html"


def test_source_from_paragraph_lead() -> None:
    paragraphs = ["本文来源于：中国政府网", "国务院常务会议部署……"]
    tree = html.document_fromstring(
        "<html><body>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</body></html>"
    )
    reprint = extract_reprint(tree, paragraphs, "http://x.gov.cn/1.html")
    assert reprint is not None
    assert reprint.original_source == "中国政府网"


def test_plain_article_is_not_a_reprint() -> None:
    paragraphs = ["据了解，全省已有1200家企业复工。", "来源：山西日报", "原标题的说法在正文里出现并不算。"]
    tree = html.document_fromstring(
        "<html><body>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</body></html>"
    )
    assert extract_reprint(tree, paragraphs, "http://x.gov.cn/1.html") is None


def test_laiyuanyu_label_is_a_source_not_a_reprint() -> None:
    tree = html.document_fromstring(
        '<html><body><font color="#C30000">来源于：东区办事处</font><p>正文。</p></body></html>'
    )
    assert extract_reprint(tree, ["正文。"], "http://www.zsnews.cn/news/1.html") is None


def test_outlet_home_page_link_is_not_the_original_url() -> None:
    tree = html.document_fromstring(
        '<html><body><div class="ar_source">本文来源于<span><a href="http://www.bbtnews.com.cn/">北京商报</a></span>'
        "</div><p>正文。</p></body></html>"
    )
    reprint = extract_reprint(tree, ["正文。"], "http://finance.example.com/a/1.html")
    assert reprint is not None
    assert (reprint.original_source, reprint.original_url) == ("北京商报", None)
