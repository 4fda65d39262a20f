"""人民网 platform, as on sxrb.com since 2022 (sites.md §1.6); pages say ``<meta charset=GB2312>`` and are GBK.

Listings are ``/GB/<node>/index.html``, ``index2.html`` …; every page has a ``/BIG5/`` traditional mirror,
and listings link to a few of those mirrors (the same articles: a crawl skips them).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from newsspider.replica.templates import Reply, esc, paras

if TYPE_CHECKING:
    from newsspider.replica.catalog import Article
    from newsspider.replica.templates import Ctx

PER_PAGE = 10
_INDEX = re.compile(r"^/(?:GB|BIG5)/(?P<node>\d+)/index(?P<n>\d*)\.html$")


def _chinese_date(published: str) -> str:
    y, m, d = published[:10].split("-")
    return f"{y}年{m}月{d}日{published[11:16]}"


def listing(ctx: Ctx, path: str, query: dict[str, str], form: dict[str, str]) -> Reply | None:
    match = _INDEX.match(path)
    names = [n for n, p in ctx.site.columns if p == f"/GB/{match['node']}/index.html"] if match else []
    if match is None or not names:
        return None
    rows = ctx.rows(names[0])
    count = max(1, -(-len(rows) // PER_PAGE))
    page = int(match["n"] or 1)
    if page > count or match["n"] == "1":
        return Reply(status=404, body="<html><body>404</body></html>")

    def page_url(k: int) -> str:
        return "index.html" if k == 1 else f"index{k}.html"

    chunk = rows[(page - 1) * PER_PAGE : page * PER_PAGE]
    items = [
        f'<li><a href="{r.href}" target="_blank">{esc(r.title)}</a> <em>[{r.date}]</em></li>' for r in chunk
    ]
    # Every other row also links its traditional-character mirror, as the 繁体 widgets do.
    items += [
        f'<li class="big5"><a href="{r.href.replace("/GB/", "/BIG5/", 1)}">{esc(r.title)}（繁体）</a></li>'
        for r in chunk[::4]
    ]
    nav = "".join(f'<a href="{page_url(k)}">{k}</a>' for k in range(1, count + 1))
    nxt = f'<a href="{page_url(page + 1)}" class="next">下一页</a>' if page < count else ""
    body = f"""<!DOCTYPE html>
<html><head><meta charset=GB2312><title>{esc(names[0])}--{esc(ctx.site.name)}--人民网</title></head><body>
<div class="top"><a href="/BIG5/{match["node"]}/index.html">繁体</a></div>
<div class="path">您的位置：<a href="/">{esc(ctx.site.name)}</a>&gt;&gt;{esc(names[0])}</div>
<div class="ej_list_box clear"><ul class="list_16 mt10">
{chr(10).join(items)}
</ul></div>
<div class="page_n clearfix">{nav}{nxt}</div>
</body></html>"""
    return Reply(body=body)


def article(ctx: Ctx, art: Article) -> str:
    reprint = ""
    if art.reprint_of:
        reprint = (
            f'<div class="title_o"><a href="http://www.sxgov.cn/">原标题：{esc(art.reprint_of)}</a></div>'
        )
    return f"""<!DOCTYPE html>
<html><head><meta charset=GB2312><title>{esc(art.title)}--{esc(ctx.site.name)}--人民网</title>
<meta name="keywords" content="{esc(art.column)}"><meta name="description" content="{esc(art.paragraphs[0][:60])}">
<meta name="publishdate" content="{art.published[:10]}"><meta name="author" content="{1000 + len(art.title)}">
<meta name="source" content="来源：{esc(art.source or "")}"><meta name="editor" content="{2000 + len(art.title)}">
<meta name="filetype" content="0"><meta name="contentid" content="{art.path.rsplit("/", 1)[1].split(".")[0]}">
</head><body>
<div id="rwb_navpath"><a href="/">{esc(ctx.site.name)}</a>&gt;&gt;<a href="/GB/314064/index.html">{esc(art.column)}</a></div>
<div class="clearfix w1000_320 text_title">
<h1>{esc(art.title)}</h1>
<div class="box01"><div class="fl">{_chinese_date(art.published)}&nbsp;&nbsp;来源：<a href="/" target="_blank">{esc(art.source or "")}</a></div>
<div class="fr"><a href="/BIG5{art.path[3:]}">繁体</a></div></div>
</div>
<div class="box_con">
<div class="box_pic"></div>{paras(art)}
<div class="zdfy clearfix"></div>
{reprint}
<div class="editer clearfix">(责编：{"、".join(art.editors)})</div>
</div>
</body></html>"""
