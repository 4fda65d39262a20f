"""The body container's paragraphs, images and attachments, with widgets, related news and credit lines out.

Widgets are removed by a whitelist of control words (打印, 字体, 分享, …), never by a generic ``【…】`` rule:
real sub-headings look like ``【基本案情】``. Credit lines (责任编辑, 来源, 记者…, 原标题) are taken out of the
paragraph flow but returned as ``credits`` so the byline parser still sees them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree

from newsspider.items import Attachment, Image
from newsspider.parsers.container import SKIP_ATTR
from newsspider.parsers.edges import footer_start
from newsspider.parsers.families import class_id, noise_attrs
from newsspider.parsers.memo import memo_search
from newsspider.parsers.pageindex import texts_of
from newsspider.textnorm import clean_whitespace

if TYPE_CHECKING:
    from lxml.html import HtmlElement

__all__ = ["Body", "attachment_of", "extract_body"]

_BLOCK = frozenset({
    "p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "table", "section", "article", "ul", "ol",
    "dl", "dt", "dd", "blockquote", "pre", "figure", "figcaption", "center", "hr", "header", "footer", "aside",
    "nav", "address", "tbody", "thead", "caption",
})  # fmt: skip
_DROP_TAGS = frozenset(
    ["button", "select", "input", "textarea", "iframe", "object", "embed", "nav", "aside", "label"]
)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_CENTER = re.compile(r"text-align\s*:\s*center", re.IGNORECASE)
_BOLD_TAGS = frozenset({"b", "strong"})
_CAPTION_TAGS = frozenset({"figcaption", "center"})
_SUMMARY_ATTR = re.compile(r"introduction|summary|abstract|zhaiyao|daoyu|digest", re.IGNORECASE)
_CAPTION_ATTR = re.compile(r"caption|pic_?txt|img_?desc|imgtxt|pictext|tuzhu|desc", re.IGNORECASE)

# Paragraphs made only of widget words are dropped (whitelist, see module docstring).
_WIDGET_WORD = re.compile(
    r"打印(?:本页|此页|文章|本文|页面)?|关闭(?:窗口|本页|页面)?|我要纠错|纠错|收藏(?:本页|本文)?|分享(?:到)?|复制(?:链接|网址)?"
    r"|返回(?:顶部|首页|列表|上页)?|放大|缩小|字体|字号|默认|大|中|小|扫一扫在手机(?:上)?打开(?:当前|本)页(?:面)?|微信|微博"
    r"|QQ空间|QQ好友|朋友圈|新浪微博|腾讯微博|人人网|豆瓣|更多|顶部|[【】\[\]〖〗()（）:：|丨/\s·]"
)
_WIDGET_KEY = re.compile(r"打印|关闭|纠错|收藏|分享|复制|返回|字体|字号|扫一扫|放大|缩小")
_PREV_NEXT = re.compile(r"^(?:上一篇|下一篇|上一条|下一条|上篇|下篇|前一篇|后一篇)\s*[:：]?")
_RELATED_HEAD = re.compile(
    r"^[【\[]?(?:相关(?:新闻|阅读|链接|文章|报道|推荐|稿件)|延伸阅读|推荐阅读|热门推荐|热点推荐|更多精彩|猜你喜欢|往期回顾"
    r"|精彩推荐|热门文章|热门新闻|相关专题|更多阅读|延伸\s*[·・]?\s*推荐|延伸\s*[·・]?\s*阅读|(?:精彩)?视频推荐|热门视频|为你推荐|大家都在看)[】\]]?\s*[:：]?$"
)
_CREDIT = re.compile(
    r"^[（(【\[]?\s*(?:责任编辑|责编|值班编辑|编辑|审核|校对|审校|终审|初审|复审|编审|监制|签发|出品|统筹|策划|美编"
    r"|作者|记者|本报记者|通讯员|撰文|摄影|来源|稿源|信息来源|文章来源|本文来源|新闻来源|稿件来源|本文原标题|原标题|文|图)\s*[:：/丨|]"
)
_MAX_CREDIT_LEN = 80
_EDITOR_CREDIT = re.compile(r"^[（(【\[]?\s*(?:责任编辑|责编|编辑)\s*[:：]")
_MAX_EDITOR_BOX_CHILDREN = 3
# A portal's promotion box above the text (download our app, scan the QR code, follow our account).
_PROMO = re.compile(
    r"下载[^，。！？]{0,8}客户端|扫描?[^，。！？]{0,6}二维码|关注[^，。！？]{0,16}(?:微信|公众号)"
)
_MAX_PROMO = 120
_MAX_ORIGINAL_TITLE_LEN = 200
_LINK_LINE = 0.6
_SHORT_LINE = 20
_LATE_SHARE = 0.6
_CRUMB_CHAR = 2
_SENTENCE = re.compile(r"[。？！?!，,；;]")
_DECORATION = re.compile(
    r"icon|arrow|logo|qrcode|qr_?code|erweima|ewm|share|btn|button|blank|spacer|loading|/dot|line\.|bg_|_bg"
    r"|weixin|wechat|weibo|print|close|favicon|gotop|top\.(?:png|gif)|\.svg$|pixel|counter|tongji|stat\.",
    re.IGNORECASE,
)
_MIN_IMAGE_SIDE = 60
_ATTACHMENT = re.compile(r"\.(pdf|docx?|wps|xlsx?|ofd|zip|rar|et|dps|pptx?)$", re.IGNORECASE)
_ATTACHMENT_QUERY = re.compile(
    r"(?:filename|file|fileName|path)=([^&]+\.(?:pdf|docx?|wps|xlsx?|ofd|zip|rar))", re.IGNORECASE
)


@dataclass
class Body:
    paragraphs: list[str] = field(default_factory=list)
    credits: list[str] = field(default_factory=list)
    """Credit lines taken out of the flow (责任编辑…, 来源…, 记者…, 原标题…), in order."""
    images: list[Image] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    summary: str | None = None
    """The text of a summary box (导语, class="introduction"/"summary") found inside the container."""
    link_shares: list[float] = field(default_factory=list)
    bold_shares: list[float] = field(default_factory=list)
    """Per paragraph: the share of its text inside links."""


@dataclass
class _Line:
    parts: list[str] = field(default_factory=list)
    caption: bool = False
    after_image: int | None = None
    link_chars: int = 0
    bold_chars: int = 0

    def link_share(self, text: str) -> float:
        return self.link_chars / len(text) if text else 0.0

    def bold_share(self, text: str) -> float:
        return self.bold_chars / len(text) if text else 0.0


# The style and class tests below run on every element of the body (case-blind patterns, 0.5-2 us a call);
# a site's templates repeat the same few style and class strings, hence the caches.
_hidden_style = memo_search(_HIDDEN)
_centred_style = memo_search(_CENTER)
_caption_attrs = memo_search(_CAPTION_ATTR)
_summary_attrs = memo_search(_SUMMARY_ATTR)


# The walk reads an element's "class id" and style once for all the tests below (each read is a new string).
def _removed(element: HtmlElement, style: str | None) -> bool:
    """Not on the page as a reader sees it: marked to skip, a dropped tag, or hidden."""
    if element.get(SKIP_ATTR) or element.tag in _DROP_TAGS:
        return True
    return _hidden_style(style) if style else False


def _noise(attrs: str) -> bool:
    """A widget box by its class or id (share, print, related news, editor box…)."""
    return bool(attrs.strip()) and noise_attrs(attrs)


def _is_caption_context(element: HtmlElement, style: str | None, attrs: str) -> bool:
    if element.tag in _CAPTION_TAGS or (element.get("align") or "").lower() == "center":
        return True
    if style and _centred_style(style):
        return True
    return _caption_attrs(attrs)


def image_url(element: HtmlElement, base_url: str) -> str | None:
    for attr in ("data-original", "data-src", "oldsrc", "src"):
        value = (element.get(attr) or "").strip()
        if value and not value.startswith(("data:", "javascript:")):
            try:
                joined: str = urljoin(base_url, value)
            except ValueError:  # http://[x/a.png: an invalid IPv6 host; no usable URL
                continue
            return joined
    return None


def _is_decoration(element: HtmlElement, url: str) -> bool:
    if _DECORATION.search(url):
        return True
    for attr in ("width", "height"):
        value = (element.get(attr) or "").strip().removesuffix("px")
        if value.isdigit() and int(value) < _MIN_IMAGE_SIDE:
            return True
    return False


def attachment_of(element: HtmlElement, base_url: str) -> Attachment | None:
    href = (element.get("href") or "").strip()
    if not href or href.startswith(("javascript:", "mailto:", "#")):
        return None
    try:
        url = urljoin(base_url, href)
        parts = urlsplit(url)
    except ValueError:  # http://[x/a.pdf: an invalid IPv6 host
        return None
    path = unquote(parts.path)
    match = _ATTACHMENT.search(path)
    query = _ATTACHMENT_QUERY.search(unquote(parts.query)) if not match else None
    if not match and not query:
        return None
    name = clean_whitespace("".join(texts_of(element))) or clean_whitespace(element.get("title") or "")
    if not name:
        name = (query.group(1) if query else path).rsplit("/", 1)[-1]
    return Attachment(url=url, name=name or None)


def _editor_in_noise(element: HtmlElement, body: Body) -> None:
    """An editor line in a box the noise rules drop (``<p class="article-editor">责任编辑：…</p>``) still names
    the editor; other credits there are left alone."""
    if len(element) > _MAX_EDITOR_BOX_CHILDREN:
        return
    text = clean_whitespace(" ".join(texts_of(element)))
    if _EDITOR_CREDIT.match(text) and _is_credit(text):
        body.credits.append(text)


def _walk(container: HtmlElement, base_url: str, body: Body) -> list[_Line]:
    lines: list[_Line] = [_Line()]
    caption_depth = 0
    link_depth = 0
    bold_depth = 0
    skipped: set[HtmlElement] = set()
    captions: set[HtmlElement] = set()  # caption contexts opened, so their end needs no second test
    walker = etree.iterwalk(container, events=("start", "end"))
    for event, element in walker:
        tag = element.tag
        if not isinstance(tag, str):
            if event == "end" and element.tail:
                _append(lines[-1], element.tail, caption_depth, link_depth)
            continue
        if event == "start":
            # A tag without attributes (most <p>) has no class, id, style or align to test: only its name counts.
            bare = not element.keys()
            attrs = " " if bare else class_id(element)
            style = None if bare else element.get("style")
            removed = element is not container and _removed(element, style)
            if element is not container and (removed or (not bare and _noise(attrs))):
                if not removed:  # a hidden box or a dropped tag names nobody
                    _editor_in_noise(element, body)
                skipped.add(element)
                walker.skip_subtree()
                continue
            if element is not container and not bare and _summary_attrs(attrs):
                # A 导语/摘要 box inside the container is the page's summary, not the first paragraph.
                body.summary = body.summary or clean_whitespace(" ".join(element.itertext())) or None
                skipped.add(element)
                walker.skip_subtree()
                continue
            if tag in _BLOCK:
                _new_line(lines)
            if (tag in _CAPTION_TAGS) if bare else _is_caption_context(element, style, attrs):
                captions.add(element)
                caption_depth += 1
            if tag == "a":
                link_depth += 1
            elif tag in _BOLD_TAGS:
                bold_depth += 1
            if tag == "img":
                _add_image(element, base_url, body, lines)
            elif tag == "a":
                attachment = attachment_of(element, base_url)
                if attachment:
                    body.attachments.append(attachment)
            text = element.text  # each read of .text or .tail copies it out of the tree
            if text:
                if caption_depth or link_depth or bold_depth:
                    _append(lines[-1], text, caption_depth, link_depth, bold_depth)
                else:
                    lines[-1].parts.append(text)  # all _append does outside captions, links and bold
        else:
            if element in skipped:
                skipped.discard(element)
            else:
                if element in captions:
                    caption_depth -= 1
                if tag == "a":
                    link_depth -= 1
                elif tag in _BOLD_TAGS:
                    bold_depth -= 1
                if tag in _BLOCK:
                    _new_line(lines)
            tail = element.tail if element is not container else None
            if tail:
                if caption_depth or link_depth:
                    _append(lines[-1], tail, caption_depth, link_depth)
                else:
                    lines[-1].parts.append(tail)
    return lines


def _new_line(lines: list[_Line]) -> None:
    """A new line at a block boundary; none after a line that is still blank (nothing appended, no image), as
    back-to-back block tags (</p></div><div><p>) would give: blank lines are skipped later anyway."""
    last = lines[-1]
    if last.parts or last.after_image is not None:
        lines.append(_Line())


def _append(line: _Line, text: str, caption_depth: int, link_depth: int, bold_depth: int = 0) -> None:
    line.parts.append(text)
    if caption_depth > 0 and text.strip():
        line.caption = True
    if link_depth > 0:
        line.link_chars += len(clean_whitespace(text))
    if bold_depth > 0:
        line.bold_chars += len(clean_whitespace(text))


def _add_image(element: HtmlElement, base_url: str, body: Body, lines: list[_Line]) -> None:
    url = image_url(element, base_url)
    if url is None or _is_decoration(element, url) or any(i.url == url for i in body.images):
        return
    alt = clean_whitespace(element.get("alt") or element.get("title") or "") or None
    body.images.append(Image(url=url, alt=alt))
    lines.append(_Line(after_image=len(body.images) - 1))


def _centred_text_follows(lines: list[_Line], texts: list[str], i: int) -> bool:
    """The next text line is centred too, with no image between: centring is the whole text's style (a
    travel blog), not a caption's."""
    for line, text in zip(lines[i + 1 :], texts[i + 1 :], strict=True):
        if line.after_image is not None:
            return False
        if text:
            return line.caption
    return False


def _is_widget(text: str) -> bool:
    return _WIDGET_KEY.search(text) is not None and not _WIDGET_WORD.sub("", text)


def _is_credit(text: str) -> bool:
    match = _CREDIT.match(text)
    if match is None:
        return False
    if "原标题" in match.group(0):
        return len(text) <= _MAX_ORIGINAL_TITLE_LEN
    if len(text) > _MAX_CREDIT_LEN:
        return False
    # "记者：您怎么看？" is an interview question, not a byline: credits carry no sentence punctuation.
    return text.startswith("原标题") or not _SENTENCE.search(text[match.end() :])


def extract_body(container: HtmlElement, base_url: str) -> Body:
    body = Body()
    lines = _walk(container, base_url, body)
    pending_image: int | None = None
    in_related = False
    kept: list[tuple[str, float, float]] = []
    related_at: list[int] = []
    # About half the lines hold only the whitespace between tags: isspace() tells them without cleaning.
    texts = [clean_whitespace(t) if (t := "".join(line.parts)) and not t.isspace() else "" for line in lines]
    for i, line in enumerate(lines):
        if line.after_image is not None:
            pending_image = line.after_image
            continue
        text = texts[i]
        if not text:
            continue
        image_index, pending_image = pending_image, None
        links = line.link_share(text)
        if (
            image_index is not None
            and line.caption
            and len(text) <= _MAX_CREDIT_LEN
            and not _centred_text_follows(lines, texts, i)
        ):
            body.images[image_index].caption = text
            continue
        if _is_widget(text) or _PREV_NEXT.match(text):
            continue
        if _RELATED_HEAD.match(text):
            # A related-news list follows: skip its link lines, resume at the next real paragraph.
            in_related = True
            related_at.append(len(kept))
            continue
        if in_related:
            if links >= _LINK_LINE or len(text) <= _SHORT_LINE:
                continue
            in_related = False
        if _is_credit(text):
            body.credits.append(text)
            continue
        if kept and kept[-1][0] == text:
            continue
        kept.append((text, links, line.bold_share(text)))
    # A related block in the last part of the body ends the article, summaries and all.
    late = [i for i in related_at if i >= _LATE_SHARE * len(kept)]
    if late:
        del kept[late[0] :]
    # Link lists before and after the article text (navigation, "more news") are not body, nor a footer.
    del kept[footer_start([k[0] for k in kept]) :]
    while kept and kept[-1][1] >= _LINK_LINE:
        kept.pop()
    while kept and (
        kept[0][1] >= _LINK_LINE
        or len(kept[0][0]) <= _CRUMB_CHAR
        or (len(kept) > 1 and len(kept[0][0]) <= _MAX_PROMO and _PROMO.search(kept[0][0]))
    ):
        kept.pop(0)
    body.paragraphs = [k[0] for k in kept]
    body.link_shares = [k[1] for k in kept]
    body.bold_shares = [k[2] for k in kept]
    return body
