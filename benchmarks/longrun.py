"""Long run: a crawl of N generated articles (default 20,000) with its memory and file handles watched.

The replica serves its generated TRS column (``python -m newsspider.replica --generated N``, its own
process); ``newsspider crawl --site replica-gen`` crawls it with politeness off. Every ``--sample`` seconds
the crawl process's RSS (with its children), its open file descriptors (``/proc/PID/fd``) and the records
written so far are read. At the end the records are checked against the replica's own table: every
article once, none missing.

What a user relies on: memory flat (no growth with the number of articles: the dupefilter's fingerprints
are the only thing that must grow, ~100 bytes a URL), file handles flat (one per day file, the state
database, the log), nothing lost or duplicated.

    python benchmarks/longrun.py [--articles 20000] [--sample 2] [--concurrency 16] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.procstat import tree_rss_mb

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Sample:
    at: float
    """Seconds since the crawl started."""
    rss_mb: float
    fds: int
    records: int


@dataclass
class LongRun:
    articles: int
    elapsed: float = 0.0
    returncode: int | None = None
    samples: list[Sample] = field(default_factory=list)
    written: int = 0
    unique: int = 0
    missing: int = 0
    stderr_tail: str = ""

    @property
    def peak_rss_mb(self) -> float:
        return max((s.rss_mb for s in self.samples), default=0.0)

    def steady(self) -> list[Sample]:
        """Samples after start-up (the first quarter of the run) while records were still coming in."""
        if not self.samples:
            return []
        cut = self.samples[-1].at / 4
        return [s for s in self.samples if s.at >= cut and s.records < self.articles] or self.samples[-1:]

    @property
    def rss_growth_mb(self) -> float:
        """Median RSS of the last third of the steady part minus that of its first third."""
        steady = self.steady()
        third = max(1, len(steady) // 3)
        return statistics.median(s.rss_mb for s in steady[-third:]) - statistics.median(
            s.rss_mb for s in steady[:third]
        )

    @property
    def fd_growth(self) -> int:
        steady = self.steady()
        return max(s.fds for s in steady) - min(s.fds for s in steady)

    def as_dict(self) -> dict[str, Any]:
        return {
            "articles": self.articles, "elapsed_s": round(self.elapsed, 1), "returncode": self.returncode,
            "written": self.written, "unique": self.unique, "missing": self.missing,
            "peak_rss_mb": round(self.peak_rss_mb, 1), "rss_growth_mb": round(self.rss_growth_mb, 1),
            "fd_growth": self.fd_growth, "curve": [[round(s.at, 1), round(s.rss_mb, 1), s.fds, s.records]
                                                   for s in self.samples],
        }  # fmt: skip


def _fds(pid: int) -> int:
    try:
        return len(list(Path(f"/proc/{pid}/fd").iterdir()))
    except OSError:
        return 0


class _LineCounter:
    """Records written so far, reading only the bytes added since the last look."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.offsets: dict[Path, int] = {}
        self.lines = 0

    def count(self) -> int:
        for path in self.out.glob("*/*.jsonl"):
            if path.parent.name in {"runs", "logs", "quarantine"}:
                continue
            start = self.offsets.get(path, 0)
            with path.open("rb") as f:
                f.seek(start)
                chunk = f.read()
            self.lines += chunk.count(b"\n")
            self.offsets[path] = start + len(chunk)
        return self.lines


def _expected_urls(base: str, articles: int) -> set[str]:
    from newsspider.replica import build_catalog

    catalog = build_catalog(generated=articles)
    rows = catalog.listings[("replica-trs", "生成")]
    return {base + row.article.path for row in rows if row.article is not None}


def run_longrun(articles: int, *, sample: float = 2.0, concurrency: int = 16, out: Path) -> LongRun:
    """Crawl ``articles`` generated articles into ``out`` and watch the crawl. Blocks until it ends."""
    replica = subprocess.Popen(
        [sys.executable, "-m", "newsspider.replica", "--generated", str(articles)],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    result = LongRun(articles=articles)
    try:
        assert replica.stdout is not None
        info = json.loads(replica.stdout.readline())
        pairs = ["DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", f"CONCURRENT_REQUESTS={concurrency}",
                 f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}", "LOG_LEVEL=WARNING",
                 "NEWSSPIDER_PROGRESS=False", f"NEWSSPIDER_ALLOW_PRIVATE_HOSTS={','.join(info['private_hosts'])}"]  # fmt: skip
        command = [sys.executable, "-m", "newsspider.cli", "crawl", "--site", "replica-gen", "--sites-dir",
                   info["sites_dir"], "--out", str(out), "--quiet"]  # fmt: skip
        for pair in pairs:
            command += ["-s", pair]
        with tempfile.TemporaryFile() as stderr:
            started = time.monotonic()
            crawl = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=stderr)
            counter = _LineCounter(out)
            while crawl.poll() is None:
                rss = tree_rss_mb(crawl.pid)
                fds = _fds(crawl.pid)
                if rss:
                    result.samples.append(Sample(time.monotonic() - started, rss, fds, counter.count()))
                time.sleep(sample)
            result.elapsed = time.monotonic() - started
            result.returncode = crawl.returncode
            stderr.seek(0)
            result.stderr_tail = stderr.read()[-3000:].decode("utf-8", "replace")
        urls = Counter(
            json.loads(line)["url"]
            for path in out.glob("*/*.jsonl")
            if path.parent.name not in {"runs", "logs", "quarantine"}
            for line in path.read_bytes().splitlines()
            if line.strip()
        )
        expected = _expected_urls(info["bases"]["replica-trs"], articles)
        result.written = sum(urls.values())
        result.unique = len(urls)
        result.missing = len(expected - set(urls))
    finally:
        replica.terminate()
        replica.wait(timeout=30)
    return result


def curve_text(run: LongRun, width: int = 50) -> str:
    """The RSS curve as text: one line per sample, a bar scaled to the peak."""
    peak = run.peak_rss_mb or 1.0
    lines = [f"{'t (s)':>7}  {'RSS MB':>7}  {'fds':>4}  {'records':>8}"]
    for s in run.samples:
        bar = "#" * max(1, round(width * s.rss_mb / peak))
        lines.append(f"{s.at:7.1f}  {s.rss_mb:7.1f}  {s.fds:4d}  {s.records:8d}  {bar}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--sample", type=float, default=2.0, help="seconds between samples")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--out", type=Path, help="output folder (default: a temp dir, removed)")
    parser.add_argument("--json", type=Path, help="also write the figures and the curve here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="longrun-") as tmp:
        run = run_longrun(args.articles, sample=args.sample, concurrency=args.concurrency,
                          out=args.out or Path(tmp))  # fmt: skip
    print(curve_text(run))
    figures = run.as_dict()
    del figures["curve"]
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(run.as_dict(), indent=2) + "\n", encoding="utf-8")
    ok = run.returncode == 0 and run.missing == 0 and run.written == run.unique == run.articles
    if not ok:
        print(run.stderr_tail, file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
