"""A reliable shared request queue on Redis: popping leases a request to a worker until it is acked.

scrapy-redis's own queues pop destructively (``ZRANGE`` + ``ZREMRANGEBYRANK``): a worker killed after the pop
and before the download takes the request with it, and the crawl silently misses a page. Here a pop moves the
request into the worker's lease hash in the same Lua script, an ack (the request was downloaded and its
callback's output, records and follow-up requests, fully handled) deletes the lease, and a worker whose
heartbeat went stale gets its leases put back in the queue by a survivor (:meth:`LeasedQueue.requeue_worker`).

Keys under one crawl namespace (``<prefix>:crawl:<crawl id>``):

- ``…:requests``: sorted set, score ``-priority`` (as scrapy-redis), member ``<12-digit seq>:<request>``
  so equal priorities pop first in, first out and the same request may be queued twice (a retry);
- ``…:seq``: the sequence counter;
- ``…:leases:<worker>``: hash, lease token → ``<score>\\n<member>``, what that worker holds right now.
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
from typing import TYPE_CHECKING, Any, cast

from scrapy_redis.queue import Base

if TYPE_CHECKING:
    from collections.abc import Callable

    import redis
    from scrapy import Request, Spider

__all__ = ["JsonRequests", "LeasedQueue", "leases_key"]

logger = logging.getLogger(__name__)

_PUSH = """
local seq = redis.call('INCR', KEYS[2])
redis.call('ZADD', KEYS[1], ARGV[1], string.format('%012d', seq) .. ':' .. ARGV[2])
return seq
"""

_POP = """
local found = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #found == 0 then return false end
redis.call('ZREM', KEYS[1], found[1])
redis.call('HSET', KEYS[2], ARGV[1], found[2] .. '\\n' .. found[1])
return found[1]
"""

# Lease one given member, if nobody took it since we looked.
_TAKE = """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[2] .. '\\n' .. ARGV[1])
return 1
"""

# Put every lease of a worker back in the queue with its original score and member (so its place in line),
# and forget the worker: one script, so two survivors reaping the same worker cannot both re-queue.
_REQUEUE = """
local leased = redis.call('HVALS', KEYS[2])
for _, value in ipairs(leased) do
  local cut = string.find(value, '\\n', 1, true)
  redis.call('ZADD', KEYS[1], tonumber(string.sub(value, 1, cut - 1)), string.sub(value, cut + 1))
end
redis.call('DEL', KEYS[2])
redis.call('HDEL', KEYS[3], ARGV[1])
return #leased
"""


class JsonRequests:
    """Request dicts (``Request.to_dict``) as JSON, bytes as base64: scrapy-redis's default is pickle, and
    unpickling what is in a shared Redis would let anyone who can write to it run code on every worker."""

    @staticmethod
    def dumps(obj: Any) -> bytes:
        return json.dumps(_encode(obj), ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @staticmethod
    def loads(data: bytes) -> Any:
        return _decode(json.loads(data))


def _encode(obj: Any) -> Any:
    if isinstance(obj, bytes):
        return {"$b": base64.b64encode(obj).decode("ascii")}
    if isinstance(obj, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in obj):
            return {k: _encode(v) for k, v in obj.items()}
        return {"$d": [[_encode(k), _encode(v)] for k, v in obj.items()]}  # bytes keys: headers
    if isinstance(obj, list | tuple):
        return [_encode(v) for v in obj]
    if obj is None or isinstance(obj, str | int | float):
        return obj
    raise TypeError(f"a queued request cannot carry a {type(obj).__name__} (in its meta or cb_kwargs)")


def _decode(obj: Any) -> Any:
    if isinstance(obj, list):
        return [_decode(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "$b" in obj:
        return base64.b64decode(obj["$b"])
    if "$d" in obj:
        return {_decode(k): _decode(v) for k, v in obj["$d"]}
    return {k: _decode(v) for k, v in obj.items()}


def leases_key(namespace: str, worker: str) -> str:
    return f"{namespace}:leases:{worker}"


class LeasedQueue(Base):  # type: ignore[misc]  # scrapy-redis ships no type hints
    """A scrapy-redis queue class (``SCHEDULER_QUEUE_CLASS``) whose pops are leases.

    The scheduler calls :meth:`bind` once it knows the worker id; until then pops are refused, so no request
    is ever taken without a lease to hold it.
    """

    def __init__(self, server: redis.Redis, spider: Spider, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer or JsonRequests)
        self.namespace = key.rsplit(":", 1)[0]
        self.seq_key = f"{self.namespace}:seq"
        self.workers_key = f"{self.namespace}:workers"
        self.worker = ""
        self._tokens = itertools.count(1)
        self._push = server.register_script(_PUSH)
        self._pop = server.register_script(_POP)
        self._take = server.register_script(_TAKE)
        self._requeue = server.register_script(_REQUEUE)

    def bind(self, worker: str) -> None:
        self.worker = worker

    @property
    def leases(self) -> str:
        return leases_key(self.namespace, self.worker)

    def __len__(self) -> int:
        return int(self.server.zcard(self.key))

    def push(self, request: Request) -> None:
        self._push(keys=[self.key, self.seq_key], args=[-request.priority, self._encode_request(request)])

    def pop(self, timeout: int = 0) -> Request | None:
        """The next request, leased to this worker; ``.meta`` is untouched (the scheduler keeps the token)."""
        leased = self.pop_leased()
        return leased[1] if leased else None

    def pop_leased(self) -> tuple[str, Request] | None:
        if not self.worker:
            raise RuntimeError("LeasedQueue.pop before bind(worker): a request would be taken unleased")
        while True:
            token = str(next(self._tokens))
            member = self._pop(keys=[self.key, self.leases], args=[token])
            if not member:
                return None
            request = self._decode(member)
            if request is not None:
                return token, request
            self.ack([token])

    def _decode(self, member: bytes) -> Request | None:
        """The request of a queue member (past its ``<12-digit seq>:``); None, logged, when unreadable."""
        try:
            return cast("Request", self._decode_request(bytes(member)[13:]))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            logger.error("dropped an unreadable queued request (%s): %r", exc, bytes(member)[:200])
            return None

    def pop_leased_if(self, accept: Callable[[Request], bool], look: int = 16) -> tuple[str, Request] | None:
        """The first of the ``look`` next requests that ``accept`` takes, leased to this worker.

        Why not plain :meth:`pop_leased`: the queue is one line for every host, and a worker that pops
        whatever comes first hoards requests for a host it may only fetch once a second (its download
        slot queues them locally) while other workers sit idle.
        """
        if not self.worker:
            raise RuntimeError("LeasedQueue.pop before bind(worker): a request would be taken unleased")
        candidates: list[tuple[bytes, float]] = self.server.zrange(self.key, 0, look - 1, withscores=True)
        for member, score in candidates:
            request = self._decode(member)
            if request is None:
                self.server.zrem(self.key, member)
                continue
            if not accept(request):
                continue
            token = str(next(self._tokens))
            if self._take(keys=[self.key, self.leases], args=[member, repr(float(score)), token]):
                return token, request
        return None

    def ack(self, tokens: list[str]) -> None:
        if tokens:
            self.server.hdel(self.leases, *tokens)

    def leased_count(self, worker: str | None = None) -> int:
        return int(self.server.hlen(leases_key(self.namespace, worker or self.worker)))

    def requeue_worker(self, worker: str) -> int:
        """Put ``worker``'s leased requests back in the queue and forget the worker; how many came back."""
        keys = [self.key, leases_key(self.namespace, worker), self.workers_key]
        return int(self._requeue(keys=keys, args=[worker]))

    def clear(self) -> None:
        self.server.delete(self.key, self.seq_key)
