"""parse_article behaviours that the saved fixtures do not pin: listing fallbacks, profiles, responses, junk."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from itemadapter import ItemAdapter
from scrapy.http import HtmlResponse

from newsspider.parsers import ListingContext, parse_article, parse_response
from newsspider.sites.profile import Selectors, SiteProfile
from newsspider.textnorm import content_hash

URL = "http://www.example.gov.cn/xwzx/202002/t20200218_1001.html"
BODY = "".join(
    f"<p>第{i}段，省政府召开常务会议，研究部署春季农业生产和复工复产工作，要求各地压实责任。</p>"
    for i in range(1, 6)
)


def _page(head: str = "", info: str = "", body: str = BODY, extra: str = "") -> bytes:
    return (
        f"<html><head><meta charset='utf-8'>{head}</head><body>"
        f"<div class='nav'><a href='/'>首页</a><a href='/xwzx/'>新闻中心</a></div>"
        f"{info}<div class='TRS_Editor'>{body}</div>{extra}</body></html>"
    ).encode()


def test_listing_title_is_only_a_fallback() -> None:
    page = _page(
        "<title>全省春耕备耕工作会议召开_山西省人民政府</title>", "<h1>全省春耕备耕工作会议召开</h1>"
    )
    listing = ListingContext(title="全省春耕备耕…", date_raw="2020-02-18", column="山西要闻")
    record = parse_article(page, URL, listing=listing)
    assert record.title == "全省春耕备耕工作会议召开"


def test_listing_title_fills_a_page_without_one() -> None:
    record = parse_article(_page(), URL, listing=ListingContext(title="全省春耕备耕工作会议召开"))
    assert record.title == "全省春耕备耕工作会议召开"
    assert "no_title" not in record.warnings


def test_listing_date_beats_the_url_date() -> None:
    record = parse_article(_page(), URL, listing=ListingContext(date_raw="[2020-02-19]"))
    assert (record.published_at, record.published_from) == ("2020-02-19", "listing")
    assert "date_from_url_only" not in record.warnings


def test_page_date_beats_the_listing_date() -> None:
    page = _page(info="<div class='info'>发布时间：2020-02-18 10:30 来源：山西日报</div>")
    record = parse_article(page, URL, listing=ListingContext(date_raw="2020-02-19"))
    assert (record.published_at, record.published_from) == ("2020-02-18T10:30:00+08:00", "info")


def test_listing_column_fills_when_the_page_has_none() -> None:
    record = parse_article(_page(), URL, listing=ListingContext(column="山西要闻"))
    assert record.column == "山西要闻"
    with_meta = parse_article(
        _page("<meta name='ColumnName' content='政务活动'>"), URL, listing=ListingContext(column="山西要闻")
    )
    assert with_meta.column == "政务活动"


def test_meta_names_are_case_insensitive_and_empty_means_absent() -> None:
    head = "<meta name='PUBDATE' content='2020-02-18 08:00'><meta name='ContentSource' content=''><meta name='contentsource' content='新华社'>"
    record = parse_article(_page(head), URL)
    assert record.published_at == "2020-02-18T08:00:00+08:00"
    assert record.published_from == "meta"
    assert record.source == "新华社"


def test_maketime_is_never_the_publish_date() -> None:
    record = parse_article(_page("<meta name='Maketime' content='2021-03-01 12:00:00'>"), URL)
    assert record.published_at == "2020-02-18"
    assert record.published_from == "url"


def test_profile_fields_and_selectors() -> None:
    site = SiteProfile(
        key="demo-gov", name="示例省人民政府", province="示例",
        selectors=Selectors(body="div.real-body", title="//div[@class='bt']", noise=("p.ad",)),
    )  # fmt: skip
    page = _page(
        info="<div class='bt'>示例标题</div>",
        extra="<div class='real-body'><p>真正的正文在这里，很长的一段话，说明选择器生效了。</p><p class='ad'>广告：购买</p></div>",
    )
    record = parse_article(page, URL, site=site)
    assert (record.site, record.site_name, record.province) == ("demo-gov", "示例省人民政府", "示例")
    assert record.title == "示例标题"
    assert record.paragraphs == ["真正的正文在这里，很长的一段话，说明选择器生效了。"]


def test_profile_summary_selector_names_a_box_without_a_label() -> None:
    # A site whose 摘要 box carries no label: only the profile's selector finds it.
    box = "<div class='zy-box'>全省各地认真落实疫情防控措施。</div>"
    site = SiteProfile(key="demo-gov", name="示例", selectors=Selectors(summary="div.zy-box"))
    with_selector = parse_article(_page(info=box), URL, site=site)
    assert (with_selector.summary, with_selector.summary_from) == ("全省各地认真落实疫情防控措施。", "page")
    without = parse_article(_page(info=box), URL)
    assert without.summary != "全省各地认真落实疫情防控措施。"
    labelled = SiteProfile(key="demo-gov", name="示例", selectors=Selectors(summary="//div[@class='zy']"))
    record = parse_article(_page(info="<div class='zy'>【摘要】全省部署春耕。</div>"), URL, site=labelled)
    assert record.summary == "全省部署春耕。"


def test_bad_profile_selector_falls_back() -> None:
    site = SiteProfile(key="demo-gov", name="示例", selectors=Selectors(body="div[[[", title="//*["))
    record = parse_article(_page(info="<h1>标题</h1>"), URL, site=site)
    assert len(record.paragraphs) == 5


def test_identity_fields() -> None:
    record = parse_article(
        _page(), "HTTP://WWW.Example.gov.cn:80/xwzx/202002/t20200218_1001.html?utm_source=x"
    )
    assert record.canonical_url == URL
    assert record.content_hash == content_hash(record.text)
    assert record.text == "\n".join(record.paragraphs)
    assert record.schema_version == 1


def test_fetched_at_is_iso_utc_and_used_for_relative_dates() -> None:
    page = _page(info="<div class='info'>2小时前 来源：新华社</div>")
    record = parse_article(
        page, "http://example.com/a.html", fetched_at=datetime(2020, 2, 18, 4, 0, tzinfo=UTC)
    )
    assert record.fetched_at == "2020-02-18T04:00:00Z"
    assert record.published_at == "2020-02-18T10:00:00+08:00"
    assert parse_article(page, "http://example.com/a.html").published_at is None


def test_images_absolute_lazy_source_preferred_decorations_dropped() -> None:
    body = (
        BODY + "<p><img src='/images/loading.gif' data-original='../pic/photo1.jpg' alt='会场'></p>"
        "<p><img src='/images/icon_print.png'></p><p><img src='./W0200218.jpg' width='16' height='16'></p>"
    )
    record = parse_article(_page(body=body), URL)
    assert [i.url for i in record.images] == ["http://www.example.gov.cn/xwzx/pic/photo1.jpg"]
    assert record.images[0].alt == "会场"


def test_widgets_removed_by_whitelist_subheadings_kept() -> None:
    body = (
        BODY
        + "<p>【基本案情】</p><p>【字体：大 中 小】【打印】【关闭窗口】</p><p>扫一扫在手机打开当前页面</p>"
    )
    record = parse_article(_page(body=body), URL)
    assert record.paragraphs[-1] == "【基本案情】"


def test_commented_out_editor_does_not_exist() -> None:
    extra = "<!-- <div class='article-edit'>责任编辑：王五</div> -->"
    record = parse_article(_page(extra=extra), URL)
    assert record.editors == []


def test_editor_in_the_original_title_box_after_the_text() -> None:
    extra = (
        "<ul class='article-other'><li>原标题：苹果回应“违反中国劳动法”：大多数指控错误</li>"
        "<li>责任编辑:\n\t\t于文凯&nbsp;\n</li></ul>"
    )
    record = parse_article(_page(info="<h1>苹果回应违反劳动法指控</h1>", extra=extra), URL)
    assert record.editors == ["于文凯"]
    assert record.authors == []


def test_editor_box_that_the_noise_rules_drop_still_names_the_editor() -> None:
    shown = BODY + "<p class='article-editor'>责任编辑：郭明煜 </p>"
    assert parse_article(_page(body=shown), URL).editors == ["郭明煜"]
    hidden = BODY + "<p class='article-editor' style='display: none'>责任编辑：郭明煜</p>"
    assert parse_article(_page(body=hidden), URL).editors == []


def test_empty_and_junk_pages_give_warnings_not_errors() -> None:
    for body in (b"", b"\x00\x00", b"<html></html>", b"<<<>>>", "<p>短</p>".encode("gbk")):
        record = parse_article(body, "http://example.com/")
        assert "no_body" in record.warnings
        assert ItemAdapter(record).asdict()["url"] == "http://example.com/"


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2048))
def test_never_raises_on_random_bytes(body: bytes) -> None:
    parse_article(body, "http://example.com/x.html")


@settings(max_examples=60, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("<>/=\"' pdivaspanh1来源作者：2020-02-18责任编辑【】\n")), max_size=400
    )
)
def test_never_raises_on_tag_soup(text: str) -> None:
    parse_article(text.encode("utf-8"), "http://example.com/x.html")


def test_parse_response_uses_body_headers_and_status() -> None:
    page = (
        _page("<title>测试</title>", "<h1>全省春耕备耕工作会议召开</h1>")
        .decode()
        .replace("charset='utf-8'", "")
        .encode("gbk")
    )
    response = HtmlResponse(
        url=URL, body=page, status=203, headers={"Content-Type": "text/html; charset=GBK"}
    )
    record = parse_response(response, listing=ListingContext(column="山西要闻"))
    assert record.http_status == 203
    assert record.encoding == "gb18030"
    assert record.title == "全省春耕备耕工作会议召开"
    assert record.column == "山西要闻"


def test_year_less_labelled_date_takes_its_year_from_a_dated_meta() -> None:
    head = "<meta itemprop='dateUpdate' content='2019-10-08 12:00:57'>"
    page = _page(head, info="<div class='author-info'>发布时间：10-08 12:00</div>")
    record = parse_article(page, "http://example.com/s?id=1")
    assert record.published_at == "2019-10-08T12:00:00+08:00"


def test_page_data_script_time_when_the_page_shows_none() -> None:
    head = '<script>window.DATA = {"title": "x", "pubtime": "2019-09-07 19:02:26"};</script>'
    record = parse_article(_page(head), "http://example.com/a/20190907/1.html")
    assert (record.published_at, record.published_from) == ("2019-09-07T19:02:26+08:00", "meta")


def test_headline_repeated_in_the_body_and_footer_are_cut() -> None:
    body = (
        "<p>全省春耕备耕工作会议召开</p><p>2020-02-18 10:30 来源：山西日报</p>" + BODY
        + "<p>关于我们 | 联系我们</p><p>Copyright © 2020 示例网 版权所有</p>"
    )  # fmt: skip
    record = parse_article(_page("<title>全省春耕备耕工作会议召开_示例网</title>", body=body), URL)
    assert record.paragraphs[0].startswith("第1段")
    assert record.paragraphs[-1].startswith("第5段")
    assert record.source == "山西日报"


def test_xhtml_page_with_an_xml_declaration() -> None:
    page = b'<?xml version="1.0" encoding="utf-8"?>\n' + _page(info="<h1>\xe6\xa0\x87\xe9\xa2\x98</h1>")
    record = parse_article(page, URL)
    assert len(record.paragraphs) == 5
    assert "no_body" not in record.warnings


def test_links_with_an_invalid_ipv6_host_are_ignored() -> None:
    body = BODY + "<p><a href='http://[x/a.pdf'>附件</a><img src='http://[x/a.png'></p>"
    record = parse_article(_page(body=body), URL)
    assert len(record.paragraphs) == 5
    assert record.attachments == []
    assert record.images == []


def test_text_after_a_very_deep_nest_is_kept() -> None:
    nest = "<div>" * 300 + "<p>嵌套很深的段落文字，也要完整保留下来，不能丢掉。</p>" + "</div>" * 300
    record = parse_article(_page(body=BODY + nest), URL)
    assert "嵌套很深的段落文字，也要完整保留下来，不能丢掉。" in record.paragraphs


def test_portal_wrapper_with_a_cms_class_yields_only_its_text_block() -> None:
    # Portal templates put the CMS body class on a wrapper that also holds the sidebar's link lists.
    sidebar = "".join(
        f"<li><a href='/n/{i}.shtml'>热点博客第{i}篇：城市公园里的晨练与广场舞故事</a></li>"
        for i in range(12)
    )
    page = (
        "<html><head><meta charset='utf-8'><title>公园健身设施受欢迎_新闻中心</title></head><body>"
        "<h1>公园健身设施受欢迎</h1><div class='article-content'>"
        f"<div class='left'><div class='art'>{BODY}</div></div>"
        f"<div class='right'><ul>{sidebar}</ul><div>新媒体实验室</div></div>"
        "</div></body></html>"
    ).encode()
    record = parse_article(page, URL)
    assert record.paragraphs[-1].startswith("第5段")
    assert not any("热点博客" in p for p in record.paragraphs)


def test_related_report_link_after_the_text_is_not_body() -> None:
    # Pasted as text by the editor (no link to recognise it by).
    body = BODY + "<p>此前报道：全省春耕备耕工作会议召开 部署十项重点任务（<a href='/n/1.html'>详情</a>）</p>"
    record = parse_article(_page(body=body), URL)
    assert record.paragraphs[-1].startswith("第5段")


def test_forum_software_credit_in_meta_author_is_not_a_person() -> None:
    head = (
        "<title>小区停车难怎么破_社区论坛</title><meta name='generator' content='Discuz! X3.4'>"
        "<meta name='author' content='Discuz! Team and Comsenz UI Team'>"
    )
    assert parse_article(_page(head, "<h1>小区停车难怎么破</h1>"), URL).authors == []
    person = head.replace("Discuz! Team and Comsenz UI Team", "王建国")
    assert parse_article(_page(person, "<h1>小区停车难怎么破</h1>"), URL).authors == ["王建国"]


def test_app_promotion_box_above_the_text_is_not_the_lead() -> None:
    promo = "<p>新品抢先免费试用，快来参加众测活动！下载<a href='/app'>新闻客户端</a>还能领取专享福利哦！</p>"
    record = parse_article(_page(body=promo + BODY), URL)
    assert record.paragraphs[0].startswith("第1段")
    # The same words inside the text are body.
    late = BODY + "<p>市民可下载政务服务客户端，在线办理社保、公积金等事项。</p>"
    assert parse_article(_page(body=late), URL).paragraphs[-1].startswith("市民可下载")


def test_deck_line_above_the_reporter_byline_is_not_the_lead() -> None:
    body = "<p>春耕要早谋划，备耕要早部署</p><p>本报记者 刘洋 发自太原</p>" + BODY
    record = parse_article(_page(body=body), URL)
    assert record.paragraphs[0].startswith("第1段")
    assert record.authors == ["刘洋"]
    # A real opening sentence before a byline stays.
    told = "<p>全省春耕备耕工作会议昨日召开。</p><p>本报记者 刘洋 发自太原</p>" + BODY
    assert parse_article(_page(body=told), URL).paragraphs[0].startswith("全省春耕")


def test_forum_column_link_in_the_breadcrumb_is_not_the_headline() -> None:
    page = (
        "<html><head><meta charset='gbk'><title> 农村养老服务体系建设调查(页 1) - 学术交流 - 社会学论坛 - "
        "powered by Discuz! Archiver</title></head><body><div class='crumb'><a href='/'>社会学论坛</a> &raquo; "
        "<a href='/fid-23.html'>学术交流</a> &raquo; 农村养老服务体系建设调查</div><div class='post'>"
        f"<b>青山</b><span>2003-5-29 09:07</span><div class='msg'>{BODY}</div></div></body></html>"
    ).encode("gbk")
    assert parse_article(page, URL).title == "农村养老服务体系建设调查"


def test_headline_inside_a_layout_table_beats_the_site_name_in_the_header() -> None:
    text = "".join(
        f"<p>{i}月，作者谈到编程训练，认为学生应当多写代码、多读源码，并在实践中学会与人合作。</p>"
        for i in range(1, 7)
    )
    page = (
        "<html><head><meta charset='utf-8'><title>Code Notes - 给新程序员的几点建议</title></head><body>"
        "<table><tr><td><i><font size='5'>Code Notes</font></i></td></tr><tr><td>"
        f"<p class='slug'><strong>给新程序员的几点建议</strong></p>{text}</td></tr></table>"
        "<p><font>Code Notes</font> 版权所有</p></body></html>"
    ).encode()
    assert parse_article(page, URL).title == "给新程序员的几点建议"


def test_closing_promotions_signatures_and_reprint_notes_are_not_body() -> None:
    last = "<p>第6段，会议强调，要抓好春耕生产，确保粮食安全。</p>"
    for closing in (
        "<p>扫描下方二维码关注我们</p><p>1、回复【社保】查询缴费记录</p><p>点【在看】试试</p>",
        "<p>------------------------------</p><p>我的博客 http://blog.example.com/user9/</p>",
        "<p>（摘自《农村工作通讯》2020年第3期）</p>",
    ):
        record = parse_article(_page(body=BODY + last + closing), URL)
        assert record.paragraphs[-1].startswith("第6段"), closing
    # A notice ending with its contacts keeps them: they are part of the text.
    contacts = last + "<p>联系人：王老师</p><p>电话：0351-1234567 邮箱：office@example.gov.cn</p>"
    assert parse_article(_page(body=BODY + contacts), URL).paragraphs[-1].startswith("电话")


def test_forum_post_in_a_layout_cell_with_line_breaks_is_the_body() -> None:
    post = "<br>".join(
        f"　　第{i}部分，影片讲述八路军东渡黄河、挺进抗日前线，开辟敌后根据地的历程，场面宏大，细节真实。"
        for i in range(1, 7)
    )
    page = (
        "<html><head><meta charset='gbk'><title>【新片推荐】太行山上_影视论坛</title></head><body>"
        "<div><table><tbody><tr><td>作者： 放飞的心情</td><td>时间：2005-08-28 20:56:20</td></tr>"
        f"<tr><td>{post}</td></tr></tbody></table></div>"
        "<div class='div_foot'><span>欢迎批评指正，建议与投诉请致电论坛管理员，电话：010-12345678，谢谢支持。</span></div>"
        "</body></html>"
    ).encode("gbk")
    record = parse_article(page, URL)
    assert record.paragraphs[0].startswith("第1部分")
    assert record.paragraphs[-1].startswith("第6部分")


def test_centred_text_after_a_photo_is_body_when_the_whole_text_is_centred() -> None:
    centred = "".join(
        f"<p style='text-align: center;'>第{i}天清晨出发，山路蜿蜒，云雾缭绕，营地的枫树已经红透</p>"
        for i in range(1, 6)
    )
    body = "<p><img src='/upload/20131228/trip_01.jpg' width='520' height='360'></p>" + centred
    record = parse_article(_page(body=body), URL)
    assert record.paragraphs[0].startswith("第1天")
    # A lone centred line under a photo, with ordinary text after it, stays a caption.
    photo = "<p><img src='/upload/20200218/meeting.jpg' width='520' height='360'></p>"
    caption = "<p style='text-align: center;'>会议现场（记者 李华 摄）</p>"
    record = parse_article(_page(body=photo + caption + BODY), URL)
    assert record.paragraphs[0].startswith("第1段")
    assert record.images[0].caption == "会议现场（记者 李华 摄）"


def test_blog_post_without_a_byline_is_its_owners() -> None:
    side = "<div class='side'><a href='/?author=7' title='[山城老猫]的博客'>山城老猫</a><a href='/?author=7&c=2'>未归类</a></div>"
    assert parse_article(_page(extra=side), URL).authors == ["山城老猫"]
    rel = "<div class='side'><a rel='author' href='/u/laomao'>山城老猫</a></div>"
    assert parse_article(_page(extra=rel), URL).authors == ["山城老猫"]
    # A byline beats the owner link (a blog reposting a report).
    credited = _page(info="<div class='info'>作者：李华</div>", extra=side)
    assert parse_article(credited, URL).authors == ["李华"]


def test_blog_post_title_is_the_subject_its_replies_quote() -> None:
    replies = "".join(
        f"<div class='reply'><h4><a href='#c{i}'>re: 入住新博客的第一天</a></h4><p>欢迎欢迎，期待更多好文章{i}</p></div>"
        for i in range(3)
    )
    page = (
        "<html><head><meta charset='utf-8'><title>林子的技术笔记</title></head><body><h1>林子的技术笔记</h1>"
        f"<div class='post'><h2>入住新博客的第一天</h2><div class='body'>{BODY}</div></div>{replies}</body></html>"
    ).encode()
    assert parse_article(page, URL).title == "入住新博客的第一天"


def test_reply_form_prefill_names_the_post_and_its_poster_line_the_author() -> None:
    sidebar = "".join(f"<li><a href='/p/{i}'>回复:另一篇旧文章的标题</a></li>" for i in range(2))
    page = (
        "<html><head><meta charset='utf-8'><title>博客网--洞庭秋水</title></head><body>"
        f"<ul class='latest'>{sidebar}</ul><table><tr><td><font size='4'><strong>"
        "<a href='/more.asp?id=1'>湖湘文化漫谈之一</a></strong></font><br>"
        "<a href='/blog.asp?name=dtqs'>dtqs</a> 发表于 2005-9-15 11:46:00</td></tr>"
        f"<tr><td>{BODY}</td></tr></table>"
        "<form><input name='commenttopic' value='回复:湖湘文化漫谈之一'></form></body></html>"
    ).encode()
    record = parse_article(page, URL)
    assert record.title == "湖湘文化漫谈之一"
    assert record.authors == ["dtqs"]
