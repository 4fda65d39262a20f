"""大汉 Hanweb JCMS (sites.md §1.3): a ``<datastore>`` XML island on the column page, then ``dataproxy.jsp``.

The column page carries the first 15 records inline and ``<totalrecord>``; further records come from a
form-urlencoded POST to ``/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15`` (the
older ``/module/jpage/dataproxy.jsp`` and the GET ``?page=N`` variant answer too), one group of 45 records
per call.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from newsspider.replica.templates import Reply, esc, href_for, paras, short

if TYPE_CHECKING:
    from newsspider.replica.catalog import Article, Row
    from newsspider.replica.templates import Ctx

PER_PAGE = 15
GROUP = 45
WEBID = "3185"
UNITID = "5412345"
_COL = re.compile(r"^/col/col(?P<id>\d+)/index\.html$")
_PROXIES = ("/module/web/jpage/dataproxy.jsp", "/module/jpage/dataproxy.jsp")


def _record(ctx: Ctx, row: Row) -> str:
    link = esc(href_for(ctx, row, "", relative=False))
    return (
        f'<record><![CDATA[<li><a href="{link}" title="{esc(row.title)}" target="_blank">'
        f"{esc(short(row.title))}</a><span>[{row.date}]</span></li>]]></record>"
    )


def _store(ctx: Ctx, rows: list[Row], shown: list[Row], columnid: str) -> str:
    """The datastore XML: ``shown`` records, with the totals of the whole column (``rows``)."""
    total = len(rows)
    pages = max(1, -(-total // PER_PAGE))
    nextgroup = (
        f"/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid={WEBID}&path=/&columnid={columnid}"
        f"&unitid={UNITID}&webname={esc(ctx.site.name)}&permissiontype=0"
    )
    return (
        f'<datastore><nextgroup><![CDATA[<a href="{nextgroup}"></a>]]></nextgroup>'
        f"<recordset>\n{chr(10).join(_record(ctx, r) for r in shown)}\n</recordset>"
        f"<totalrecord>{total}</totalrecord><totalpage>{pages}</totalpage></datastore>"
    )


def _column_rows(ctx: Ctx, columnid: str) -> list[Row] | None:
    for name, path in ctx.site.columns:
        if path == f"/col/col{columnid}/index.html":
            return ctx.rows(name)
    return None


def listing(ctx: Ctx, path: str, query: dict[str, str], form: dict[str, str]) -> Reply | None:
    if path in _PROXIES:
        args = {**query, **form}
        rows = _column_rows(ctx, args.get("columnid", ""))
        if rows is None:
            return Reply(status=200, body="<datastore><totalrecord>0</totalrecord></datastore>",
                         content_type="text/xml")  # fmt: skip
        if "startrecord" in args:
            start = max(1, int(args["startrecord"]))
            end = int(args.get("endrecord") or start + GROUP - 1)
        else:
            per = int(args.get("perpage") or PER_PAGE)
            start = (int(args.get("page") or 1) - 1) * per + 1
            end = start + per - 1
        body = '<?xml version="1.0" encoding="UTF-8"?>' + _store(
            ctx, rows, rows[start - 1 : end], args["columnid"]
        )
        return Reply(body=body, content_type="text/xml")
    match = _COL.match(path)
    rows = _column_rows(ctx, match["id"]) if match else None
    if match is None or rows is None:
        return None
    name = next(n for n, p in ctx.site.columns if p == path)
    store = _store(ctx, rows, rows[:PER_PAGE], match["id"])
    body = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{esc(name)} {esc(ctx.site.name)}</title>
<meta name="ColumnName" content="{esc(name)}"><meta name="ColumnType" content="信息发布">
</head><body>
<div class="bt-position">当前位置：<a href="/">首页</a> &gt; <a href="{path}">{esc(name)}</a></div>
<div class="default_pgContainer" id="{UNITID}">
<script type="text/xml">{store}</script>
</div>
<form id="jpageform_{UNITID}" method="post"><input type="hidden" name="columnid" value="{match["id"]}"></form>
<script language="javascript" src="/module/web/jpage/jpage.js"></script>
<script>$(document).ready(function(){{ $('#{UNITID}').jpage({{ proxyUrl:'/module/web/jpage/dataproxy.jsp',
  perPage:{PER_PAGE}, groupSize:3, totalRecord:{len(rows)}, webid:'{WEBID}', columnid:'{match["id"]}',
  unitid:'{UNITID}' }}); }});</script>
</body></html>"""
    return Reply(body=body)


def article(ctx: Ctx, art: Article) -> str:
    ids = art.path.rsplit("_", 2)
    maketime = "2020-03-22 12:28:37"  # page generation time: later than PubDate, a trap
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{esc(art.title)}</title>
<meta name="SiteName" content="{esc(ctx.site.name)}"><meta name="SiteDomain" content="www.zj.gov.cn">
<meta name="SiteIDCode" content="3300000069"><meta name="ColumnName" content="{esc(art.column)}">
<meta name="ArticleTitle" content="{esc(art.title)}"><meta name="PubDate" content="{art.published[:16]}">
<meta name="ContentSource" content="{esc(art.source or "")}"><meta name="Maketime" content="{maketime}">
<meta name="i_columnid" content="{ids[1]}"><meta name="i_articleid" content="{ids[2].split(".")[0]}">
</head><body>
<div class="bt-position">当前位置：<a href="/">首页</a> &gt; <a href="/col/col1229001/index.html">{esc(art.column)}</a></div>
<div class="main-txt">
<p class="con-title"><!--<$[标题]>begin-->{esc(art.title)}<!--<$[标题]>end--></p>
<div class="con-info"><span>发布日期：{art.published[:10]}</span>
<span>信息来源：<!--<$[信息来源]>begin-->{esc(art.source or "")}<!--<$[信息来源]>end--></span>
<span>浏览次数：<script src="/module/visitcount/articlehits.jsp?colid=1229001"></script></span></div>
<div id="zoom">
<!--<$[信息内容]>begin--><!--ZJEG_RSS.content.begin--><meta name="ContentStart">{paras(art)}
<meta name="ContentEnd"><!--ZJEG_RSS.content.end--><!--<$[信息内容]>end-->
</div>
<div class="con-bottom"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div></body></html>"""
