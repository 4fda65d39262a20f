"""Listing parsing per CMS platform, on saved listing pages in each platform's style (tests/listings/)."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from scrapy import FormRequest, Request
from scrapy.http import HtmlResponse, TextResponse, XmlResponse

from newsspider.platforms import detect_platform, get_platform
from newsspider.platforms.trs import pager_info
from newsspider.sites.profile import Column, Selectors, SiteProfile

LISTINGS = Path(__file__).resolve().parent / "listings"


def _site(platform: str, domains: tuple[str, ...] = (), **options: str) -> SiteProfile:
    return SiteProfile(
        key="t", name="测试站", platform=platform, allowed_domains=domains, platform_options=options
    )


def _html(name: str, url: str, *, page: int | None = None, content_type: str = "text/html") -> HtmlResponse:
    request = Request(url, meta={"ns_page": page}) if page else None
    return HtmlResponse(
        url, body=(LISTINGS / name).read_bytes(), headers={"Content-Type": content_type}, request=request
    )


# --- TRS -----------------------------------------------------------------------------------------------


def test_trs_rows_take_the_title_attribute_when_the_text_is_cut_and_the_date_from_brackets() -> None:
    url = "https://www.shanxi.gov.cn/yw/sxyw/index.shtml"
    page = get_platform("trs").parse_listing(
        _html("trs/sxyw_index.shtml", url), _site("trs"), Column(name="c", url=url)
    )
    by_url = {row.url: row for row in page.rows}
    first = by_url["https://www.shanxi.gov.cn/yw/sxyw/202009/t20200929_859251.shtml"]
    assert first.title == "省政府新闻办举行新闻发布会介绍全省前三季度经济运行情况"
    assert first.date_raw == "2020-09-29"
    cut_ascii = by_url["https://www.shanxi.gov.cn/yw/sxyw/202009/t20200928_858990.shtml"]
    assert cut_ascii.title == "山西品牌中华行（北京站）活动举行 推介山西特色农产品"
    # ../ links are joined against the listing, not the site root.
    assert "https://www.shanxi.gov.cn/yw/zwhd/202009/t20200927_858811.shtml" in by_url
    # The topic page and footer column links are not articles.
    assert len(page.rows) == 5


def test_trs_stale_commented_call_is_ignored_and_count_page_wins() -> None:
    url = "https://www.shanxi.gov.cn/yw/sxyw/index.shtml"
    page = get_platform("trs").parse_listing(
        _html("trs/sxyw_index.shtml", url), _site("trs"), Column(name="c", url=url)
    )
    assert page.total_pages == 17  # not the commented-out createPageHTML(9, …)
    assert [r.url for r in page.next_requests] == ["https://www.shanxi.gov.cn/yw/sxyw/index_1.shtml"]
    assert page.next_requests[0].meta == {"ns_page": 2}
    assert page.next_requests[0].callback is None


def test_trs_create_page_call_gives_count_current_base_and_extension() -> None:
    body = (
        b"<html><body><ul><li><a href='./202001/t20200105_1.html'>a</a><span>[2020-01-05]</span></li></ul>"
        b"<script>function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}\n"
        b"function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}</script>"
        b'<!-- createPageHTML(40, 0, "index", "html"); -->'
        b'<script>createPageHTML(6, 2, "index", "htm");</script></body></html>'
    )
    url = "http://www.fujian.gov.cn/xw/fjyw/index_2.htm"
    response = HtmlResponse(url, body=body, encoding="utf-8")
    page = get_platform("trs").parse_listing(response, _site("trs"), Column(name="c", url=url))
    assert page.total_pages == 6
    assert [(r.url, r.meta["ns_page"]) for r in page.next_requests] == [
        ("http://www.fujian.gov.cn/xw/fjyw/index_3.htm", 4)
    ]


def test_trs_last_page_generates_nothing() -> None:
    url = "https://www.shanxi.gov.cn/yw/sxyw/index_16.shtml"
    page = get_platform("trs").parse_listing(
        _html("trs/sxyw_last.shtml", url), _site("trs"), Column(name="c", url=url)
    )
    assert page.total_pages == 17
    assert page.next_requests == []
    assert len(page.rows) == 2


def test_trs_shanxi_2022_numbered_column_pages_inside_the_id() -> None:
    url = "https://www.shanxi.gov.cn/zfxxgk/zfxxgkzl/fdzdgknr/lzyj/szfwj/index_11287_1.shtml"
    response = _html("trs/szfwj_index_11287_1.shtml", url)
    page = get_platform("trs").parse_listing(response, _site("trs"), Column(name="c", url=url))
    assert page.total_pages == 3
    assert [(r.url.rsplit("/", 1)[1], r.meta["ns_page"]) for r in page.next_requests] == [
        ("index_11287_2.shtml", 3)
    ]
    assert page.rows[0].url.endswith("/szfwj/202205/t20220513_5976070_gfwj.shtml")
    assert page.rows[0].title == "山西省人民政府关于印发山西省加快推进数字经济发展若干政策的通知"
    assert page.rows[0].date_raw == "2022-05-13"


def test_trs_first_page_of_a_numbered_column_is_page_one() -> None:
    body = b"<html><body><script>var countPage = 3;</script></body></html>"
    response = HtmlResponse("https://www.tj.gov.cn/zwgk/szfwj/index_10954.html", body=body, encoding="utf-8")
    info = pager_info(response)
    assert info is not None
    assert (info.count, info.current, info.base, info.ext) == (3, 1, "index_10954", "html")


def test_trs_page_without_pager_script_has_no_next_page() -> None:
    response = HtmlResponse("https://x.gov.cn/a/", body=b"<html><body><p>no pager</p></body></html>")
    page = get_platform("trs").parse_listing(response, _site("trs"), Column(name="c", url=response.url))
    assert (page.rows, page.next_requests, page.total_pages) == ([], [], None)


# --- Hanweb --------------------------------------------------------------------------------------------


def test_hanweb_column_page_rows_come_from_the_datastore_island() -> None:
    url = "https://www.zj.gov.cn/col/col76705/index.html"
    page = get_platform("hanweb").parse_listing(
        _html("hanweb/col76705_index.html", url), _site("hanweb"), Column(name="c", url=url)
    )
    assert len(page.rows) == 15
    assert page.rows[0].url == "https://www.zj.gov.cn/art/2022/6/28/art_76705_59220000.html"
    assert page.rows[0].date_raw == "2022-06-28"
    truncated = next(row for row in page.rows if row.url.endswith("_59220003.html"))
    assert truncated.title == "浙江省人民政府办公厅关于进一步加强高标准农田建设的实施意见"
    assert page.total_records == 100


@pytest.mark.parametrize(("query", "rows"), [("li a", 15), ("div.no-such-list a", 0)])
def test_a_listing_selector_applies_to_the_datastore_records(query: str, rows: int) -> None:
    # As on any page: the profile's selector names the links, here inside the island's CDATA records.
    url = "https://www.zj.gov.cn/col/col76705/index.html"
    site = SiteProfile(key="t", name="测试站", platform="hanweb", selectors=Selectors(listing=query))
    page = get_platform("hanweb").parse_listing(_html("hanweb/col76705_index.html", url), site,
                                                Column(name="c", url=url))  # fmt: skip
    assert len(page.rows) == rows


def test_hanweb_next_group_is_a_form_post_with_ids_scraped_from_the_page() -> None:
    url = "https://www.zj.gov.cn/col/col76705/index.html"
    page = get_platform("hanweb").parse_listing(
        _html("hanweb/col76705_index.html", url), _site("hanweb"), Column(name="c", url=url)
    )
    (request,) = page.next_requests
    assert request.method == "POST"
    parts = urlsplit(request.url)
    assert parts.path == "/module/web/jpage/dataproxy.jsp"
    assert dict(parse_qsl(parts.query)) == {"startrecord": "16", "endrecord": "60", "perpage": "15"}
    form = dict(parse_qsl(request.body.decode()))
    assert (form["columnid"], form["unitid"], form["webid"]) == ("76705", "5423", "3")
    assert form["webname"] == "浙江省人民政府"
    assert request.headers[b"Content-Type"] == b"application/x-www-form-urlencoded"
    assert request.meta == {"ns_page": 2}
    # 15 inline + 2 groups of 45 cover the 100 records.
    assert page.total_pages == 3


def test_hanweb_profile_options_override_scraped_ids_and_the_proxy_path() -> None:
    url = "https://www.zj.gov.cn/col/col76705/index.html"
    column = Column(name="c", url=url, platform_options={"unitid": "999"})
    site = _site("hanweb", dataproxy="/module/jpage/dataproxy.jsp", webid="77")
    page = get_platform("hanweb").parse_listing(_html("hanweb/col76705_index.html", url), site, column)
    (request,) = page.next_requests
    assert urlsplit(request.url).path == "/module/jpage/dataproxy.jsp"
    form = dict(parse_qsl(request.body.decode()))
    assert (form["unitid"], form["webid"]) == ("999", "77")


def _proxy_response(name: str, start: int, end: int, page: int) -> XmlResponse:
    url = (
        f"https://www.zj.gov.cn/module/web/jpage/dataproxy.jsp?startrecord={start}&endrecord={end}&perpage=15"
    )
    request = FormRequest(url, formdata={"col": "1", "webid": "3", "columnid": "76705", "unitid": "5423"})
    request.meta["ns_page"] = page
    return XmlResponse(url, body=(LISTINGS / name).read_bytes(), request=request)


def test_hanweb_dataproxy_group_continues_with_the_same_form_until_totalrecord() -> None:
    column = Column(name="c", url="https://www.zj.gov.cn/col/col76705/index.html")
    page = get_platform("hanweb").parse_listing(_proxy_response("hanweb/dataproxy_16_60.xml", 16, 60, 2),
                                                _site("hanweb"), column)  # fmt: skip
    assert len(page.rows) == 45
    assert page.total_records == 100
    (request,) = page.next_requests
    assert dict(parse_qsl(urlsplit(request.url).query))["startrecord"] == "61"
    assert dict(parse_qsl(request.body.decode()))["unitid"] == "5423"
    assert request.meta == {"ns_page": 3}

    last = get_platform("hanweb").parse_listing(_proxy_response("hanweb/dataproxy_61_105.xml", 61, 105, 3),
                                                _site("hanweb"), column)  # fmt: skip
    assert len(last.rows) == 40
    assert last.next_requests == []  # 105 >= totalrecord 100


def test_hanweb_without_any_unit_id_keeps_the_inline_rows_only() -> None:
    body = (
        b"<html><body><script type='text/xml'><datastore><recordset>"
        b"<record><![CDATA[<li><a href='/art/2020/1/2/art_1_2.html'>t</a></li>]]></record>"
        b"</recordset></datastore></script><script>var totalRecord = 80;</script></body></html>"
    )
    response = HtmlResponse("http://www.jiangxi.gov.cn/col/col1/index.html", body=body, encoding="utf-8")
    page = get_platform("hanweb").parse_listing(response, _site("hanweb"), Column(name="c", url=response.url))
    assert [r.url for r in page.rows] == ["http://www.jiangxi.gov.cn/art/2020/1/2/art_1_2.html"]
    assert page.next_requests == []


# --- UCAP ----------------------------------------------------------------------------------------------


def _json(name: str, url: str) -> TextResponse:
    return TextResponse(
        url, body=(LISTINGS / name).read_bytes(), headers={"Content-Type": "application/json;charset=UTF-8"}
    )


def test_ucap_first_request_uses_the_search_api_when_a_channel_id_is_known() -> None:
    column = Column(name="c", url="https://www.csrc.gov.cn/xiamen/c101757/",
                    platform_options={"channel": "0123456789abcdef0123456789abcdef"})  # fmt: skip
    (request,) = get_platform("ucap").first_requests(_site("ucap"), column)
    parts = urlsplit(request.url)
    assert parts.path == "/common/search/0123456789abcdef0123456789abcdef"
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    assert (query["_isJson"], query["page"]) == ("true", "1")
    assert request.meta == {"ns_page": 1}
    without = get_platform("ucap").first_requests(_site("ucap"), Column(name="c", url=column.url))
    assert [r.url for r in without] == [column.url]


def test_ucap_json_rows_join_protocol_relative_urls_and_use_the_wall_clock_string() -> None:
    api = "https://www.csrc.gov.cn/common/search/0123456789abcdef0123456789abcdef?_isAgg=false&_isJson=true&_pageSize=20&page=1"
    page = get_platform("ucap").parse_listing(_json("ucap/search_page1.json", api), _site("ucap"),
                                              Column(name="c", url=api))  # fmt: skip
    assert len(page.rows) == 20
    assert page.rows[0].url == "https://www.csrc.gov.cn/xiamen/c101757/c7661500/content.shtml"
    assert page.rows[0].date_raw == "2026-09-28 14:30:12"
    assert page.rows[3].title == "关于证券期货违法违规行为的行政处罚决定书（3）"  # <em> highlight removed
    assert (page.total_records, page.total_pages) == (45, 3)
    (request,) = page.next_requests
    assert dict(parse_qsl(urlsplit(request.url).query))["page"] == "2"
    assert request.meta == {"ns_page": 2}


def test_ucap_json_last_page_stops() -> None:
    api = "https://www.csrc.gov.cn/common/search/0123456789abcdef0123456789abcdef?_isJson=true&_pageSize=20&page=3"
    page = get_platform("ucap").parse_listing(_json("ucap/search_page3.json", api), _site("ucap"),
                                              Column(name="c", url=api))  # fmt: skip
    assert len(page.rows) == 5
    assert page.next_requests == []


def test_ucap_html_list_fallback_follows_the_next_link() -> None:
    url = "https://www.hainan.gov.cn/hainan/fzfztz/list3.shtml"
    page = get_platform("ucap").parse_listing(_html("ucap/fzfztz_index.shtml", url), _site("ucap"),
                                              Column(name="c", url=url))  # fmt: skip
    assert [r.date_raw for r in page.rows][:3] == ["2023-01-16", "2023-01-12", "2022-12-30"]
    assert len(page.rows) == 6
    assert page.rows[1].title == "海南省优化营商环境条例实施细则（征求意见稿）公开征求意见的公告"
    assert page.rows[2].url.startswith("https://www.hainan.gov.cn/hainan/fzfztz/202212/")
    assert [(r.url, r.meta) for r in page.next_requests] == [
        ("https://www.hainan.gov.cn/hainan/fzfztz/list3_2.shtml", {"ns_page": 2})
    ]


def _query(request: Request) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(request.url).query, keep_blank_values=True))


def test_ucap_html_page_naming_its_channel_continues_through_the_search_api() -> None:
    # The page links list3_N.shtml too, and its header script holds the site-wide search channel: the
    # column's own channelId variable wins, and the static pages are not read as well.
    url = "https://www.hainan.gov.cn/hainan/ywdt/list3.shtml"
    page = get_platform("ucap").parse_listing(_html("ucap/ywdt_list3.shtml", url, page=1), _site("ucap"),
                                              Column(name="c", url=url))  # fmt: skip
    assert len(page.rows) == 17  # 15 in the list, 2 in the sidebar
    assert page.rows[1].title == "全省自由贸易港政策宣讲活动在海口启动"
    (request,) = page.next_requests
    parts = urlsplit(request.url)
    assert (parts.scheme, parts.netloc) == ("https", "www.hainan.gov.cn")
    assert parts.path == "/common/search/f826c8ecd9586b34902ea56d538d1c06"
    query = _query(request)
    # The template pages by 15, but 17 links were found (the sidebar's among them): which 15 are the list
    # cannot be told, so the API is read from its first page rather than risk skipping rows.
    assert (query["page"], query["_pageSize"], query["_isJson"]) == ("1", "15", "true")
    assert request.meta == {"ns_page": 2}


@pytest.mark.parametrize(("shown", "api_page"), [(15, "2"), (10, "1")])
def test_ucap_html_page_continues_at_the_api_page_after_it_only_when_it_showed_a_full_page(
    shown: int, api_page: str
) -> None:
    # A page showing 10 rows of a template that pages by 15 would lose 5 rows at API page 2.
    rows = "".join(
        f'<li><a href="/hainan/fzfztz/202301/{n:032x}.shtml">通知{n}</a><span>2023-01-{n:02d}</span></li>'
        for n in range(1, shown + 1)
    )
    body = (
        f'<html><body><ul>{rows}</ul><script>var channelId = "f826c8ecd9586b34902ea56d538d1c06";'
        "var url = '/common/search/' + channelId + '?_isJson=true&_pageSize=15&page=' + page;</script>"
        "</body></html>"
    ).encode()
    url = "https://www.hainan.gov.cn/hainan/fzfztz/"
    response = HtmlResponse(url, body=body, encoding="utf-8")
    page = get_platform("ucap").parse_listing(response, _site("ucap"), Column(name="c", url=url))
    assert len(page.rows) == shown
    (request,) = page.next_requests
    assert (_query(request)["page"], _query(request)["_pageSize"]) == (api_page, "15")


def test_ucap_list_rendered_by_script_alone_reads_the_api_from_its_first_page() -> None:
    # No rows in the HTML and no page size in the script: nothing is skipped, the API's own size is used.
    body = (
        "<html><head><title>政策解读_海南省人民政府网</title></head><body><ul id='list'></ul>"
        "<script>$.getJSON('/common/search/1b33b27a9ff57ef2e67c799b57359f42?_isAgg=false&_isJson=true"
        "&page=' + p, render);</script></body></html>"
    ).encode()
    url = "https://www.hainan.gov.cn/hainan/zcjd/list3.shtml"
    response = HtmlResponse(url, body=body, encoding="utf-8")
    page = get_platform("ucap").parse_listing(response, _site("ucap"), Column(name="c", url=url))
    assert page.rows == []
    (request,) = page.next_requests
    assert urlsplit(request.url).path == "/common/search/1b33b27a9ff57ef2e67c799b57359f42"
    assert (_query(request)["page"], _query(request)["_pageSize"]) == ("1", "20")


def test_ucap_numbered_static_pages_are_followed_without_a_next_link() -> None:
    # 0-based numbering (list3_1 is page 2) and a pager of digits and arrows, no "下一页" text.
    url = "https://www.hainan.gov.cn/hainan/tzgg/list3_1.shtml"
    page = get_platform("ucap").parse_listing(_html("ucap/tzgg_list3_1.shtml", url, page=2), _site("ucap"),
                                              Column(name="c", url=url))  # fmt: skip
    assert len(page.rows) == 8
    first = "https://www.hainan.gov.cn/hainan/tzgg/202610/d74d116d0a92b2532074b2aac52bf397.shtml"
    assert (page.rows[0].url, page.rows[0].date_raw) == (first, "2026-10-30")
    assert [(r.url, r.meta) for r in page.next_requests] == [
        ("https://www.hainan.gov.cn/hainan/tzgg/list3_2.shtml", {"ns_page": 3})
    ]


def test_ucap_column_folder_url_is_page_one_of_its_numbered_pages() -> None:
    # The hainan-gov profile's column URL is the folder; its pager numbers from 2 (list3_2 is page 2).
    url = "https://www.hainan.gov.cn/hainan/fzfztz/"
    page = get_platform("ucap").parse_listing(_html("ucap/fzfztz_index.shtml", url), _site("ucap"),
                                              Column(name="c", url=url))  # fmt: skip
    assert [r.url for r in page.next_requests] == ["https://www.hainan.gov.cn/hainan/fzfztz/list3_2.shtml"]


def test_ucap_last_numbered_page_asks_for_nothing_more() -> None:
    # Its 末页 link points at itself and the others at earlier pages.
    url = "https://www.hainan.gov.cn/hainan/tzgg/list3_11.shtml"
    page = get_platform("ucap").parse_listing(_html("ucap/tzgg_list3_11.shtml", url, page=12), _site("ucap"),
                                              Column(name="c", url=url))  # fmt: skip
    assert len(page.rows) == 4
    assert page.next_requests == []


# --- Founder -------------------------------------------------------------------------------------------


def test_founder_rows_from_a_gbk_page_and_next_node_page() -> None:
    url = "http://www.sxgov.cn/node_311.htm"
    page = get_platform("founder").parse_listing(_html("founder/node_311.htm", url), _site("founder"),
                                                 Column(name="c", url=url))  # fmt: skip
    assert page.rows[0].url == "http://www.sxgov.cn/content/2025-09/12/content_13503101.htm"
    assert page.rows[0].date_raw == "2025-09-12 09:31"
    assert page.rows[1].title == "太原至忻州城际铁路全线铺轨贯通，预计年底前开通运营"
    assert page.rows[-1].url == "http://lf.sxgov.cn/content/2025-09/10/content_13502801.htm"
    assert [(r.url, r.meta) for r in page.next_requests] == [
        ("http://www.sxgov.cn/node_311_2.htm", {"ns_page": 2})
    ]


def test_founder_last_page_stops() -> None:
    url = "http://www.sxgov.cn/node_311_5.htm"
    page = get_platform("founder").parse_listing(_html("founder/node_311_5.htm", url), _site("founder"),
                                                 Column(name="c", url=url))  # fmt: skip
    assert page.rows
    assert page.next_requests == []


# --- People --------------------------------------------------------------------------------------------


def test_people_skips_big5_mirrors_and_pages_by_index_k() -> None:
    url = "http://news.sxrb.com/GB/314064/index.html"
    page = get_platform("people").parse_listing(_html("people/314064_index.html", url), _site("people"),
                                                Column(name="c", url=url))  # fmt: skip
    urls = [r.url for r in page.rows]
    assert urls == [
        "http://news.sxrb.com/GB/314064/9947757.html",
        "http://news.sxrb.com/GB/314064/9947702.html",
        "http://news.sxrb.com/GB/314064/9947688.html",
    ]
    assert page.rows[1].title == "山西日报评论员：以钉钉子精神抓好各项工作落实落地"
    assert page.rows[0].date_raw == "2022年06月12日"
    # Declared GB2312, holds a GBK-only character: decoded as GB18030.
    assert page.rows[2].title == "硚口至晋中冷链物流通道开通"
    assert [(r.url, r.meta) for r in page.next_requests] == [
        ("http://news.sxrb.com/GB/314064/index2.html", {"ns_page": 2})
    ]


def test_people_last_linked_page_stops() -> None:
    body = b"<html><body><a href='index2.html'>2</a><a href='index3.html'>3</a></body></html>"
    response = HtmlResponse("http://news.sxrb.com/GB/314064/index3.html", body=body, encoding="utf-8")
    page = get_platform("people").parse_listing(response, _site("people"), Column(name="c", url=response.url))
    assert page.next_requests == []


# --- generic -------------------------------------------------------------------------------------------


def test_generic_keeps_dated_same_site_links_and_follows_next_link() -> None:
    url = "http://zqsxnews.com/tingzhengce/"
    response = _html("generic/tingzhengce/index.html", url, page=1)
    page = get_platform("generic").parse_listing(response, _site("generic", ("zqsxnews.com",)),
                                                 Column(name="c", url=url))  # fmt: skip
    assert [r.url for r in page.rows] == [
        "http://zqsxnews.com/tingzhengce/2020-07-20/11540.html",
        "http://zqsxnews.com/tingzhengce/2020-07-19/11531.html",
        "http://zqsxnews.com/tingzhengce/2020-07-18/11522.html",
    ]
    assert page.rows[0].title == "省政府召开常务会议 研究部署防汛和安全生产工作"
    assert [(r.url, r.meta) for r in page.next_requests] == [
        ("http://zqsxnews.com/tingzhengce/list_2.html", {"ns_page": 2})
    ]


def test_listing_selector_override_narrows_the_rows() -> None:
    url = "http://zqsxnews.com/tingzhengce/"
    site = SiteProfile(key="t", name="t", platform="generic", allowed_domains=("zqsxnews.com",),
                       selectors=Selectors(listing="//li[span[@class='date']][2]/a"))  # fmt: skip
    page = get_platform("generic").parse_listing(_html("generic/tingzhengce/index.html", url), site,
                                                 Column(name="c", url=url))  # fmt: skip
    assert [r.url for r in page.rows] == ["http://zqsxnews.com/tingzhengce/2020-07-19/11531.html"]


def test_a_generic_profiles_listing_selector_names_links_the_url_shapes_would_drop() -> None:
    # /news/1.html has no date and no CMS shape: without the selector it is no article link.
    url = "http://www.example-news.cn/news/"
    body = (
        "<html><body><div class='nav'><a href='/about.html'>关于</a></div><ul class='newslist'>"
        "<li><a href='/news/1.html'>省政府召开常务会议</a><span>2020-02-18</span></li>"
        "<li><a href='/news/2.html'>全省春耕生产工作会议召开</a><span>2020-02-17</span></li>"
        "<li><a href='/news/list_2.html'>更多</a></li>"
        "<li><a href='http://other.example.cn/news/3.html'>外站</a></li></ul></body></html>"
    ).encode()
    response = HtmlResponse(url, body=body, encoding="utf-8")
    named = SiteProfile(key="t", name="t", platform="generic", allowed_domains=("example-news.cn",),
                        selectors=Selectors(listing="ul.newslist li a"))  # fmt: skip
    page = get_platform("generic").parse_listing(response, named, Column(name="c", url=url))
    assert [r.url for r in page.rows] == [
        "http://www.example-news.cn/news/1.html",
        "http://www.example-news.cn/news/2.html",
    ]
    assert page.rows[0].date_raw == "2020-02-18"
    unnamed = replace(named, selectors=Selectors())
    assert get_platform("generic").parse_listing(response, unnamed, Column(name="c", url=url)).rows == []


@pytest.mark.parametrize(
    ("platform", "url", "expected"),
    [
        ("trs", "https://www.shanxi.gov.cn/szfwj/202205/t20220513_5976070_gfwj.shtml", True),
        ("trs", "https://www.shanxi.gov.cn/yw/sxyw/index_1.shtml", False),
        ("hanweb", "http://www.jiangsu.gov.cn/art/2013/11/3/art_46143_2543964.html", True),
        ("hanweb", "http://www.jiangsu.gov.cn/col/col46143/index.html", False),
        ("ucap", "https://www.csrc.gov.cn/xiamen/c101757/c7661505/content.shtml", True),
        (
            "ucap",
            "https://www.hainan.gov.cn/hainan/fzfztz/202301/0d2c7fb4a9e14b8f9a6c3d1e2f4b5a67.shtml",
            True,
        ),
        ("founder", "https://lf.sxgov.cn/content/2026-08/25/content_13676534.htm", True),
        ("founder", "http://www.sxgov.cn/node_311_2.htm", False),
        ("people", "http://news.sxrb.com/GB/314064/9947757.html", True),
        ("people", "https://www.sxrb.com/BIG5/314133/314217/9627142.html", False),
        ("people", "http://culture.people.com.cn/n1/2019/0615/c1013-31153719.html", True),
        ("generic", "http://zqsxnews.com/tingzhengce/2020-07-20/11540.html", True),
        ("generic", "http://zqsxnews.com/tingzhengce/", False),
    ],
)
def test_is_article_url(platform: str, url: str, expected: bool) -> None:
    assert get_platform(platform).is_article_url(url) is expected


def test_unknown_platform_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="wordpress"):
        get_platform("wordpress")


# --- detection -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "url", "expected"),
    [
        ("trs/sxyw_index.shtml", "https://www.shanxi.gov.cn/yw/sxyw/", "trs"),
        (
            "trs/szfwj_index_11287_1.shtml",
            "https://www.shanxi.gov.cn/zfxxgk/szfwj/index_11287_1.shtml",
            "trs",
        ),
        ("hanweb/col76705_index.html", "https://www.zj.gov.cn/col/col76705/index.html", "hanweb"),
        ("ucap/fzfztz_index.shtml", "https://www.hainan.gov.cn/hainan/fzfztz/", "ucap"),
        ("founder/node_311.htm", "http://www.sxgov.cn/node_311.htm", "founder"),
        ("people/314064_index.html", "http://news.sxrb.com/GB/314064/index.html", "people"),
        ("generic/tingzhengce/index.html", "http://zqsxnews.com/tingzhengce/", "generic"),
    ],
)
def test_detect_platform_on_listing_pages(name: str, url: str, expected: str) -> None:
    html = _html(name, url).text
    assert detect_platform(html, url) == expected


_ANY = "https://example.gov.cn/a/b.html"


@pytest.mark.parametrize(
    ("html", "url", "expected"),
    [
        ('<div class="TRS_Editor"><style>.TRS_Editor P{margin:0}</style><img src="./W020190918234243033577.jpg">',
         _ANY, "trs"),
        ("<p class='con-title'><!--<$[标题]>begin-->x<!--<$[标题]>end--></p><!--ZJEG_RSS.content.begin-->",
         _ANY, "hanweb"),
        ("<div class='title_cen mar-t2 text'><ucaptitle>标题</ucaptitle></div>", _ANY, "ucap"),
        # A UCAP column page whose list is drawn by its script, before any article link is on it.
        (("<ul id='list'></ul><script>var channelId = \"8a2f5b3c9d1e4f6a7b8c9d0e1f2a3b4c\";\n"
          "$.get(\"/common/search/\" + channelId + \"?_isJson=true&page=1\", render);</script>"), _ANY, "ucap"),
        ('<span id="pubtime_baidu">2025-09-12</span><span id="source_baidu">来源：山西日报</span>',
         "https://www.sxgov.cn/content/2025-09/12/content_13503101.htm", "founder"),
        ('<div id="rwb_navpath"></div><div class="box01"></div><div class="edit clearfix">(责编：甲)</div>',
         _ANY, "people"),
        # 开普云's monitoring counter is on sites of any CMS: not a UCAP signal.
        ('<script src="https://fxsjcj.kaipuyun.cn/count/10000/10000000.js"></script><p>x</p>', _ANY, "generic"),
        ("<html><body><p>一个普通页面</p></body></html>", _ANY, "generic"),
    ],
)  # fmt: skip
def test_detect_platform_on_article_markup(html: str, url: str, expected: str) -> None:
    assert detect_platform(html, url) == expected


# --- pagers outside the platform's main idiom ----------------------------------------------------------


def test_trs_static_pager_without_script_is_followed_by_its_next_link() -> None:
    body = (
        "<html><body><ul><li><a href='./202305/t20230512_1.html'>甲</a><span>2023-05-12</span></li></ul>"
        "<div class='page'><a href='index_1.html'>下一页</a><a href='index_9.html'>尾页</a></div></body></html>"
    ).encode()
    response = HtmlResponse("https://www.hubei.gov.cn/zwgk/hbyw/", body=body, encoding="utf-8")
    page = get_platform("trs").parse_listing(response, _site("trs"), Column(name="c", url=response.url))
    assert [(r.url, r.meta) for r in page.next_requests] == [
        ("https://www.hubei.gov.cn/zwgk/hbyw/index_1.html", {"ns_page": 2})
    ]


def test_hanweb_server_rendered_jpaas_column_pages_through_links() -> None:
    body = (
        "<html><body><ul><li><a href='/art/2023/5/12/art_235487_1.html'>乙</a>[2023-05-12]</li></ul>"
        "<a href='/col/col235487/index.html?uid=509505&amp;pageNum=2'>下一页</a></body></html>"
    ).encode()
    url = "http://www.shandong.gov.cn/col/col235487/index.html?uid=509505&pageNum=1"
    response = HtmlResponse(url, body=body, encoding="utf-8")
    page = get_platform("hanweb").parse_listing(response, _site("hanweb"), Column(name="c", url=url))
    assert [r.date_raw for r in page.rows] == ["2023-05-12"]
    assert [r.url for r in page.next_requests] == [
        "http://www.shandong.gov.cn/col/col235487/index.html?uid=509505&pageNum=2"
    ]


def test_base64_pager_decoded_with_atob_is_followed() -> None:
    # Yunnan writes its pager as base64 of a URL-quoted string (sites.md §3.6).
    pager = quote('<a href="index_2.html">下一页</a>').encode()
    script = f'document.write(decodeURIComponent(window.atob("{base64.b64encode(pager).decode()}")));'
    body = (
        "<html><body><ul><li><a href='/zwgk/2023-05-12/123.html'>丙</a> 2023-05-12</li></ul>"
        f"<script>{script}</script></body></html>"
    ).encode()
    url = "https://www.yn.gov.cn/ywdt/index.html"
    response = HtmlResponse(url, body=body, encoding="utf-8")
    page = get_platform("generic").parse_listing(response, _site("generic"), Column(name="c", url=url))
    assert [r.url for r in page.rows] == ["https://www.yn.gov.cn/zwgk/2023-05-12/123.html"]
    assert [r.url for r in page.next_requests] == ["https://www.yn.gov.cn/ywdt/index_2.html"]


@pytest.mark.parametrize(
    ("page", "url", "expected"),
    [
        (
            "pages/gne/tests/shanxi/1.html",
            "http://www.shanxi.gov.cn/yw/sxyw/201909/t20190918_693227.shtml",
            "trs",
        ),
        (
            "pages/gne/tests/gzggw/1.html",
            "http://fgw.zj.gov.cn/art/2016/11/22/art_1621004_30332664.html",
            "hanweb",
        ),
        ("pages/gne/tests/qq/qq.html", "https://new.qq.com/omn/20190907/20190907A081B000.html", "generic"),
    ],
)
def test_detect_platform_on_real_saved_pages(eval_dir: Path, page: str, url: str, expected: str) -> None:
    # Third-party pages, read in place from ../shared/eval (skipped when absent).
    response = HtmlResponse(url, body=(eval_dir / page).read_bytes())
    assert detect_platform(response.text, response.url) == expected


def test_a_row_without_a_date_does_not_borrow_its_neighbours() -> None:
    body = (
        "<html><body><div class='list'>"
        "<div class='item'><a href='/a/2023-05-12/1.html'>2023年工作要点</a><span>2023-05-12</span></div>"
        "<div class='item'><a href='/a/2023-05-11/2.html'>无日期的一行</a></div>"
        "<div class='item'><a href='/a/2023-05-10/3.html'>第三行</a><i>2023/5/10</i></div>"
        "</div></body></html>"
    ).encode()
    response = HtmlResponse("http://zqsxnews.com/a/", body=body, encoding="utf-8")
    page = get_platform("generic").parse_listing(
        response, _site("generic"), Column(name="c", url=response.url)
    )
    assert [r.date_raw for r in page.rows] == ["2023-05-12", None, "2023/5/10"]
    assert page.rows[0].title == "2023年工作要点"


@pytest.mark.parametrize("query", ["//li/a/text()", "//li/a/@href", "li::text"])
def test_a_listing_selector_that_picks_text_finds_no_rows_instead_of_failing(query: str) -> None:
    url = "http://zqsxnews.com/tingzhengce/"
    site = SiteProfile(key="t", name="t", platform="generic", allowed_domains=("zqsxnews.com",),
                       selectors=Selectors(listing=query))  # fmt: skip
    page = get_platform("generic").parse_listing(_html("generic/tingzhengce/index.html", url), site,
                                                 Column(name="c", url=url))  # fmt: skip
    assert page.rows == []
