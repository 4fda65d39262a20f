"""State store size and lookup time at 1,000,000 seen URLs; memory sampled while it fills.

Marks generated articles seen in batches (as the store pipeline commits them), printing the process RSS
every 100,000 so a growing curve would show; then times lookups of stored URLs (hits) and of new ones
(misses, what the incremental middleware asks for most on a listing page with new rows), and reports the
database size on disk.

    python benchmarks/state.py [--urls 1000000] [--batch 1000] [--lookups 100000] [--backend sqlite|redis]

``--backend redis`` needs a redis-server binary; it is started on 127.0.0.1 for the run.
"""

from __future__ import annotations

import argparse
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``pipelines`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.state import SeenEntry, StateStore, open_state


def rss_mb() -> float:
    """Resident set size of this process now (not the peak), from /proc."""
    with Path("/proc/self/statm").open() as f:
        pages = int(f.read().split()[1])
    return pages * 4096 / 1e6


def url_of(n: int) -> str:
    site = ("www.shanxi.gov.cn", "www.henan.gov.cn", "www.sxrb.com", "sx.people.com.cn")[n % 4]
    return f"http://{site}/yw/sxyw/{2015 + n % 10}{n % 12 + 1:02d}/t2020{n % 1000:04d}_{n}.shtml"


def entry(n: int) -> SeenEntry:
    return SeenEntry(
        url=url_of(n),
        content_hash=f"{n:064x}",
        title_hash=f"{n:016x}",
        version=1,
        published_at=f"20{15 + n % 10}-{n % 12 + 1:02d}-{n % 28 + 1:02d}T10:00:00+08:00",
        last_seen="2026-11-28T10:00:00+00:00",
        site="shanxi-gov",
    )


def fill(store: StateStore, urls: int, batch: int) -> float:
    started = time.perf_counter()
    for first in range(0, urls, batch):
        store.commit([entry(n) for n in range(first, min(urls, first + batch))], {})
        done = first + batch
        if done % 100_000 == 0 or done >= urls:
            print(
                f"  {min(done, urls):>9,} seen   rss {rss_mb():7.1f} MB   {time.perf_counter() - started:7.1f} s"
            )
    return time.perf_counter() - started


def lookups(store: StateStore, urls: int, count: int) -> tuple[float, float]:
    rng = random.Random(1)
    hits = [url_of(rng.randrange(urls)) for _ in range(count)]
    misses = [url_of(urls + rng.randrange(urls)) for _ in range(count)]
    t0 = time.perf_counter()
    found = sum(store.resolve(u) is not None for u in hits)
    t1 = time.perf_counter()
    missing = sum(store.resolve(u) is None for u in misses)
    t2 = time.perf_counter()
    if found != count or missing != count:
        raise SystemExit(f"lookups went wrong: {found} hits, {missing} misses of {count}")
    return (t1 - t0) / count * 1e6, (t2 - t1) / count * 1e6


def start_redis(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server not installed (apt-get install -y redis-server)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, f"redis://127.0.0.1:{port}/0"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--urls", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--lookups", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "redis"), default="sqlite")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-state-") as tmp:
        redis_proc = None
        spec = ""
        if args.backend == "redis":
            redis_proc, spec = start_redis(Path(tmp))
        try:
            store = open_state(spec, Path(tmp))
            print(f"{args.backend}: marking {args.urls:,} URLs seen in batches of {args.batch}")
            seconds = fill(store, args.urls, args.batch)
            hit_us, miss_us = lookups(store, args.urls, args.lookups)
            print(f"fill: {seconds:.1f} s ({args.urls / seconds:,.0f} marks/s)")
            print(f"lookup: hit {hit_us:.1f} µs, miss {miss_us:.1f} µs (mean of {args.lookups:,} each)")
            if args.backend == "sqlite":
                store.close()
                size = sum(p.stat().st_size for p in Path(tmp).glob("state.sqlite*"))
                print(f"size on disk: {size / 1e6:.0f} MB ({size / args.urls:.0f} bytes per URL)")
            else:
                import redis

                info = redis.Redis.from_url(spec).info("memory")
                print(f"redis used_memory: {info['used_memory'] / 1e6:.0f} MB")
                store.close()
            print(f"rss at end: {rss_mb():.1f} MB")
        finally:
            if redis_proc is not None:
                redis_proc.terminate()
                redis_proc.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
