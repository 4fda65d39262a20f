"""The Redis state store: the same protocol, shared by the workers of a distributed crawl.

Each key family is one Redis hash under a prefix (``newsspider:`` by default, ``?prefix=`` in the URL),
so one Redis database can hold several datasets. A batch of marks and its journal offsets go in one
MULTI/EXEC transaction: a worker killed mid-commit leaves either both or neither.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis

from pipelines.state import DeadLink, RemovedEvent, SeenEntry, UrlState

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["RedisStateStore"]

_SEP = "\x1f"  # unit separator: never part of a URL, a hash or an ISO date


def _pack(e: SeenEntry) -> str:
    return _SEP.join(
        [e.content_hash, e.title_hash, str(e.version), e.published_at or "", e.last_seen, e.site or ""]
    )


def _unpack(url: str, raw: bytes | str) -> SeenEntry:
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    chash, thash, version, published_at, last_seen, site = text.split(_SEP)
    return SeenEntry(
        url=url,
        content_hash=chash,
        title_hash=thash,
        version=int(version),
        published_at=published_at or None,
        last_seen=last_seen,
        site=site or None,
    )


def _text(raw: Any) -> str | None:
    if raw is None:
        return None
    return raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)


def _dead_link(raw: str | None) -> DeadLink | None:
    if not raw:
        return None
    status, at, *misses = raw.split(_SEP)  # no miss count: written before it was kept
    return DeadLink(status=int(status), at=at, misses=int(misses[0]) if misses else 1)


def _refusal(raw: str | None) -> str | None:
    return raw.split(_SEP)[0] if raw else None


class RedisStateStore:
    """:class:`pipelines.state.StateStore` on Redis."""

    def __init__(self, client: redis.Redis, prefix: str = "newsspider") -> None:
        self._r = client
        self._seen = f"{prefix}:seen"
        self._hashes = f"{prefix}:hashes"
        self._aliases = f"{prefix}:aliases"
        self._watermarks = f"{prefix}:watermarks"
        self._removed = f"{prefix}:removed"
        self._journal = f"{prefix}:journal"
        self._gone = f"{prefix}:gone"
        self._removed_at = f"{prefix}:removed_at"
        self._refused = f"{prefix}:refused"
        self._removed_indexed = False
        self._columns = f"{prefix}:columns"

    @classmethod
    def from_url(cls, url: str) -> RedisStateStore:
        """``redis://host:port/db[?prefix=name]``; the prefix defaults to ``newsspider``."""
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        prefix = next((v for k, v in query if k == "prefix"), "newsspider")
        rest = urlencode([(k, v) for k, v in query if k != "prefix"])
        client = redis.Redis.from_url(urlunsplit(parts._replace(query=rest)))
        return cls(client, prefix=prefix)

    def get(self, url: str) -> SeenEntry | None:
        raw = self._r.hget(self._seen, url)
        return _unpack(url, raw) if raw is not None else None

    def resolve(self, url: str) -> SeenEntry | None:
        found = self.get(url)
        if found is not None:
            return found
        target = _text(self._r.hget(self._aliases, url))
        return self.get(target) if target else None

    def url_for_hash(self, content_hash: str) -> str | None:
        return _text(self._r.hget(self._hashes, content_hash))

    def version_basis(self, url: str, content_hash: str) -> tuple[SeenEntry | None, str | None]:
        pipe = self._r.pipeline(transaction=False)
        pipe.hget(self._seen, url)
        pipe.hget(self._hashes, content_hash)
        raw, owner = pipe.execute()
        return (_unpack(url, raw) if raw is not None else None), _text(owner)

    def commit(self, entries: Sequence[SeenEntry], journal: Mapping[str, int]) -> None:
        pipe = self._r.pipeline(transaction=True)
        if entries:
            pipe.hset(self._seen, mapping={e.url: _pack(e) for e in entries})
            for e in entries:
                pipe.hsetnx(self._hashes, e.content_hash, e.url)
        if journal:
            pipe.hset(self._journal, mapping={k: str(v) for k, v in journal.items()})
        pipe.execute()

    def journal_begin(self, path: str, offset: int) -> None:
        self._r.hset(self._journal, path, offset)

    def journal_pending(self) -> dict[str, int]:
        raw: dict[Any, Any] = self._r.hgetall(self._journal)
        return {str(_text(k)): int(v) for k, v in raw.items()}

    def journal_clear(self, path: str) -> None:
        self._r.hdel(self._journal, path)

    def touch(self, url: str, when: str) -> None:
        found = self.get(url)
        if found is not None:
            pack = _pack(found)
            parts = pack.split(_SEP)
            parts[4] = when
            self._r.hset(self._seen, url, _SEP.join(parts))

    def add_alias(self, alias: str, url: str) -> None:
        self._r.hset(self._aliases, alias, url)

    def record_removed(self, event: RemovedEvent) -> None:
        self._index_removed()
        pipe = self._r.pipeline(transaction=True)
        pipe.rpush(self._removed, json.dumps(event.__dict__, ensure_ascii=False))
        pipe.hset(self._removed_at, event.url, event.at)
        pipe.execute()

    def removed(self) -> list[RemovedEvent]:
        raw: list[Any] = self._r.lrange(self._removed, 0, -1)
        return [RemovedEvent(**json.loads(item)) for item in raw]

    def removed_at(self, url: str) -> str | None:
        self._index_removed()
        return _text(self._r.hget(self._removed_at, url))

    def _index_removed(self) -> None:
        """Build the URL → latest takedown index once from the event list (a store written before the
        index existed); the ``_SEP`` field says it is built."""
        if self._removed_indexed:
            return
        if not self._r.hexists(self._removed_at, _SEP):
            events = self.removed()
            pipe = self._r.pipeline(transaction=True)
            if events:  # oldest first: each URL keeps its latest takedown
                pipe.hset(self._removed_at, mapping={e.url: e.at for e in events})
            pipe.hset(self._removed_at, _SEP, "1")
            pipe.execute()
        self._removed_indexed = True

    def mark_gone(self, url: str, status: int, at: str) -> None:
        # Read then write: two workers marking one dead link at once count one miss, which only shortens
        # the next wait.
        before = self.dead_link(url)
        misses = before.misses + 1 if before else 1
        self._r.hset(self._gone, url, f"{status}{_SEP}{at}{_SEP}{misses}")

    def gone_at(self, url: str) -> str | None:
        found = self.dead_link(url)
        return found.at if found else None

    def dead_link(self, url: str) -> DeadLink | None:
        return _dead_link(_text(self._r.hget(self._gone, url)))

    def mark_refused(self, url: str, reason: str, at: str) -> None:
        self._r.hset(self._refused, url, f"{reason}{_SEP}{at}")

    def refused(self, url: str) -> str | None:
        return _refusal(_text(self._r.hget(self._refused, url)))

    def look_up(self, url: str) -> UrlState:
        # One round trip for what every article row needs (a second only for an alias): in a distributed
        # crawl each round trip is a wait of the crawl's only thread.
        pipe = self._r.pipeline(transaction=False)
        pipe.hget(self._seen, url)
        pipe.hget(self._aliases, url)
        pipe.hget(self._gone, url)
        pipe.hget(self._refused, url)
        raw, target, gone, refused = pipe.execute()
        if raw is not None:
            entry: SeenEntry | None = _unpack(url, raw)
        else:
            alias = _text(target)
            entry = self.get(alias) if alias else None
        return UrlState(entry=entry, dead=_dead_link(_text(gone)), refused=_refusal(_text(refused)))

    def clear_refused(self, url: str) -> None:
        self._r.hdel(self._refused, url)

    def get_watermark(self, site: str, column: str) -> str | None:
        return _text(self._r.hget(self._watermarks, f"{site}{_SEP}{column}"))

    def set_watermark(self, site: str, column: str, value: str) -> None:
        self._r.hset(self._watermarks, f"{site}{_SEP}{column}", value)

    def pagination_complete(self, site: str, column: str) -> bool:
        return _text(self._r.hget(self._columns, f"{site}{_SEP}{column}")) == "1"

    def set_pagination_complete(self, site: str, column: str, complete: bool) -> None:
        self._r.hset(self._columns, f"{site}{_SEP}{column}", "1" if complete else "0")

    def count(self) -> int:
        return int(self._r.hlen(self._seen))

    def close(self) -> None:
        self._r.close()
