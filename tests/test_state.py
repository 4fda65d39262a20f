"""The state store protocol, on both backends: SQLite (always) and Redis (a real redis-server on 127.0.0.1).

Without a redis-server binary the Redis cases skip with a message, except when NEWSSPIDER_REQUIRE_REDIS=1
(CI), where they fail: a distributed crawl must never ship untested.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import time
import uuid
from typing import TYPE_CHECKING

import pytest
import redis

from pipelines.state import DeadLink, RemovedEvent, SeenEntry, StateError, UrlState, open_state
from pipelines.state_redis import RedisStateStore
from pipelines.state_sqlite import SqliteStateStore
from tests.net import free_port

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from pipelines.state import StateStore

URL = "http://www.shanxi.gov.cn/yw/sxyw/202002/t20200218_123456.shtml"
OTHER = "http://www.shanxi.gov.cn/yw/sxyw/202002/t20200218_654321.shtml"


def entry(url: str = URL, chash: str = "a" * 64, version: int = 1, **more: str | None) -> SeenEntry:
    return SeenEntry(
        url=url,
        content_hash=chash,
        title_hash="t" * 16,
        version=version,
        published_at=more.get("published_at", "2020-02-18T19:58:03+08:00"),
        last_seen=more.get("last_seen") or "2020-02-19T01:02:03+00:00",
        site="shanxi-gov",
    )


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server not installed (apt-get install -y redis-server); Redis state store untested"
        if os.environ.get("NEWSSPIDER_REQUIRE_REDIS") == "1":
            pytest.fail(message + " but NEWSSPIDER_REQUIRE_REDIS=1")
        pytest.skip(message)
    workdir = tmp_path_factory.mktemp("redis")
    port = free_port()
    proc = subprocess.Popen(
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"redis-server did not start on port {port}")
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(params=["sqlite", "redis"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], StateStore]:
    """Opens (and re-opens) one store; each test gets a fresh database or key prefix."""
    if request.param == "sqlite":
        return lambda: open_state("", tmp_path)
    url = request.getfixturevalue("redis_url")
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    return lambda: open_state(f"{url}?prefix={prefix}", tmp_path)


def test_backend_chosen_by_spec(tmp_path: Path) -> None:
    default = open_state("", tmp_path)
    assert isinstance(default, SqliteStateStore)
    assert default.path == tmp_path / "state.sqlite"
    custom = open_state(str(tmp_path / "elsewhere" / "s.db"), tmp_path)
    assert isinstance(custom, SqliteStateStore)
    assert (tmp_path / "elsewhere" / "s.db").exists()
    assert isinstance(open_state("redis://127.0.0.1:1/0", tmp_path), RedisStateStore)


def test_sqlite_uses_wal_so_readers_never_block_the_crawl(tmp_path: Path) -> None:
    open_state("", tmp_path).close()
    mode = sqlite3.connect(tmp_path / "state.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_marks_survive_reopen(opener: Callable[[], StateStore]) -> None:
    store = opener()
    assert store.get(URL) is None
    store.commit([entry(), entry(url=URL + "?id=2", chash="b" * 64)], {})
    store.close()
    again = opener()
    assert again.get(URL) == entry()
    assert again.count() == 2


def test_new_version_replaces_the_entry(opener: Callable[[], StateStore]) -> None:
    store = opener()
    store.commit([entry()], {})
    store.commit([entry(chash="c" * 64, version=2, published_at=None)], {})
    got = store.get(URL)
    assert got is not None
    assert (got.version, got.content_hash, got.published_at) == (2, "c" * 64, None)
    assert store.count() == 1


def test_hash_index_keeps_the_first_url(opener: Callable[[], StateStore]) -> None:
    store = opener()
    store.commit([entry()], {})
    store.commit([entry(url="https://www.sxrb.com/a.html")], {})
    assert store.url_for_hash("a" * 64) == URL
    assert store.url_for_hash("f" * 64) is None


def test_journal_advances_with_the_marks(opener: Callable[[], StateStore]) -> None:
    store = opener()
    store.journal_begin("shanxi-gov/2020-02-19.jsonl", 0)
    assert store.journal_pending() == {"shanxi-gov/2020-02-19.jsonl": 0}
    store.commit([entry()], {"shanxi-gov/2020-02-19.jsonl": 812})
    assert store.journal_pending() == {"shanxi-gov/2020-02-19.jsonl": 812}
    store.journal_clear("shanxi-gov/2020-02-19.jsonl")
    assert store.journal_pending() == {}


def test_touch_updates_last_seen_only(opener: Callable[[], StateStore]) -> None:
    store = opener()
    store.commit([entry()], {})
    store.touch(URL, "2020-03-01T00:00:00+00:00")
    store.touch("http://never.seen/", "2020-03-01T00:00:00+00:00")
    assert store.get(URL) == entry(last_seen="2020-03-01T00:00:00+00:00")
    assert store.get("http://never.seen/") is None


def test_alias_resolves_to_the_stored_article(opener: Callable[[], StateStore]) -> None:
    store = opener()
    store.add_alias("http://shanxi.gov.cn/old.html", URL)
    assert store.resolve("http://shanxi.gov.cn/old.html") is None  # target not written yet
    store.commit([entry()], {})
    assert store.resolve("http://shanxi.gov.cn/old.html") == entry()
    assert store.get("http://shanxi.gov.cn/old.html") is None


def test_removed_events_and_watermarks(opener: Callable[[], StateStore]) -> None:
    store = opener()
    event = RemovedEvent(
        url=URL,
        site="shanxi-gov",
        column="山西要闻",
        status=404,
        reason="http 404",
        at="2020-03-01T00:00:00+00:00",
    )
    store.record_removed(event)
    assert store.get_watermark("shanxi-gov", "山西要闻") is None
    store.set_watermark("shanxi-gov", "山西要闻", "2020-02-18")
    store.set_watermark("shanxi-gov", "山西要闻", "2020-02-19")
    store.close()
    again = opener()
    assert again.removed() == [event]
    assert again.get_watermark("shanxi-gov", "山西要闻") == "2020-02-19"
    assert again.get_watermark("shanxi-gov", "政务活动") is None


def test_dead_links_are_remembered(opener: Callable[[], StateStore]) -> None:
    store = opener()
    assert store.gone_at(URL) is None
    store.mark_gone(URL, 404, "2020-03-01T00:00:00+00:00")
    store.close()
    assert opener().gone_at(URL) == "2020-03-01T00:00:00+00:00"


def test_pagination_completeness_per_column(opener: Callable[[], StateStore]) -> None:
    store = opener()
    assert store.pagination_complete("shanxi-gov", "山西要闻") is False
    store.set_pagination_complete("shanxi-gov", "山西要闻", True)
    store.set_pagination_complete("shanxi-gov", "政务活动", False)
    store.close()
    again = opener()
    assert again.pagination_complete("shanxi-gov", "山西要闻") is True
    assert again.pagination_complete("shanxi-gov", "政务活动") is False


def test_latest_takedown_per_url(opener: Callable[[], StateStore]) -> None:
    store = opener()
    assert store.removed_at(URL) is None
    for at in ("2020-03-01T00:00:00+00:00", "2020-05-01T00:00:00+00:00"):
        store.record_removed(
            RemovedEvent(url=URL, site="shanxi-gov", column=None, status=404, reason="http 404", at=at)
        )
    store.close()
    again = opener()
    assert again.removed_at(URL) == "2020-05-01T00:00:00+00:00"
    assert again.removed_at(URL + "?id=2") is None


def test_each_404_of_a_dead_link_counts_one_miss(opener: Callable[[], StateStore]) -> None:
    store = opener()
    assert store.dead_link(URL) is None
    store.mark_gone(URL, 404, "2020-03-01T00:00:00+00:00")
    store.mark_gone(URL, 410, "2020-03-02T00:00:00+00:00")
    store.close()
    again = opener()
    assert again.dead_link(URL) == DeadLink(status=410, at="2020-03-02T00:00:00+00:00", misses=2)
    assert again.gone_at(URL) == "2020-03-02T00:00:00+00:00"


def test_links_refused_on_purpose_are_remembered(opener: Callable[[], StateStore]) -> None:
    store = opener()
    assert store.refused(URL) is None
    store.mark_refused(URL, "robots.txt", "2020-03-01T00:00:00+00:00")
    store.close()
    assert opener().refused(URL) == "robots.txt"


def test_what_a_listing_row_is_decided_on_comes_in_one_look_up(opener: Callable[[], StateStore]) -> None:
    store = opener()
    assert store.look_up(URL) == UrlState(entry=None, dead=None, refused=None)
    store.mark_gone(URL, 404, "2020-03-01T00:00:00+00:00")
    store.mark_refused(URL + "?r=1", "robots.txt", "2020-03-01T00:00:00+00:00")
    stored = entry(OTHER)
    store.commit([stored], {})
    store.add_alias(URL + "?alias=1", OTHER)
    store.close()
    again = opener()
    dead = DeadLink(status=404, at="2020-03-01T00:00:00+00:00", misses=1)
    assert again.look_up(URL) == UrlState(entry=None, dead=dead, refused=None)
    assert again.look_up(URL + "?r=1") == UrlState(entry=None, dead=None, refused="robots.txt")
    again.mark_refused(URL, "refused", "2020-03-02T00:00:00+00:00")
    assert again.look_up(URL) == UrlState(entry=None, dead=again.dead_link(URL), refused="refused")
    # A stored article, under its own URL and through an alias, as resolve() finds it.
    assert again.look_up(OTHER) == UrlState(entry=stored, dead=None, refused=None)
    assert again.look_up(URL + "?alias=1").entry == again.resolve(URL + "?alias=1") == stored


def test_a_versions_basis_comes_in_one_look_up(opener: Callable[[], StateStore]) -> None:
    store = opener()
    assert store.version_basis(URL, "b" * 64) == (None, None)
    stored = entry(OTHER, chash="b" * 64)
    store.commit([stored], {})
    # Another URL with the same content: its basis is no entry, and the URL the content was stored under.
    assert store.version_basis(URL, "b" * 64) == (None, OTHER)
    assert store.version_basis(OTHER, "c" * 64) == (stored, None)
    assert store.version_basis(OTHER, "b" * 64) == (store.get(OTHER), store.url_for_hash("b" * 64))


def test_a_state_file_of_the_previous_schema_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    old = sqlite3.connect(path)
    old.executescript(
        """
        CREATE TABLE removed (id INTEGER PRIMARY KEY, url TEXT NOT NULL, site TEXT, col TEXT,
            status INTEGER NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL);
        CREATE TABLE gone (url TEXT PRIMARY KEY, status INTEGER NOT NULL, at TEXT NOT NULL) WITHOUT ROWID;
        INSERT INTO gone VALUES ('http://a.gov.cn/1.html', 404, '2020-03-01T00:00:00+00:00');
        INSERT INTO removed (url, site, col, status, reason, at)
            VALUES ('http://a.gov.cn/2.html', 'a', NULL, 404, 'http 404', '2020-03-01T00:00:00+00:00');
        """
    )
    old.commit()
    old.close()
    store = open_state("", tmp_path)
    assert store.dead_link("http://a.gov.cn/1.html") == DeadLink(
        status=404, at="2020-03-01T00:00:00+00:00", misses=1
    )
    store.mark_gone("http://a.gov.cn/1.html", 404, "2020-03-02T00:00:00+00:00")
    assert store.dead_link("http://a.gov.cn/1.html") == DeadLink(
        status=404, at="2020-03-02T00:00:00+00:00", misses=2
    )
    assert store.removed_at("http://a.gov.cn/2.html") == "2020-03-01T00:00:00+00:00"
    store.close()
    # Reopening an upgraded file changes nothing.
    assert open_state("", tmp_path).dead_link("http://a.gov.cn/1.html") is not None


def test_redis_data_of_the_previous_version_is_read(redis_url: str) -> None:
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(redis_url)
    # As the previous version wrote them: a dead link without a miss count, takedowns only in the list.
    client.hset(f"{prefix}:gone", URL, "404\x1f2020-03-01T00:00:00+00:00")
    event = {"url": URL, "site": "shanxi-gov", "column": None, "status": 404, "reason": "http 404",
             "at": "2020-03-01T00:00:00+00:00"}  # fmt: skip
    client.rpush(f"{prefix}:removed", json.dumps(event))
    store = RedisStateStore(client, prefix=prefix)
    assert store.dead_link(URL) == DeadLink(status=404, at="2020-03-01T00:00:00+00:00", misses=1)
    store.record_removed(RemovedEvent(**{**event, "url": URL + "?id=2"}))  # a new takedown first
    assert store.removed_at(URL) == "2020-03-01T00:00:00+00:00"
    assert store.removed_at(URL + "?id=2") == "2020-03-01T00:00:00+00:00"


def test_a_folder_sqlite_cannot_write_in_is_named_not_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A read-only or immutable data folder: SQLite cannot create its -wal file beside a healthy database.
    # "Not a usable state database, move it away" was the wrong advice.
    from pipelines import state_sqlite

    SqliteStateStore(tmp_path / "state.sqlite").close()
    real_connect = sqlite3.connect

    class _NoWal(sqlite3.Connection):
        def execute(self, sql: str, *args: object) -> sqlite3.Cursor:  # type: ignore[override]
            if sql.startswith("PRAGMA journal_mode"):
                raise sqlite3.OperationalError("unable to open database file")
            return super().execute(sql, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(
        state_sqlite.sqlite3, "connect", lambda *a, **k: real_connect(*a, factory=_NoWal, **k)
    )
    monkeypatch.setattr(state_sqlite, "_writable", lambda folder: False)
    with pytest.raises(StateError, match=r"the folder .* is not writable"):
        SqliteStateStore(tmp_path / "state.sqlite")
    monkeypatch.setattr(state_sqlite, "_writable", lambda folder: True)
    with pytest.raises(StateError, match="not a usable state database"):
        SqliteStateStore(tmp_path / "state.sqlite")


def test_writable_folder_test(tmp_path: Path) -> None:
    from pipelines.state_sqlite import _writable

    assert _writable(tmp_path)
    (tmp_path / "a-file").write_text("x")
    assert not _writable(tmp_path / "a-file")
    assert not _writable(tmp_path / "missing")


def test_the_previous_version_can_still_write_a_state_file_this_one_made(tmp_path: Path) -> None:
    # A rollback: the older version's statements name no columns, so tables may only be added, not widened.
    store = open_state("", tmp_path)
    store.mark_gone("http://a.gov.cn/1.html", 404, "2020-03-01T00:00:00+00:00")
    store.mark_refused("http://a.gov.cn/2.html", "robots.txt", "2020-03-01T00:00:00+00:00")
    store.close()
    old = sqlite3.connect(tmp_path / "state.sqlite")
    old.execute("INSERT OR REPLACE INTO gone VALUES (?, ?, ?)", ("http://a.gov.cn/3.html", 410, "2020-03-02"))
    old.execute("INSERT INTO removed (url, site, col, status, reason, at) VALUES (?, ?, ?, ?, ?, ?)",
                ("http://a.gov.cn/4.html", "a", None, 404, "http 404", "2020-03-02"))  # fmt: skip
    old.commit()
    old.close()
    again = open_state("", tmp_path)
    assert again.dead_link("http://a.gov.cn/3.html") == DeadLink(status=410, at="2020-03-02", misses=1)
    again.close()


def test_an_interim_state_file_with_the_miss_count_in_gone_is_narrowed(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    interim = sqlite3.connect(path)
    interim.executescript(
        """
        CREATE TABLE gone (url TEXT PRIMARY KEY, status INTEGER NOT NULL, at TEXT NOT NULL,
            misses INTEGER NOT NULL DEFAULT 1) WITHOUT ROWID;
        INSERT INTO gone VALUES ('http://a.gov.cn/1.html', 404, '2020-03-01T00:00:00+00:00', 3);
        """
    )
    interim.commit()
    interim.close()
    store = open_state("", tmp_path)
    assert store.dead_link("http://a.gov.cn/1.html") == DeadLink(
        status=404, at="2020-03-01T00:00:00+00:00", misses=3
    )
    store.close()
    columns = [row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(gone)")]
    assert columns == ["url", "status", "at"]
