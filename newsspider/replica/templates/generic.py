"""A small news site outside the five platforms, laid out like the reference article's site (zqsxnews.com).

Article pages open with ``您当前的位置:首页 > 听政策``, then the title, an info line ``DATE 来源:  作者:`` whose
labels may be empty, a ``摘要:`` box and the body; the page's 来源 comes last, under the body. The listing is
``/tingzhengce/index.html`` with ``list_N.html`` pages.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from newsspider.replica.catalog import REFERENCE_TEXT
from newsspider.replica.templates import Reply, esc, paras

if TYPE_CHECKING:
    from newsspider.replica.catalog import Article
    from newsspider.replica.templates import Ctx

PER_PAGE = 10
_LIST = re.compile(r"^(?P<dir>/[a-z]+)/(?:index|list_(?P<n>\d+))\.html$")


def listing(ctx: Ctx, path: str, query: dict[str, str], form: dict[str, str]) -> Reply | None:
    match = _LIST.match(path)
    column = ctx.column_for(match["dir"]) if match else None
    if match is None or column is None:
        return None
    rows = ctx.rows(column)
    count = max(1, -(-len(rows) // PER_PAGE))
    page = int(match["n"] or 1)
    items = "\n".join(
        f'<li><span class="date">{r.date}</span><a href="{r.href}" title="{esc(r.title)}">{esc(r.title)}</a></li>'
        for r in rows[(page - 1) * PER_PAGE : page * PER_PAGE]
    )
    nxt = f'<a href="list_{page + 1}.html">下一页</a>' if page < count else ""
    body = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{esc(column)}_{esc(ctx.site.name)}</title></head><body>
<div class="weizhi">您当前的位置:<a href="/">首页</a> &gt; <a href="{match["dir"]}/">{esc(column)}</a></div>
<ul class="newslist">
{items}
</ul>
<div class="pages">{nxt}</div>
</body></html>"""
    return Reply(body=body)


def _body(art: Article) -> tuple[str, str]:
    """(summary, body HTML); the reference article comes from its text, images and ● bullets included."""
    if art.template != "reference":
        return art.paragraphs[0][:60], paras(art)
    lines = [ln.strip() for ln in REFERENCE_TEXT.read_text(encoding="utf-8").splitlines()]
    summary = lines[5].removeprefix("摘要:").strip()
    out: list[str] = []
    for line in lines[6:]:
        if line in {"来源:山西新闻网", "热门推荐", "返回顶部"}:
            continue
        if not line:
            out.append("<p>&nbsp;</p>")
        elif line.endswith(".jpg"):
            out.append(f'<p style="text-align:center"><img src="/uploads/2020/02/{line}" alt=""></p>')
        elif line.endswith(("强调:", "强调>", "指出>")):
            out.append(f"<p><strong>{esc(line)}</strong></p>")
        else:
            out.append(f"<p>{esc(line)}</p>")
    return summary, "\n".join(out)


def article(ctx: Ctx, art: Article) -> str:
    summary, body = _body(art)
    source = "山西新闻网" if art.template == "reference" else (art.source or "")
    info_source = "" if art.template == "reference" else source
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{esc(art.title)}-{esc(ctx.site.name)}</title>
<meta name="keywords" content=""><meta name="description" content="{esc(summary)}"></head><body>
<div class="weizhi">您当前的位置:<a href="/">首页</a> &gt; <a href="/tingzhengce/">{esc(art.column)}</a></div>
<div class="article">
<h1>{esc(art.title)}</h1>
<div class="info">{art.published} 来源: {esc(info_source)} 作者:{esc(" ".join(art.authors))}</div>
<div class="summary">摘要: {esc(summary)}</div>
<div class="content">
{body}
</div>
<div class="laiyuan">来源:{esc(source)}</div>
</div>
<div class="hot"><h3>热门推荐</h3><ul><li><a href="/tingzhengce/">听政策</a></li></ul></div>
<div class="gotop"><a href="#">返回顶部</a></div>
</body></html>"""
