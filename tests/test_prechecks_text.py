"""Two text fast paths of the parser against what they replace: a footer line told by three patterns
instead of one, and an element's text read without lxml's iterator when it has no children."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from newsspider.parsers import edges
from newsspider.parsers.pageindex import texts_of

# The footer pattern as one piece, as it was before it was split for speed: the definition the split keeps.
_ONE_FOOTER_PATTERN = re.compile(
    r"版权所有|Copyright|All Rights Reserved|ICP[备证]|备案号|举报电话|违法和不良信息|不良信息举报|免责声明"
    r"|不代表(?:本站|本网|新浪|本平台)?(?:的)?(?:观点|立场)|转载请注明|未经授权|TrackBack|Trackback|发表评论|我要评论"
    r"|网友评论|评论\s*[（(]\s*\d|返回页首|返回顶部|关闭窗口|本文链接|相关文章|上一篇|下一篇|分享到|打印本页"
    r"|联系我们|关于我们|广告服务|网站地图|意见反馈|批评指正|招聘信息|About\s+Us|^下载$|^\d+$"
    r"|^[【\[]?(?:相关|此前|延伸|推荐|更多)(?:报道|阅读|新闻|链接)"
    r"|^[(（【\[]?\s*(?:摘自|选自|作者单位)|^[-—=_*~·.]{5,}$"
    r"|扫描?[^，。！？]{0,6}二维码|关注[^，。！？]{0,16}(?:微信|公众号)|粉[丝絲](?:团|團|专页|專頁)",
    re.IGNORECASE,
)
_FOOTER_PIECES = [
    "版权所有", "copyright", "COPYRIGHT", "Copy", "right", "all rights reserved", "icp备", "ICP证", "备案号",
    "不代表", "本站", "的", "观点", "评论", "（", "(", "1", "2020", "about", " ", "us", "ABOUT US", "下载",
    "相关", "报道", "【", "[", "摘自", "作者单位", "-----", "—", "=", "扫描", "扫", "二维码", "关注", "微信",
    "公众号", "粉丝团", "粉絲專頁", "trackback", "TrackBack", "上一篇", "，", "。", "\n", "\u212a", "ſ", "p", "g", "b",
]  # fmt: skip
footer_lines = st.lists(st.sampled_from(_FOOTER_PIECES), max_size=8).map("".join)


@given(footer_lines)
@settings(max_examples=3000)
def test_a_footer_line_is_told_as_by_the_one_pattern(line: str) -> None:
    assert edges._is_footer(line) == (_ONE_FOOTER_PATTERN.search(line) is not None)


_MARKUP = st.sampled_from(["<b>", "</b>", "<i>", "</i>", "<span>", "</span>", "<!-- 注释 -->", "<br>",
                           "<?php x ?>", "文字", " ", "\u3000", "甲", "&amp;"])  # fmt: skip
fragments = st.lists(_MARKUP, max_size=12).map("".join)


@given(fragments)
@settings(max_examples=1000)
def test_an_elements_text_is_what_lxml_iterates(fragment: str) -> None:
    root = lxml_html.fragment_fromstring(f"<div>{fragment}</div>")
    for element in root.iter(etree.Element):  # elements, not the comments and PIs among them
        assert list(texts_of(element)) == list(element.itertext())
