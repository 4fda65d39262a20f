"""A local replica of provincial news and government sites, for the tests, the demo and the benchmarks.

The map. One HTTP server per loopback address, all on one port (``Replica().start()``; ``python -m
newsspider.replica`` prints the base URLs and serves until killed). Each address is one site in the style
``reference/sites.md`` documents for its CMS family; ``catalog.py`` is the data table every page is rendered
from, so tests compute the expected records from the same table.

=============  ===============  ========  ===============================================================
address        site key         platform  what is there
=============  ===============  ========  ===============================================================
127.0.0.1      replica-trs      TRS       山西省人民政府 (2019 template). 山西要闻 ``/yw/sxyw/index.html``,
                                          ``index_1.html``, ``index_2.html`` (``createPageHTML`` +
                                          ``var countPage``, a stale commented call); 政策解读
                                          ``/yw/zcjd/index.html`` lists one 山西要闻 article again
                                          (duplicate). UTF-8.
127.0.0.2      replica-hanweb   Hanweb    浙江省人民政府: ``/col/col1229001/index.html`` with a
                                          ``<datastore>`` island (15 of 52 records, ``<totalrecord>``);
                                          the rest via POST ``/module/web/jpage/dataproxy.jsp``
                                          (groups of 45). ``Maketime`` later than ``PubDate``. UTF-8.
127.0.0.3      replica-ucap     UCAP      海南省人民政府: ``/hainan/ywdt/list3.shtml`` and the JSON API
                                          ``/common/search/<32-hex>?…&page=N`` (protocol-relative URLs,
                                          epoch 8 h off ``publishedTimeStr``); ``<ucaptitle>``. UTF-8.
127.0.0.4      replica-founder  Founder   黄河新闻网: ``/node_311.htm``, ``node_311_2.htm``, …;
                                          ``#pubtime_baidu``/``#source_baidu``. GBK (header and meta).
127.0.0.5      replica-people   People    山西新闻网: ``/GB/314064/index.html``, ``index2.html`` …, rows
                                          also linking ``/BIG5/`` mirrors; ``<meta charset=GB2312>`` only,
                                          GBK bytes, one page with GBK-only 硚 and 镕; one article
                                          reprints a 黄河新闻网 one (原标题, same text: duplicate_of).
127.0.0.6      replica-zqsx     generic   the reference article's site: ``/tingzhengce/index.html``;
                                          ``/tingzhengce/2020-02-18/10653.html`` is the reference article
                                          (您当前的位置:首页 > 听政策 …, 楼阳生 一要/二要/三要 with ● bullets).
127.0.0.7      replica-guarded  TRS       every path (robots.txt too) answers 412 with a 瑞数 ``$_ts``
                                          script: the challenge host.
127.0.0.9      (none)                     off-site host, 200 for anything; one 山西要闻 row links here, and
                                          a crawl must never ask for it.
=============  ===============  ========  ===============================================================

The ugly parts, all on 山西要闻 (replica-trs) unless said: a row whose article answers 404; a row under
``/private/``, which every site's robots.txt disallows; an article that answers 500 once, then 200 (retry);
a slow article (1.5 s); an old ``…_old.html`` URL that 301-redirects to the article; the off-site row.
``/sxyw/index.html`` on 127.0.0.1 is a listing that moved: 301 to the off-site host (no profile names it;
tests write one to see the "site moved" failure).
Listing titles longer than 18 characters are cut with … and kept whole in ``@title``.

Control, for tests in other processes: ``GET /__replica__/log?since=N`` (the request log as JSON), ``POST
/__replica__/mutate`` (form ``site, path, text``: a new version of an article), ``POST /__replica__/remove``
(``site, path``: the article answers 404 from then on), ``POST /__replica__/reset``. In-process, the same are
``Replica.log()``, ``mutate()``, ``remove()``, ``reset()``. ``Replica(generated=N)`` adds a TRS column of N
articles (``/gen/index.html``, profile ``replica-gen``) for the memory and throughput benchmark.
``Replica.write_profiles(folder)`` writes the sites' profiles with this run's addresses.
"""

from newsspider.replica.catalog import SITES, Article, Catalog, Row, SiteSpec, build_catalog
from newsspider.replica.server import LogEntry, Replica

__all__ = ["SITES", "Article", "Catalog", "LogEntry", "Replica", "Row", "SiteSpec", "build_catalog"]
