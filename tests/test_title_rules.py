"""Headline rules for pages whose headings do not agree with ``<title>``: old hand-made table pages, blog
templates and book chapters, where the page's own layout has to say which line is the headline."""

from __future__ import annotations

from newsspider.parsers import parse_article
from newsspider.parsers.title import clean_headline

URL = "http://www.example.org/details.asp?detailsid=1024"
TEXT = "".join(
    f"<p>　　第{i}段，座谈会在华侨文化中心举行，与会者围绕改革的性质、意义和前景展开讨论，发言热烈，"
    "并就下一步的活动安排交换了意见。</p>"
    for i in range(1, 6)
)
NAV = (
    "<table><tr>"
    "<td><b><a href='default.asp'><font size='2' color='white'>首页</font></a></b></td>"
    "<td><b><a href='sort1.asp?id=15'><font size='2' color='white'>中心简介（CCC）</font></a></b></td>"
    "<td><b><a href='sort1.asp?id=60'><font size='2' color='white'>个人专栏文章</font></a></b></td>"
    "</tr></table>"
)


def _table_page(title: str, heading: str, info: str = "") -> bytes:
    """The ASP table template: navigation row, a blue bold headline cell, the info row, then the text."""
    return (
        f"<html><head><title>{title}</title>"
        "<meta http-equiv='Content-Type' content='text/html; charset=gb2312'></head>"
        f"<body><center><table width='780'><tr><td>{NAV}"
        f"<table width='100%'><tr><td align='center'>{heading}</td></tr>"
        f"<tr><td>{info}</td></tr>"
        f"<tr><td><font size='3'>{TEXT}</font></td></tr></table>"
        "</td></tr></table></center></body></html>"
    ).encode("gb18030")


INFO = (
    "<div align='left'><font size='3' color='#008000'>作者： &nbsp;&nbsp;来源： &nbsp;&nbsp;"
    "发布日期： 9/17/2004 5:54:13 AM</font></div>"
)


def test_bold_line_above_the_text_beats_a_greeting_title() -> None:
    page = _table_page(
        "谢谢您访问〖改革研究中心〗",
        "<b><br><font size='3' color='blue'>李明：巴黎举行“改革意义座谈会”</font></b><br>",
        INFO,
    )
    record = parse_article(page, URL)
    assert record.title == "李明：巴黎举行“改革意义座谈会”"


def test_bold_menu_links_and_the_info_line_are_not_the_headline() -> None:
    # No headline line at all: the menu's bold links and the bold 来源 line must not stand in for it.
    info = "<b><font color='#008000'>来源：改革研究中心 发布日期：2004-09-17</font></b>"
    page = _table_page("巴黎举行改革意义座谈会_改革研究中心", "", info)
    record = parse_article(page, URL)
    assert record.title == "巴黎举行改革意义座谈会"


def test_a_heading_tag_above_the_text_beats_a_bold_line() -> None:
    heading = "<h3>巴黎举行改革意义座谈会</h3><b>本站特约评论员文章</b>"
    page = _table_page("谢谢您访问〖改革研究中心〗", heading, INFO)
    record = parse_article(page, URL)
    assert record.title == "巴黎举行改革意义座谈会"


def test_chapter_heading_with_its_level_mark_beats_a_column_and_site_title() -> None:
    page = (
        "<html><head><title>艺术史研究&lt;世纪在线中国艺术网</title></head><body>"
        "<table><tr><td class='nav_bar'><a href='/news/'>快讯</a>|<a href='/history/'>艺术史研究</a></td></tr>"
        "<tr><td>您的位置：<a href='/'>主页</a>&gt;<a href='/history/'>艺术史研究</a>&gt;第一编 古代</td></tr>"
        "<tr><td align='center'><p><b>*第一编 古代</b><br>"
        "<a href='ch_01.shtml'>第一章</a>│<a href='ch_02.shtml'>第二章</a></p></td></tr>"
        f"<tr><td align='left'>{TEXT}</td></tr></table></body></html>"
    ).encode()
    record = parse_article(page, "http://cn.example.com/history/ch_01.shtml")
    assert record.title == "第一编 古代"


BLOG_TEXT = (
    "<p>为拆一幢房，断送了三条人命。前天的这场惨剧发生得实在太突然，附近的居民至今心有余悸，"
    "纷纷议论拆房工地的管理问题。</p>"
    "<p>2003-7-24 钱塘晚报</p>"
    + "".join(
        f"<p>第{i}段，记者调查发现，城郊的拆房工程大多由个人承包，施工现场没有任何防护措施，"
        "管理部门对此也缺乏有效的监督。</p>"
        for i in range(1, 6)
    )
)


def _blog_page() -> bytes:
    """BlogDriver template: the blog's name in the h1, the post's h2 (closed by "- -") inside the post box, the
    poster and posting time in the footer under the text. No <title> element at all."""
    return (
        "<html><body><div id='container'>"
        "<div id='header'><h1 class='title'><a href='index.html'>reader的博客</a></h1></div>"
        "<div id='category'><a href='1.html' title='上一篇'>孩子，夏令营让你得到了什么？</a>- -|"
        "<a href='index.html'>回首页</a></div>"
        "<div class='entity'><h2 class='diaryTitle'>谁来为无序拆房“埋单”？- -</h2>&nbsp;&nbsp;"
        f"{BLOG_TEXT}"
        "<p class='diaryFoot'>- 作者： <a href='javascript:void(0);'>流泉</a> 访问统计："
        "　2005年08月30日, 星期二 13:22</p></div>"
        "</div></body></html>"
    ).encode()


def test_post_heading_opening_the_body_beats_the_blog_name() -> None:
    record = parse_article(_blog_page(), "http://reader.blog.example.com/2756656.html")
    assert record.title == "谁来为无序拆房“埋单”？"


def test_post_heading_inside_the_body_leaves_the_posting_time_to_the_footer() -> None:
    # The outlet line inside a reposted story is the story's own, not when the blog published it.
    record = parse_article(_blog_page(), "http://reader.blog.example.com/2756656.html")
    assert record.published_at is not None
    assert record.published_at.startswith("2005-08-30")


def test_clean_headline_drops_decoration_marks_only() -> None:
    assert clean_headline("谁来为无序拆房“埋单”？- -")[0] == "谁来为无序拆房“埋单”？"
    assert clean_headline("*第一编 古代")[0] == "第一编 古代"
    # *ST is part of a listed company's name, a hyphen inside a name is text.
    assert clean_headline("*ST华仪：关于股票交易异常波动的公告")[0] == "*ST华仪：关于股票交易异常波动的公告"
    assert clean_headline("COVID-19疫苗接种点一览")[0] == "COVID-19疫苗接种点一览"
