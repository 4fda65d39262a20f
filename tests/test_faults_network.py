"""Network faults: the real ``newsspider crawl`` against a server that resets, stalls, trickles, truncates,
loops and rate-limits (tests/faultserver.py). What a user relies on: each bad page is retried a bounded
number of times with backoff where the server asks for it, then given up and named in the run report
with its reason; the run finishes; every good article is written exactly once; nothing partial is stored.

Two crawls, run at once (module fixture), serve all the tests; they take ~12 s, most of it timeouts and
Retry-After seconds being waited out.
"""

from __future__ import annotations

import itertools
import subprocess
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from newsspider import settings
from newsspider.exitcodes import EXIT_FAILURES
from newsspider.middlewares.retry_after import backoff_seconds, parse_retry_after
from tests.faultserver import BROKEN_LISTING, FaultServer, finish, reports, start_crawl
from tests.records import read_records

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.e2e

CONNECTION_FAULTS = ("reset", "timeout", "trickle", "truncated", "loop", "pingpong-a")
RATE_FAULTS = ("ratelimited", "ratelimited-always", "storm")
ATTEMPTS = settings.RETRY_TIMES + 1
RECOVERED = ("ratelimited", "storm")
"""Faults the server gets over within the retries: their articles must be stored."""


def _run(server: FaultServer, proc: subprocess.Popen[str], out: Path, started: float) -> dict[str, Any]:
    done = finish(proc)
    elapsed = time.monotonic() - started
    (report,) = reports(out)
    return {
        "server": server,
        "done": done,
        "elapsed": elapsed,
        "records": read_records(out),
        "report": report,
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    """Two crawls at once (backoff holds the whole host, so rate limits get their own server): one of
    connection faults with a second, broken column, one of rate limits."""
    tmp = tmp_path_factory.mktemp("faults")
    with (
        FaultServer(faults=CONNECTION_FAULTS) as conn_server,
        FaultServer(faults=RATE_FAULTS, good=1) as rate_server,
    ):
        conn_server.profile(tmp / "conn-sites", broken_column=True)
        rate_server.profile(tmp / "rate-sites")
        started = time.monotonic()
        conn = start_crawl(tmp / "conn-sites", tmp / "conn-out")
        rate = start_crawl(tmp / "rate-sites", tmp / "rate-out")
        yield {
            "conn": _run(conn_server, conn, tmp / "conn-out", started),
            "rate": _run(rate_server, rate, tmp / "rate-out", started),
        }


@pytest.fixture
def conn(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return runs["conn"]


@pytest.fixture
def rate(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return runs["rate"]


def _failures(run: dict[str, Any]) -> dict[str, str]:
    return {f["url"]: f["reason"] for f in run["report"]["sites"]["faulty"]["failures"]}


def _reported(run: dict[str, Any]) -> dict[str, str]:
    """Every URL the report names, failed or skipped, with its reason."""
    site = run["report"]["sites"]["faulty"]
    named = {f["url"]: f["reason"] for f in site["skipped_urls"]}
    named.update(_failures(run))
    return named


def _gaps(server: FaultServer, name: str) -> list[float]:
    times = [h.at for h in server.hits(name)]
    return [b - a for a, b in itertools.pairwise(times)]


@pytest.mark.parametrize("which", ["conn", "rate"])
def test_the_run_finishes_with_every_good_article_written_once(
    runs: dict[str, dict[str, Any]], which: str
) -> None:
    run = runs[which]
    server: FaultServer = run["server"]
    assert run["done"].returncode == EXIT_FAILURES, run["done"].stderr[-3000:]
    assert run["report"]["finish_reason"] == "finished"
    urls = [r["url"] for r in run["records"]]
    assert len(urls) == len(set(urls)), "an article was written twice"
    recovered = [n for n in RECOVERED if n in server.faults]
    assert set(urls) == {server.url(n) for n in [*server.good, *recovered]}
    assert "Traceback" not in run["done"].stderr


@pytest.mark.parametrize("which", ["conn", "rate"])
def test_no_fault_hangs_the_run(runs: dict[str, dict[str, Any]], which: str) -> None:
    # Three 1 s timeouts per stalled page, a few backoff seconds; a hang would run into the 60 s kill.
    assert runs[which]["elapsed"] < 40


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("reset", "ConnectionLost"),
        ("timeout", "took longer than 1.0 seconds"),
        ("trickle", "took longer than 1.0 seconds"),
        ("truncated", "DataLoss"),
    ],
)
def test_a_broken_connection_is_retried_then_reported(conn: dict[str, Any], name: str, reason: str) -> None:
    server: FaultServer = conn["server"]
    # Twisted's connection pool itself resends once when a reused keep-alive connection drops.
    assert ATTEMPTS <= len(server.hits(name)) <= 2 * ATTEMPTS
    assert reason in _failures(conn)[server.url(name)]


def test_a_truncated_body_is_never_stored_as_an_article(conn: dict[str, Any]) -> None:
    server: FaultServer = conn["server"]
    assert server.url("truncated") not in {r["url"] for r in conn["records"]}


def test_429_waits_for_retry_after_then_stores_the_article(rate: dict[str, Any]) -> None:
    server: FaultServer = rate["server"]
    assert len(server.hits("ratelimited")) == 2
    assert _gaps(server, "ratelimited")[0] >= 0.9  # Retry-After: 1
    assert server.url("ratelimited") not in _reported(rate)
    assert rate["report"]["stats"]["newsspider/backoff/429"] >= 1


def test_429_for_ever_is_given_up_after_the_retries_each_after_retry_after(rate: dict[str, Any]) -> None:
    server: FaultServer = rate["server"]
    assert len(server.hits("ratelimited-always")) == ATTEMPTS
    assert all(gap >= 0.9 for gap in _gaps(server, "ratelimited-always"))
    assert _failures(rate)[server.url("ratelimited-always")] == "http 429"


def test_a_503_storm_backs_off_exponentially_then_stores_the_article(rate: dict[str, Any]) -> None:
    server: FaultServer = rate["server"]
    assert len(server.hits("storm")) == 3
    first, second = _gaps(server, "storm")
    assert first >= 0.9
    assert second >= 1.9  # NEWSSPIDER_BACKOFF_BASE 1 s, doubled per retry
    assert server.url("storm") in {r["url"] for r in rate["records"]}


def test_a_redirect_chain_is_cut_at_redirect_max_times_and_reported(conn: dict[str, Any]) -> None:
    server: FaultServer = conn["server"]
    assert len(server.hits("loop")) == settings.REDIRECT_MAX_TIMES + 1
    assert [u for u in _reported(conn) if u.startswith(server.url("loop"))]


def test_the_reason_for_a_cut_redirect_chain_says_so(conn: dict[str, Any]) -> None:
    server: FaultServer = conn["server"]
    (reason,) = [r for u, r in _reported(conn).items() if u.startswith(server.url("loop"))]
    assert "redirect" in reason


def test_a_redirect_ping_pong_is_reported(conn: dict[str, Any]) -> None:
    server: FaultServer = conn["server"]
    assert len(server.hits("pingpong-a")) <= 2
    assert server.url("pingpong-a") in _reported(conn)


def test_a_listing_that_fails_is_named_in_the_report(conn: dict[str, Any]) -> None:
    server: FaultServer = conn["server"]
    assert server.base + BROKEN_LISTING in str(conn["report"]["sites"]["faulty"])


def test_a_listing_that_fails_is_retried_counted_and_does_not_stop_the_other_column(
    conn: dict[str, Any],
) -> None:
    server: FaultServer = conn["server"]
    # Retried: at least one retry reached the server. Not always all of them: a retry can be written into a
    # keep-alive connection the server is resetting, and fail before the server reads it (seen twice on
    # 2026-11-28, 2 of 3 attempts logged); Scrapy still counts it as an attempt.
    assert 2 <= len([h for h in server.log() if h.path == BROKEN_LISTING]) <= 2 * ATTEMPTS
    assert conn["report"]["stats"]["newsspider/listing_failed/faulty"] == 1
    assert conn["report"]["sites"]["faulty"]["columns"]["要闻"]["new"] == len(server.good)


# -- the backoff arithmetic -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (b"120", 120.0),
        ("0", 0.0),
        ("Sat, 28 Nov 2026 12:00:30 GMT", 30.0),  # an HTTP date 30 s after "now"
        ("Sat, 28 Nov 2026 11:59:00 GMT", 0.0),  # already past: go now
        ("soon", None),
        ("-5", None),
        ("1.5", None),  # RFC 9110 allows only whole seconds
        (None, None),
    ],
)
def test_retry_after_values(value: bytes | str | None, seconds: float | None) -> None:
    now = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC).timestamp()
    assert parse_retry_after(value, now=now) == seconds


def test_backoff_obeys_the_server_within_the_cap_else_doubles() -> None:
    assert backoff_seconds(5.0, 0, base=1.0, cap=60.0) == 5.0
    assert backoff_seconds(86_400.0, 0, base=1.0, cap=60.0) == 60.0  # a day-long Retry-After is capped
    assert [backoff_seconds(None, n, base=1.0, cap=60.0) for n in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
