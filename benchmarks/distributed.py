"""Distributed crawl throughput on the replica with 1, 2 and 3 workers (loopback, politeness delays off).

A private redis-server on 127.0.0.1 (a free port), the replica in its own process with a generated TRS
column of ``--articles`` pages, and for each worker count a fresh Redis database and output folder. The
workers are real ``scrapy crawl provincial`` processes made workers by ``newsspider.distributed.
redis_settings``, all started at once. Throughput is measured on the server's side: pages answered over the
time from the first to the last answer (start-up and the idle wait at the end excluded); wall time is from
launch to the last worker's exit. Each run is checked: every generated article stored exactly once across
the shards. The scaling ratio is pages/s with N workers over pages/s with one.

    python benchmarks/distributed.py [--articles 1500] [--workers 1,2,3] [--concurrency 16] [--runs 1]
    python benchmarks/distributed.py --delay 0.05   # politeness-bound workers (each waits between pages)

Needs a ``redis-server`` binary. On a machine with fewer cores than workers + 1 (the replica), the workers
compete for CPU and the ratio says more about the machine than about the design: the script prints the
core count next to the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``newsspider`` and ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis

from benchmarks.crawl import page_entries, rate, replica_log, start_replica
from newsspider.dataset import iter_records, record_files
from newsspider.distributed_config import redis_settings

REPO = Path(__file__).resolve().parent.parent


def start_redis(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server not installed (apt-get install -y redis-server)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    argv = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
            "--dir", str(workdir)]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            if redis.Redis(port=port, socket_timeout=1).ping():
                return proc, f"redis://127.0.0.1:{port}"
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                proc.kill()
                sys.exit(f"redis-server did not start on port {port}")
            time.sleep(0.05)


def worker_command(
    info: dict[str, Any], redis_url: str, out: Path, shard: str, concurrency: int, delay: float
) -> list[str]:
    settings: dict[str, object] = {
        **redis_settings(redis_url, run_id="bench", shard=shard, idle_seconds=1.0),
        "DOWNLOAD_DELAY": delay, "RANDOMIZE_DOWNLOAD_DELAY": False, "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS": concurrency, "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency if not delay else 1,
        "LOG_LEVEL": "WARNING", "NEWSSPIDER_PROGRESS": False,
        "NEWSSPIDER_SITES_DIR": info["sites_dir"], "NEWSSPIDER_DATA_DIR": str(out),
        "NEWSSPIDER_RUN_ID": f"bench-{shard}", "NEWSSPIDER_ALLOW_PRIVATE_HOSTS": ",".join(info["private_hosts"]),
    }  # fmt: skip
    argv = [sys.executable, "-m", "scrapy", "crawl", "provincial", "-a", "site=replica-gen"]
    for key, value in settings.items():
        argv += ["-s", f"{key}={value}"]
    return argv


def one_run(
    info: dict[str, Any], redis_url: str, workers: int, args: argparse.Namespace, since: int
) -> dict[str, Any]:
    articles = args.articles
    with tempfile.TemporaryDirectory(prefix="dist-bench-") as tmp:
        out = Path(tmp) / "data"
        started = time.monotonic()
        commands = [
            worker_command(info, redis_url, out, f"w{n}", args.concurrency, args.delay)
            for n in range(1, workers + 1)
        ]
        procs = [
            subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for cmd in commands
        ]
        for proc in procs:
            _, err = proc.communicate(timeout=900)
            if proc.returncode != 0:
                sys.exit(f"a worker failed ({proc.returncode}):\n{err[-3000:]}")
        wall = time.monotonic() - started
        urls = Counter(r["url"] for p in record_files(out) for _, r in iter_records(p, lambda bad: None))
        shards: Counter[str] = Counter()
        for path in record_files(out):
            shards[path.name.split(".")[1]] += sum(1 for _ in iter_records(path, lambda bad: None))
    entries = page_entries(replica_log(info, since))
    pages, per_s = rate(entries)
    span = entries[-1]["at"] - entries[0]["at"] if len(entries) > 1 else 0.0
    twice = sum(1 for n in urls.values() if n > 1)
    if len(urls) != articles or twice:
        sys.exit(f"{workers} workers stored {len(urls)} of {articles} articles, {twice} more than once")
    return {
        "workers": workers, "pages": pages, "span_s": round(span, 2), "pages_per_s": round(per_s, 1),
        "wall_s": round(wall, 1), "per_worker": sorted(shards.values(), reverse=True),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=1500, help="generated articles (default 1500)")
    parser.add_argument("--workers", default="1,2,3", help="worker counts to measure (default 1,2,3)")
    parser.add_argument("--concurrency", type=int, default=16, help="CONCURRENT_REQUESTS per worker")
    parser.add_argument(
        "--delay", type=float, default=0.0,
        help="politeness-bound mode: DOWNLOAD_DELAY per worker, one request at a time per host (default 0: off)",
    )  # fmt: skip
    parser.add_argument("--runs", type=int, default=1, help="runs per worker count; the median is kept")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.workers.split(",")]
    with tempfile.TemporaryDirectory(prefix="dist-bench-redis-") as tmp:
        redis_proc, base = start_redis(Path(tmp))
        replica, info = start_replica(args.articles)
        try:
            results = []
            for db, workers in enumerate(counts, start=1):
                runs = []
                for _ in range(args.runs):
                    redis.Redis.from_url(f"{base}/{db}").flushdb()
                    since = len(replica_log(info, 0))
                    runs.append(one_run(info, f"{base}/{db}", workers, args, since))
                best = sorted(runs, key=lambda r: r["pages_per_s"])[len(runs) // 2]
                best["runs_pages_per_s"] = [r["pages_per_s"] for r in runs]
                results.append(best)
                print(json.dumps(best), flush=True)
        finally:
            replica.terminate()
            replica.wait(timeout=10)
            redis_proc.terminate()
            redis_proc.wait(timeout=10)
    base_rate = results[0]["pages_per_s"] or 1.0
    mode = f"delay {args.delay} s, 1 per host" if args.delay else f"concurrency {args.concurrency}, no delay"
    print(f"\n{args.articles} generated articles, {mode} per worker, "
          f"{os.cpu_count()} CPU cores (load average {os.getloadavg()[0]:.1f} at the end)")  # fmt: skip
    print(f"{'workers':>7} {'pages':>6} {'span s':>7} {'pages/s':>8} {'wall s':>7} {'scaling':>8}")
    for r in results:
        r["scaling"] = round(r["pages_per_s"] / base_rate, 2)
        print(f"{r['workers']:>7} {r['pages']:>6} {r['span_s']:>7} {r['pages_per_s']:>8} {r['wall_s']:>7} "
              f"{r['scaling']:>7}x")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
