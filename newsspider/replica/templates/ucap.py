"""UCAP / 开普云 (sites.md §1.4): ``list3.shtml`` column pages and the ``/common/search/<32-hex>`` JSON API.

API items have protocol-relative URLs, ``publishedTime`` in epoch ms that is 8 h off (the wall clock read as
UTC) and ``publishedTimeStr``, the Beijing wall clock, which is the one to trust.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from newsspider.replica.templates import Reply, esc, href_for, paras

if TYPE_CHECKING:
    from newsspider.replica.catalog import Article, Row
    from newsspider.replica.templates import Ctx

CHANNEL = "8a2f5b3c9d1e4f6a7b8c9d0e1f2a3b4c"
PER_PAGE = 10
_LIST = re.compile(r"^(?P<dir>/.+)/list3(?:_(?P<n>\d+))?\.shtml$")


def _api_item(ctx: Ctx, row: Row) -> dict[str, object]:
    art = row.article
    wall = datetime.strptime(art.published if art else row.date + " 00:00:00", "%Y-%m-%d %H:%M:%S")
    url = href_for(ctx, row, "", relative=False)
    return {
        "title": row.title,
        "url": "//" + ctx.base.split("//", 1)[1] + url if url.startswith("/") else url,
        "publishedTime": int(wall.replace(tzinfo=UTC).timestamp() * 1000),
        "publishedTimeStr": wall.strftime("%Y-%m-%d %H:%M:%S"),
        "content": " ".join(art.paragraphs)[:80] if art else "",
        "contentHtml": "",
        "channelName": art.column if art else "",
    }


def listing(ctx: Ctx, path: str, query: dict[str, str], form: dict[str, str]) -> Reply | None:
    if path == f"/common/search/{CHANNEL}":
        rows = ctx.rows(ctx.site.columns[0][0])
        size = int(query.get("_pageSize") or PER_PAGE)
        page = max(1, int(query.get("page") or 1))
        chunk = rows[(page - 1) * size : page * size]
        payload = {"ok": True, "data": {"total": len(rows), "page": page, "rows": size,
                                        "results": [_api_item(ctx, r) for r in chunk]}}  # fmt: skip
        return Reply(body=json.dumps(payload, ensure_ascii=False), content_type="application/json")
    match = _LIST.match(path)
    column = ctx.column_for(match["dir"]) if match else None
    if match is None or column is None:
        return None
    rows = ctx.rows(column)
    cur = int(match["n"] or 0)
    items = "\n".join(
        f'<li><a href="{esc(href_for(ctx, r, match["dir"]))}" target="_blank">{esc(r.title)}</a>'
        f"<span>{r.date}</span></li>"
        for r in rows[cur * PER_PAGE : (cur + 1) * PER_PAGE]
    )
    count = max(1, -(-len(rows) // PER_PAGE))
    pager = " ".join(f'<a href="list3{f"_{i}" if i else ""}.shtml">{i + 1}</a>' for i in range(count))
    body = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{esc(column)}-{esc(ctx.site.name)}</title>
<meta name="ColumnName" content="{esc(column)}"></head><body>
<div class="location">您现在的位置：<a href="/">首页</a> &gt; <a href="list3.shtml">{esc(column)}</a></div>
<ul class="list_ul" id="list">
{items}
</ul>
<div id="page" data-total="{len(rows)}" data-pages="{count}">{pager}</div>
<script>
var channelId = "{CHANNEL}";
function loadPage(page){{
  $.get("/common/search/" + channelId + "?_isAgg=false&_isJson=true&_pageSize={PER_PAGE}&_template=index"
        + "&_rangeTimeGte=&_channelName=&page=" + page, render);
}}
</script>
</body></html>"""
    return Reply(body=body)


def article(ctx: Ctx, art: Article) -> str:
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{esc(art.title)}_{esc(ctx.site.name)}</title>
<meta name="SiteName" content="{esc(ctx.site.name)}"><meta name="SiteDomain" content="www.hainan.gov.cn">
<meta name="ColumnName" content="{esc(art.column)}"><meta name="ArticleTitle" content="{esc(art.title)}">
<meta name="PubDate" content="{art.published[:16]}"><meta name="ContentSource" content="{esc(art.source or "")}">
</head><body>
<div class="location">您现在的位置：<a href="/">首页</a> &gt; <a href="/hainan/ywdt/list3.shtml">{esc(art.column)}</a></div>
<div class="title_cen mar-t2 text"><ucaptitle>{esc(art.title)}</ucaptitle></div>
<ul id="articleattribute"><li>发布时间：{art.published[:16]}</li>
<li>来源：<span id="ly">{esc(art.source or "")}</span></li><li>【字体：<a>大</a> <a>中</a> <a>小</a>】</li></ul>
<div id="zoom"><div id="font"><ucapcontent>{paras(art)}</ucapcontent></div></div>
<div class="fxsjcj"><script src="//fxsjcj.kaipuyun.cn/count/10001/10001.js"></script></div>
</body></html>"""
