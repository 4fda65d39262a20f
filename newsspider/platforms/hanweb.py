"""大汉 Hanweb JCMS / jpaas: the ``<datastore>`` island and ``dataproxy.jsp`` groups of 45 records.

A column page (``/col/col76705/index.html``) carries its first records inline, as CDATA ``<record>``s of a
``<script type="text/xml"><datastore>`` island. The rest come from POSTs to
``/module/web/jpage/dataproxy.jsp?startrecord=S&endrecord=E&perpage=15`` (form body with webid, columnid,
unitid …), one group of 45 records per call, until ``<totalrecord>``. The ids come from the profile
(``platform_options``) first, else from the page: ``jpageform_(\\d+)`` / ``unitid=(\\d+)``, the ``nextgroup``
link, and the ``/col/colN/`` URL.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from parsel import Selector
from scrapy import FormRequest, Request

from newsspider.platforms.base import ListingPage, current_page, next_link, option, rows_from_links

if TYPE_CHECKING:
    from scrapy.http import TextResponse

    from newsspider.sites.profile import Column, SiteProfile

__all__ = ["GROUP", "HANWEB_ARTICLE", "HanwebPlatform"]

GROUP = 45
"""Records per dataproxy call (3 visual pages of 15)."""
HANWEB_ARTICLE = re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html?$")
_DATAPROXY = "/module/web/jpage/dataproxy.jsp"
_COLUMN_ID = re.compile(r"/col/col(\d+)/")
_FORM_KEYS = ("col", "appid", "webid", "path", "columnid", "unitid", "sourceContentType", "webname",
              "permissiontype")  # fmt: skip
_DEFAULT_FORM = {"col": "1", "appid": "1", "path": "/", "sourceContentType": "1", "permissiontype": "0"}


def _island(response: TextResponse) -> Selector | None:
    """The datastore as an XML selector: the column page's inline island, or a whole dataproxy answer."""
    scripts = response.xpath("//script[@type='text/xml' or @type='text/XML']/text()").getall()
    text = next((s for s in scripts if "<datastore" in s.lower()), None)
    if text is None and "<datastore" in response.text[:2048].lower():
        text = response.text
    if text is None:
        return None
    return Selector(text=text.strip(), type="xml")


def _total(response: TextResponse, island: Selector | None) -> int | None:
    value = island.xpath("//totalrecord/text()").get() if island is not None else None
    if value is None:
        value = response.xpath("//script/text()").re_first(r"(?i)totalRecord\s*[:=]\s*['\"]?(\d+)")
    return int(value.strip()) if value and value.strip().isdigit() else None


def _scraped_form(response: TextResponse, island: Selector | None) -> dict[str, str]:
    form: dict[str, str] = {}
    nextgroup = island.xpath("//nextgroup/text()").get() if island is not None else None
    if nextgroup:
        href = Selector(text=nextgroup).xpath("//a/@href").get() or ""
        form.update((k, v) for k, v in parse_qsl(urlsplit(href).query) if k in _FORM_KEYS)
    if "unitid" not in form:
        unit = response.xpath("//@id | //@name").re_first(r"^jpageform_(\d+)$")
        unit = unit or response.xpath("//script/text()").re_first(r"unitid=(\d+)")
        if unit:
            form["unitid"] = unit
    for key in ("webid", "columnid"):
        if key not in form:
            found = response.xpath("//script/text()").re_first(rf"{key}=(\d+)")
            if found:
                form[key] = found
    return form


class HanwebPlatform:
    """Hanweb column pages and dataproxy groups."""

    name = "hanweb"

    def first_requests(self, site: SiteProfile, column: Column) -> list[Request]:
        return [Request(column.url, meta={"ns_page": 1})]

    def parse_listing(self, response: TextResponse, site: SiteProfile, column: Column) -> ListingPage:
        island = _island(response)
        if island is not None:
            fragment = "".join(island.xpath("//record/text()").getall())
            records = Selector(text=fragment or "<p></p>")
            # A profile's listing selector applies to the records' HTML, as it does to a page's.
            rows = rows_from_links(records, response.url, _is_http, links_query=site.selectors.listing)
        else:
            rows = rows_from_links(
                response, response.url, self.is_article_url, links_query=site.selectors.listing
            )
        total = _total(response, island)
        query = dict(parse_qsl(urlsplit(response.url).query))
        is_proxy = "startrecord" in query
        end = int(query.get("endrecord", "0")) if is_proxy else len(rows)
        page = current_page(response, 1)
        if island is None:
            # jpaas columns rendered server-side (index.html?uid=…&pageNum=N) page through plain links.
            follow = next_link(response)
            next_requests = [Request(follow, meta={"ns_page": page + 1})] if follow and rows else []
            return ListingPage(rows=rows, next_requests=next_requests, total_pages=None, total_records=total)
        total_pages = page + math.ceil(max(total - end, 0) / GROUP) if total is not None else None
        done = (
            not rows
            or (total is not None and end >= total)
            or (total is None and is_proxy and len(rows) < GROUP)
        )
        if done:
            return ListingPage(rows=rows, next_requests=[], total_pages=total_pages, total_records=total)
        body = self._form(response, site, column, island, is_proxy)
        if body is None:  # no column/unit id anywhere: only the inline records can be had
            return ListingPage(rows=rows, next_requests=[], total_pages=total_pages, total_records=total)
        start = end + 1
        perpage = option(site, column, "perpage") or "15"
        proxy = option(site, column, "dataproxy") or _DATAPROXY
        url = response.urljoin(f"{proxy}?startrecord={start}&endrecord={start + GROUP - 1}&perpage={perpage}")
        request = FormRequest(url, formdata=body, meta={"ns_page": page + 1})
        return ListingPage(rows=rows, next_requests=[request], total_pages=total_pages, total_records=total)

    def _form(
        self,
        response: TextResponse,
        site: SiteProfile,
        column: Column,
        island: Selector | None,
        is_proxy: bool,
    ) -> dict[str, str] | None:
        request = getattr(response, "request", None)
        if is_proxy and request is not None and request.body:
            return dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        form = dict(_DEFAULT_FORM)
        form.update(_scraped_form(response, island))
        column_id = _COLUMN_ID.search(column.url) or _COLUMN_ID.search(response.url)
        if column_id and "columnid" not in form:
            form["columnid"] = column_id.group(1)
        for key in _FORM_KEYS:
            value = option(site, column, key)
            if value is not None:
                form[key] = value
        form.setdefault("webname", site.name)
        if not form.get("columnid") or not form.get("unitid") or not form.get("webid"):
            return None
        return {key: form[key] for key in _FORM_KEYS}

    def is_article_url(self, url: str) -> bool:
        return bool(HANWEB_ARTICLE.search(urlsplit(url).path))


def _is_http(url: str) -> bool:
    return url.startswith(("http://", "https://"))
