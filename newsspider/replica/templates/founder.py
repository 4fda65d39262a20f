"""Founder 方正 翔宇-style, as on 黄河新闻网 sxgov.cn (sites.md §1.5); pages are GBK.

Listings are ``node_311.htm``, ``node_311_2.htm`` …; articles ``/content/YYYY-MM/DD/content_N.htm`` with the
Baidu-news ids ``#pubtime_baidu``, ``#source_baidu`` (label included) and ``#editor_baidu``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from newsspider.replica.templates import Reply, esc, paras, short

if TYPE_CHECKING:
    from newsspider.replica.catalog import Article
    from newsspider.replica.templates import Ctx

PER_PAGE = 10
_NODE = re.compile(r"^/node_(?P<node>\d+)(?:_(?P<n>\d+))?\.htm$")


def listing(ctx: Ctx, path: str, query: dict[str, str], form: dict[str, str]) -> Reply | None:
    match = _NODE.match(path)
    names = [n for n, p in ctx.site.columns if p == f"/node_{match['node']}.htm"] if match else []
    if match is None or not names:
        return None
    rows = ctx.rows(names[0])
    count = max(1, -(-len(rows) // PER_PAGE))
    page = int(match["n"] or 1)
    if page > count or match["n"] == "1":
        return Reply(status=404, body="<html><body>404</body></html>")
    node = match["node"]

    def page_url(k: int) -> str:
        return f"node_{node}.htm" if k == 1 else f"node_{node}_{k}.htm"

    items = "\n".join(
        f'<li><a href="{r.href.lstrip("/")}" target="_blank" title="{esc(r.title)}">{esc(short(r.title, 24))}</a>'
        f'<span class="time">{r.date}</span></li>'
        for r in rows[(page - 1) * PER_PAGE : page * PER_PAGE]
    )
    pages = " ".join(
        f"<span>{k}</span>" if k == page else f'<a href="{page_url(k)}">{k}</a>' for k in range(1, count + 1)
    )
    nxt = f'<a href="{page_url(page + 1)}">下一页</a>' if page < count else ""
    body = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">
<title>{esc(names[0])}_{esc(ctx.site.name)}</title></head><body>
<div id="bannermenuleft">您所在的位置：<a href="/">{esc(ctx.site.name)}</a> &gt; {esc(names[0])}</div>
<div class="list_con"><ul>
{items}
</ul></div>
<div id="displaypagenum"><center>{pages} {nxt}</center></div>
</body></html>"""
    return Reply(body=body)


def article(ctx: Ctx, art: Article) -> str:
    editors = "、".join(art.editors)
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">
<title>{esc(art.title)}_{esc(ctx.site.name)}</title>
<meta name="keywords" content=""><meta name="description" content="{esc(art.paragraphs[0][:60])}">
</head><body>
<div id="bannermenuleft">您所在的位置：<a href="/">{esc(ctx.site.name)}</a> &gt; <a href="/node_311.htm">{esc(art.column)}</a> &gt; 正文</div>
<div id="conleft">
<div class="dahei">{esc(art.title)}</div>
<div class="hui12"><span id="pubtime_baidu">{art.published}</span>&nbsp;&nbsp;
<span id="source_baidu">来源：{esc(art.source or "")}</span>&nbsp;&nbsp;
<span id="author_baidu">作者：{esc(" ".join(art.authors))}</span></div>
<div class="Newsfont">
{paras(art)}
</div>
<div class="hui12" style="text-align:right"><span id="editor_baidu">责任编辑：{esc(editors)}</span></div>
</div>
<div class="relation"><h3>相关新闻</h3><ul><li><a href="/node_311.htm">更多山西新闻</a></li></ul></div>
</body></html>"""
