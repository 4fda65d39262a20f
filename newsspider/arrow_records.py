"""Records as Arrow: the schema built from the record dataclasses, and the records' deep directive points
turned into JSON text below the levels Arrow's (non-recursive) types can hold, and back. Used by the Parquet
export and by loading a Parquet file (:mod:`newsspider.dataset`)."""

from __future__ import annotations

import json
import types
import typing
from dataclasses import fields, is_dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from newsspider.items import NewsArticle

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["MAX_NESTING", "arrow_schema", "from_arrow_records", "to_arrow_records"]

MAX_NESTING = 6
"""Directive points nest (一、 → （一） → 1． → ●); Arrow types cannot recurse, so the schema unrolls six
levels and stores anything deeper as JSON text in the sixth level's ``children`` (a list of strings)."""

_SCALARS: dict[Any, pa.DataType] = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}


def arrow_schema() -> pa.Schema:
    """The Arrow schema of a record, built from the dataclasses of :mod:`newsspider.items`."""
    hints = typing.get_type_hints(NewsArticle)
    return pa.schema([pa.field(f.name, _arrow_type(hints[f.name], ())) for f in fields(NewsArticle)])


def _unwrap(hint: Any) -> Any:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(inner) == 1:
            return inner[0]
    return hint


def _arrow_type(hint: Any, stack: tuple[type, ...]) -> pa.DataType:
    hint = _unwrap(hint)
    if typing.get_origin(hint) is list:
        return pa.list_(_arrow_type(typing.get_args(hint)[0], stack))
    if isinstance(hint, type) and is_dataclass(hint):
        if stack.count(hint) >= MAX_NESTING:
            return pa.string()
        hints = typing.get_type_hints(hint)
        return pa.struct([pa.field(f.name, _arrow_type(hints[f.name], (*stack, hint))) for f in fields(hint)])
    if hint in _SCALARS:
        return _SCALARS[hint]
    raise TypeError(f"no Arrow type for {hint!r}")


def _walk(value: Any, hint: Any, stack: tuple[type, ...], *, encode: bool) -> Any:
    """Turn the points below the last unrolled level into JSON text (encode) or back (decode)."""
    hint = _unwrap(hint)
    if value is None:
        return None
    if typing.get_origin(hint) is list:
        item = typing.get_args(hint)[0]
        return [_walk(v, item, stack, encode=encode) for v in value]
    if isinstance(hint, type) and is_dataclass(hint):
        if stack.count(hint) >= MAX_NESTING:
            if encode:
                return json.dumps(value, ensure_ascii=False)
            return json.loads(value) if isinstance(value, str) else value
        if not isinstance(value, dict):
            return value
        hints = typing.get_type_hints(hint)
        return {
            k: _walk(v, hints[k], (*stack, hint), encode=encode) if k in hints else v
            for k, v in value.items()
        }
    return value


def _nested_fields() -> dict[str, Any]:
    hints = typing.get_type_hints(NewsArticle)
    return {n: h for n, h in hints.items() if _deep(h)}


def _deep(hint: Any) -> bool:
    hint = _unwrap(hint)
    if typing.get_origin(hint) is list:
        return _deep(typing.get_args(hint)[0])
    return isinstance(hint, type) and is_dataclass(hint)


def to_arrow_records(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records ready for ``pa.Table.from_pylist(..., schema=arrow_schema())``."""
    nested = _nested_fields()
    return [
        {k: _walk(v, nested[k], (), encode=True) if k in nested else v for k, v in r.items()} for r in records
    ]


def from_arrow_records(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The inverse of :func:`to_arrow_records` (deep directive points back to dicts)."""
    nested = _nested_fields()
    return [
        {k: _walk(v, nested[k], (), encode=False) if k in nested else v for k, v in r.items()}
        for r in records
    ]
