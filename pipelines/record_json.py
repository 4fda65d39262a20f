"""A record as JSON: the plain dict of an item (nested dataclasses included), its one-line UTF-8 form as
stored, and the state entry of a stored record (the fields a version is decided on)."""

from __future__ import annotations

import dataclasses
import functools
import json
import typing
from typing import Any

import orjson
from itemadapter import ItemAdapter, is_item

from newsspider.items import declared_types
from pipelines.state import SeenEntry, title_hash

__all__ = ["ENTRY_FIELDS", "as_record", "dump_line", "entry_of", "json_view"]


# Dates and times go to _json_default, which refuses them as json.dumps does: a record holds ISO strings.
_ORJSON_OPTIONS = orjson.OPT_APPEND_NEWLINE | orjson.OPT_PASSTHROUGH_DATETIME


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

    Through orjson and back, in C: half the time of a walk in Python over every field and paragraph, and a
    sixth of ``ItemAdapter(item).asdict()``'s. NaN and infinities, which JSON has not, become None, as
    :func:`dump_line` writes them; what orjson refuses (see there) is walked in Python.
    """
    if isinstance(item, dict) or (dataclasses.is_dataclass(item) and hasattr(item, "__dict__")):
        try:
            record: dict[str, Any] = orjson.loads(
                orjson.dumps(item, default=_json_default, option=_ORJSON_OPTIONS)
            )
        except orjson.JSONEncodeError:
            record = _plain(item)
        return record
    return ItemAdapter(item).asdict()


def _holds_dataclass(hint: Any) -> bool:
    return dataclasses.is_dataclass(hint) or any(_holds_dataclass(arg) for arg in typing.get_args(hint))


@functools.cache
def _nested_fields(cls: type) -> tuple[str, ...] | None:
    """The fields of a record class whose declared type holds dataclasses (images, directives...), or None
    when the declarations do not resolve."""
    hints = declared_types(cls)
    if hints is None:
        return None
    return tuple(field.name for field in dataclasses.fields(cls) if _holds_dataclass(hints.get(field.name)))


def json_view(item: Any) -> dict[str, Any]:
    """The item's values as JSON would give them, to read only: a record's own ``vars()`` when every field
    that may hold a dataclass is empty (most records: converting them was half of validating them), else
    :func:`as_record`. A value of another type than declared is left as it is, for a check to refuse."""
    if _dataclass_object(item):
        record_class: type = type(item)
        nested = _nested_fields(record_class)
        if nested is not None and not any(getattr(item, name) for name in nested):
            fields: dict[str, Any] = vars(item)
            return fields
    return as_record(item)


def _json_default(value: Any) -> Any:
    """Items and dataclasses nested anywhere, as :func:`as_record` converts them."""
    if _dataclass_object(value):
        return vars(value)
    if is_item(value):
        return ItemAdapter(value).asdict()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dump_line(obj: Any) -> bytes:
    """One JSON object (a dict, an item, a dataclass) as one UTF-8 line, Chinese unescaped.

    An item is written as :func:`as_record` would give it. orjson writes the same bytes as
    ``json.dumps(ensure_ascii=False, separators=(",", ":"))`` for what a record holds (dataclasses in field
    order, strings, integers, lists, string-keyed dicts) in a quarter of the time: the biggest part of the
    store pipeline's cost. What orjson refuses (a non-string key, an integer over 64 bits, a lone surrogate,
    a date) takes the json module's path, which writes or refuses it as before.
    """
    try:
        return orjson.dumps(obj, default=_json_default, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
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
