"""The replica's data table: which sites exist, which articles each column lists, and what each article says.

Everything is generated deterministically from a seed, so the tests can compute the records a crawl must
produce from the same table the server renders (``expected_articles``). The generated text is built from
sentence patterns typical of provincial 政务 news; every article gets its own numbers and places, so no two
generated articles share a content hash unless the table says so (the reprint pair).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

__all__ = [
    "REFERENCE_TEXT",
    "SITES",
    "Article",
    "Catalog",
    "Row",
    "SiteSpec",
    "build_catalog",
]

REFERENCE_TEXT = Path(__file__).resolve().parent / "reference_article.txt"


@dataclass(frozen=True, kw_only=True)
class SiteSpec:
    """One replica site: served on its own loopback address (``127.0.0.<host>``)."""

    key: str
    name: str
    province: str
    platform: str
    host: int
    encoding: str
    """The codec pages are encoded with; ``charset`` below is what they declare."""
    charset: str | None
    """The charset label in the Content-Type header (None: only the page's <meta> names it)."""
    columns: tuple[tuple[str, str], ...]
    """(column name, listing path) in crawl order."""


SITES: tuple[SiteSpec, ...] = (
    SiteSpec(key="replica-trs", name="山西省人民政府", province="山西", platform="trs", host=1,
             encoding="utf-8", charset="utf-8",
             columns=(("山西要闻", "/yw/sxyw/index.html"), ("政策解读", "/yw/zcjd/index.html"))),
    SiteSpec(key="replica-hanweb", name="浙江省人民政府", province="浙江", platform="hanweb", host=2,
             encoding="utf-8", charset="utf-8", columns=(("浙江要闻", "/col/col1229001/index.html"),)),
    SiteSpec(key="replica-ucap", name="海南省人民政府", province="海南", platform="ucap", host=3,
             encoding="utf-8", charset="utf-8", columns=(("海南要闻", "/hainan/ywdt/list3.shtml"),)),
    SiteSpec(key="replica-founder", name="黄河新闻网", province="山西", platform="founder", host=4,
             encoding="gbk", charset="gbk", columns=(("山西新闻", "/node_311.htm"),)),
    SiteSpec(key="replica-people", name="山西新闻网", province="山西", platform="people", host=5,
             encoding="gbk", charset=None, columns=(("要闻", "/GB/314064/index.html"),)),
    SiteSpec(key="replica-zqsx", name="山西资讯网", province="山西", platform="generic", host=6,
             encoding="utf-8", charset="utf-8", columns=(("听政策", "/tingzhengce/index.html"),)),
    SiteSpec(key="replica-guarded", name="某省药品监督管理局", province="北京", platform="trs", host=7,
             encoding="utf-8", charset="utf-8", columns=(("工作动态", "/xxgk/gzdt/index.html"),)),
)  # fmt: skip
"""The crawlable sites. ``replica-guarded`` answers everything with a 瑞数-style 412 challenge."""

OFFSITE_HOST = 9
"""127.0.0.9 serves any path with 200; listings link to it once, and a crawl must never ask for it."""
OFFSITE = "@offsite"
"""Row hrefs starting with this point at the off-site host (the renderer fills in its base URL)."""

MOVED = {("replica-trs", "/sxyw/index.html"): "/yw/sxyw/index.html"}
"""A listing that answers 301 to the off-site host: the "site moved" a profile must be fixed for."""

_CITIES = ("太原", "大同", "朔州", "忻州", "吕梁", "晋中", "阳泉", "长治", "晋城", "临汾", "运城", "杭州",
           "宁波", "温州", "海口", "三亚", "儋州", "琼海", "万宁", "湖州", "嘉兴", "绍兴", "金华", "衢州")  # fmt: skip
_TOPICS = ("安全生产", "乡村振兴", "营商环境", "生态保护", "开复工", "春耕备耕", "能源革命", "科技创新",
           "民生保障", "疫情防控", "文旅融合", "数字经济", "国企改革", "招商引资", "黄河流域保护")  # fmt: skip
_TITLES = (
    "{city}召开{topic}工作推进会",
    "省政府第{n}次常务会议研究部署{topic}工作",
    "{city}市{topic}重点项目集中开工",
    "全省{topic}工作视频会议召开",
    "省领导赴{city}调研{topic}工作时强调要抓实抓细各项措施确保取得实效",
    "{city}出台{n}条措施支持{topic}",
    "我省{topic}工作取得阶段性成效",
)
_SENTENCES = (
    "{month}月{day}日，{city}市召开{topic}工作推进会，传达学习省委、省政府有关会议精神，研究部署下一步工作。",
    "会议指出，做好{topic}工作事关全局，各级各部门要提高政治站位，压实工作责任。",
    "会议强调，要坚持问题导向，聚焦薄弱环节，推动{topic}各项任务落地见效。",
    "截至{month}月{day}日，全市已累计完成投资{n}亿元，同比增长{pct}%。",
    "{city}市有关负责同志表示，将以更大力度推进{topic}，确保全年目标任务圆满完成。",
    "据了解，今年以来{city}共谋划实施{topic}项目{n}个，带动就业{jobs}人。",
    "要加强统筹协调，强化要素保障，及时帮助企业解决实际困难和问题。",
    "要严格落实安全生产责任制，坚决防范和遏制重特大事故发生。",
    "各县（市、区）主要负责同志在分会场参加会议，第{n}次专题会议精神同步传达到基层。",
    "下一步，{city}将持续优化服务，为{topic}营造良好环境。",
)
_SOURCES = ("山西日报", "新华社", "本网", "省政府办公厅", "人民网", "浙江日报", "海南日报")
_NAMES = ("张明华", "李晓东", "王建国", "刘芳", "陈静", "赵雪梅", "孙立新", "周洁")

_BASE = datetime(2020, 3, 20, 9, 30)  # newest article; the rest go back about a day each


@dataclass(frozen=True, kw_only=True)
class Article:
    """One article page as the replica serves it."""

    site: str
    path: str
    """Where the article lives (after any redirect)."""
    title: str
    published: str
    """Beijing wall-clock time as shown on the page: ``YYYY-MM-DD HH:MM:SS``."""
    source: str | None
    authors: tuple[str, ...] = ()
    editors: tuple[str, ...] = ()
    paragraphs: tuple[str, ...] = ()
    column: str = ""
    flaky: bool = False
    """Answers 500 the first time it is asked for, then 200 (RetryMiddleware must get it)."""
    slow: float = 0.0
    """Seconds the server waits before answering."""
    reprint_of: str | None = None
    """原标题 of the article this one reprints (the page shows it), or None."""
    template: str = ""
    """Non-default page template (``reference``: the 您当前的位置 layout of the reference article)."""


@dataclass(frozen=True, kw_only=True)
class Row:
    """One listing row: what a column page links to."""

    href: str
    """A site path, or an absolute URL (the off-site link)."""
    title: str
    date: str
    """``YYYY-MM-DD`` as the listing shows it."""
    article: Article | None = None
    """The article the row leads to; None for rows that must not produce a record."""


@dataclass(kw_only=True)
class Catalog:
    """All replica content; the server renders it and the tests derive expected records from it."""

    articles: dict[tuple[str, str], Article] = field(default_factory=dict)
    """(site key, path) → article."""
    listings: dict[tuple[str, str], list[Row]] = field(default_factory=dict)
    """(site key, column name) → rows, newest first."""
    redirects: dict[tuple[str, str], str] = field(default_factory=dict)
    """(site key, old path) → new path (301)."""
    moved: dict[tuple[str, str], str] = field(default_factory=lambda: dict(MOVED))
    """(site key, old listing path) → path on the off-site host (301 there): a column whose site moved."""
    disallowed: tuple[str, ...] = ("/private/",)
    """Path prefixes robots.txt disallows on every site."""

    def expected(self) -> list[Article]:
        """The articles a complete crawl of the crawlable sites stores, once each."""
        return [a for (site, _), a in sorted(self.articles.items()) if site != "replica-guarded"]


def _text(rng: random.Random, title: str, when: datetime, city: str, topic: str) -> tuple[str, ...]:
    slots = {
        "city": city, "topic": topic, "month": when.month, "day": when.day,
        "n": rng.randint(3, 99), "pct": rng.randint(2, 35), "jobs": rng.randint(100, 9000),
    }  # fmt: skip
    lead = _SENTENCES[0].format(**slots).replace("工作推进会", f"会议，题为“{title}”")
    picked = rng.sample(_SENTENCES[1:], k=rng.randint(3, 6))
    return (lead, *(s.format(**slots) for s in picked))


def _article(rng: random.Random, site: str, column: str, path: str, when: datetime) -> Article:
    city, topic = rng.choice(_CITIES), rng.choice(_TOPICS)
    title = rng.choice(_TITLES).format(city=city, topic=topic, n=rng.randint(10, 60))
    authors = tuple(rng.sample(_NAMES, k=rng.randint(0, 2)))
    return Article(
        site=site, column=column, path=path, title=title,
        published=when.strftime("%Y-%m-%d %H:%M:%S"), source=rng.choice(_SOURCES), authors=authors,
        editors=(rng.choice(_NAMES),), paragraphs=_text(rng, title, when, city, topic),
    )  # fmt: skip


def _path(platform: str, listing: str, when: datetime, doc: int) -> str:
    stem = listing.rsplit("/", 1)[0]
    if platform == "trs":
        return f"{stem}/{when:%Y%m}/t{when:%Y%m%d}_{doc}.html"
    if platform == "hanweb":
        return f"/art/{when.year}/{when.month}/{when.day}/art_1229001_{doc}.html"
    if platform == "ucap":
        return f"{stem}/{when:%Y%m}/{hashlib.sha256(str(doc).encode()).hexdigest()[:32]}.shtml"
    if platform == "founder":
        return f"/content/{when:%Y-%m}/{when:%d}/content_{doc}.htm"
    if platform == "generic":
        return f"{stem}/{when:%Y-%m-%d}/{doc}.html"
    return f"{stem}/{doc}.html"


def _column(rng: random.Random, cat: Catalog, spec: SiteSpec, column: str, listing: str, count: int,
            first_doc: int, start: datetime) -> list[Row]:  # fmt: skip
    rows: list[Row] = []
    titles = {a.title for a in cat.articles.values()}
    for i in range(count):
        when = start - timedelta(days=i, hours=rng.randint(0, 9), minutes=rng.randint(0, 59))
        path = _path(spec.platform, listing, when, first_doc + i)
        art = _article(rng, spec.key, column, path, when)
        # Distinct titles keep test samples unambiguous; generated benchmark columns may repeat them.
        while art.title in titles and len(titles) < 2000:
            art = _article(rng, spec.key, column, path, when)
        titles.add(art.title)
        cat.articles[(spec.key, art.path)] = art
        rows.append(Row(href=art.path, title=art.title, date=art.published[:10], article=art))
    return rows


def _reference(cat: Catalog) -> Article:
    lines = [ln.strip() for ln in REFERENCE_TEXT.read_text(encoding="utf-8").splitlines()]
    body = [ln for ln in lines[6:] if ln and ln not in {"来源:山西新闻网", "热门推荐", "返回顶部"}]
    return Article(
        site="replica-zqsx", column="听政策", path="/tingzhengce/2020-02-18/10653.html", title=lines[2],
        published="2020-02-18 19:58:03", source=None, paragraphs=tuple(body), template="reference",
    )  # fmt: skip


def build_catalog(*, seed: int = 20200218, generated: int = 0) -> Catalog:
    """The replica content. ``generated`` > 0 adds a column of that many TRS articles (benchmarks)."""
    rng = random.Random(seed)  # noqa: S311  (reproducible test content, not secrets)
    cat = Catalog()
    counts = {"replica-trs": (34, 12), "replica-hanweb": (52,), "replica-ucap": (26,),
              "replica-founder": (23,), "replica-people": (24,), "replica-zqsx": (12,), "replica-guarded": (5,)}  # fmt: skip
    doc = 100000
    for spec in SITES:
        for (column, listing), count in zip(spec.columns, counts[spec.key], strict=True):
            start = _BASE if spec.key != "replica-zqsx" else datetime(2020, 2, 21, 10, 0)
            cat.listings[(spec.key, column)] = _column(rng, cat, spec, column, listing, count, doc, start)
            doc += 1000
    _specials(cat)
    if generated:
        spec = SITES[0]
        cat.listings[(spec.key, "生成")] = _column(
            rng, cat, spec, "生成", "/gen/index.html", generated, 5_000_000, _BASE
        )
    return cat


def _specials(cat: Catalog) -> None:
    """The ugly parts every real crawl meets, each exactly once (see the package docstring)."""
    trs, zcjd = cat.listings[("replica-trs", "山西要闻")], cat.listings[("replica-trs", "政策解读")]
    ref = _reference(cat)
    cat.articles[(ref.site, ref.path)] = ref
    zqsx = cat.listings[("replica-zqsx", "听政策")]
    zqsx.insert(3, Row(href=ref.path, title=ref.title, date="2020-02-18", article=ref))
    # The same article listed in two columns: fetched once.
    zcjd.insert(2, trs[3])
    # A dead link, a robots-disallowed page and an off-site link: rows that must not produce records.
    trs.insert(5, Row(href="/yw/sxyw/202003/t20200315_99404.html", title="该页面已删除", date="2020-03-15"))
    trs.insert(9, Row(href="/private/202003/t20200312_99403.html", title="内部通知", date="2020-03-12"))
    trs.insert(
        12,
        Row(
            href=OFFSITE + "/xxgk/202003/t20200310_99402.html",
            title="外部链接：中国政府网",
            date="2020-03-10",
        ),
    )
    flaky, slow, moved = trs[7], trs[14], trs[17]
    for row, change in ((flaky, {"flaky": True}), (slow, {"slow": 1.5})):
        assert row.article is not None
        art = replace(row.article, **change)
        cat.articles[(art.site, art.path)] = art
        trs[trs.index(row)] = replace(row, article=art)
    # An old URL that answers 301 to where the article lives now.
    assert moved.article is not None
    old = moved.href.replace(".html", "_old.html")
    cat.redirects[("replica-trs", old)] = moved.href
    trs[trs.index(moved)] = replace(moved, href=old)
    # A reprint: the people site carries a copy of a founder article under its own URL (duplicate_of).
    people = cat.listings[("replica-people", "要闻")]
    orig = cat.listings[("replica-founder", "山西新闻")][4].article
    assert orig is not None
    copy = replace(
        orig, site="replica-people", column="要闻", path="/GB/314064/9947001.html", reprint_of=orig.title
    )
    cat.articles[(copy.site, copy.path)] = copy
    people.insert(6, Row(href=copy.path, title=copy.title, date=copy.published[:10], article=copy))
    # GBK-only characters (硚, 镕) in a page whose <meta> says gb2312.
    gbk = people[2].article
    assert gbk is not None
    gbk = replace(gbk, title="我省医疗队进驻武汉硚口区方舱医院",
                  paragraphs=("我省支援湖北医疗队当日进驻硚口区武汉体育馆方舱医院，朱镕基同志题词的展板立在门口。",
                              *gbk.paragraphs[1:]))  # fmt: skip
    cat.articles[(gbk.site, gbk.path)] = gbk
    people[2] = replace(people[2], title=gbk.title, article=gbk)
