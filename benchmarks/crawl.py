"""Crawl throughput and memory on the replica (loopback, politeness delays off).

1. Throughput: ``newsspider crawl`` of the replica's generated TRS column (full parsing and pipelines) against a
   bare Scrapy spider that fetches exactly the pages the full crawl fetched and yields only their URL; same
   concurrency, same reactor. The bare spider crawls them as the full crawl does (listing page, its article
   links, next listing page); the same bare spider given every URL at the start is reported beside it.
   Measured, the crawling one is the faster (about 1,000 against 950 pages/s on 2026-11-28), so the ratio to
   it is the stricter of the two.
   Pages per second are measured on the server's side: pages answered over the time from the first to the
   last answer (process start-up excluded); for the full crawl, to its last record written if that is
   later, so pages fetched but still waiting for a parse worker are not counted as done. Bar: full / bare
   >= 0.8.
   Beside the rates: the CPU milliseconds per page that each process used over the same span (crawl process,
   parse workers, replica; read from /proc), and the ratios those figures cap the measurement at
   (``ceilings``): they show which process holds the rate back.
2. Memory: peak RSS of a full crawl of ``--memory-articles`` (20,000) generated articles, sampled every
   ``--sample`` seconds from /proc; the curve is printed. Bar: < 300 MB, flat.

3. Where the time goes, measured in this process on the same generated pages: the article parser per page,
   each item pipeline per record, and the spider's own listing and article callbacks per page.

The replica runs in its own process so its rendering does not share the crawler's interpreter.

    python benchmarks/crawl.py [--articles 2000] [--memory-articles 20000] [--concurrency 16] [--runs 2]
    python benchmarks/crawl.py --articles 0 --memory-articles 20000   # the memory run alone
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.crawl_parts import PER_PAGE, breakdown
from benchmarks.procstat import CpuSampler, tree_rss_mb

if TYPE_CHECKING:
    from collections.abc import Callable

REPO = Path(__file__).resolve().parent.parent
_DRAIN_WARNING_MS = 250
"""A full crawl's last record this long after its last page: its parse workers were starved."""
JUDGED_ARTICLES = 1000
"""Fewer articles than this and the throughput run is too short to say anything about the bar."""


def start_replica(generated: int) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsspider.replica", "--generated", str(generated)],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    info: dict[str, Any] = json.loads(proc.stdout.readline())
    return proc, info


def replica_log(info: dict[str, Any], since: int) -> list[dict[str, Any]]:
    url = f"{info['bases']['replica-trs']}/__replica__/log?since={since}"
    with urllib.request.urlopen(url, timeout=30) as answer:
        entries: list[dict[str, Any]] = json.load(answer)
    return entries


def settings_args(info: dict[str, Any], concurrency: int, processes: int = 0) -> list[str]:
    pairs = [
        f"NEWSSPIDER_PARSE_PROCESSES={processes}",
        "DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", f"CONCURRENT_REQUESTS={concurrency}",
        f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}", "LOG_LEVEL=WARNING", "NEWSSPIDER_PROGRESS=False",
        f"NEWSSPIDER_ALLOW_PRIVATE_HOSTS={','.join(info['private_hosts'])}",
    ]  # fmt: skip
    return [arg for pair in pairs for arg in ("-s", pair)]


def full_crawl(
    info: dict[str, Any], out: Path, concurrency: int, max_pages: int, processes: int
) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "newsspider.cli", "crawl", "--site", "replica-gen", "--sites-dir",
               info["sites_dir"], "--out", str(out), "--quiet", *settings_args(info, concurrency, processes)]  # fmt: skip
    if max_pages:
        command += ["--max-pages", str(max_pages)]
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


_PAGES = frozenset({"article", "listing"})


def page_entries(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The crawled pages among the server's log entries: not robots.txt, and not the benchmark's own
    calls to the replica's log, whose first one is answered before the crawl process even starts (counting
    it put the process start-up into the rate)."""
    return [e for e in entries if e["status"] == 200 and e["kind"] in _PAGES]


def rate(entries: list[dict[str, Any]], done_at: float | None = None) -> tuple[int, float]:
    """(pages, pages per second) from the server's log of one run: from its first page to its last, or to
    ``done_at`` when that is later (the full crawl's last record written: a crawl that fetches faster than
    it parses leaves pages queued for the parse workers, up to Scrapy's 5 MB of responses in progress)."""
    if len(entries) < 2:
        return len(entries), 0.0
    span = max(entries[-1]["at"], done_at or 0.0) - entries[0]["at"]
    return len(entries), (len(entries) - 1) / span if span > 0 else 0.0


def last_record_written(out: Path) -> float | None:
    """When the crawl last wrote a record (its day files' latest modification time), or None."""
    times = [path.stat().st_mtime for path in out.glob("*/*.jsonl")]
    return max(times) if times else None


# -- the bare spider, run in its own process ---------------------------------------------------------------


def bare_worker(url_file: Path, concurrency: int, follow: bool) -> None:
    """Fetch the pages of ``url_file`` and yield only their URL: Scrapy's own cost, nothing of ours.

    ``follow`` (the default): crawl them as the full crawl does, from the first listing page, taking each
    listing's article links (an XPath for ``@href``, kept when they are among the pages) and then the next
    listing page, so the bare spider waits on pagination as the full crawl does. Without it, every URL is
    known at the start: an upper bound no crawl of a paginated site reaches.
    """
    from scrapy import Request, Spider
    from scrapy.crawler import CrawlerProcess

    from newsspider import settings as project_settings

    fetched: list[dict[str, str]] = json.loads(url_file.read_text(encoding="utf-8"))
    listings = [e["url"] for e in fetched if e["kind"] == "listing"]
    articles = {e["url"] for e in fetched if e["kind"] == "article"}
    next_listing = dict(itertools.pairwise(listings))
    listing_set = set(listings)

    class BareSpider(Spider):
        name = "bare"

        async def start(self) -> Any:
            for entry in fetched[:1] if follow else fetched:
                yield Request(entry["url"], dont_filter=True)

        def parse(self, response: Any) -> Any:
            if follow and response.url in listing_set:
                for href in response.xpath("//a/@href").getall():
                    if (url := response.urljoin(href)) in articles:
                        yield Request(url)
                if response.url in next_listing:
                    yield Request(next_listing[response.url])
            yield {"url": response.url}

    process = CrawlerProcess(
        {
            "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
            # The same item concurrency as the full crawl, so the ratio compares like with like.
            "CONCURRENT_ITEMS": project_settings.CONCURRENT_ITEMS,
            "DOWNLOAD_DELAY": 0,
            "ROBOTSTXT_OBEY": False,
            "LOG_LEVEL": "WARNING",
            "TELNETCONSOLE_ENABLED": False,
            "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
            "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        }
    )
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler)
    process.start()
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    print(
        json.dumps(
            {"pages": stats.get("response_received_count", 0), "elapsed": stats["elapsed_time_seconds"]}
        )
    )


def bare_crawl(url_file: Path, concurrency: int, follow: bool) -> subprocess.Popen[str]:
    command = [sys.executable, __file__, "--bare", str(url_file), "--concurrency", str(concurrency)]
    if not follow:
        command.append("--bare-list")
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def measured_run(
    info: dict[str, Any], start: Callable[[], subprocess.Popen[str]], replica_pid: int
) -> tuple[list[dict[str, Any]], dict[str, float | None]]:
    """Run one crawl process (``start()`` returns it) to its end: the pages the replica answered it, and the
    CPU milliseconds per page that the crawl process, its child processes and the replica used between the
    first and the last page."""
    mark = len(replica_log(info, 0))
    proc = start()
    with CpuSampler({"crawl": proc.pid, "replica": replica_pid}, with_children=True) as cpu:
        _, err = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"crawl exited {proc.returncode}: {err[-2000:]}")
    fetched = page_entries(replica_log(info, mark))
    ms: dict[str, float | None] = {}
    for key in ("crawl", "crawl children", "replica"):
        used = cpu.used(key, fetched[0]["at"], fetched[-1]["at"]) if len(fetched) > 1 else None
        ms[key] = round(used / len(fetched) * 1000, 3) if used is not None else None
    return fetched, ms


# -- the two measurements ----------------------------------------------------------------------------------


def throughput(
    info: dict[str, Any], articles: int, concurrency: int, runs: int, processes: int, replica_pid: int
) -> dict[str, Any]:
    """Full crawl against the bare spider following the same pagination (the bar's ratio) and against the
    bare spider given every URL at the start (reported beside it), with each one's CPU per page."""
    max_pages = -(-articles // PER_PAGE)
    rates: dict[str, list[float]] = {"full": [], "bare": [], "bare_list": []}
    cpu: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        for run in range(runs):
            out = Path(tmp) / f"full{run}"
            fetched, ms = measured_run(
                info, partial(full_crawl, info, out, concurrency, max_pages, processes), replica_pid
            )
            done_at = last_record_written(out)
            pages, full_rate = rate(fetched, done_at)
            rates["full"].append(full_rate)
            _keep(cpu, {"full crawl process": ms["crawl"], "full parse workers": ms["crawl children"],
                        "full replica": ms["replica"]})  # fmt: skip
            base = info["bases"]["replica-trs"]
            url_file = Path(tmp) / "pages.json"
            url_file.write_text(json.dumps([{"url": base + e["path"], "kind": e["kind"]} for e in fetched]))
            drain = max((done_at or 0.0) - fetched[-1]["at"], 0.0) * 1000
            line = (
                f"  run {run + 1}: full {pages} pages {full_rate:.1f}/s (crawl process {ms['crawl']} ms/page,"
                f" last record {drain:.0f} ms after the last page)"
            )
            for key, follow in (("bare", True), ("bare_list", False)):
                bare_fetched, ms = measured_run(
                    info, partial(bare_crawl, url_file, concurrency, follow), replica_pid
                )
                bare_pages, bare_rate = rate(bare_fetched)
                rates[key].append(bare_rate)
                line += f", {key} {bare_pages} pages {bare_rate:.1f}/s ({ms['crawl']} ms/page)"
                if key == "bare":
                    _keep(cpu, {"bare crawl process": ms["crawl"], "bare replica": ms["replica"]})
            print(line, flush=True)
            if drain > _DRAIN_WARNING_MS:
                print(f"  warning: the parse workers fell {drain / 1000:.1f} s behind the downloads (they run"
                      " niced): is something else using this machine's cores?", flush=True)  # fmt: skip
    full, bare, bare_list = (statistics.median(rates[key]) for key in ("full", "bare", "bare_list"))
    cpu_ms = {key: round(statistics.median(values), 3) for key, values in cpu.items()}
    return {"full_pages_per_s": round(full, 1), "bare_pages_per_s": round(bare, 1),
            "ratio": round(full / bare, 3), "bare_list_pages_per_s": round(bare_list, 1),
            "ratio_to_bare_list": round(full / bare_list, 3), "articles": articles,
            "concurrency": concurrency, "cpu_ms_per_page": cpu_ms,
            "ceilings": ceilings(cpu_ms, bare)}  # fmt: skip


def _keep(into: dict[str, list[float]], values: dict[str, float | None]) -> None:
    for key, value in values.items():
        if value is not None:
            into.setdefault(key, []).append(value)


def ceilings(cpu_ms: dict[str, float], bare_rate: float) -> dict[str, float | None]:
    """The highest ratio the CPU figures allow, whatever the scheduling. ``crawl_process``: the crawl process
    is single-threaded, so it cannot go faster than one core over its CPU per page, against the bare
    process's. ``these_cores``: all processes of the full crawl (crawl, parse workers, replica) share this
    machine's cores."""
    crawl, bare = cpu_ms.get("full crawl process"), cpu_ms.get("bare crawl process")
    total = sum(cpu_ms.get(key, 0.0) for key in ("full crawl process", "full parse workers", "full replica"))
    cores = os.cpu_count() or 1
    return {
        "crawl_process": round(bare / crawl, 3) if crawl and bare else None,
        "these_cores": round(cores * 1000 / total / bare_rate, 3) if total and bare_rate else None,
        "cores": cores,
    }


def memory(info: dict[str, Any], concurrency: int, sample: float, processes: int) -> dict[str, Any]:
    curve: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-mem-") as tmp:
        out = Path(tmp) / "out"
        mark = len(replica_log(info, 0))
        started = time.monotonic()
        proc = full_crawl(info, out, concurrency, 0, processes)
        while proc.poll() is None:
            value = tree_rss_mb(proc.pid)
            if value is not None:
                curve.append((round(time.monotonic() - started, 1), round(value, 1)))
                print(f"  t={curve[-1][0]:7.1f}s  rss={curve[-1][1]:6.1f} MB", flush=True)
            time.sleep(sample)
        proc.communicate()
        (path,) = sorted((out / "runs").glob("*.json"))
        totals = json.loads(path.read_text(encoding="utf-8"))["totals"]
    pages = len(page_entries(replica_log(info, mark)))
    values = [v for _, v in curve]
    # Flat: the last third of the run stays within 15% of the middle third's peak.
    third = max(1, len(values) // 3)
    mid, tail = values[third : 2 * third] or values, values[2 * third :] or values
    return {
        "articles_stored": totals.get("new", 0), "pages": pages, "elapsed_s": curve[-1][0] if curve else None,
        "peak_rss_mb": max(values) if values else None, "flat": bool(values) and max(tail) <= 1.15 * max(mid),
        "growth_mb_per_1000_pages": round((values[-1] - values[1]) / pages * 1000, 2) if len(values) > 2 else None,
        "curve": curve,
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--articles", type=int, default=2000, help="articles in the throughput comparison (0: skip)"
    )
    parser.add_argument(
        "--memory-articles", type=int, default=20000, help="articles in the memory run (0: skip)"
    )
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--runs", type=int, default=2, help="throughput repetitions (median)")
    parser.add_argument("--sample", type=float, default=3.0, help="seconds between RSS samples")
    parser.add_argument(
        "--parse-processes", type=int, default=0, help="NEWSSPIDER_PARSE_PROCESSES of the full crawl"
    )
    parser.add_argument("--bare", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--bare-list", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        bare_worker(args.bare, args.concurrency, follow=not args.bare_list)
        return 0
    parts = breakdown()
    print("where the time goes (ms):", json.dumps(parts), flush=True)
    proc, info = start_replica(max(args.articles, args.memory_articles))
    result: dict[str, Any] = {}
    try:
        if args.articles:
            print(f"throughput: {args.articles} articles, concurrency {args.concurrency}, "
                  f"parse processes {args.parse_processes}", flush=True)  # fmt: skip
            result["throughput"] = throughput(
                info, args.articles, args.concurrency, args.runs, args.parse_processes, proc.pid
            )
            print(json.dumps(result["throughput"]), flush=True)
        if args.memory_articles:
            print(f"memory: full crawl of {args.memory_articles} generated articles", flush=True)
            result["memory"] = memory(info, args.concurrency, args.sample, args.parse_processes)
            print(json.dumps({k: v for k, v in result["memory"].items() if k != "curve"}), flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    # Only what was measured is judged. A short throughput run is bound by pagination (one listing page at
    # a time), not by either crawler: it says nothing about the bar, whatever its ratio.
    judged = "throughput" in result and args.articles >= JUDGED_ARTICLES
    if "throughput" in result and not judged:
        print(f"throughput: {args.articles} articles are too few to judge the bar (use {JUDGED_ARTICLES}+)")
    ok = (not judged or result["throughput"]["ratio"] >= 0.8) and (
        "memory" not in result or ((result["memory"]["peak_rss_mb"] or 0) < 300 and result["memory"]["flat"])
    )
    if not judged and "memory" not in result:
        print("no bar judged")
        return 0
    print("bars met" if ok else "bars NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
