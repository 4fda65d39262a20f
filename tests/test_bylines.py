"""来源 / 作者 / 编辑 from info lines and body paragraphs (newsspider.parsers.bylines)."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsspider.parsers.bylines import (
    BodyBylines,
    Byline,
    clean_source,
    find_body_bylines,
    parse_byline,
    split_names,
)

SITE = "山西省人民政府"
FAST = settings(max_examples=200, derandomize=True, deadline=None)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # labels with no value are empty, never the next label's text
        ("2020-02-18 19:58:03 来源:  作者:", Byline(None, None, (), ())),
        ("2020-07-20 17:24:16 来源: 太原日报 作者:", Byline("太原日报", "太原日报", (), ())),
        (
            "发布时间： 2019-06-19 08:33:16  |  来源： 人民政协报  |  作者： 孙金诚  |  责任编辑： 王静",
            Byline("人民政协报", "人民政协报", ("孙金诚",), ("王静",)),
        ),
        (
            "发布时间：2019-06-13 09:27:50 丨 来源：北京日报 丨 责任编辑：杨海乾",
            Byline("北京日报", "北京日报", (), ("杨海乾",)),
        ),
        ("来源：云南日报2019-06-19 10:00", Byline("云南日报", "云南日报", (), ())),
        ("2020-02-18 来源：新华社【字体：大 中 小】打印", Byline("新华社", "新华社", (), ())),
        ("来源  :  南方日报", Byline("南方日报", "南方日报", (), ())),
        ("来源： 《求是》", Byline("求是", "《求是》", (), ())),
        ("信息来源：省发改委", Byline("省发改委", "省发改委", (), ())),
        ("发布时间: 2019-10-24 10:27:00 信息来源: 山西新闻网", Byline("山西新闻网", "山西新闻网", (), ())),
        ("[编辑:张三]", Byline(None, None, (), ("张三",))),
        ("文/李四", Byline(None, None, ("李四",), ())),
        ("文/李四 图/王五", Byline(None, None, ("李四",), ())),
        ("记者 张三 李四", Byline(None, None, ("张三", "李四"), ())),
        ("时间：2019-06-13来源：黑龙江日报编辑：张三", Byline("黑龙江日报", "黑龙江日报", (), ("张三",))),
        ("来源：本网", Byline(SITE, "本网", (), ())),
        ("来源：本站 作者：佚名", Byline(SITE, "本站", (), ())),
        (
            "2016年09月27日 07:02 来源：省政府办公厅 【字体：大 中 小】",
            Byline("省政府办公厅", "省政府办公厅", (), ()),
        ),
        (
            "发布时间：2024年03月05日 10:30\u3000来源：某某日报\u3000作者：张三、李四",
            Byline("某某日报", "某某日报", ("张三", "李四"), ()),
        ),
        ("来源：新华网\xa0\xa0作者：杨倩_NF4425", Byline("新华网", "新华网", ("杨倩",), ())),
        ("作者：张三 摄影：王五 审核：赵六", Byline(None, None, ("张三",), ())),
        ("责编：温文、李琳 点击数：1234", Byline(None, None, (), ("温文", "李琳"))),
        ("作者︱春春", Byline(None, None, ("春春",), ())),
        # WeChat-style credits closing a 公众号 post: the bar separates label and value.
        ("编辑|禤志杰", Byline(None, None, (), ("禤志杰",))),
        ("来源 | 广州参考", Byline("广州参考", "广州参考", (), ())),
        ("来源：新华社 | 责编：王小明", Byline("新华社", "新华社", (), ("王小明",))),
        ("摄影/张艳 编辑/苏芳", Byline(None, None, (), ("苏芳",))),
        ("光明日报记者 王建宏 张文攀", Byline(None, None, ("王建宏", "张文攀"), ())),
        ("來源：中央社 編輯：王小明", Byline("中央社", "中央社", (), ("王小明",))),
        ("2020-10-04 15:05 聯合報 記者林宸誼／即時報導", Byline(None, None, ("林宸誼",), ())),
        ("发布: 2021-1-29 13:18|点击: 313|来自: 互联网", Byline("互联网", "互联网", (), ())),
        ("来源：网络", Byline("网络", "网络", (), ())),
        ("来源：新华社记者 张三", Byline("新华社", "新华社记者 张三", (), ())),
        # a photo or data credit is neither the source nor an author
        ("图片来源：每经记者 张蕊 摄", Byline(None, None, (), ())),
        ("资料来源：国家统计局", Byline(None, None, (), ())),
        ("原文：见附件 文：李四", Byline(None, None, ("李四",), ())),
        ("作者：文清", Byline(None, None, ("文清",), ())),
        ("", Byline(None, None, (), ())),
    ],
)
def test_parse_byline(line: str, expected: Byline) -> None:
    assert parse_byline(line, site_name=SITE) == expected


def test_self_reference_without_site_name_is_null() -> None:
    assert parse_byline("来源：本网") == Byline(None, "本网", (), ())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("来源：新华社", "新华社"),
        ("  新华社\u3000", "新华社"),
        ("新华社【字体：大 中 小】打印", "新华社"),
        ("云南日报2019-06-19", "云南日报"),
        ("北京日报 丨 责任编辑：杨海乾", "北京日报"),
        ("人民政协报 | 作者：孙金诚", "人民政协报"),
        ("山西日报 编辑：张三", "山西日报"),
        ("《求是》", "求是"),
        ("新华社（北京）", "新华社（北京）"),
        ("（新华社）", "新华社"),
        ("本网", SITE),
        ("本站", SITE),
        ("本网站", SITE),
        ("", None),
        ("   ", None),
        ("来源：", None),
        ("未知", None),
        ("作者：张三", None),
    ],
)
def test_clean_source(raw: str, expected: str | None) -> None:
    assert clean_source(raw, site_name=SITE) == expected


def test_clean_source_self_reference_needs_site_name() -> None:
    assert clean_source("本网") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("温文、李琳", ("温文", "李琳")),
        ("张三，李四; 王五", ("张三", "李四", "王五")),
        ("张三/李四", ("张三", "李四")),
        ("记者 张三 李四", ("张三", "李四")),
        ("本报记者 何兴龙 见习记者 李小龙", ("何兴龙", "李小龙")),
        ("通讯员 王五", ("王五",)),
        ("（宋子节、肖聪聪、实习生叶子静）", ("宋子节", "肖聪聪", "叶子静")),
        ("(张巨峰)", ("张巨峰",)),
        ("张三(实习生)", ("张三",)),
        ("杨倩_NF4425", ("杨倩",)),
        ("本报记者 李联军摄", ()),
        ("李联军 摄", ()),
        ("张三 李联军摄", ("张三",)),
        ("未知", ()),
        ("佚名", ()),
        ("网络整理", ()),
        ("10086", ()),
        ("张三、张三", ("张三",)),
        ("阿卜杜拉·艾尼", ("阿卜杜拉·艾尼",)),
        ("Demi Xia、张三 李四", ("Demi Xia", "张三", "李四")),
        ("John  Smith, Jane Doe", ("John Smith", "Jane Doe")),
        ("", ()),
    ],
)
def test_split_names(raw: str, expected: tuple[str, ...]) -> None:
    assert split_names(raw) == expected


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (
            [
                "本报讯（记者 何兴龙 见习记者 李小龙）3月5日，全省会议召开。",
                "正文。",
                "正文。",
                "正文。",
                "正文。",
            ],
            BodyBylines(("何兴龙", "李小龙"), (), None, None, ()),
        ),
        (
            ["本报北京电 (记者 尚慧辉)3月6日，十二届全国人大三次会议……", "正文。"],
            BodyBylines(("尚慧辉",), (), None, None, ()),
        ),
        (
            ["新华社布鲁塞尔3月5日电（新华社记者陈俊侠 陈斌杰）欧盟……", "正文。"],
            BodyBylines(("陈俊侠", "陈斌杰"), (), None, None, ()),
        ),
        (
            ["正文一。", "正文二。", "正文三。", "（张巨峰）"],
            BodyBylines(("张巨峰",), (), None, None, (3,)),
        ),
        (
            ["正文一。", "正文二。", "（宋子节、肖聪聪、实习生叶子静）", "(责编：温文、李琳)"],
            BodyBylines(("宋子节", "肖聪聪", "叶子静"), ("温文", "李琳"), None, None, (2, 3)),
        ),
        (
            ["正文一。", "正文二。", "正文三。", "来源:山西新闻网"],
            BodyBylines((), (), "山西新闻网", "山西新闻网", (3,)),
        ),
        (
            ["正文一。", "正文二。", "正文三。", "责任编辑：王静"],
            BodyBylines((), ("王静",), None, None, (3,)),
        ),
        (
            ["正文一。", "正文二。", "来源：本网"],
            BodyBylines((), (), SITE, "本网", (2,)),
        ),
        # photo credits and end markers are not bylines
        (
            ["正文一。", "本报记者 李联军摄", "正文三。", "（完）"],
            BodyBylines((), (), None, None, ()),
        ),
        # a body sentence that mentions 来源 is not a source line
        (
            ["正文一。", "正文二。", "他说，资金来源：一是财政拨款，二是社会捐助，三是企业自筹。"],
            BodyBylines((), (), None, None, ()),
        ),
        # a trailing outlet in brackets is the source, not an author
        (
            ["正文一。", "正文二。", "（新华社）"],
            BodyBylines((), (), "新华社", "新华社", (2,)),
        ),
        (
            ["本报讯（通讯员 张三 记者 李四 摄影报道）今天，……", "正文。"],
            BodyBylines(("张三", "李四"), (), None, None, ()),
        ),
        # credits closing the last paragraph: authors, but the paragraph is body
        (
            ["正文。", "正是有了英勇的你们，才有这座英雄的城！（评论员 罗博 萧海川）"],
            BodyBylines(("罗博", "萧海川"), (), None, None, ()),
        ),
        (
            ["正文。", "“所有的改革难道不都是利益再分配的过程吗？”（姚峰 上海报道）"],
            BodyBylines(("姚峰",), (), None, None, ()),
        ),
        (
            ["正文。", "也是最划算的平台，实现轻松换新iPhone。(李楠)"],
            BodyBylines(("李楠",), (), None, None, ()),
        ),
        # one bare name or a word in brackets at a paragraph's end is not a credit
        (
            ["正文。", "会议由秘书长（王某某）主持。", "出席会议的有秘书长（王某某）"],
            BodyBylines((), (), None, None, ()),
        ),
        (["正文。", "（全文）"], BodyBylines((), (), None, None, ())),
        (
            ["正文一。", "正文二。", "（松花江网编辑 孙桂芳）"],
            BodyBylines((), ("孙桂芳",), None, None, (2,)),
        ),
        ([], BodyBylines((), (), None, None, ())),
    ],
)
def test_find_body_bylines(paragraphs: list[str], expected: BodyBylines) -> None:
    assert find_body_bylines(paragraphs, site_name=SITE) == expected


def test_body_bylines_only_look_at_the_edges() -> None:
    body = ["正文。"] * 3 + ["（张巨峰）"] + ["正文。"] * 5
    assert find_body_bylines(body) == BodyBylines((), (), None, None, ())


# ---- properties ---------------------------------------------------------------------------------------------

_BYLINEY = st.text(
    alphabet="来源作者记者编辑责任发布时间：:|丨【】[]()（）《》、，/ 　张三李四王五本网站摄文图2019-06-12日年月实习生_NF4425",
    max_size=80,
)
_ANY = st.text(max_size=200) | _BYLINEY


@FAST
@given(_ANY)
def test_never_raises(text: str) -> None:
    assert isinstance(parse_byline(text, site_name=SITE), Byline)
    assert isinstance(split_names(text), tuple)
    out = clean_source(text)
    assert out is None or (out and out == out.strip())
    assert isinstance(find_body_bylines([text, text, text]), BodyBylines)


@FAST
@given(_ANY, st.sampled_from([None, SITE]))
def test_clean_source_is_idempotent(text: str, site_name: str | None) -> None:
    once = clean_source(text, site_name=site_name)
    if once is not None:
        assert clean_source(once, site_name=site_name) == once


@FAST
@given(_ANY)
def test_split_names_is_idempotent(text: str) -> None:
    names = split_names(text)
    assert split_names("、".join(names)) == names
    for name in names:
        assert split_names(name) == (name,)


@FAST
@given(st.lists(_ANY, max_size=8))
def test_byline_only_indices_are_in_range(paragraphs: list[str]) -> None:
    found = find_body_bylines(paragraphs)
    assert all(0 <= i < len(paragraphs) for i in found.byline_only)
    assert list(found.byline_only) == sorted(set(found.byline_only))


@pytest.mark.parametrize(
    "text",
    [
        "来源：" * 50_000,
        "记者" * 100_000,
        "(" * 100_000 + "新华社",
        "张三_" + "1" * 200_000,
        "来源：" + " " * 200_000 + "x",
    ],
)
def test_linear_time_on_long_text(text: str) -> None:
    start = time.perf_counter()
    parse_byline(text)
    clean_source(text)
    split_names(text)
    find_body_bylines([text, text])
    assert time.perf_counter() - start < 2


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("本报记者 陈立新 发自太原", ("陈立新",)),
        ("（记者 王敏 发自广州）", ("王敏",)),
        # Old pages lost the full-width space between two reporters: two common surnames split them.
        ("本报记者刘洋黄静发自北京", ("刘洋", "黄静")),
    ],
)
def test_filed_from_place_is_not_part_of_the_name(line: str, names: tuple[str, ...]) -> None:
    assert find_body_bylines(["导语", line, "正文第一段，省政府召开常务会议。"]).authors == names


def test_filed_from_in_an_info_line() -> None:
    assert parse_byline("来源：南方日报 作者：记者 王敏 发自广州报道").authors == ("王敏",)


def test_four_character_names_are_kept_whole() -> None:
    assert split_names("记者 欧阳晓明") == ("欧阳晓明",)
    assert split_names("作者：乌兰托娅") == ("乌兰托娅",)


def test_bracketed_latin_alias_names_the_same_person() -> None:
    assert parse_byline("作者：周思远 (Michael Chow)  译者：李文").authors == ("周思远 (Michael Chow)",)


def test_translator_credit_closing_the_text_is_an_author() -> None:
    paragraphs = [
        "新华社伦敦电 研究人员发布新的人工智能模型。",
        "相关成果已发表在《自然》杂志上。（编译/林晓东）",
    ]
    assert find_body_bylines(paragraphs).authors == ("林晓东",)
    assert parse_byline("编译：林晓东 责任编辑：王芳").authors == ("林晓东",)


def test_pen_name_with_its_login_is_one_author() -> None:
    # Blog platforms print "笔名 (login)"; the login is an account id, the underscore joins the pen name.
    assert split_names("山城老猫_小雨 (laomao88)") == ("山城老猫_小雨",)
    assert split_names("王芳 (wangfang)") == ("王芳",)
    assert split_names("杨倩_NF4425") == ("杨倩",)
