"""TRS WCM (拓尔思): the 2019 shanxi.gov.cn template (sites.md §1.1, §1.2).

Listings are ``index.html``, ``index_1.html`` … with ``createPageHTML(count, cur, "index", "html")`` and
``var countPage``, next to a stale commented-out call and the function's own definition (both traps).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from newsspider.replica.templates import Reply, esc, href_for, paras, short

if TYPE_CHECKING:
    from newsspider.replica.catalog import Article
    from newsspider.replica.templates import Ctx

PER_PAGE = 15
_PAGE = re.compile(r"^(?P<dir>/.+)/index(?:_(?P<n>\d+))?\.html$")

_PAGER = """<script>
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){{
  if(_nPageCount == null || _nPageCount<=1){{ return; }}
  var nCurrIndex = _nCurrIndex || 0;
  for(var i=0; i<_nPageCount; i++){{
    document.write("<a href=\\"" + (i==0 ? _sPageName : _sPageName+"_"+i) + "." + _sPageExt + "\\">" + (i+1) + "</a>");
  }}
}}
</script>
<SCRIPT LANGUAGE="JavaScript">
//createPageHTML(9, 0, "index", "html");
var currentPage = {cur};//所在页从0开始
var countPage = {count}//共多少页
createPageHTML({count}, {cur}, "index", "html");
</SCRIPT>"""


def listing(ctx: Ctx, path: str, query: dict[str, str], form: dict[str, str]) -> Reply | None:
    match = _PAGE.match(path)
    column = ctx.column_for(match["dir"]) if match else None
    if match is None or column is None:
        return None
    rows = ctx.rows(column)
    count = max(1, -(-len(rows) // PER_PAGE))
    cur = int(match["n"] or 0)
    if cur >= count:
        return Reply(status=404, body="<html><body>404 Not Found</body></html>")
    items = "\n".join(
        f'<li><a href="{esc(href_for(ctx, r, match["dir"]))}" target="_blank" title="{esc(r.title)}">'
        f"{esc(short(r.title))}</a><span>[{r.date}]</span></li>"
        for r in rows[cur * PER_PAGE : (cur + 1) * PER_PAGE]
    )
    body = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{esc(column)}_{esc(ctx.site.name)}</title>
<meta name="SiteName" content="{esc(ctx.site.name)}门户网站"><meta name="ColumnName" content="{esc(column)}">
</head><body>
<div class="nav-crumb">当前位置：<a href="/">首页</a> &gt; <a href="./">{esc(column)}</a></div>
<div class="list-box"><ul class="list-ul">
{items}
</ul></div>
<div class="page-box">{_PAGER.format(cur=cur, count=count)}</div>
<div class="footer"><a href="/yw/sxyw/">山西要闻</a> <a href="/yw/zcjd/">政策解读</a></div>
</body></html>"""
    return Reply(body=body)


def article(ctx: Ctx, art: Article) -> str:
    name = art.path.rsplit("/", 1)[1]
    byline = f"<p>（{'、'.join(art.authors)}）</p>" if art.authors else ""
    return f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{esc(art.title)}_{esc(ctx.site.name)}</title>
<meta name="SiteName" content="{esc(ctx.site.name)}门户网站"><meta name="SiteDomain" content="www.shanxi.gov.cn">
<meta name="SiteIDCode" content="1400000045"><meta name="ColumnName" content="{esc(art.column)}">
<meta name="ArticleTitle" content="{esc(art.title)}"><meta name="PubDate" content="{art.published[:16]}">
<meta name="ContentSource" content="{esc(art.source or "")}">
<meta name="Keywords" content=""><meta name="Author" content=""><meta name="Description" content="">
<meta name="Url" content="./{name}">
</head><body>
<div class="detail-article-title oflow-hd"><h3></h3><h2>{esc(art.title)}</h2><h3></h3></div>
<ul class="detail-article-infos oflow-hd"><li class="article-infos-source left">
  <span alt="时间：2017-11-08 20:26"><i>时间：</i>{art.published[:16]}</span>
  <span alt="来源：省政府办公厅"><i>来源：</i>
        {esc(art.source or "")}
  </span></li>
  <li class="article-infos-func right"><span id="myPrint">打印</span>
   <span class="article-zoom"><i>字体：</i><a class="increaseFont">放大</a><a class="decreaseFont">缩小</a></span>
   <span class="article-share">分享</span></li></ul>
<div class="article-body oflow-hd"><div class="TRS_Editor"><style>.TRS_Editor P{{margin-top:0;}}</style>
{paras(art)}
{byline}
</div></div>
<!-- <div class="article-edit">责任编辑： <a>【我要纠错】</a></div> -->
<dl class="affairs-detail-qcode"><dt>扫一扫在手机打开当前页面</dt><dd><img src="/images/qrcode.png"></dd></dl>
</body></html>"""
