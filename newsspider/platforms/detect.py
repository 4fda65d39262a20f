"""Which CMS family built a page: the fingerprints of reference/sites.md §1.0, scored.

Each family has signals in the HTML (template markup, script names) and in URLs (its article and listing
shapes). Markup signals weigh more than link shapes, because a page may link to another family's articles
(a portal's news box of people.com.cn items). Below a minimum score, or on a tie, the answer is "generic".
开普云's ``kaipuyun.cn/count`` counter script is a monitoring product found on sites of any CMS, so it is
deliberately not a UCAP signal.
"""

from __future__ import annotations

import re

__all__ = ["detect_platform"]

_MARKUP: dict[str, tuple[tuple[re.Pattern[str], int], ...]] = {
    "trs": (
        (re.compile(r"createPageHTML\(\s*\d"), 5),
        (re.compile(r"\bvar\s+countPage\s*="), 4),
        (re.compile(r"class=[\"'][^\"']*\bTRS_(?:Editor|UEDITOR)\b"), 5),
        (re.compile(r"[\"'/]W0\d{10,}\.(?:jpg|jpeg|png|gif)", re.IGNORECASE), 2),
    ),
    "hanweb": (
        (re.compile(r"<datastore>", re.IGNORECASE), 6),
        (re.compile(r"/module/(?:web/)?jpage/"), 5),
        (re.compile(r"jpageform_\d+"), 4),
        (re.compile(r"ZJEG_RSS\.content"), 5),
    ),
    "ucap": (
        (re.compile(r"<ucap(?:title|content)\b", re.IGNORECASE), 6),
        (re.compile(r"/common/search/[0-9a-f]{32}"), 6),
        # A column page's script: var channelId = "<32 hex>"; "/common/search/" + channelId + "?…".
        (re.compile(r"""\bchannelId\s*[=:]\s*["'][0-9a-f]{32}["']""", re.IGNORECASE), 6),
    ),
    "founder": (
        (re.compile(r"id=[\"']?(?:pubtime|source|editor)_baidu\b"), 3),
        (re.compile(r"class=[\"']?dahei\b"), 2),
    ),
    "people": (
        (re.compile(r"id=[\"']?rwb_navpath\b"), 5),
        (re.compile(r"class=[\"']box01\b"), 2),
        (re.compile(r"class=[\"']edit(?:er)? clearfix"), 3),
        (re.compile(r"/NMediaFile/"), 2),
    ),
}
_LINKS: dict[str, re.Pattern[str]] = {
    "trs": re.compile(r"/t(?:19|20)\d{6}_\d+(?:_\w+)?\.s?html?\b"),
    "hanweb": re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html|/col/col\d+/"),
    "ucap": re.compile(r"/c\d+/(?:[\w-]+/)*content\.shtml|/\d{6}/[0-9a-f]{32}\.shtml"),
    "founder": re.compile(r"/content/\d{4}-\d{2}/\d{2}/content_\d+\.htm|\bnode_\d+(?:_\d+)?\.htm\b"),
    "people": re.compile(r"/(?:GB|BIG5)/(?:\d+/)+(?:index\d*|\d+)\.html|/n\d?/\d{4}/\d{4}/c\d+-\d+\.html"),
}
_LINK_WEIGHT = 1
_LINK_CAP = 6  # many links of one shape say no more than a few do
_URL_WEIGHT = 4  # the page's own URL
_MINIMUM = 4


def detect_platform(html: str, url: str) -> str:
    """The family (trs, hanweb, ucap, founder, people) whose fingerprints ``html``/``url`` show, else "generic"."""
    scores: dict[str, int] = {}
    for family, signals in _MARKUP.items():
        score = sum(weight for pattern, weight in signals if pattern.search(html))
        links = len(_LINKS[family].findall(html))
        score += min(links, _LINK_CAP) * _LINK_WEIGHT
        if _LINKS[family].search(url):
            score += _URL_WEIGHT
        scores[family] = score
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < _MINIMUM or top == second:
        return "generic"
    return best
