"""A record as JSON: the plain dict of an item (nested dataclasses included), its one-line UTF-8 form as
stored, and the state entry of a stored record (the fields a version is decided on)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from itemadapter import ItemAdapter, is_item

from pipelines.state import SeenEntry, title_hash

__all__ = ["ENTRY_FIELDS", "as_record", "dump_line", "entry_of"]


def _dataclass_object(value: Any) -> bool:
    """A dataclass instance whose fields are its ``vars()``, in declaration order (no ``__slots__``)."""
    return dataclasses.is_dataclass(value) and not isinstance(value, type) and hasattr(value, "__dict__")


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if _dataclass_object(value):
        return {k: _plain(v) for k, v in vars(value).items()}
    return ItemAdapter(value).asdict() if is_item(value) else value


def as_record(item: Any) -> dict[str, Any]:
    """The item as a plain dict, nested dataclasses included, fields in declaration order.

    ``ItemAdapter(item).asdict()`` gives the same result for our dataclass items but took about a third of
    the pipelines' CPU time (benchmarks/pipeline.py); other item types still go through it.
    """
    if isinstance(item, dict) or (dataclasses.is_dataclass(item) and hasattr(item, "__dict__")):
        record: dict[str, Any] = _plain(item)
        return record
    return ItemAdapter(item).asdict()


def _json_default(value: Any) -> Any:
    """Items and dataclasses nested anywhere, as :func:`as_record` converts them."""
    if _dataclass_object(value):
        return vars(value)
    if is_item(value):
        return ItemAdapter(value).asdict()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dump_line(obj: Any) -> bytes:
    """One JSON object (a dict, an item, a dataclass) as one UTF-8 line, Chinese unescaped.

    An item is written as :func:`as_record` would give it; the encoder calls back only for the item and its
    nested dataclasses, instead of Python walking every paragraph first.
    """
    line = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=_json_default)
    return (line + "\n").encode("utf-8")


# What the state entry and the file of a record are made of.
ENTRY_FIELDS = (
    "url",
    "canonical_url",
    "content_hash",
    "title",
    "version",
    "published_at",
    "fetched_at",
    "site",
)


def entry_of(record: dict[str, Any]) -> SeenEntry:
    """The state entry of a written record."""
    return SeenEntry(
        url=record.get("canonical_url") or record["url"],
        content_hash=record.get("content_hash") or "",
        title_hash=title_hash(record.get("title") or ""),
        version=int(record.get("version") or 1),
        published_at=record.get("published_at"),
        last_seen=record.get("fetched_at") or "",
        site=record.get("site"),
    )
