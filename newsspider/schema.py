"""The published record schema (``data/schema.json``), generated from :mod:`newsspider.items`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter

from newsspider.items import SCHEMA_VERSION, NewsArticle

__all__ = ["SCHEMA_PATH", "record_schema", "schema_text"]

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "data" / "schema.json"


def record_schema() -> dict[str, Any]:
    """JSON Schema of one record, built from the dataclass type hints and attribute docstrings."""
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://newsspider.invalid/schema/v{SCHEMA_VERSION}/record.json",
        "title": "newsspider record",
    }
    schema.update(ItemAdapter.get_json_schema(NewsArticle))
    return schema


def schema_text() -> str:
    return json.dumps(record_schema(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"
