"""Distributed crawling: worker processes sharing one crawl through a real redis-server on 127.0.0.1.

Each worker is a real ``scrapy crawl provincial`` subprocess made a worker by ``redis_settings`` (passed as
``-s`` settings), against the replica sites with a generated column for volume. The union of the workers'
shards is checked against the replica's own table; the replica's request log tells what a second run
fetched. Without a redis-server binary the module skips with a message, except when
NEWSSPIDER_REQUIRE_REDIS=1 (CI), where it fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
import redis
from scrapy import Request, Spider

from newsspider.dataset import iter_records, load, record_files
from newsspider.distributed_config import crawl_namespace, default_crawl_id, redis_settings
from newsspider.distributed_queue import LeasedQueue
from newsspider.exitcodes import EXIT_LOCKED
from newsspider.replica import Replica
from tests.net import free_port
from tests.records import read_records

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

F = TypeVar("F", bound="Callable[..., Any]")

pytestmark = [pytest.mark.redis]


def crawl_test(test: F) -> F:
    """Real worker processes crawling the replica: e2e and slow."""
    marked: F = pytest.mark.e2e(pytest.mark.slow(test))
    return marked


REPO = Path(__file__).resolve().parent.parent
SITES = "replica-trs,replica-gen,replica-people,replica-hanweb"
CATALOG_SITES = {"replica-trs", "replica-people", "replica-hanweb"}  # the generated column is trs's
GENERATED = 240
FAST = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "NEWSSPIDER_PROGRESS": "False",
    "LOG_LEVEL": "INFO",
    "NEWSSPIDER_FSYNC_EVERY": "4",
    # Short enough for a test, long enough that a loaded 2-core machine does not take a live worker for dead.
    "NEWSSPIDER_DIST_HEARTBEAT_SECONDS": "0.5",
    "NEWSSPIDER_DIST_LEASE_SECONDS": "6",
}


def _redis_binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        message = (
            "redis-server not installed (apt-get install -y redis-server); distributed crawling untested"
        )
        if os.environ.get("NEWSSPIDER_REQUIRE_REDIS") == "1":
            pytest.fail(message + " but NEWSSPIDER_REQUIRE_REDIS=1")
        pytest.skip(message)
    return binary


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A private redis-server on 127.0.0.1: ``(redis://127.0.0.1:PORT, process)``."""
    port = free_port()
    argv = [_redis_binary(), "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
            "--dir", str(workdir)]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                if redis.Redis(port=port, socket_timeout=1).ping():
                    break
            except redis.ConnectionError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"redis-server did not start on port {port}")
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}", proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def redis_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``redis://127.0.0.1:PORT``: a redis-server for this module (each test takes its own DB)."""
    with redis_server(tmp_path_factory.mktemp("redis")) as (url, _):
        yield url


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replica]:
    with Replica(generated=GENERATED) as served:
        served.write_profiles(tmp_path_factory.mktemp("replica-sites"))
        yield served


def expected_urls(replica: Replica) -> set[str]:
    return {replica.base(a.site) + a.path for a in replica.catalog.expected() if a.site in CATALOG_SITES}


def start_worker(
    replica: Replica, redis_url: str, out: Path, shard: str, crawl_id: str, idle: float = 1.5,
    extra: dict[str, str] | None = None,
) -> subprocess.Popen[str]:  # fmt: skip
    settings = {
        **FAST,
        **(extra or {}),
        **{k: str(v) for k, v in redis_settings(redis_url, run_id=crawl_id, shard=shard, idle_seconds=idle).items()},
        "NEWSSPIDER_SITES_DIR": str(replica.sites_dir),
        "NEWSSPIDER_DATA_DIR": str(out),
        "NEWSSPIDER_RUN_ID": f"{crawl_id}-{shard}",
        "NEWSSPIDER_ALLOW_PRIVATE_HOSTS": ",".join(replica.private_hosts),
    }  # fmt: skip
    argv = [sys.executable, "-m", "scrapy", "crawl", "provincial", "-a", f"site={SITES}"]
    for key, value in settings.items():
        argv += ["-s", f"{key}={value}"]
    log = (out.parent / f"{out.name}-{crawl_id}-{shard}.log").open("w")
    return subprocess.Popen(argv, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, text=True)


def wait_all(workers: dict[str, subprocess.Popen[str]], timeout: float = 60) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    codes = {}
    for shard, proc in workers.items():
        try:
            codes[shard] = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for other in workers.values():
                other.kill()
            pytest.fail(f"worker {shard} still running after {timeout} s: a hanging worker")
    return codes


def run_cluster(
    replica: Replica, redis_url: str, out: Path, crawl_id: str, shards: list[str]
) -> dict[str, int]:
    return wait_all({s: start_worker(replica, redis_url, out, s, crawl_id) for s in shards})


def worker_log(out: Path, crawl_id: str, shard: str) -> str:
    return (out.parent / f"{out.name}-{crawl_id}-{shard}.log").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def two_runs(site: Replica, redis_base: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Three workers crawl the replica; then three more, same crawl id, same state: the incremental run."""
    site.reset()
    out = tmp_path_factory.mktemp("cluster") / "data"
    url = f"{redis_base}/1"
    crawl_id = default_crawl_id(SITES.split(","))
    first_mark = site.mark()
    first = run_cluster(site, url, out, crawl_id, ["w1", "w2", "w3"])
    first_lines = read_records(out)
    second_mark = site.mark()
    second = run_cluster(site, url, out, crawl_id, ["w1", "w2", "w3"])
    return {
        "out": out, "url": url, "crawl_id": crawl_id, "codes": (first, second),
        "first_lines": first_lines, "first_log": site.log(first_mark)[: second_mark - first_mark],
        "second_lines": read_records(out), "second_log": site.log(second_mark),
    }  # fmt: skip


@crawl_test
def test_three_workers_store_every_article_exactly_once(site: Replica, two_runs: dict[str, Any]) -> None:
    assert two_runs["codes"][0] == {"w1": 0, "w2": 0, "w3": 0}
    urls = Counter(r["url"] for r in two_runs["first_lines"])
    assert [u for u, n in urls.items() if n > 1] == [], "an article was written by two workers"
    assert set(urls) == expected_urls(site)
    view = load(two_runs["out"])
    assert sorted(view["url"]) == sorted(expected_urls(site))


@crawl_test
def test_the_work_is_shared_and_each_worker_writes_its_own_shard(two_runs: dict[str, Any]) -> None:
    per_worker: Counter[str] = Counter()
    for path in record_files(two_runs["out"]):
        per_worker[path.name.split(".")[1]] += sum(1 for _ in iter_records(path, lambda bad: None))
    assert set(per_worker) == {"w1", "w2", "w3"}
    # Every worker took part; how evenly depends on the machine's load, which a test cannot pin down.
    assert min(per_worker.values()) >= 1, per_worker


@crawl_test
def test_each_article_is_fetched_once_by_the_cluster(two_runs: dict[str, Any]) -> None:
    fetched = Counter(e.path for e in two_runs["first_log"] if e.kind == "article" and e.status == 200)
    assert len(fetched) >= GENERATED
    assert max(fetched.values()) == 1, fetched.most_common(3)


@crawl_test
def test_a_second_distributed_run_downloads_no_article(two_runs: dict[str, Any]) -> None:
    assert two_runs["codes"][1] == {"w1": 0, "w2": 0, "w3": 0}
    second = two_runs["second_log"]
    # The same crawl id again: the first run's dupefilter is gone, so the listings are read again...
    assert [e for e in second if e.kind == "listing"]
    # ...and every article on them is skipped as seen by the shared state store.
    assert [e.path for e in second if e.kind == "article"] == []
    assert len(two_runs["second_lines"]) == len(two_runs["first_lines"])


@crawl_test
def test_a_finished_crawl_leaves_no_queue_dupefilter_or_workers(two_runs: dict[str, Any]) -> None:
    client = redis.Redis.from_url(two_runs["url"])
    namespace = crawl_namespace(two_runs["url"], two_runs["crawl_id"])
    assert client.keys(f"{namespace}:*") == []
    assert client.hlen("newsspider:seen") == len(two_runs["first_lines"])


@crawl_test
def test_a_worker_stopped_with_ctrl_c_leaves_its_unsent_requests_to_the_cluster(
    site: Replica, redis_base: str, tmp_path: Path
) -> None:
    # On SIGINT the send gate drops the worker's queued requests unsent: they must go back to the shared
    # queue for the next worker, not be acked as done.
    site.reset()
    out = tmp_path / "data"
    url = f"{redis_base}/4"
    crawl_id = "sigint-test"
    slow = {"DOWNLOAD_DELAY": "0.05"}
    first = start_worker(site, url, out, "w1", crawl_id, extra=slow)
    deadline = time.monotonic() + 60
    while (
        time.monotonic() < deadline and first.poll() is None and len(read_records(out, skip_torn=True)) < 15
    ):
        time.sleep(0.02)
    assert first.poll() is None, "w1 finished before it could be stopped"
    first.send_signal(signal.SIGINT)
    wait_all({"w1": first}, timeout=30)
    stopped_at = len(read_records(out))
    assert stopped_at < len(expected_urls(site)) * 0.8, "the stop came too late to test anything"
    assert "requests of this worker went back to the shared queue" in worker_log(out, crawl_id, "w1")
    assert wait_all({"w2": start_worker(site, url, out, "w2", crawl_id)}) == {"w2": 0}
    urls = Counter(r["url"] for r in read_records(out))
    assert [u for u, n in urls.items() if n > 1] == [], "a record was written twice"
    assert set(urls) == expected_urls(site), "a request dropped at shutdown was lost to the cluster"


@crawl_test
def test_a_killed_worker_loses_nothing(site: Replica, redis_base: str, tmp_path: Path) -> None:
    site.reset()
    out = tmp_path / "data"
    url = f"{redis_base}/2"
    crawl_id = "kill-test"
    # A small delay per request keeps the crawl running long enough to be killed in the middle: at full
    # speed on loopback the other two workers finish most of it while the victim writes its first lines.
    slow = {"DOWNLOAD_DELAY": "0.05"}
    workers = {s: start_worker(site, url, out, s, crawl_id, extra=slow) for s in ("w1", "w2", "w3")}
    victim = out / "replica-gen"
    deadline = time.monotonic() + 60
    # Midway: once the victim has written some records, while the crawl is far from done.
    while time.monotonic() < deadline and workers["w2"].poll() is None:
        written = sum(1 for p in victim.glob("*.w2.jsonl") for _ in p.open("rb")) if victim.is_dir() else 0
        if written >= 15:
            break
        time.sleep(0.02)
    assert workers["w2"].poll() is None, "w2 finished before it could be killed"
    workers["w2"].send_signal(signal.SIGKILL)
    workers["w2"].wait(timeout=10)
    killed_at = len(read_records(out, skip_torn=True))
    assert killed_at < len(expected_urls(site)) * 0.8, "the kill came too late to test anything"
    codes = wait_all({s: workers[s] for s in ("w1", "w3")})
    assert codes == {"w1": 0, "w3": 0}
    survivors = worker_log(out, crawl_id, "w1") + worker_log(out, crawl_id, "w3")
    assert "leased requests back in the queue" in survivors
    urls = Counter(r["url"] for r in read_records(out, skip_torn=True))
    assert [u for u, n in urls.items() if n > 1] == [], "a record was written twice"
    assert set(urls) == expected_urls(site), "an article was lost with the killed worker"
    client = redis.Redis.from_url(url)
    assert client.hlen("newsspider:seen") == len(urls)
    assert client.hgetall("newsspider:journal") == {}, "written records left unmarked"


@crawl_test
def test_a_worker_stops_when_redis_goes_away(site: Replica, tmp_path: Path) -> None:
    """No hanging cron job: Redis gone for longer than the lease time ends the worker, with a reason."""
    out = tmp_path / "data"
    with redis_server(tmp_path) as (base, server):
        # A small delay per request keeps a fast machine from finishing before Redis is taken away.
        worker = start_worker(site, f"{base}/0", out, "w1", "outage", extra={"DOWNLOAD_DELAY": "0.05"})
        deadline = time.monotonic() + 60
        while not list(out.glob("replica-gen/*.jsonl")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert worker.poll() is None, "the crawl ended before Redis could be taken away"
        server.kill()
        server.wait(timeout=10)
        stopped = time.monotonic()
        codes = wait_all({"w1": worker}, timeout=40)
    assert time.monotonic() - stopped < 30
    assert codes == {"w1": 0}  # scrapy crawl's own exit code; the reason is in the stats
    assert "'finish_reason': 'redis_unavailable'" in worker_log(out, "outage", "w1")


# -- the pieces, without a crawl -----------------------------------------------------------------------------


def test_a_popped_request_stays_leased_until_acked_or_its_worker_is_reaped(redis_base: str) -> None:
    client = redis.Redis.from_url(f"{redis_base}/3")
    client.flushdb()
    spider = Spider(name="provincial")
    key = crawl_namespace(f"{redis_base}/3", "unit") + ":requests"
    first, second = LeasedQueue(client, spider, key), LeasedQueue(client, spider, key)
    first.bind("a")
    second.bind("b")
    for n in range(3):
        first.push(Request(f"http://127.0.0.1/{n}.html"))
    first.push(Request("http://127.0.0.1/urgent.html", priority=5))
    token, urgent = first.pop_leased() or ("", None)
    assert urgent is not None
    assert urgent.url.endswith("urgent.html")
    assert [r.url[-6:] for r in (second.pop(), second.pop())] == ["0.html", "1.html"]
    assert (len(first), first.leased_count(), second.leased_count()) == (1, 1, 2)
    first.ack([token])
    assert first.leased_count() == 0
    # b dies holding two requests: they go back in line ahead of what came later.
    client.hset(first.workers_key, "b", json.dumps({"beat": 0}))
    assert first.requeue_worker("b") == 2
    assert [r.url[-6:] for r in (first.pop(), first.pop(), first.pop())] == ["0.html", "1.html", "2.html"]
    assert first.pop() is None
    assert client.hexists(first.workers_key, "b") == 0


def test_keys_are_scoped_by_crawl_id_and_bad_settings_are_refused() -> None:
    a = redis_settings("redis://h:6379/0", run_id="2026-11-28-x", shard="w1", idle_seconds=5)
    b = redis_settings("redis://h:6379/0?prefix=ds2", run_id="2026-11-29-x", shard="w1", idle_seconds=5)
    assert a["SCHEDULER_DUPEFILTER_KEY"] != b["SCHEDULER_DUPEFILTER_KEY"]
    assert str(b["SCHEDULER_QUEUE_KEY"]).startswith("ds2:crawl:2026-11-29-x:")
    assert b["REDIS_URL"] == "redis://h:6379/0"
    assert b["NEWSSPIDER_STATE"] == "redis://h:6379/0?prefix=ds2"
    assert default_crawl_id(["b", "a"], day="2026-11-28") == default_crawl_id(["a", "b"], day="2026-11-28")
    for bad in ({"shard": "w.1"}, {"shard": ""}, {"idle_seconds": -1.0}):
        kwargs: dict[str, Any] = {"run_id": "x", "shard": "w1", "idle_seconds": 1.0, **bad}
        with pytest.raises(ValueError):
            redis_settings("redis://h:6379/0", **kwargs)
    with pytest.raises(ValueError):
        redis_settings("http://h:6379/0", run_id="x", shard="w1", idle_seconds=1)


class _Planted:
    """What an attacker with write access to Redis would queue: unpickling it runs code."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (Path(os.environ["PLANTED_MARKER"]),))


def test_queued_requests_are_json_and_a_planted_pickle_is_never_run(
    redis_base: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pickle

    client = redis.Redis.from_url(f"{redis_base}/4")
    client.flushdb()
    spider = Spider(name="provincial")
    queue = LeasedQueue(client, spider, crawl_namespace(f"{redis_base}/4", "json") + ":requests")
    queue.bind("a")
    body = "name=中文&page=2".encode()
    queue.push(Request("http://127.0.0.1/列表.html", method="POST", body=body, meta={"ns_page": 2}))
    (member,) = client.zrange(queue.key, 0, -1)
    assert json.loads(member[13:])["meta"] == {"ns_page": 2}
    token, back = queue.pop_leased() or ("", None)
    assert back is not None
    assert (back.method, back.body, back.meta["ns_page"]) == ("POST", body, 2)
    queue.ack([token])
    marker = tmp_path / "planted"
    monkeypatch.setenv("PLANTED_MARKER", str(marker))
    client.zadd(queue.key, {b"000000000009:" + pickle.dumps(_Planted()): 0})
    assert queue.pop() is None  # dropped (and logged), not run, and not left leased forever
    assert not marker.exists()
    assert (len(queue), queue.leased_count()) == (0, 0)


@crawl_test
def test_newsspider_crawl_redis_workers_share_one_output_folder(
    site: Replica, redis_base: str, tmp_path: Path
) -> None:
    """The CLI form: two ``newsspider crawl --redis`` workers on one --out (no lock clash), one crawl id."""
    site.reset()
    out = tmp_path / "out"
    redis_url = f"{redis_base}/7"
    workers = {}
    for shard in ("c1", "c2"):
        argv = [sys.executable, "-m", "newsspider.cli", "crawl", "--site", SITES, "--out", str(out),
                "--sites-dir", str(site.sites_dir), "--redis", redis_url, "--crawl-id", "cli", "--shard", shard,
                "--idle", "1.5", "--quiet"]  # fmt: skip
        settings = {**FAST, "NEWSSPIDER_ALLOW_PRIVATE_HOSTS": ",".join(site.private_hosts)}
        for key, value in settings.items():
            argv += ["-s", f"{key}={value}"]
        workers[shard] = subprocess.Popen(
            argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True
        )
    codes = wait_all(workers, timeout=90)
    assert EXIT_LOCKED not in codes.values(), codes
    urls = Counter(rec["url"] for rec in read_records(out))
    assert {u for u, n in urls.items() if n > 1} == set()
    assert set(urls) == expected_urls(site)
