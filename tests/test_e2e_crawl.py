"""End-to-end: the real ``newsspider crawl`` / ``scrapy crawl provincial`` in a subprocess against the replica.

The expected records come from the replica's own data table (``replica.catalog``), the request log from
the server: what was fetched, how often, and what never was.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from newsspider.commands.crawl import CrawlOutcome, exit_code
from newsspider.exitcodes import EXIT_CHALLENGE, EXIT_CONFIG, EXIT_FAILURES, EXIT_LOCKED
from newsspider.replica.catalog import SITES
from newsspider.runlock import output_lock
from tests.records import read_records

if TYPE_CHECKING:
    from newsspider.replica import Article, LogEntry, Replica

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parent.parent
FAST = ["DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "LOG_LEVEL=INFO", "NEWSSPIDER_PROGRESS=False"]
ALL_KEYS = [s.key for s in SITES]


def _settings(replica: Replica, out: Path, *extra: str) -> list[str]:
    pairs = [*FAST, f"NEWSSPIDER_ALLOW_PRIVATE_HOSTS={','.join(replica.private_hosts)}", *extra]
    return [arg for pair in pairs for arg in ("-s", pair)]


def newsspider_crawl(replica: Replica, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert replica.sites_dir is not None
    command = [sys.executable, "-m", "newsspider.cli", "crawl", "--sites-dir", str(replica.sites_dir),
               "--out", str(out), *args, *_settings(replica, out)]  # fmt: skip
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=90, check=False)


def scrapy_crawl(replica: Replica, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert replica.sites_dir is not None
    command = [sys.executable, "-m", "scrapy", "crawl", "provincial", *args,
               *_settings(replica, out, f"NEWSSPIDER_SITES_DIR={replica.sites_dir}", f"NEWSSPIDER_DATA_DIR={out}")]  # fmt: skip
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=90, check=False)


def report(out: Path) -> dict[str, Any]:
    (path,) = sorted((out / "runs").glob("*.json"))
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def url_of(replica: Replica, art: Article) -> str:
    return replica.base(art.site) + art.path


@pytest.fixture(scope="module")
def full_crawl(replica: Replica, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One ``newsspider crawl`` of every replica site; the tests below read what it left."""
    replica.reset()
    out = tmp_path_factory.mktemp("full")
    mark = replica.mark()
    done = newsspider_crawl(replica, out, *(f"--site={k}" for k in ALL_KEYS))
    return {
        "done": done,
        "out": out,
        "log": replica.log(mark),
        "records": read_records(out),
        "report": report(out),
    }


def test_every_replica_article_is_stored_once(replica: Replica, full_crawl: dict[str, Any]) -> None:
    urls = [r["url"] for r in full_crawl["records"]]
    expected = {url_of(replica, a) for a in replica.catalog.expected()}
    assert len(urls) == len(set(urls)), "an article was stored twice"
    assert set(urls) == expected


def test_sample_titles_dates_and_sources(replica: Replica, full_crawl: dict[str, Any]) -> None:
    by_url = {r["url"]: r for r in full_crawl["records"]}
    names = {s.key: s.name for s in SITES}
    for key in ALL_KEYS[:-1]:  # the guarded site has no records
        for art in [a for a in replica.catalog.expected() if a.site == key and not a.template][:3]:
            got = by_url[url_of(replica, art)]
            assert got["title"] == art.title, art.path
            day, clock = art.published.split(" ")
            # Date-only is allowed by the contract (a page may show only the day); a time must be right.
            assert got["published_at"][:10] == day, art.path
            if "T" in got["published_at"]:
                assert got["published_at"].startswith(f"{day}T{clock[:5]}"), art.path
                assert got["published_at"].endswith("+08:00")
            assert got["source"] == (names[key] if art.source in {"本网", "本站"} else art.source), art.path


def test_gbk_only_characters_and_the_reference_article(replica: Replica, full_crawl: dict[str, Any]) -> None:
    titles = {r["title"] for r in full_crawl["records"]}
    assert "我省医疗队进驻武汉硚口区方舱医院" in titles  # gb2312 label, GBK bytes: no mojibake
    (ref,) = [r for r in full_crawl["records"] if r["url"].endswith("/tingzhengce/2020-02-18/10653.html")]
    assert ref["title"].startswith("山西省委书记楼阳生")
    assert ref["published_at"] == "2020-02-18T19:58:03+08:00"
    assert ref["site"] == "replica-zqsx"


def test_404_and_challenge_are_reported_with_exit_code_4(full_crawl: dict[str, Any]) -> None:
    assert full_crawl["done"].returncode == EXIT_CHALLENGE, full_crawl["done"].stderr[-3000:]
    failures = full_crawl["report"]["sites"]["replica-trs"]["failures"]
    assert [f["reason"] for f in failures if f["url"].endswith("t20200315_99404.html")] == ["http 404"]
    assert {c["host"] for c in full_crawl["report"]["challenges"]} == {"127.0.0.7"}
    assert "challenge" in full_crawl["done"].stdout


def test_the_challenge_host_is_asked_once(full_crawl: dict[str, Any]) -> None:
    asked = [e for e in full_crawl["log"] if e.host == "127.0.0.7"]
    assert len(asked) == 1
    assert asked[0].status == 412


def test_robots_disallowed_offsite_and_big5_are_never_fetched(full_crawl: dict[str, Any]) -> None:
    log: list[LogEntry] = full_crawl["log"]
    assert not [e for e in log if e.path.startswith("/private/")]
    assert not [e for e in log if e.host == "127.0.0.9"]
    assert not [e for e in log if "/BIG5/" in e.path]
    skipped = full_crawl["report"]["sites"]["replica-trs"]["skipped"]
    assert skipped.get("robots.txt") == 1
    assert skipped.get("off-site") == 1


def test_the_500_page_is_retried_and_the_redirect_followed(
    replica: Replica, full_crawl: dict[str, Any]
) -> None:
    (flaky,) = [a for a in replica.catalog.articles.values() if a.flaky]
    assert [e.status for e in full_crawl["log"] if e.path == flaky.path] == [500, 200]
    (old, new), = replica.catalog.redirects.items()  # fmt: skip
    assert [e.status for e in full_crawl["log"] if e.path == old[1]] == [301]
    assert replica.base("replica-trs") + new in {r["url"] for r in full_crawl["records"]}


def test_every_article_is_downloaded_once(full_crawl: dict[str, Any]) -> None:
    fetched = [e.path for e in full_crawl["log"] if e.kind == "article" and e.status == 200]
    assert len(fetched) == len(set(fetched)), (
        "an article page was downloaded twice (the duplicate listing row)"
    )


def test_since_stops_pagination_and_skips_older_rows(replica: Replica, tmp_path: Path) -> None:
    founder = replica.catalog.listings[("replica-founder", "山西新闻")]
    since = founder[4].date  # inside page 1 (10 rows): page 2 holds only older rows
    mark = replica.mark()
    done = scrapy_crawl(replica, tmp_path, "-a", "site=replica-founder", "-a", f"since={since}")
    assert done.returncode == 0, done.stderr[-3000:]
    listings = [e.path for e in replica.log(mark) if e.kind == "listing"]
    assert listings == ["/node_311.htm", "/node_311_2.htm"]  # page 2 is all older: page 3 never asked
    stored = {r["url"] for r in read_records(tmp_path)}
    assert stored == {replica.base("replica-founder") + r.href for r in founder if r.date >= since}


def test_sites_that_bring_nothing_fail_the_run_and_say_why(replica: Replica, tmp_path: Path) -> None:
    # Four profiles whose first listing page yields nothing, each for another reason, in one quiet run.
    trs, founder = replica.base("replica-trs"), replica.base("replica-founder")
    columns = {
        "robots-site": ("127.0.0.1", "trs", f"{trs}/private/index.html"),
        "moved-site": ("127.0.0.1", "trs", f"{trs}/sxyw/index.html"),
        "private-site": ("127.0.0.8", "trs", f"http://127.0.0.8:{replica.port}/yw/index.html"),
        "wrong-platform": ("127.0.0.4", "trs", f"{founder}/node_311.htm"),
    }
    sites = tmp_path / "sites"
    sites.mkdir()
    for key, (host, platform, url) in columns.items():
        (sites / f"{key}.toml").write_text(
            f'name = "{key}"\nplatform = "{platform}"\nallowed_domains = ["{host}"]\n'
            f'[[columns]]\nname = "要闻"\nurl = "{url}"\n',
            encoding="utf-8",
        )
    out = tmp_path / "out"
    mark = replica.mark()
    # The off-site host may be private here, so only allowed_domains can refuse the redirect to it.
    allowed = f"NEWSSPIDER_ALLOW_PRIVATE_HOSTS={','.join(replica.private_hosts)},127.0.0.9"
    command = [sys.executable, "-m", "newsspider.cli", "crawl", "--sites-dir", str(sites), "--out", str(out),
               "--quiet", *(f"--site={k}" for k in columns), *_settings(replica, out, allowed)]  # fmt: skip
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == EXIT_FAILURES, done.stderr[-3000:]
    reasons = {
        "robots-site": "robots.txt forbids it",
        "moved-site": "redirected to 127.0.0.9, outside allowed_domains (site moved? fix the profile)",
        "private-site": "refused: 127.0.0.8, a private address",
        "wrong-platform": "no article links found on the column's first page",
    }
    warnings = [line for line in done.stderr.splitlines() if "WARNING" in line and "listing" in line]
    got = report(out)
    for key, reason in reasons.items():
        url = columns[key][2]
        (line,) = [w for w in warnings if f"site {key}," in w]
        assert "column 要闻" in line, line
        assert url in line, line
        assert reason in line, line
        site = got["sites"][key]
        assert site["totals"]["listing_failed"] == 1
        assert [(f["url"], f["kind"]) for f in site["failures"]] == [(url, "listing")]
        assert site["failures"][0]["reason"].startswith(reason)
        assert f"{key} 要闻 listing failed: {url}" in done.stdout  # --quiet still prints a failed run
    assert "Traceback" not in done.stderr
    log = replica.log(mark)
    assert not [e for e in log if e.host in {"127.0.0.8", "127.0.0.9"} or e.path.startswith("/private/")]
    assert [e.status for e in log if e.path == "/sxyw/index.html"] == [301]


def test_max_pages_caps_each_column(replica: Replica, tmp_path: Path) -> None:
    mark = replica.mark()
    done = scrapy_crawl(replica, tmp_path, "-a", "site=replica-hanweb", "-a", "max_pages=1")
    assert done.returncode == 0, done.stderr[-3000:]
    log = replica.log(mark)
    assert not [e for e in log if "dataproxy" in e.path]
    assert len(read_records(tmp_path)) == 15  # the datastore island's records only


def test_auto_mode_detects_the_platform_from_a_listing_url(replica: Replica, tmp_path: Path) -> None:
    url = replica.base("replica-people") + "/GB/314064/index.html"
    done = newsspider_crawl(replica, tmp_path, "--url", url, "--max-pages", "1")
    assert done.returncode == 0, done.stderr[-3000:]
    got = read_records(tmp_path)
    assert len(got) == 10
    assert all("/GB/314064/" in r["url"] for r in got)


def test_unknown_site_and_bad_profile_exit_with_code_2(replica: Replica, tmp_path: Path) -> None:
    done = newsspider_crawl(replica, tmp_path, "--site", "no-such-site")
    assert done.returncode == EXIT_CONFIG
    assert "no-such-site" in done.stderr
    bad = tmp_path / "sites"
    bad.mkdir()
    (bad / "broken.toml").write_text('name = "坏"\nplatform = "wordpress"\n', encoding="utf-8")
    command = [sys.executable, "-m", "newsspider.cli", "crawl", "--sites-dir", str(bad), "--site", "broken",
               "--out", str(tmp_path / "out")]  # fmt: skip
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == EXIT_CONFIG
    assert "broken.toml" in done.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*/*.jsonl"))


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("site=nope", "no profile named 'nope'"),
        ("since=garbage", "--since wants a date YYYY-MM-DD or a number of days like 7d, got 'garbage'"),
        ("since=99999999d", "--since 99999999d goes back before the year 1"),
    ],
    ids=["unknown-site", "bad-since", "since-past-the-calendar"],
)
def test_scrapy_crawl_with_a_bad_argument_says_so_in_one_line(
    replica: Replica, tmp_path: Path, argument: str, message: str
) -> None:
    done = scrapy_crawl(replica, tmp_path, "-a", "site=replica-zqsx", "-a", argument)
    assert done.returncode == 1
    (line,) = [line for line in done.stderr.splitlines() if "ERROR" in line]
    assert "cannot start the crawl: " in line
    assert message in line
    assert "Traceback" not in done.stderr
    assert "never retrieved" not in done.stderr


def test_a_malformed_dict_setting_exits_with_code_2_naming_it(replica: Replica, tmp_path: Path) -> None:
    done = newsspider_crawl(replica, tmp_path, "--site", "replica-zqsx", "-s", "ITEM_PIPELINES={'x': None}")
    assert done.returncode == EXIT_CONFIG
    assert "ITEM_PIPELINES" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list(tmp_path.glob("**/*.jsonl"))


def test_retry_never_loops_on_a_challenge(replica: Replica, tmp_path: Path) -> None:
    # Even when 412 is made retryable, the challenge middleware (above RetryMiddleware) answers first.
    mark = replica.mark()
    done = scrapy_crawl(replica, tmp_path, "-a", "site=replica-guarded", "-s", "RETRY_HTTP_CODES=412,500",
                        "-s", "ROBOTSTXT_OBEY=False")  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert [e.status for e in replica.log(mark) if e.host == "127.0.0.7"] == [412]


def test_a_second_run_on_a_locked_folder_exits_with_code_3(replica: Replica, tmp_path: Path) -> None:
    with output_lock(tmp_path, "holder-run"):
        done = newsspider_crawl(replica, tmp_path, "--site", "replica-zqsx")
    assert done.returncode == EXIT_LOCKED
    assert "in use by another newsspider run" in done.stderr


@pytest.mark.parametrize(
    ("stats", "report", "code"),
    [
        ({"finish_reason": "finished"}, {"totals": {"failed": 0}, "challenges": []}, 0),
        ({"finish_reason": "finished"}, {"totals": {"failed": 2}, "challenges": []}, 1),
        ({"finish_reason": "finished", "newsspider/listing_failed": 1}, {"totals": {"failed": 0}}, 1),
        ({"finish_reason": "shutdown"}, {"totals": {"failed": 0}}, 1),
        ({"finish_reason": "finished"}, {"totals": {"failed": 2}, "challenges": [{"host": "a"}]}, 4),
        ({}, None, 1),
    ],
    ids=["ok", "article-failures", "listing-failure", "killed", "challenge-wins", "never-started"],
)
def test_exit_codes(tmp_path: Path, stats: dict[str, Any], report: dict[str, Any] | None, code: int) -> None:
    outcome = CrawlOutcome(run_id="r", data_dir=tmp_path, stats=stats, report=report)
    assert exit_code(outcome) == code


def test_parsing_in_worker_processes_gives_the_same_records(
    replica: Replica, full_crawl: dict[str, Any], tmp_path: Path
) -> None:
    # Every site's articles, of every platform, read in a worker process: the same records and counts.
    done = newsspider_crawl(replica, tmp_path, *(f"--site={k}" for k in ALL_KEYS), "--parse-processes", "1")
    assert done.returncode == full_crawl["done"].returncode, done.stderr[-3000:]

    def comparable(found: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        # Which of two articles with the same text is the duplicate depends on which came first.
        return {
            r["url"]: {k: v for k, v in r.items() if k not in ("fetched_at", "duplicate_of")} for r in found
        }

    pooled = read_records(tmp_path)
    assert len(pooled) == len(full_crawl["records"])
    assert comparable(pooled) == comparable(full_crawl["records"])
    assert sum(bool(r["duplicate_of"]) for r in pooled) == sum(
        bool(r["duplicate_of"]) for r in full_crawl["records"]
    )
    assert report(tmp_path)["totals"] == full_crawl["report"]["totals"]


def test_replica_control_endpoint_mutates_removes_and_logs(replica: Replica) -> None:
    import urllib.error
    import urllib.parse
    import urllib.request

    art = next(a for a in replica.catalog.expected() if a.site == "replica-founder")
    base = replica.base("replica-trs") + "/__replica__/"

    def post(action: str, **form: str) -> None:
        data = urllib.parse.urlencode(form).encode()
        with urllib.request.urlopen(base + action, data=data, timeout=10) as answer:
            assert answer.read() == b"ok"

    def get(url: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                return answer.status, answer.read().decode("gbk")
        except urllib.error.HTTPError as error:
            return error.code, ""

    mark = replica.mark()
    try:
        post("mutate", site=art.site, path=art.path, text="改写后的第一段。\n改写后的第二段。")
        status, page = get(replica.base(art.site) + art.path)
        assert status == 200
        assert "改写后的第二段" in page
        assert art.paragraphs[1] not in page
        post("remove", site=art.site, path=art.path)
        assert get(replica.base(art.site) + art.path)[0] == 404
    finally:
        post("reset")
    assert get(replica.base(art.site) + art.path)[0] == 200
    with urllib.request.urlopen(f"{base}log?since={mark}", timeout=10) as answer:
        logged = json.load(answer)
    assert [(e["path"], e["status"]) for e in logged if e["kind"] == "article"] == [
        (art.path, 200),
        (art.path, 404),
        (art.path, 200),
    ]


def test_ctrl_c_on_a_crawl_with_parse_processes_stops_cleanly(replica: Replica, tmp_path: Path) -> None:
    # Ctrl-C on a terminal signals the whole process group, parse workers included.
    assert replica.sites_dir is not None
    command = [sys.executable, "-m", "newsspider.cli", "crawl", "--sites-dir", str(replica.sites_dir),
               "--out", str(tmp_path), "--site", "replica-hanweb", "--parse-processes", "1",
               *_settings(replica, tmp_path, "DOWNLOAD_DELAY=0.2")]  # fmt: skip
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while not read_records(tmp_path) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1  # stopped before the end: not a clean finish
    assert "KeyboardInterrupt" not in stderr
    assert "Traceback" not in stderr
    stored = read_records(tmp_path)  # every line on disk is a whole record
    assert stored
    assert len(stored) < 52  # it did stop early
    assert report(tmp_path)["finish_reason"] == "shutdown"
