"""The SQLite state store: one WAL-mode file beside the data (``DATA/state.sqlite``)."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pipelines.state import DeadLink, RemovedEvent, SeenEntry, StateError, UrlState

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

__all__ = ["SqliteStateStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (
    url TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    title_hash TEXT NOT NULL,
    version INTEGER NOT NULL,
    published_at TEXT,
    last_seen TEXT NOT NULL,
    site TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hashes (content_hash TEXT PRIMARY KEY, url TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS aliases (alias TEXT PRIMARY KEY, url TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS watermarks (
    site TEXT NOT NULL, col TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (site, col)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS removed (
    id INTEGER PRIMARY KEY, url TEXT NOT NULL, site TEXT, col TEXT, status INTEGER NOT NULL,
    reason TEXT NOT NULL, at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS removed_by_url ON removed (url, at);
CREATE TABLE IF NOT EXISTS gone (url TEXT PRIMARY KEY, status INTEGER NOT NULL, at TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS gone_misses (url TEXT PRIMARY KEY, misses INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS refused (url TEXT PRIMARY KEY, reason TEXT NOT NULL, at TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS columns (
    site TEXT NOT NULL, col TEXT NOT NULL, complete INTEGER NOT NULL, PRIMARY KEY (site, col)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS journal (path TEXT PRIMARY KEY, "offset" INTEGER NOT NULL) WITHOUT ROWID;
"""


def _migrate(db: sqlite3.Connection) -> None:
    """Bring a state file up to the schema with new tables only, never new columns in old ones: an older
    version writes ``INSERT … VALUES`` without column names, which a wider table refuses, so a rollback
    would break. A file from an interim version that kept the miss count in ``gone`` itself moves it out."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(gone)")}
    if "misses" in columns:
        db.execute("INSERT OR IGNORE INTO gone_misses SELECT url, misses FROM gone")
        db.execute("ALTER TABLE gone DROP COLUMN misses")


_SELECT = "SELECT url, content_hash, title_hash, version, published_at, last_seen, site FROM seen"
# The stored entry of the URL (its own, else the one its alias points to), its dead-link and refusal marks.
_LOOK_UP = (
    "SELECT s.url, s.content_hash, s.title_hash, s.version, s.published_at, s.last_seen, s.site, "
    "g.status, g.at, coalesce(m.misses, 1), r.reason FROM (SELECT ? AS url) q "
    "LEFT JOIN seen s ON s.url = coalesce("
    "(SELECT url FROM seen WHERE url = q.url), (SELECT url FROM aliases WHERE alias = q.url)) "
    "LEFT JOIN gone g ON g.url = q.url LEFT JOIN gone_misses m ON m.url = q.url "
    "LEFT JOIN refused r ON r.url = q.url"
)
# The stored entry of the URL and the URL its content hash was first stored under (parameters: hash, URL).
_VERSION_BASIS = (
    "SELECT s.url, s.content_hash, s.title_hash, s.version, s.published_at, s.last_seen, s.site, "
    "(SELECT url FROM hashes WHERE content_hash = ?) FROM (SELECT ? AS url) q LEFT JOIN seen s ON s.url = q.url"
)


def _entry(row: Sequence[Any]) -> SeenEntry:
    url, chash, thash, version, published_at, last_seen, site = row
    return SeenEntry(
        url=url,
        content_hash=chash,
        title_hash=thash,
        version=version,
        published_at=published_at,
        last_seen=last_seen,
        site=site,
    )


def _writable(folder: Path) -> bool:
    # Trying is the only sure test: os.access says yes to root on an immutable (chattr +i) folder.
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


class SqliteStateStore:
    """:class:`pipelines.state.StateStore` on SQLite.

    WAL mode lets the dataset tools read while a crawl writes; ``synchronous=NORMAL`` may lose the last
    commits on power loss (never on a process kill), which only means a few articles are fetched again:
    the journal offset rolls back with the marks, so recovery re-reads those lines instead of writing
    them twice.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a batch of marks is one transaction.
        self._db = sqlite3.connect(str(path), isolation_level=None, timeout=30.0)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            _migrate(self._db)
            self._db.execute("SELECT count(*) FROM seen LIMIT 1").fetchone()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise StateError(f"{path}: the state database is locked by another process ({exc})") from exc
            if isinstance(exc, sqlite3.OperationalError) and (
                "disk is full" in str(exc) or "disk I/O error" in str(exc)
            ):
                raise StateError(
                    f"{path}: cannot write the state database ({exc}): is the disk full?"
                ) from exc
            if isinstance(exc, sqlite3.OperationalError) and not _writable(path.parent):
                # Not the database's fault: SQLite must create its -wal and -shm files beside it.
                raise StateError(
                    f"{path}: cannot open the state database: the folder {path.parent} is not writable ({exc})"
                ) from exc
            raise StateError(
                f"{path}: not a usable state database ({exc}). Move it away (the next run rebuilds the "
                "state from the data folder) or restore it from a backup."
            ) from exc

    def get(self, url: str) -> SeenEntry | None:
        row = self._db.execute(f"{_SELECT} WHERE url = ?", (url,)).fetchone()
        return _entry(row) if row else None

    def resolve(self, url: str) -> SeenEntry | None:
        found = self.get(url)
        if found is not None:
            return found
        alias = self._db.execute("SELECT url FROM aliases WHERE alias = ?", (url,)).fetchone()
        return self.get(alias[0]) if alias else None

    def url_for_hash(self, content_hash: str) -> str | None:
        row = self._db.execute("SELECT url FROM hashes WHERE content_hash = ?", (content_hash,)).fetchone()
        return str(row[0]) if row else None

    def version_basis(self, url: str, content_hash: str) -> tuple[SeenEntry | None, str | None]:
        row = self._db.execute(_VERSION_BASIS, (content_hash, url)).fetchone()
        owner = row[7]
        return _entry(row[:7]) if row[0] is not None else None, str(owner) if owner is not None else None

    def commit(self, entries: Sequence[SeenEntry], journal: Mapping[str, int]) -> None:
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO seen VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (e.url, e.content_hash, e.title_hash, e.version, e.published_at, e.last_seen, e.site)
                    for e in entries
                ],
            )
            self._db.executemany(
                "INSERT OR IGNORE INTO hashes VALUES (?, ?)", [(e.content_hash, e.url) for e in entries]
            )
            self._db.executemany("INSERT OR REPLACE INTO journal VALUES (?, ?)", list(journal.items()))

    def journal_begin(self, path: str, offset: int) -> None:
        self._db.execute("INSERT OR REPLACE INTO journal VALUES (?, ?)", (path, offset))

    def journal_pending(self) -> dict[str, int]:
        return {str(p): int(o) for p, o in self._db.execute('SELECT path, "offset" FROM journal')}

    def journal_clear(self, path: str) -> None:
        self._db.execute("DELETE FROM journal WHERE path = ?", (path,))

    def touch(self, url: str, when: str) -> None:
        self._db.execute("UPDATE seen SET last_seen = ? WHERE url = ?", (when, url))

    def add_alias(self, alias: str, url: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO aliases VALUES (?, ?)", (alias, url))

    def record_removed(self, event: RemovedEvent) -> None:
        self._db.execute(
            "INSERT INTO removed (url, site, col, status, reason, at) VALUES (?, ?, ?, ?, ?, ?)",
            (event.url, event.site, event.column, event.status, event.reason, event.at),
        )

    def removed(self) -> list[RemovedEvent]:
        rows = self._db.execute("SELECT url, site, col, status, reason, at FROM removed ORDER BY id")
        return [
            RemovedEvent(url=u, site=s, column=c, status=st, reason=r, at=a) for u, s, c, st, r, a in rows
        ]

    def removed_at(self, url: str) -> str | None:
        row = self._db.execute("SELECT max(at) FROM removed WHERE url = ?", (url,)).fetchone()
        return str(row[0]) if row and row[0] is not None else None

    def mark_gone(self, url: str, status: int, at: str) -> None:
        with self._transaction():
            # A dead link recorded without a count (by an older version) has missed once already.
            self._db.execute(
                "INSERT INTO gone_misses SELECT ?, 1 + EXISTS (SELECT 1 FROM gone WHERE url = ?) WHERE true "
                "ON CONFLICT (url) DO UPDATE SET misses = misses + 1",
                (url, url),
            )
            self._db.execute("INSERT OR REPLACE INTO gone VALUES (?, ?, ?)", (url, status, at))

    def dead_link(self, url: str) -> DeadLink | None:
        return self.look_up(url).dead

    def look_up(self, url: str) -> UrlState:
        row = self._db.execute(_LOOK_UP, (url,)).fetchone()
        status, at, misses, reason = row[7:]
        return UrlState(
            entry=_entry(row[:7]) if row[0] is not None else None,
            dead=DeadLink(status=int(status), at=str(at), misses=int(misses)) if status is not None else None,
            refused=str(reason) if reason is not None else None,
        )

    def mark_refused(self, url: str, reason: str, at: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO refused VALUES (?, ?, ?)", (url, reason, at))

    def refused(self, url: str) -> str | None:
        return self.look_up(url).refused

    def clear_refused(self, url: str) -> None:
        self._db.execute("DELETE FROM refused WHERE url = ?", (url,))

    def gone_at(self, url: str) -> str | None:
        row = self._db.execute("SELECT at FROM gone WHERE url = ?", (url,)).fetchone()
        return str(row[0]) if row else None

    def get_watermark(self, site: str, column: str) -> str | None:
        row = self._db.execute(
            "SELECT value FROM watermarks WHERE site = ? AND col = ?", (site, column)
        ).fetchone()
        return str(row[0]) if row else None

    def set_watermark(self, site: str, column: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO watermarks VALUES (?, ?, ?)", (site, column, value))

    def pagination_complete(self, site: str, column: str) -> bool:
        row = self._db.execute(
            "SELECT complete FROM columns WHERE site = ? AND col = ?", (site, column)
        ).fetchone()
        return bool(row and row[0])

    def set_pagination_complete(self, site: str, column: str, complete: bool) -> None:
        self._db.execute("INSERT OR REPLACE INTO columns VALUES (?, ?, ?)", (site, column, int(complete)))

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM seen").fetchone()[0])

    def close(self) -> None:
        self._db.close()

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, rolled back on error (sqlite3's own context manager needs implicit BEGIN)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("ROLLBACK" if exc_type is not None else "COMMIT")
