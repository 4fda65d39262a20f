"""extract_govdoc on 信息公开 header layouts: table cells, dl/dt/dd, li/span pairs, and the attachments."""

from __future__ import annotations

from lxml import html

from newsspider.parsers.govdoc import extract_govdoc

URL = "https://www.shanxi.gov.cn/zfxxgk/zfxxgkzl/fdzdgknr/lzyj/szfwj/202205/t20220513_5976070.shtml"

TABLE = """<html><body><div class="sxgzk-detail-head"><table class="table-xxgk">
<tr><td class="td-label">索 引 号：</td><td>11140000MB1962134H/2022-00123</td>
    <td class="td-label">主题分类：</td><td>综合政务\\其他</td></tr>
<tr><td class="td-label">发文机关：</td><td>山西省人民政府办公厅</td>
    <td class="td-label">成文日期：</td><td>2022年05月10日</td></tr>
<tr><td class="td-label">标　　题：</td><td colspan="3">山西省人民政府办公厅关于印发山西省促进消费若干措施的通知</td></tr>
<tr><td class="td-label">发文字号：</td><td>晋政办发〔2022〕31号</td>
    <td class="td-label">发布日期：</td><td>2022-05-13</td></tr>
<tr><td class="td-label">有 效 性：</td><td>有效</td><td></td><td></td></tr>
</table></div>
<!-- <td>索引号：</td><td>模板默认值</td> -->
<div class="sxgzk-detail-con"><div class="TRS_Editor"><p>各市人民政府，省人民政府各委、厅：</p>
<p>附件：<a href="./P020220513392131238976.pdf">1.山西省促进消费若干措施.pdf</a></p>
<p><a href="/module/download/downfile.jsp?classid=0&amp;filename=2205131522.docx">2.任务分工表</a></p>
<p><a href="../../index.shtml">返回首页</a></p></div></div></body></html>"""


def _parse(source: str) -> html.HtmlElement:
    return html.document_fromstring(source)


def test_table_layout_fills_every_field() -> None:
    doc, _ = extract_govdoc(_parse(TABLE), URL)
    assert doc is not None
    assert doc.index_no == "11140000MB1962134H/2022-00123"
    assert doc.issuer == "山西省人民政府办公厅"
    assert doc.doc_no == "晋政办发〔2022〕31号"
    assert doc.topic == "综合政务\\其他"
    assert doc.validity == "有效"


def test_written_and_published_dates_differ_and_both_are_kept() -> None:
    doc, _ = extract_govdoc(_parse(TABLE), URL)
    assert doc is not None
    assert (doc.written_at, doc.published_at) == ("2022-05-10", "2022-05-13")


def test_attachments_are_absolute_with_their_names() -> None:
    _, attachments = extract_govdoc(_parse(TABLE), URL)
    assert [(a.url, a.name) for a in attachments] == [
        (
            "https://www.shanxi.gov.cn/zfxxgk/zfxxgkzl/fdzdgknr/lzyj/szfwj/202205/P020220513392131238976.pdf",
            "1.山西省促进消费若干措施.pdf",
        ),
        (
            "https://www.shanxi.gov.cn/module/download/downfile.jsp?classid=0&filename=2205131522.docx",
            "2.任务分工表",
        ),
    ]


def test_dl_layout() -> None:
    page = """<html><body><dl class="xxgk-info">
    <dt>索引号:</dt><dd>000014349/2021-00045</dd><dt>发布机构:</dt><dd>江西省人民政府</dd>
    <dt>文号:</dt><dd>赣府字〔2021〕12号</dd><dt>成文日期:</dt><dd>2021-03-02</dd>
    <dt>时效性:</dt><dd>废止</dd></dl><div id="zoom"><p>正文。</p></div></body></html>"""
    doc, attachments = extract_govdoc(_parse(page), "http://www.jiangxi.gov.cn/art/2021/3/5/art_4975_1.html")
    assert doc is not None
    assert (doc.index_no, doc.issuer, doc.doc_no) == (
        "000014349/2021-00045",
        "江西省人民政府",
        "赣府字〔2021〕12号",
    )
    assert (doc.written_at, doc.published_at, doc.validity) == ("2021-03-02", None, "废止")
    assert attachments == []


def test_li_span_layout_with_label_and_value_in_one_cell() -> None:
    page = """<html><body><ul class="xxgk_top"><li>索引号：11330000002482870P/2020-123456</li>
    <li><span>发文字号：</span><span>浙政办发〔2020〕7号</span></li>
    <li><b>成文日期：</b>2020年02月18日</li><li><b>发布日期：</b>2020年02月19日 10:30</li></ul></body></html>"""
    doc, _ = extract_govdoc(_parse(page), "https://www.zj.gov.cn/art/2020/2/19/art_1229019364_1.html")
    assert doc is not None
    assert doc.index_no == "11330000002482870P/2020-123456"
    assert doc.doc_no == "浙政办发〔2020〕7号"
    assert doc.written_at == "2020-02-18"
    assert doc.published_at == "2020-02-19T10:30:00+08:00"


def test_ordinary_news_info_line_is_not_a_document() -> None:
    page = """<html><body><div class="info">发布时间：2020-02-18 19:58 来源：山西日报</div>
    <div class="con"><p>索引号这个词出现在正文里。</p></div></body></html>"""
    doc, attachments = extract_govdoc(_parse(page), "http://www.sxgov.cn/content/2020-02/18/content_1.htm")
    assert doc is None
    assert attachments == []


def test_documents_outside_an_attachment_list_are_not_attachments() -> None:
    page = """<html><body><div class="ad"><a href="/download/202401/P020240119574385757063.pdf">品牌广告</a></div>
    <div class="epaper"><a href="/images/2022-02/12/A01/A01.pdf">A01版</a></div>
    <div class="con"><p>正文。</p><p>相关附件：<a href="/module/download/downfile.jsp?filename=1f2e.xlsx">统计表</a></p></div>
    </body></html>"""
    _, attachments = extract_govdoc(_parse(page), "http://www.example.gov.cn/art/2024/1/19/art_1_2.html")
    assert [(a.url, a.name) for a in attachments] == [
        ("http://www.example.gov.cn/module/download/downfile.jsp?filename=1f2e.xlsx", "统计表")
    ]
